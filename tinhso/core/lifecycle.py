"""The one lifecycle engine: every state change of every app goes through :meth:`Lifecycle.perform`.

In the shape of Zulip's ``do_*`` functions and Saleor's order actions, one call

1. locks the row (``select_for_update``; a missing row raises the domain's :class:`NotFound`),
2. checks the transition table (the action's source states) and its guard (who may act), in the
   order the domain chooses,
3. lets the operation ``apply`` its change (it returns a typed :class:`Applied`),
4. saves the row, writes the domain's event row and its outbox rows,
5. writes the audit entry, last, so the chain head stays locked only until the commit,
6. schedules the operation's side effects with ``transaction.on_commit``,

all in one transaction, and returns a typed :class:`Outcome`. Files stored during the operation are
deleted again when it fails (:func:`files_rollback`). Nothing is written when an error is raised.

An app describes its lifecycle once, as a subclass of :class:`Lifecycle` (the model, the
transition table, the guard, the event row), and each of its services is a short function that
validates its input and calls ``perform`` with an ``apply`` callback.
"""

from __future__ import annotations

import datetime as dt
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

from django.db import models, transaction
from django.utils import timezone

from .audit import audit_record
from .errors import DomainError, InvalidTransition, NotFound
from .workcalendar import WorkCalendar

M = TypeVar("M", bound=models.Model)
A = TypeVar("A", bound="Applied")


# --- the transition table ------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """One row of a transition table: an action, the states it may start from, where it leads.

    ``target`` None means "decided by the operation" (or, for a resumed clock, the state before).
    ``actors`` are the roles (or pseudo-roles such as the applicant) the domain's guard accepts;
    ``agency`` names which agency of the object the roles are held in; ``clock`` is "stop",
    "resume" or "" for domains with a legal clock.
    """

    action: str
    sources: frozenset[str]
    target: str | None
    actors: frozenset[str] = frozenset()
    agency: str = ""
    clock: str = ""


def transition_table(*transitions: Transition) -> dict[str, Transition]:
    """The table by action name."""
    return {t.action: t for t in transitions}


# --- what an operation returns ---------------------------------------------------------------


@dataclass
class Applied:
    """What an operation's ``apply`` changed besides the fields of the row.

    Each domain extends it with the typed fields its event row needs. ``data`` goes into the
    event row; ``unchanged`` says the operation was already done (nothing is written, no audit);
    ``audit_action`` replaces the default ``<prefix>.<action>``; ``after_commit`` callbacks run
    once the transaction has committed.
    """

    data: dict[str, Any] = field(default_factory=dict)
    unchanged: bool = False
    audit_action: str = ""
    after_commit: list[Callable[[], None]] = field(default_factory=list)


@dataclass
class Step(Generic[M]):
    """The operation in progress, as the engine hands it to ``apply`` and the domain's hooks."""

    obj: M
    actor: Any
    transition: Transition
    now: dt.datetime
    scope: Any  # what the guard returned: the agency the actor acts for, or None
    before: dict[str, Any]
    from_state: str
    note: str = ""

    @property
    def action(self) -> str:
        return self.transition.action

    @cached_property
    def calendar(self) -> WorkCalendar:
        from .selectors import work_calendar

        return work_calendar()


@dataclass(frozen=True)
class Outcome(Generic[M, A]):
    """The result of :meth:`Lifecycle.perform`."""

    obj: M
    action: str
    applied: A
    event: Any = None  # the domain's event row, when it writes one
    changed: bool = True


# --- the engine ------------------------------------------------------------------------------


