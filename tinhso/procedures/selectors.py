"""Reads of the procedure catalogue: search, detail, and who receives and decides.

The catalogue is public: anyone sees the procedures in force; staff also see those withdrawn.
Search runs on ``Procedure.search_text`` (the name and code without diacritics, lower case), so
"dang ky khai sinh", "DANG KY" and "đăng ký" all find "Đăng ký khai sinh". On PostgreSQL a
trigram index (migration 0002) serves the ``LIKE '%term%'`` filters.

A mistyped word ("khai sih") is replaced by the nearest word of the catalogue's vocabulary
(:func:`spelling_correction`, the same pure-Python code on both databases), and the page says
which words it searched. Names are listed in Vietnamese order (`core.collation.vi_order`).
"""

from __future__ import annotations

import threading
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    IntegerField,
    Max,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.utils.translation import gettext as _

from tinhso.core.collation import vi_order
from tinhso.core.errors import DomainError, NotFound
from tinhso.core.models import AdministrativeUnit, Agency
from tinhso.core.text import Vocabulary, search_terms

from .forms_schema import form_fields
from .models import AgencySlot, Procedure, ProcedureComponent, ProcessStep, Sector

__all__ = [
    "CatalogueSearch",
    "ProcedureAgencies",
    "catalogue_search",
    "form_fields",
    "procedure_agencies",
    "procedure_blank_form",
    "procedure_by_code",
    "procedure_get",
    "procedure_search",
    "procedures_visible",
    "sector_choices",
    "sectors_list",
    "spelling_correction",
]

LEVEL_FILTERS = {"province": "at_province", "commune": "at_commune"}
NAME_PREFIX = "thu tuc"  # "Thủ tục", normalised


def _is_staff(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (
            getattr(user, "is_staff", False) is True or getattr(user, "is_superuser", False) is True
        )
    )


def procedures_visible(user: Any) -> QuerySet[Procedure]:
    """Every procedure the user may see: those in force, and for staff the withdrawn ones too."""
    queryset = Procedure.objects.select_related("sector")
    if not _is_staff(user):
        queryset = queryset.filter(is_active=True)
    return queryset


