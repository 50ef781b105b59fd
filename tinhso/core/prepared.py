"""Hot-path SQL: the few statements every dossier submission runs, without the ORM's overhead.

The ORM compiles each query anew (in Python), and PostgreSQL plans it anew; for the token
look-up, the applicant's profile and the inserts of a submission that costs several times the
work itself. The helpers here build each statement once from the models' metadata and run it
through a Django cursor (so errors, transactions and query logging stay Django's) whose
statements PostgreSQL prepares once per connection and then only executes. On SQLite they use
the ordinary cursor: same SQL, same results.

Use them only where a profile shows the ORM's cost matters; everything else uses the ORM.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models

try:  # psycopg 3 (the PostgreSQL driver in pyproject.toml)
    import psycopg

    class _PreparingCursor(psycopg.Cursor):
        """A server-side-binding cursor that asks psycopg to prepare every statement."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            prepare = True if prepare is None else prepare
            return super().execute(query, params, prepare=prepare, binary=binary)

        def _maybe_prepare_gen(self, pgq, *args, **kwargs):
            # psycopg remembers the statement text only when it does not prepare it; Django's
            # debug cursor (DEBUG, tests' query capture) reads it from there.
            self._query = pgq
            return super()._maybe_prepare_gen(pgq, *args, **kwargs)

except ImportError:  # pragma: no cover - SQLite-only installations
    psycopg = None

# Django turns psycopg's automatic preparation off (prepare_threshold=None); explicit requests
# still need a threshold that is not None. Django's own cursors bind on the client side and are
# never prepared, whatever the threshold.
_NEVER_BY_COUNT = 2**31 - 1


def database():
    """The default database connection of this thread (looked up once, not per attribute as the
    ``django.db.connection`` proxy does: that costs more than the statements' own Python)."""
    return connections[DEFAULT_DB_ALIAS]


@contextmanager
def cursor(db=None) -> Iterator[Any]:
    """A Django cursor whose statements PostgreSQL prepares once per connection."""
    db = db or database()
    if db.vendor != "postgresql" or psycopg is None:
        with db.cursor() as plain:
            yield plain
        return
    db.close_if_health_check_failed()
    db.ensure_connection()
    raw = db.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _NEVER_BY_COUNT
    db.validate_thread_sharing()
    with db.wrap_database_errors:
        preparing = _PreparingCursor(raw)
    wrapped = db.make_debug_cursor(preparing) if db.queries_logged else db.make_cursor(preparing)
    with wrapped as prepared:
        yield prepared


def fetchone(db, sql: str, params: Sequence[Any]) -> tuple | None:
    """Run one prepared statement and return its first row: what ``with cursor(db) as c:
    c.execute(sql, params); c.fetchone()`` does, for the statements every request runs.

    On PostgreSQL, with no query logging and no execute wrapper installed, it skips Django's
    cursor wrappers (a third of the client's CPU for a one-row statement) and reuses one
    cursor per connection, but keeps their checks: the health check, the connection, the
    thread, a broken transaction, and Django's database exceptions. Elsewhere (SQLite, tests'
    query capture, ``DEBUG``) it goes through :func:`cursor`.
    """
    if db.vendor != "postgresql" or psycopg is None or db.queries_logged or db.execute_wrappers:
        with cursor(db) as plain:
            plain.execute(sql, params)
            return plain.fetchone()
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    db.validate_no_broken_transaction()
    raw = db.connection
    cached = getattr(db, "_tinhso_cursor", None)
    if cached is None or cached[0] is not raw:
        if raw.prepare_threshold is None:
            raw.prepare_threshold = _NEVER_BY_COUNT
        cached = db._tinhso_cursor = (raw, _PreparingCursor(raw))
    with db.wrap_database_errors:
        cached[1].execute(sql, params)
        return cached[1].fetchone()


def columns(model: type[models.Model], alias: str, db=None) -> str:
    """``alias."col1", alias."col2", …`` for every concrete field, in ``_meta`` order."""
    qn = (db or database()).ops.quote_name
    return ", ".join(f"{alias}.{qn(field.column)}" for field in model._meta.concrete_fields)