class Lifecycle(ABC, Generic[M, A]):
    """A domain's lifecycle: subclass it once per model with states and set the class data.

    ``snapshot_fields`` are the attributes the audit entry shows before and after (a foreign key
    as ``agency_id``, shown as ``agency``). ``guard_first`` checks the actor before the state (an
    outsider learns nothing about the state).
    """

    model: ClassVar[type[models.Model]]
    transitions: ClassVar[Mapping[str, Transition]]
    audit_prefix: ClassVar[str]
    snapshot_fields: ClassVar[tuple[str, ...]]
    related: ClassVar[tuple[str, ...]] = ()
    state_field: ClassVar[str] = "state"
    guard_first: ClassVar[bool] = False
    applied_type: ClassVar[type[Applied]] = Applied
    # What the pages call each recorded action (lazy translations), the transition table's
    # actions and any other action the domain records in its history (registration …).
    labels: ClassVar[Mapping[str, Any]] = {}

    def label(self, action: str) -> str:
        """The action's name for people (the raw name when the domain gave it none)."""
        return str(self.labels.get(action, action))

    # -- hooks a domain overrides --

    @abstractmethod
    def not_found(self) -> NotFound:
        """The error for a missing row."""

    @abstractmethod
    def guard(self, actor: Any, obj: M, transition: Transition) -> Any:
        """Raise when the actor may not take the transition; return the acting scope."""

    @abstractmethod
    def refuse(self, obj: M, transition: Transition) -> InvalidTransition:
        """The error for an action the object's state does not allow."""

    def enter(self, step: Step[M]) -> None:
        """Move the object to the transition's target (before ``apply``)."""
        if step.transition.target is not None:
            setattr(step.obj, self.state_field, step.transition.target)

    def before_save(self, step: Step[M], applied: A) -> None:
        """Derived fields (status, version …) after ``apply``."""

    def record(self, step: Step[M], applied: A) -> Any:
        """Write the event row; return it (None: the domain keeps no event rows)."""
        return None

    def outbox(self, step: Step[M], applied: A, event: Any) -> None:
        """Write the outbox rows (messages to other systems) of the change."""

    def audit_after(self, step: Step[M], applied: A, event: Any) -> dict[str, Any]:
        return self.snapshot(step.obj)

    # -- the engine --

    def snapshot(self, obj: M) -> dict[str, Any]:
        return {attr.removesuffix("_id"): getattr(obj, attr) for attr in self.snapshot_fields}

    def lock(self, obj: M | int) -> M:
        queryset = self.model.objects.select_related(*self.related)
        return lock(queryset, obj, missing=self.not_found)

    def perform(
        self,
        *,
        actor: Any,
        obj: M | int,
        action: str,
        apply: Callable[[M, Step[M]], A | None] | None = None,
        note: str = "",
        now: dt.datetime | None = None,
    ) -> Outcome[M, A]:
        """Take ``action`` on ``obj`` for ``actor`` in one transaction (see the module doc)."""
        transition = self.transitions[action]
        with files_rollback(), transaction.atomic():
            row = self.lock(obj)
            if self.guard_first:
                scope = self.guard(actor, row, transition)
                self._check_source(row, transition)
            else:
                self._check_source(row, transition)
                scope = self.guard(actor, row, transition)
            step = Step(
                obj=row,
                actor=actor,
                transition=transition,
                now=now or timezone.now(),
                scope=scope,
                before=self.snapshot(row),
                from_state=getattr(row, self.state_field),
                note=note,
            )
            self.enter(step)
            applied = (apply(row, step) if apply else None) or self.applied_type()
            if applied.unchanged:
                return Outcome(obj=row, action=action, applied=applied, changed=False)
            self.before_save(step, applied)
            row.save()
            event = self.record(step, applied)
            self.outbox(step, applied, event)
            # Last: the audit chain head stays locked from here to the commit.
            audit_record(
                actor=actor,
                action=applied.audit_action or f"{self.audit_prefix}.{action}",
                obj=row,
                before=step.before,
                after=self.audit_after(step, applied, event),
            )
            for callback in applied.after_commit:
                transaction.on_commit(callback)
        return Outcome(obj=row, action=action, applied=applied, event=event)

    def _check_source(self, obj: M, transition: Transition) -> None:
        if getattr(obj, self.state_field) not in transition.sources:
            raise self.refuse(obj, transition)


# --- shared helpers --------------------------------------------------------------------------


def lock(
    queryset: models.QuerySet, obj: models.Model | Any, *, missing: Callable[[], DomainError]
) -> Any:
    """The row of ``queryset`` with the primary key of ``obj`` (an instance or a key), locked
    for this transaction; ``missing()`` is raised when there is none (or the key is malformed)."""
    pk = obj.pk if isinstance(obj, models.Model) else obj
    try:
        row = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
    except (ValueError, TypeError):
        row = None
    if row is None:
        raise missing()
    return row


def replayed(queryset: models.QuerySet, idempotency_key: str) -> Any:
    """The row an earlier request with the same idempotency key created (marked ``replayed``),
    or None. ``queryset`` is already narrowed to the requester's rows."""
    if not idempotency_key:
        return None
    existing = queryset.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        existing.replayed = True
    return existing


def display_name(user: Any) -> str:
    """The name an event row shows for its actor ("" for nobody signed in)."""
    if not getattr(user, "is_authenticated", False):
        return ""
    return (user.get_full_name() or user.get_username())[:200]


def signed_in(user: Any) -> Any:
    """The user when signed in, else None (for an event row's actor column)."""
    return user if getattr(user, "is_authenticated", False) else None


def next_seq(events: models.QuerySet) -> int:
    """The next number in an object's event history."""
    last = events.order_by("-seq").values_list("seq", flat=True).first()
    return (last or 0) + 1


# Files written to storage by the operations in progress in this thread, innermost last.
_stored = threading.local()


@contextmanager
def files_rollback() -> Iterator[None]:
    """Delete the files stored (with :func:`remember_file`) inside the block when it fails.

    Blocks nest: the files of an inner block that succeeded are handed to the outer block, whose
    transaction may still fail.
    """
    stack = _stored.__dict__.setdefault("stack", [])
    files: list[tuple[Any, str]] = []
    stack.append(files)
    try:
        yield
    except BaseException:
        for storage, name in files:
            storage.delete(name)
        raise
    else:
        if len(stack) > 1:
            stack[-2].extend(files)
    finally:
        stack.pop()


def remember_file(storage: Any, name: str) -> None:
    """Record a file just stored, to be deleted if the operation in progress fails."""
    stack = getattr(_stored, "stack", None)
    if stack:
        stack[-1].append((storage, name))
