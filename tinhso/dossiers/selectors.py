"""Reads of dossiers, always scoped to the acting user.

Who sees which dossier is one rule, :mod:`tinhso.dossiers.access` (through
``Dossier.objects.restrict``). Anything else is "not found" (never "forbidden"), so codes cannot
be probed. ``user`` below is a user or the request's :class:`~tinhso.core.access.Access`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.signing import Signer
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from tinhso.core.access import VIEW, any_of, as_access
from tinhso.core.errors import NotFound
from tinhso.core.models import Role
from tinhso.core.ratelimit import Limit
from tinhso.core.selectors import work_calendar
from tinhso.procedures.models import ProcessStep

from .access import (
    applicant_branches,
    dossier_branches,
    reaches_as_officer,
)
from .models import (
    CLOCK_STOPPED_STATES,
    RUNNING_STATES,
    TO_PROCESS_STATES,
    TO_RECEIVE_STATES,
    Dossier,
    DossierEvent,
    ReceiptVersion,
    State,
)

# What an applicant sees of the agencies' work: the notes addressed to them (a reason they need
# to read) and the printed forms addressed to them. Internal notes, officer hand-overs and the
# BM.05 process-control slip stay inside the agencies.
NOTE_FOR_APPLICANT = frozenset(
    {"refuse", "request_supplement", "request_fees", "extend", "stop", "withdraw", "supplement"}
)
APPLICANT_FORMS = ("bm01", "bm02", "bm03", "bm04")


def sees_as_applicant(user: Any, dossier: Dossier) -> bool:
    """True when the user sees this dossier only as its applicant (no officer role in it)."""
    return not reaches_as_officer(as_access(user), dossier, VIEW)


def dossiers_visible(user: Any) -> QuerySet[Dossier]:
    """The dossiers ``user`` (a user or their :class:`~tinhso.core.access.Access`) may see."""
    return Dossier.objects.restrict(user, VIEW).select_related(
        "procedure", "receiving_agency", "current_agency", "current_step", "assignee"
    )


# A page deeper than this is read with the plain query (rare: nobody pages that far).
NEWEST_MERGE_LIMIT = 5000


def dossiers_newest(
    *, user: Any, offset: int = 0, limit: int = 50, status: int | None = None
) -> list[Dossier]:
    """The newest dossiers the user may see, one page of them.

    The visibility rule is an OR over several columns, which no single index orders; with
    millions of dossiers PostgreSQL would sort every dossier of the agency to show twenty. So
    each branch of the rule (:func:`tinhso.dossiers.access.dossier_branches`) is read
    newest-first through its own (column, submitted_at) index, the branches are merged, and
    only the page's rows are fetched.
    """
    access = as_access(user)
    visible = dossiers_visible(access)
    if status is not None:
        visible = visible.filter(status=status)
    end = offset + limit
    if end > NEWEST_MERGE_LIMIT or not access.is_authenticated:
        return list(visible.order_by("-submitted_at", "-id")[offset:end])
    branches = dossier_branches(access, VIEW)
    found: dict[int, dt.datetime] = {}
    for branch in [Q()] if branches is None else branches:
        qs = Dossier.objects.filter(branch)
        if status is not None:
            qs = qs.filter(status=status)
        for pk, submitted_at in qs.order_by("-submitted_at", "-id").values_list(
            "id", "submitted_at"
        )[:end]:
            found[pk] = submitted_at
    page = sorted(found.items(), key=lambda item: (item[1], item[0]), reverse=True)[offset:end]
    rows = visible.in_bulk([pk for pk, _at in page])
    return [rows[pk] for pk, _at in page if pk in rows]


def dossier_get(*, user: Any, code: str) -> Dossier:
    dossier = dossiers_visible(user).filter(code=code).first()
    if dossier is None:
        raise NotFound("unknown_dossier", _("Dossier %(code)s was not found.") % {"code": code})
    return dossier


def dossiers_of_applicant(*, user: Any) -> QuerySet[Dossier]:
    """'My dossiers' for a citizen or business account."""
    access = as_access(user)
    return dossiers_visible(access).filter(any_of(applicant_branches(access)))


INBOXES = (
    "to_receive",
    "to_process",
    "to_sign",
    "waiting_supplement",
    "supplement_check",
    "due_soon",
    "overdue",
)


def _step_ids(roles) -> dict[str, list[int]]:
    if not roles:
        return {}
    found: dict[str, list[int]] = {}
    for pk, role in ProcessStep.objects.filter(role__in=roles).values_list("id", "role"):
        found.setdefault(role, []).append(pk)
    return found


def _assignments(user: Any) -> list[tuple[int, str]]:
    """(agency, role) of each role the user holds (active, in an active agency)."""
    access = as_access(user)
    return sorted(
        (agency, role) for role, agencies in access.agencies_by_role.items() for agency in agencies
    )


def _box_filters(
    assignments: list[tuple[int, str]], now: dt.datetime, boxes: tuple[str, ...] = INBOXES
) -> dict[str, Q]:
    """Each work list as a condition on open dossiers (``closed_at`` is empty in every state a
    list shows, which lets PostgreSQL use the small partial indexes on open dossiers)."""

    def agencies(*roles: str) -> list[int]:
        return [agency for agency, role in assignments if role in roles]

    all_agencies = [agency for agency, _ in assignments]
    # The steps each role takes, as ids: a join to the steps would hide from PostgreSQL that
    # the list is one range of an ordered index (and it misjudges the join's size).
    steps = _step_ids(
        {role for _agency, role in assignments} if {"to_process", "to_sign"} & set(boxes) else ()
    )
    filters: dict[str, Q] = {}
    if "to_receive" in boxes:
        filters["to_receive"] = Q(
            state__in=TO_RECEIVE_STATES, receiving_agency_id__in=agencies(Role.DESK_OFFICER)
        )
    if "to_process" in boxes:
        mine = Q(pk__in=[])
        for agency, role in assignments:
            if role != Role.LEADER:
                mine |= Q(current_agency_id=agency, current_step_id__in=steps.get(role, []))
        filters["to_process"] = mine & Q(state__in=TO_PROCESS_STATES)
    if "to_sign" in boxes:
        filters["to_sign"] = Q(
            state=State.PROCESSING,
            current_step_id__in=steps.get(Role.LEADER, []),
            current_agency_id__in=agencies(Role.LEADER),
        )
    if "waiting_supplement" in boxes:
        filters["waiting_supplement"] = Q(
            state=State.SUPPLEMENT_REQUESTED, current_agency_id__in=all_agencies
        )
    if "supplement_check" in boxes:
        # Supplied: the clock runs again and the desk or the specialist checks the documents
        # (``accept_supplement`` or a new request), so it is work of theirs, counted apart.
        filters["supplement_check"] = Q(
            state=State.SUPPLEMENT_SUBMITTED,
            current_agency_id__in=agencies(Role.DESK_OFFICER, Role.SPECIALIST),
        )
    base = Q(state__in=RUNNING_STATES, current_agency_id__in=all_agencies)
    if "overdue" in boxes:
        filters["overdue"] = base & Q(legal_due_at__lt=now)
    if "due_soon" in boxes:
        calendar = work_calendar()
        horizon = calendar.add_working_days(calendar.next_working_instant(now), 1)
        filters["due_soon"] = base & Q(legal_due_at__gte=now, legal_due_at__lte=horizon)
    return filters


def inbox(*, user: Any, box: str, now: dt.datetime | None = None) -> QuerySet[Dossier]:
    """The officer's work lists, per role and agency."""
    if box not in INBOXES:
        raise NotFound("unknown_inbox", _("Unknown list “%(box)s”.") % {"box": box})
    qs = Dossier.objects.select_related(
        "procedure", "current_step", "assignee", "receiving_agency", "current_agency"
    ).order_by("legal_due_at", "submitted_at", "id")
    assignments = _assignments(user)
    if not assignments:
        return qs.none()
    condition = _box_filters(assignments, now or timezone.now(), (box,))[box]
    return qs.filter(condition, closed_at__isnull=True)


