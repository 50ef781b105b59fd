"""Reads for the citizen portal, scoped to the acting user.

The catalogue is public; dossiers are read through :mod:`tinhso.dossiers.selectors`, so a citizen
only ever reaches their own ("not found" otherwise). The public tracking page shows
:func:`tinhso.dossiers.selectors.dossier_track`: the status by the code alone, the details with a
proof, never personal data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.core.access import as_access
from tinhso.core.collation import vi_order
from tinhso.core.errors import DomainError, NotFound
from tinhso.core.models import (
    AdministrativeUnit,
    Agency,
    ApplicantKind,
    ApplicantProfile,
    UnitLevel,
)
from tinhso.core.selectors import work_calendar
from tinhso.dossiers.models import Dossier, DossierEvent, FileKind, State
from tinhso.dossiers.selectors import (
    APPLICANT_FORMS,
    NOTE_FOR_APPLICANT,
    dossier_track,
    dossiers_of_applicant,
)
from tinhso.procedures.models import AgencySlot, Procedure
from tinhso.procedures.selectors import procedure_agencies, procedures_visible

from .models import SubmissionDraft

POPULAR_CACHE_KEY = "portal:popular-procedures"
POPULAR_CACHE_SECONDS = 600
POPULAR_WINDOW_DAYS = 365

# What the applicant sees for each step of the dossier's life (the timeline of their pages).
ACTION_LABELS = {
    "submit": gettext_lazy("Dossier submitted"),
    "receive": gettext_lazy("Dossier received"),
    "refuse": gettext_lazy("Dossier not accepted"),
    "transfer": gettext_lazy("Passed on for processing"),
    "request_supplement": gettext_lazy("Supplement requested"),
    "supplement": gettext_lazy("Supplement sent"),
    "accept_supplement": gettext_lazy("Supplement accepted, processing resumed"),
    "pause": gettext_lazy("Processing paused"),
    "resume": gettext_lazy("Processing resumed"),
    "request_fees": gettext_lazy("Fees requested"),
    "pay": gettext_lazy("Fees paid"),
    "approve": gettext_lazy("Result approved and signed"),
    "rework": gettext_lazy("Sent back for further processing"),
    "finish": gettext_lazy("Processing finished"),
    "extend": gettext_lazy("Apology and new appointment date"),
    "return_result": gettext_lazy("Result returned"),
    "withdraw": gettext_lazy("Withdrawal requested"),
    "confirm_withdraw": gettext_lazy("Withdrawal confirmed"),
    "stop": gettext_lazy("Processing stopped"),
    "rate": gettext_lazy("Satisfaction rated"),
}

# Application-form fields filled from the applicant's profile, by field name (the names the
# national forms use), unless the field names its source itself with "x-prefill".
PROFILE_FIELDS = {
    ApplicantKind.CITIZEN: {
        "ho_ten_nguoi_yeu_cau": "full_name",
        "ho_ten": "full_name",
        "so_dinh_danh_nguoi_yeu_cau": "personal_id",
        "so_dinh_danh": "personal_id",
        "so_dien_thoai": "phone",
        "email": "email",
    },
    ApplicantKind.BUSINESS: {
        "ten_doanh_nghiep": "full_name",
        "ma_so_doanh_nghiep": "tax_code",
        "ma_so": "tax_code",
        "dia_chi_tru_so": "address",
        "so_dien_thoai": "phone",
        "email": "email",
    },
}
PREFILL_SOURCES = {
    "applicant.full_name": "full_name",
    "applicant.personal_id": "personal_id",
    "applicant.tax_code": "tax_code",
    "applicant.phone": "phone",
    "applicant.email": "email",
    "applicant.address": "address",
    "applicant.date_of_birth": "date_of_birth",
}
# Fields that describe the applicant rather than the case, so the value the applicant gave in an
# earlier dossier is offered again ("data entered once"). A schema can add a field with
# ``"x-reuse": true``.
REUSABLE_FIELDS = {
    *PROFILE_FIELDS[ApplicantKind.CITIZEN],
    *PROFILE_FIELDS[ApplicantKind.BUSINESS],
    "ten_ho_kinh_doanh",
    "ma_so_ho_kinh_doanh",
    "ho_ten_nguoi_dai_dien",
    "so_dinh_danh_nguoi_dai_dien",
    "so_tai_khoan",
    "thon_to_dan_pho",
    "ho_ten_chu_ho",
    "so_dinh_danh_chu_ho",
}
EARLIER_DOSSIERS_READ = 20


# --- who may submit -----------------------------------------------------------------------------


def is_officer(user: Any) -> bool:
    """Officer accounts act for agencies: they never submit as a citizen from the portal."""
    return as_access(user).is_officer


def applicant_profile(user: Any) -> ApplicantProfile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return ApplicantProfile.objects.filter(user=user).select_related("unit").first()


# --- catalogue ----------------------------------------------------------------------------------


def popular_procedures(*, user: Any, limit: int = 6) -> list[Procedure]:
    """The procedures with the most dossiers over the last year; catalogue order when none.

    The ranking is counted at most every few minutes (it reads the dossier table).
    """
    ranked = cache.get(POPULAR_CACHE_KEY)
    if ranked is None:
        since = timezone.now() - dt.timedelta(days=POPULAR_WINDOW_DAYS)
        ranked = list(
            Dossier.objects.filter(submitted_at__gte=since)
            .values("procedure_id")
            .annotate(n=Count("id"))
            .order_by("-n", "procedure_id")
            .values_list("procedure_id", flat=True)[:50]
        )
        cache.set(POPULAR_CACHE_KEY, ranked, POPULAR_CACHE_SECONDS)
    visible = procedures_visible(user).filter(is_active=True)
    by_id = {p.pk: p for p in visible.filter(pk__in=ranked)}
    found = [by_id[pk] for pk in ranked if pk in by_id][:limit]
    if len(found) < limit:
        found += list(visible.exclude(pk__in=[p.pk for p in found])[: limit - len(found)])
    return found


def needs_commune(procedure: Procedure) -> bool:
    """Whether a dossier of the procedure goes to the People's Committee of a commune."""
    return AgencySlot.COMMUNE_COMMITTEE in {procedure.receiving_slot, procedure.deciding_slot}