def procedure_search(
    *,
    user: Any,
    query: str = "",
    sector: str | None = None,
    level: str | None = None,
    online_mode: str | None = None,
) -> QuerySet[Procedure]:
    """Search the catalogue, accent-insensitively; every word of the query must occur.

    Ranked: the exact code first, then names starting with the query (after a leading "Thủ tục"),
    then the rest; alphabetical within each (without diacritics, close to dictionary order).
    """
    queryset = procedures_visible(user)
    if sector:
        queryset = queryset.filter(sector__code=sector)
    if level:
        if level not in LEVEL_FILTERS:
            return queryset.none()
        queryset = queryset.filter(**{LEVEL_FILTERS[level]: True})
    if online_mode:
        queryset = queryset.filter(online_mode=online_mode)
    terms = search_terms(query)
    for term in terms:
        queryset = queryset.filter(search_text__contains=term)
    if not terms:
        return queryset.order_by(vi_order("name"), "code")
    phrase = " ".join(terms)
    queryset = queryset.annotate(
        search_rank=Case(
            When(code__iexact=query.strip(), then=Value(0)),
            When(search_text__startswith=phrase, then=Value(1)),
            # National names read "Thủ tục đăng ký khai sinh": the word "procedure" does not count.
            When(search_text__startswith=f"{NAME_PREFIX} {phrase}", then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )
    return queryset.order_by("search_rank", vi_order("name"), "code")


# --- spelling ------------------------------------------------------------------------------------

_vocabulary_lock = threading.Lock()
_vocabulary: tuple[tuple, Vocabulary] | None = None


def _catalogue_stamp() -> tuple:
    """What changes whenever a procedure's name or code can have changed: the number of
    procedures and the latest ``updated_at`` (every save, the import's included, touches it)."""
    stamp = Procedure.objects.order_by().aggregate(count=Count("id"), latest=Max("updated_at"))
    return (stamp["count"], stamp["latest"])


def catalogue_vocabulary() -> Vocabulary:
    """The words of the procedures in force (names and codes, in the search form), built once
    per process and rebuilt when the catalogue changes (:func:`_catalogue_stamp`)."""
    global _vocabulary
    stamp = _catalogue_stamp()
    cached = _vocabulary
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _vocabulary_lock:
        if _vocabulary is not None and _vocabulary[0] == stamp:
            return _vocabulary[1]
        texts = Procedure.objects.filter(is_active=True).values_list("search_text", flat=True)
        vocabulary = Vocabulary(texts.iterator())
        _vocabulary = (stamp, vocabulary)
        return vocabulary


def spelling_correction(query: str, *, strict: bool = False) -> str:
    """``query`` with each word that occurs in no word of the catalogue (it cannot match: search
    matches parts of words) replaced by the nearest one ("khai sih" → "khai sinh"); ``strict``:
    each word that is not a word of the catalogue ("dang ki" → "dang ky"). ``""`` when nothing
    was replaced."""
    if not search_terms(query):
        return ""
    return catalogue_vocabulary().correct(query, strict=strict)


# The list shows a procedure's name, code, sector, levels, time, fee and online mode: its
# application form, result documents, ways to receive and legal basis are read on its own page.
LIST_DEFERRED = ("form_schema", "results", "delivery_methods", "legal_basis", "fee_note")


class CatalogueSearch(NamedTuple):
    procedures: list[Procedure]  # the window asked for (``offset``, ``limit``)
    count: int  # how many procedures the search finds in all
    corrected: str  # the words searched instead of the query's ("" when searched as typed)


def _search_window(queryset: QuerySet[Procedure], offset: int, limit: int) -> tuple[list, int]:
    """One window of a search and the number found, in one query (``COUNT(*) OVER ()``: the
    rows are all matched and sorted for the window anyway); a second query only for a window
    past the end."""
    rows = list(
        queryset.defer(*LIST_DEFERRED).annotate(found_count=Window(Count("*")))[
            offset : offset + limit
        ]
    )
    if rows:
        return rows, rows[0].found_count
    return [], (queryset.count() if offset else 0)


def catalogue_search(
    *,
    user: Any,
    query: str = "",
    sector: str | None = None,
    level: str | None = None,
    online_mode: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> CatalogueSearch:
    """:func:`procedure_search` that tolerates typos, for the search page and the API: the
    window ``offset``/``limit`` of the results and how many there are, in one query.

    A query that finds nothing is corrected: first its words that occur in no word of the
    catalogue (:func:`spelling_correction`), then, if that still finds nothing, its words that
    are not whole words of the catalogue ("dang ki ket hon": "ki" occurs in "kinh"). A
    correction is kept only when it finds something; the page and the API then say which words
    were searched. A query that finds something costs that one query, and no spelling work."""
    filters = {"sector": sector, "level": level, "online_mode": online_mode}
    found = procedure_search(user=user, query=query, **filters)
    rows, count = _search_window(found, offset, limit)
    if count or not search_terms(query):
        return CatalogueSearch(rows, count, "")
    for strict in (False, True):
        corrected = spelling_correction(query, strict=strict)
        if corrected:
            retry = procedure_search(user=user, query=corrected, **filters)
            rows, count = _search_window(retry, offset, limit)
            if count:
                return CatalogueSearch(rows, count, corrected)
    return CatalogueSearch([], 0, "")


def procedure_get(*, user: Any, code: str) -> Procedure:
    """One procedure with everything shown on its page; ``NotFound`` if unknown or hidden."""
    procedure = (
        procedures_visible(user)
        .select_related("receiving_department", "deciding_department")
        .prefetch_related(
            Prefetch("components", queryset=ProcedureComponent.objects.order_by("order")),
            Prefetch("steps", queryset=ProcessStep.objects.order_by("order")),
        )
        .filter(code=code)
        .first()
    )
    if procedure is None:
        raise NotFound(
            "unknown_procedure",
            _("Unknown procedure “%(code)s”.") % {"code": code},
            procedure_code=code,
        )
    return procedure


def procedure_blank_form(*, user: Any, code: str, component_id: int) -> ProcedureComponent:
    """A component of a procedure the user may see, with its blank form (mẫu đơn, tờ khai);
    ``NotFound`` otherwise. Blank forms are public, as the procedure's page is."""
    component = (
        ProcedureComponent.objects.filter(
            pk=component_id, procedure__in=procedures_visible(user).filter(code=code)
        )
        .exclude(blank_form="")
        .first()
    )
    if component is None:
        raise NotFound("unknown_blank_form", _("This form was not found."))
    return component


def sectors_list(*, user: Any = None) -> QuerySet[Sector]:
    """Sectors with the number of procedures the user may see (``procedure_count``)."""
    counted = Q() if _is_staff(user) else Q(procedures__is_active=True)
    return Sector.objects.annotate(procedure_count=Count("procedures", filter=counted)).order_by(
        vi_order("name")
    )


def sector_choices(*, user: Any = None) -> list[dict[str, str]]:
    """The sectors that have a procedure the user may see, as ``{"code", "name"}`` in
    Vietnamese order: the search page's sector filter. The same for every visitor (one list
    for staff, one for everyone else), so kept in the cache for
    ``TINHSO_CATALOGUE_CACHE_SECONDS`` (0: read on every request): a sector that gains its
    first procedure or loses its last appears in or leaves the filter at most that late."""

    def compute() -> list[dict[str, str]]:
        sectors = sectors_list(user=user).filter(procedure_count__gt=0)
        return [{"code": code, "name": name} for code, name in sectors.values_list("code", "name")]

    seconds = settings.TINHSO_CATALOGUE_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    key = f"procedures:sector-choices:{'staff' if _is_staff(user) else 'public'}"
    choices = cache.get(key)
    if choices is None:
        choices = compute()
        cache.set(key, choices, seconds)
    return choices


class ProcedureAgencies(NamedTuple):
    receiving: Agency
    deciding: Agency


def _resolve_slot(
    procedure: Procedure,
    slot: str,
    department_field: str,
    commune_unit: AdministrativeUnit | None,
) -> Agency:
    if slot == AgencySlot.DEPARTMENT:
        # Read only when the slot names it (by primary key, unless already loaded).
        department = getattr(procedure, department_field)
        if department is None or not department.is_active:
            raise NotFound(
                "agency_not_found",
                _("Procedure %(code)s names no active department.") % {"code": procedure.code},
            )
        return department
    if slot == AgencySlot.SERVICE_CENTRE:
        key = "service_centre"
    elif slot == AgencySlot.COMMUNE_COMMITTEE:
        if commune_unit is None:
            raise DomainError(
                "commune_required",
                _("Procedure %(code)s is handled by the commune: choose the commune.")
                % {"code": procedure.code},
            )
        key = f"commune_{commune_unit.code}"
    else:
        raise DomainError("unknown_slot", _("Unknown agency slot “%(slot)s”.") % {"slot": slot})
    agency = Agency.objects.filter(key=key, is_active=True).first()
    if agency is None:
        raise NotFound(
            "agency_not_found",
            _("No active agency has the key “%(key)s”.") % {"key": key},
            key=key,
        )
    return agency


def procedure_agencies(
    procedure: Procedure, commune_unit: AdministrativeUnit | None = None
) -> ProcedureAgencies:
    """The agencies that receive and decide a dossier of ``procedure``.

    ``commune_unit`` is the commune the dossier belongs to; it is needed when a slot is the
    commune People's Committee (``Agency.key == "commune_<unit code>"``). The service centre is
    the agency whose key is ``service_centre``; a department is the procedure's own foreign key.
    """
    receiving = _resolve_slot(
        procedure, procedure.receiving_slot, "receiving_department", commune_unit
    )
    if (procedure.deciding_slot, procedure.deciding_department_id) == (
        procedure.receiving_slot,
        procedure.receiving_department_id,
    ):
        return ProcedureAgencies(receiving, receiving)  # the same agency: one look-up
    deciding = _resolve_slot(
        procedure, procedure.deciding_slot, "deciding_department", commune_unit
    )
    return ProcedureAgencies(receiving, deciding)


def procedure_by_code(code: str) -> Procedure:
    """The procedure with this code, in force or not (the caller checks), for a submission;
    ``NotFound`` if unknown. Its departments are read by :func:`procedure_agencies` only when a
    slot names one (most procedures are received and decided by the commune or the service
    centre)."""
    try:
        return Procedure.objects.get(code=code)
    except Procedure.DoesNotExist:
        raise NotFound(
            "unknown_procedure", _("Unknown procedure “%(code)s”.") % {"code": code}
        ) from None