def returned_for_rework(dossiers: list[Dossier]) -> dict[int, DossierEvent]:
    """The dossiers of a page (already visible to the reader) that a leader sent back for
    rework and that wait at that step still: dossier id → the ``rework`` event (its reason is
    the note, its author ``actor_name``). One query for the page."""
    waiting = {d.pk: d for d in dossiers if d.state == State.PROCESSING and d.current_step_id}
    if not waiting:
        return {}
    latest: dict[int, DossierEvent] = {}
    handovers = DossierEvent.objects.filter(
        dossier_id__in=list(waiting), action__in=("transfer", "rework")
    ).order_by("dossier_id", "seq")
    for event in handovers:
        latest[event.dossier_id] = event
    return {
        pk: event
        for pk, event in latest.items()
        if event.action == "rework" and event.to_step_id == waiting[pk].current_step_id
    }


class DossierPage:
    """A dossier list read a page at a time in two steps: the page's ids, in the list's order,
    through the list's ordered index (PostgreSQL stops after the page instead of joining and
    sorting every open dossier of the agency), then those rows with their related objects.

    Slice it (as ``Paginator`` does) to read a page. ``count`` may be given when the caller has
    it already (the inbox tabs count every list), else it is counted.
    """

    def __init__(self, qs: QuerySet[Dossier], count: int | None = None):
        self.qs = qs
        self._count = count

    def count(self) -> int:
        if self._count is None:
            self._count = self.qs.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[Dossier]:
        if not isinstance(item, slice):
            raise TypeError("DossierPage reads slices only")
        ids = list(self.qs.values_list("pk", flat=True)[item])
        rows = self.qs.in_bulk(ids)
        return [rows[pk] for pk in ids if pk in rows]