def from_row(model: type[models.Model], row: Sequence[Any], db=None) -> models.Model:
    """A model instance from the values of :func:`columns`, converted as the ORM converts them
    (SQLite returns dates as text and booleans as integers …)."""
    db = db or database()
    fields = model._meta.concrete_fields
    values = [from_db_value(field, value, db) for field, value in zip(fields, row, strict=True)]
    return model.from_db(db.alias, [field.attname for field in fields], values)


def instance(
    model: type[models.Model], values: dict[str, Any], related: dict[str, Any], db=None
) -> models.Model:
    """The instance of a row just written: ``values`` by attribute name (every other field gets
    its default, as the row did), ``related`` the objects behind its foreign keys, by field
    name. What ``model(**kwargs)`` builds, through ``__init__``'s positional path, which costs
    a fraction of the keyword one."""
    db = db or database()
    args = [
        values[field.attname] if field.attname in values else field.get_default()
        for field in model._meta.concrete_fields
    ]
    obj = model(*args)
    for name, value in related.items():
        model._meta.get_field(name).set_cached_value(obj, value)
    obj._state.adding = False
    obj._state.db = db.alias
    return obj


def from_db_value(field: models.Field, value: Any, db=None) -> Any:
    db = db or database()
    column, converters = _converters(db, field)
    for converter in converters:
        value = converter(value, column, db)
    return value


# Per connection (converters are bound to its backend), per field: (column, converters).
_converter_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _converters(db, field: models.Field) -> tuple[Any, list]:
    by_field = _converter_cache.get(db)
    if by_field is None:
        by_field = _converter_cache[db] = {}
    found = by_field.get(field)
    if found is None:
        column = field.get_col(field.model._meta.db_table)
        found = by_field[field] = (
            column,
            db.ops.get_db_converters(column) + field.get_db_converters(db),
        )
    return found


@cache
def _insert_sql(model: type[models.Model], vendor: str) -> tuple[str, tuple[models.Field, ...]]:
    meta = model._meta
    qn = database().ops.quote_name
    fields = tuple(field for field in meta.local_concrete_fields if not field.primary_key)
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {qn(meta.pk.column)}"
    )
    return sql, fields


def insert(obj: models.Model, db=None) -> None:
    """INSERT a new object, as ``obj.save()`` would, and set its primary key.

    Fields are prepared the ORM's way (``pre_save`` for auto_now dates, ``get_db_prep_save``);
    the model's ``save()`` and the save signals are not called, so use it only for models that
    have neither (checked: dossiers, their events, outbox messages).
    """
    db = db or database()
    sql, fields = _insert_sql(type(obj), db.vendor)
    values = [field.get_db_prep_save(field.pre_save(obj, True), db) for field in fields]
    with cursor(db) as prepared:
        prepared.execute(sql, values)
        obj.pk = prepared.fetchone()[0]
    obj._state.adding = False
    obj._state.db = db.alias


def select_row(
    model: type[models.Model],
    values: dict[str, Any],
    exprs: dict[str, tuple[str, list]] | None = None,
    db=None,
) -> tuple[str, str, str, list]:
    """The pieces of ``INSERT INTO table (columns) SELECT expressions …`` for one new row.

    ``values`` maps attribute names to Python values (prepared the ORM's way), ``exprs`` maps
    attribute names to an SQL expression (over an earlier CTE …) and its parameters; every other
    field gets its default, prepared once per process. Returns the quoted table, the column
    list, and the expression list whose ``%s`` take the returned parameters, in order. The SQL
    is built once per set of names; each call only prepares the parameters.
    """
    db = db or database()
    exprs = exprs or {}
    table, columns, selects, plan = _select_plan(
        model,
        frozenset(values),
        tuple((name, sql) for name, (sql, _params) in exprs.items()),
        db.vendor,
    )
    params: list = []
    for kind, item, fast in plan:
        if kind == "value":
            params.append(prep_save(item, values[item.attname], db, fast))
        elif kind == "expr":
            params.extend(exprs[item][1])
        else:
            params.append(item)
    return table, columns, selects, params