def communes_for_submission() -> QuerySet[AdministrativeUnit]:
    """Current communes, wards and special zones that have an active People's Committee."""
    keys = Agency.objects.filter(is_active=True, key__startswith="commune_").values_list(
        "key", flat=True
    )
    codes = [key.removeprefix("commune_") for key in keys]
    return (
        AdministrativeUnit.objects.current()
        .filter(level=UnitLevel.COMMUNE, code__in=codes)
        .order_by(vi_order("name"), "code")
    )


@dataclass
class Where:
    """Where a dossier of a procedure is submitted, as shown on the procedure page."""

    at_commune: bool
    receiving: Agency | None = None
    deciding: Agency | None = None
    own_committee: Agency | None = None
    problem: str = ""


def procedure_where(procedure: Procedure, *, user: Any = None) -> Where:
    """The receiving and deciding agencies; for commune procedures the applicant's committee."""
    where = Where(at_commune=needs_commune(procedure))
    profile = applicant_profile(user) if user is not None else None
    unit = profile.unit if profile is not None else None
    if where.at_commune and unit is None:
        return where
    try:
        agencies = procedure_agencies(procedure, unit)
    except DomainError as exc:
        where.problem = str(exc)
        return where
    where.receiving, where.deciding = agencies.receiving, agencies.deciding
    if where.at_commune:
        where.own_committee = agencies.receiving
    return where


# --- submission ---------------------------------------------------------------------------------


def draft_for(*, user: Any, procedure: Procedure) -> SubmissionDraft | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        SubmissionDraft.objects.filter(user=user, procedure=procedure)
        .select_related("commune")
        .prefetch_related("files__component")
        .first()
    )


def drafts_of(*, user: Any) -> QuerySet[SubmissionDraft]:
    if not getattr(user, "is_authenticated", False):
        return SubmissionDraft.objects.none()
    return SubmissionDraft.objects.filter(user=user, procedure__is_active=True).select_related(
        "procedure"
    )


def _profile_value(profile: ApplicantProfile, attribute: str) -> Any:
    value = getattr(profile, attribute, "")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value or None


def prefill_form(*, user: Any, procedure: Procedure) -> dict[str, Any]:
    """Initial application data: the applicant's earlier answers, then their profile.

    Only fields that describe the applicant are carried over from earlier dossiers (see
    ``REUSABLE_FIELDS``); case data (a child's name, a plot number) is never guessed.
    """
    from tinhso.procedures.selectors import form_fields

    fields = dict(form_fields(procedure.form_schema or {}))
    if not fields:
        return {}
    data: dict[str, Any] = {}
    reusable = {
        name
        for name, schema in fields.items()
        if name in REUSABLE_FIELDS or schema.get("x-reuse") is True
    }
    if reusable:
        earlier = (
            dossiers_of_applicant(user=user)
            .order_by("-submitted_at")
            .values_list("form_data", flat=True)[:EARLIER_DOSSIERS_READ]
        )
        for form_data in earlier:
            if not isinstance(form_data, dict):
                continue
            for name in reusable - data.keys():
                value = form_data.get(name)
                if value not in (None, "", [], {}):
                    data[name] = value
    profile = applicant_profile(user)
    if profile is not None:
        by_name = PROFILE_FIELDS.get(profile.kind, {})
        for name, schema in fields.items():
            source = PREFILL_SOURCES.get(schema.get("x-prefill", "")) or by_name.get(name)
            value = _profile_value(profile, source) if source else None
            if value is not None and (name not in data or source in {"full_name", "personal_id"}):
                data[name] = value
    return data