def inbox_counts(*, user: Any, now: dt.datetime | None = None) -> dict[str, int]:
    """How many dossiers each work list holds, in one query."""
    assignments = _assignments(user)
    if not assignments:
        return dict.fromkeys(INBOXES, 0)
    filters = _box_filters(assignments, now or timezone.now())
    any_box = Q(pk__in=[])
    for condition in filters.values():
        any_box |= condition
    return Dossier.objects.filter(any_box, closed_at__isnull=True).aggregate(
        **{box: Count("id", filter=condition) for box, condition in filters.items()}
    )


# Wrong proofs (ID digits or tokens) per dossier code per hour before proofs by digits are refused
# for that code (the signed token of BM.01's QR code still works): 4 digits are 10,000 guesses.
# Wrong proofs (ID digits) per dossier code; past the rate, digits are refused for that code.
TRACK_FAILURES = Limit("track-failures", "TINHSO_RATE_TRACK_FAILURES")
TRACK_SALT = "tinhso.dossiers.track"


def track_token(code: str) -> str:
    """The signed token that BM.01's QR code carries: it shows the dossier's details to whoever
    holds the receipt, with no ID number typed (``django.core.signing``, keyed by SECRET_KEY)."""
    return Signer(salt=TRACK_SALT).signature(code)