# Field classes whose ``get_db_prep_save`` on PostgreSQL returns a value of the right Python type
# unchanged (text, booleans, aware datetimes, primary keys), or only wraps an int in psycopg's
# Int2/Int4/Int8 (the integer fields): exact classes only, never subclasses.
_TEXT_FIELDS = (models.CharField, models.TextField)
_INTEGER_FIELDS = (
    models.SmallIntegerField,
    models.IntegerField,
    models.BigIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
)
_AUTO_FIELDS = (models.AutoField, models.BigAutoField, models.SmallAutoField)


@cache
def fast_prep(field: models.Field, vendor: str) -> Any:
    """How :func:`prep_save` may prepare this field's values without ``get_db_prep_save``
    (``None``: it may not). Decided once per field from its exact class."""
    if vendor != "postgresql":
        return None
    kind = type(field)
    if kind in _TEXT_FIELDS:
        return str
    if kind is models.BooleanField:
        return bool
    if kind is models.DateTimeField:
        return dt.datetime if settings.USE_TZ else None
    if kind is models.ForeignKey and type(field.target_field) in _AUTO_FIELDS:
        return ("int", int)
    if kind in _INTEGER_FIELDS:
        return ("int", type(field.get_db_prep_save(1, database())))
    return None


def prep_save(field: models.Field, value: Any, db, fast: Any = None) -> Any:
    """``field.get_db_prep_save(value, db)``, at a tenth of the cost for the common cases that
    :func:`fast_prep` recognised: a value of exactly the field's type passes as it is (an int
    gets psycopg's integer wrapper), anything else goes to ``get_db_prep_save``."""
    if fast is not None:
        if value is None:
            return None
        kind = type(value)
        if fast.__class__ is tuple:
            if kind is int:
                return value if fast[1] is int else fast[1](value)
        elif kind is fast and (kind is not dt.datetime or value.tzinfo is not None):
            return value
    return field.get_db_prep_save(value, db)


@cache
def _select_plan(
    model: type[models.Model], names: frozenset, exprs: tuple, vendor: str
) -> tuple[str, str, str, tuple]:
    qn = database().ops.quote_name
    defaults = _prepared_defaults(model, vendor)
    expr_sql = dict(exprs)
    unknown = set(names) | set(expr_sql)
    columns, selects, plan = [], [], []
    for field in model._meta.local_concrete_fields:
        if field.primary_key:
            continue
        columns.append(qn(field.column))
        unknown.discard(field.attname)
        if field.attname in expr_sql:
            selects.append(expr_sql[field.attname])
            plan.append(("expr", field.attname, None))
        elif field.attname in names:
            selects.append("%s")
            plan.append(("value", field, fast_prep(field, vendor)))
        elif field.attname in defaults:
            sql, param = defaults[field.attname]
            selects.append(sql)
            if sql == "%s":
                plan.append(("default", param, None))
        else:
            raise ValueError(f"{model.__name__}.{field.attname} needs a value")
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
    return qn(model._meta.db_table), ", ".join(columns), ", ".join(selects), tuple(plan)


@cache
def _prepared_defaults(model: type[models.Model], vendor: str) -> dict[str, tuple[str, Any]]:
    """Each field's default as (SQL, parameter): NULL, a number, a boolean or '' as a literal
    (fewer parameters: psycopg caches the conversion of statements with at most 50), anything
    else as one prepared parameter. Fields with a constant default only (not auto_now dates,
    not the primary key, not required fields)."""
    db = database()
    found = {}
    for field in model._meta.local_concrete_fields:
        if field.primary_key or getattr(field, "auto_now", False):
            continue
        if getattr(field, "auto_now_add", False):
            continue
        if field.has_default() and callable(field.default) and field.default not in (dict, list):
            continue  # a default computed per row (a date, a token): the caller must give it
        default = field.get_default()
        if default is None and not field.null:
            continue  # required: the caller must give it
        prepped = field.get_db_prep_save(default, db)
        if prepped is None:
            found[field.attname] = ("NULL", None)
        elif isinstance(prepped, bool):
            found[field.attname] = ("TRUE" if prepped else "FALSE", None)
        elif isinstance(prepped, int):
            found[field.attname] = (str(int(prepped)), None)
        elif prepped == "":
            found[field.attname] = ("''", None)
        else:
            found[field.attname] = ("%s", prepped)
    return found