def expected_due(procedure: Procedure, *, now: dt.datetime | None = None) -> dt.datetime:
    """The appointment date if the dossier were received now (15:00 cut-off, working days)."""
    from tinhso.dossiers.services import procedure_duration

    calendar = work_calendar()
    start = calendar.counting_start(now or timezone.now())
    return calendar.add_working_time(start, procedure_duration(procedure, calendar))


# --- the applicant's dossiers ---------------------------------------------------------------------


def my_dossier_get(*, user: Any, code: str) -> Dossier:
    """One of the applicant's own dossiers; ``NotFound`` for any other code."""
    dossier = (
        dossiers_of_applicant(user=user)
        .select_related("deciding_agency", "applicant")
        .filter(code=code)
        .first()
    )
    if dossier is None:
        raise NotFound("unknown_dossier", _("Dossier %(code)s was not found.") % {"code": code})
    return dossier


@dataclass
class Ask:
    """What the dossier asks of its applicant now."""

    kind: str  # "supplement", "fees", "collect", "rate"
    reason: str = ""
    items: tuple[str, ...] = ()
    amount: int = 0


def _latest_events(dossiers: list[Dossier], action: str) -> dict[int, DossierEvent]:
    found: dict[int, DossierEvent] = {}
    if not dossiers:
        return found
    events = DossierEvent.objects.filter(
        dossier_id__in=[d.pk for d in dossiers], action=action
    ).order_by("dossier_id", "-seq")
    for event in events:
        found.setdefault(event.dossier_id, event)
    return found


def asks_for(dossiers: list[Dossier]) -> dict[int, Ask]:
    """For each dossier that needs the applicant, what it needs (one query per kind)."""
    asks: dict[int, Ask] = {}
    waiting = [d for d in dossiers if d.state == State.SUPPLEMENT_REQUESTED]
    requests = _latest_events(waiting, "request_supplement")
    for d in waiting:
        event = requests.get(d.pk)
        items = tuple((event.data or {}).get("items") or []) if event else ()
        asks[d.pk] = Ask("supplement", reason=event.note if event else "", items=items)
    for d in dossiers:
        if d.state == State.FEES_REQUESTED:
            asks[d.pk] = Ask("fees", amount=d.fee_vnd)
        elif d.state == State.FINISHED:
            asks[d.pk] = Ask("collect")
    returned = [d.pk for d in dossiers if d.state == State.RETURNED]
    if returned:
        from tinhso.dossiers.models import Rating

        rated = set(
            Rating.objects.filter(dossier_id__in=returned).values_list("dossier_id", flat=True)
        )
        for pk in returned:
            if pk not in rated:
                asks[pk] = Ask("rate")
    return asks


@dataclass(frozen=True)
class TimelineItem:
    at: dt.datetime
    label: str
    note: str = ""


def applicant_timeline(dossier: Dossier) -> list[TimelineItem]:
    """The dossier's history as its applicant sees it: what happened, when, and the reasons
    addressed to them (no officer names)."""
    items = []
    for event in dossier.events.order_by("seq"):
        note = event.note if event.action in NOTE_FOR_APPLICANT else ""
        if event.action == "request_supplement":
            wanted = (event.data or {}).get("items") or []
            if wanted:
                note = f"{note} ({'; '.join(str(item) for item in wanted)})".strip()
        if event.action == "extend" and (event.data or {}).get("new_due_at"):
            from tinhso.core.templatetags.tinhso_format import vndatetime

            moment = dt.datetime.fromisoformat(event.data["new_due_at"])
            note = f"{note} – " + _("new appointment: %(when)s") % {"when": vndatetime(moment)}
        items.append(
            TimelineItem(event.at, str(ACTION_LABELS.get(event.action, event.action)), note)
        )
    return items


def dossier_files(dossier: Dossier) -> dict[str, list]:
    """The dossier's files by kind: component (with the desk's scans), supplement, result."""
    groups: dict[str, list] = {"component": [], "supplement": [], "result": []}
    for record in dossier.files.select_related("component").order_by("uploaded_at", "pk"):
        kind = FileKind.COMPONENT if record.kind == FileKind.SCAN else record.kind
        groups.setdefault(kind, []).append(record)
    return groups


def applicant_forms(dossier: Dossier) -> list[str]:
    """The printed forms (BM.01–BM.04) the applicant can download for this dossier."""
    from tinhso.dossiers.pdf import available_forms

    return [kind for kind in available_forms(dossier) if kind in APPLICANT_FORMS]


# --- public tracking ----------------------------------------------------------------------------


def dossier_public_by_code(code: str, *, id_number: str = "", token: str = "") -> dict[str, Any]:
    """The public view of a dossier by its code: the status only, or with a proof (the last 4
    digits of the applicant's ID number, or the QR code's token) the details and the timeline."""
    view = dossier_track(code=code, id_number=id_number, token=token)
    if view["detailed"]:
        view["timeline"] = [
            {**item, "label": str(ACTION_LABELS.get(item["action"], item["action"]))}
            for item in view["timeline"]
        ]
    return view