def _failures_key(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def dossier_track(*, code: str, id_number: str = "", token: str = "") -> dict[str, Any]:
    """Public tracking.

    By the code alone: the status only (``detailed`` false). With a proof, the details (procedure,
    agency, dates, timeline; never personal data): the last 4 digits of the applicant's ID number
    (or the whole number), or the signed token of BM.01's QR code (:func:`track_token`). An
    unknown code and a wrong proof get the same answer; past ``TINHSO_RATE_TRACK_FAILURES`` wrong
    proofs for a code (known or not) digits are refused until the window ends (the one rate
    limiter, :mod:`tinhso.core.ratelimit`).
    """
    code = (code or "").strip().upper()
    id_number = (id_number or "").strip()
    token = (token or "").strip()
    dossier = (
        Dossier.objects.select_related("procedure", "receiving_agency").filter(code=code).first()
        if code
        else None
    )
    if not (id_number or token):
        if dossier is None:
            raise NotFound(
                "unknown_dossier",
                _("No dossier has the code “%(code)s”. Check the code printed on your receipt.")
                % {"code": code},
            )
        return dossier_status_view(dossier)
    if dossier is not None and token and constant_time_compare(token, track_token(dossier.code)):
        return dossier_public_view(dossier)
    key = _failures_key(code)
    if id_number:
        TRACK_FAILURES.enforce(
            key,
            _(
                "Too many wrong attempts for this dossier code: try again in %(minutes)s "
                "minute(s), or scan the QR code on your receipt."
            ),
            count=False,
        )
    if (
        dossier is not None
        and id_number
        and len(dossier.applicant_id_number) >= 9
        and (id_number in (dossier.applicant_id_number, dossier.applicant_id_number[-4:]))
    ):
        return dossier_public_view(dossier)
    TRACK_FAILURES.hit(key)
    raise NotFound(
        "no_match",
        _("No dossier matches this code and the digits of the ID number."),
    )


def dossier_status_view(dossier: Dossier) -> dict[str, Any]:
    """What the code alone shows: the status, nothing else."""
    return {
        "code": dossier.code,
        "status": dossier.status,
        "status_label": dossier.get_status_display(),
        "clock_stopped": dossier.state in CLOCK_STOPPED_STATES,
        "detailed": False,
    }


def dossier_public_view(dossier: Dossier) -> dict[str, Any]:
    events = DossierEvent.objects.filter(dossier=dossier).order_by("seq")
    return {
        **dossier_status_view(dossier),
        "detailed": True,
        "procedure": dossier.procedure.name,
        "agency": dossier.receiving_agency.name,
        "submitted_at": dossier.submitted_at,
        "received_at": dossier.received_at,
        "appointment_at": dossier.appointment_at,
        "due_at": dossier.appointment_at,  # the appointment, under its former name
        "finished_at": dossier.finished_at,
        "returned_at": dossier.returned_at,
        "timeline": [
            {"at": event.at, "action": event.action, "status": event.to_state} for event in events
        ],
    }


# --- returning an insufficient dossier in time (DOMAIN.md: within 2 working days) -------------


def receipt_versions(dossier: Dossier) -> list[ReceiptVersion]:
    """The kept issues of the dossier's BM.01 receipt, the first printed first."""
    return list(dossier.receipts.order_by("number"))


def supplement_request_open(dossier: Dossier, now: dt.datetime | None = None) -> dt.datetime | None:
    """The deadline to return the dossier as insufficient, while it is still open (a running
    dossier whose deadline has not passed), else None: what the officers' lists show."""
    deadline = dossier.supplement_request_due_at
    if deadline is None or dossier.state not in RUNNING_STATES:
        return None
    return deadline if (now or timezone.now()) <= deadline else None


def late_supplement_request() -> Q:
    """The rule on ``DossierEvent``: a supplement request made after its deadline (the event's
    ``late`` flag, set when it was made). The statistics count these events per agency."""
    return Q(action="request_supplement", data__late=True)


def late_supplement_requests(
    *, user: Any, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[DossierEvent]:
    """The late supplement requests (:func:`late_supplement_request`) on the dossiers ``user``
    may see, optionally within local dates ``start``–``end``."""
    events = DossierEvent.objects.filter(
        late_supplement_request(),
        dossier__in=Dossier.objects.restrict(user, VIEW).values("pk"),
    )
    if start is not None:
        events = events.filter(at__gte=_local_midnight(start))
    if end is not None:
        events = events.filter(at__lt=_local_midnight(end + dt.timedelta(days=1)))
    return events


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))
