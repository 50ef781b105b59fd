"""Field feedback pages: the public map and list, sending a report, the officers' handling."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tinhso.core.access import request_access
from tinhso.core.errors import DomainError, NotFound
from tinhso.core.maps import map_attributes

from . import selectors, services
from .boundary import province_boundary
from .forms import (
    AcceptForm,
    AnswerForm,
    NoteForm,
    PublicFilterForm,
    RateForm,
    ReassignForm,
    RejectForm,
    ReportForm,
    StatsForm,
)
from .models import Report, State

PAGE_SIZE = 20
MAX_MARKERS = 500

# Confirmations shown after a redirect (?done=…): only these fixed texts, never echoed input.
DONE_MESSAGES = {
    "sent": gettext_lazy(
        "Your report was sent to the agency responsible. It will be published after "
        "moderation; you can follow it on this page."
    ),
    "rated": gettext_lazy("Thank you for your rating."),
    "reopened": gettext_lazy("The report is reopened; the agency will act again."),
    "accept": gettext_lazy("The report is published and assigned."),
    "reject": gettext_lazy("The report is rejected; the reporter sees the explanation."),
    "reassign": gettext_lazy("The report was sent to the other agency."),
    "note": gettext_lazy("The progress note is saved."),
    "answer": gettext_lazy("The answer is published."),
}


def _redirect_done(name: str, pk: int, done: str):
    return redirect(f"{reverse(name, args=[pk])}?done={done}")


def _done_message(request) -> str:
    return str(DONE_MESSAGES.get(request.GET.get("done", ""), ""))


def map_context(*, markers: list[dict] | None = None, pick: bool = False) -> dict[str, Any]:
    """Data attributes of a map: its base layers (core.maps: the offline layer, the communes,
    street tiles only when ``TINHSO_MAP_TILE_URL`` is set) and its markers."""
    return {
        **map_frame(),
        "map_markers": json.dumps(markers or [], ensure_ascii=False),
        "map_pick": pick,
    }


def map_frame() -> dict[str, Any]:
    """The maps' layers and first view (the province's box), shared with the operations centre."""
    boundary = province_boundary()
    south, west, north, east = boundary.bbox if boundary else (16.3, 105.6, 18.1, 107.4)
    return {
        **map_attributes(),
        "map_bounds": json.dumps([[south, west], [north, east]]),
        "map_centre": json.dumps([(south + north) / 2, (west + east) / 2]),
    }


def _marker(report: Report) -> dict[str, Any]:
    return {
        "id": report.pk,
        "lat": float(report.latitude),
        "lng": float(report.longitude),
        "title": f"#{report.pk} {report.category.name}",
        "status": report.open311_status,
        "status_label": str(report.get_state_display()),
        "url": reverse("feedback:detail", args=[report.pk]),
    }


# --- public -------------------------------------------------------------------------------


@require_GET
def report_list(request):
    form = PublicFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    qs = selectors.reports_public_filtered(**filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    markers = [
        _marker(report)
        for report in qs.filter(latitude__isnull=False)
        .select_related(None)
        .select_related("category")[:MAX_MARKERS]
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "feedback/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "now": timezone.now(),
            **map_context(markers=markers),
        },
    )


def report_detail(request, pk: int):
    try:
        access = selectors.report_for_viewer(user=request_access(request), pk=pk)
    except NotFound:
        raise Http404 from None
    report = access.report
    rate_form = None
    if access.is_reporter and report.state == State.ANSWERED:
        rate_form = RateForm()
    return _detail_page(request, access, rate_form)


def _detail_page(request, access, rate_form, status: int = 200):
    report = access.report
    markers = [_marker(report)] if report.has_location and report.is_public else []
    return render(
        request,
        "feedback/detail.html",
        {
            "report": report,
            "access": access,
            "photos": report.photos.all() if (report.is_public or access.is_reporter) else [],
            "events": selectors.public_events(report),
            "rate_form": rate_form,
            "deadline": selectors.deadline_status(report),
            "done": _done_message(request),
            **map_context(markers=markers),
        },
        status=status,
    )


@login_required
@require_POST
def report_rate(request, pk: int):
    try:
        access = selectors.report_for_viewer(user=request_access(request), pk=pk)
    except NotFound:
        raise Http404 from None
    if not access.is_reporter:
        raise Http404
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            services.report_rate(
                actor=request.user,
                report=access.report,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                reopen=form.cleaned_data["reopen"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            done = "reopened" if form.cleaned_data["reopen"] else "rated"
            return _redirect_done("feedback:detail", pk, done)
    access.report.refresh_from_db()
    return _detail_page(request, access, form)


@require_GET
def report_photo(request, pk: int, photo_pk: int):
    try:
        access = selectors.report_for_viewer(user=request_access(request), pk=pk)
    except NotFound:
        raise Http404 from None
    photo = access.report.photos.filter(pk=photo_pk).first()
    if photo is None:
        raise Http404
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "public, max-age=300" if access.report.is_public else "private"
    return response


@login_required
def report_submit(request):
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = services.report_submit(
                    actor=request.user,
                    category=data["category"],
                    description=data["description"],
                    urgency=data["urgency"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    address=data["address"],
                    commune=data["commune"],
                    require_commune=True,
                    photos=data["photos"],
                    attributes=form.attribute_values(),
                    idempotency_key=data["submission_key"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                return _redirect_done("feedback:detail", report.pk, "sent")
    else:
        initial = {}
        profile = getattr(request.user, "applicant", None)
        if profile is not None and profile.unit_id:
            initial["commune"] = profile.unit.code
        code = request.GET.get("category", "")
        if code:
            initial["category"] = code
        form = ReportForm(initial=initial)
    return render(
        request,
        "feedback/submit.html",
        {"form": form, **map_context(pick=True)},
        status=200,
    )


@require_GET
def submit_attributes(request):
    """htmx: the questions of the chosen category, swapped into the submit form."""
    form = ReportForm(initial={"category": request.GET.get("category", "")})
    return render(request, "feedback/_attributes.html", {"form": form})


@login_required
@require_GET
def my_reports(request):
    qs = selectors.reports_of_reporter(user=request_access(request))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "feedback/mine.html", {"page": page})


# --- officers -----------------------------------------------------------------------------


def _require_officer(request) -> None:
    if not selectors.is_feedback_officer(request_access(request)):
        raise DjangoPermissionDenied(_("This page is for officers."))


@login_required
@require_GET
def officer_inbox(request):
    _require_officer(request)
    box = request.GET.get("box") or "moderate"
    if box not in selectors.INBOXES:
        raise Http404
    agencies = list(selectors.officer_agencies(request_access(request)))
    agency_id = None
    wanted = request.GET.get("agency", "")
    if wanted.isdigit() and any(a.pk == int(wanted) for a in agencies):
        agency_id = int(wanted)
    now = timezone.now()
    qs = selectors.officer_inbox(
        user=request_access(request), box=box, agency_id=agency_id, now=now
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for report in page.object_list:
        report.deadline = selectors.deadline_status(report, now)
    counts = selectors.officer_inbox_counts(user=request_access(request), agency_id=agency_id)
    boxes = [(name, BOX_LABELS[name], counts[name]) for name in selectors.INBOXES]
    return render(
        request,
        "feedback/officer/inbox.html",
        {
            "box": box,
            "boxes": boxes,
            "page": page,
            "agencies": agencies,
            "agency_id": agency_id,
        },
    )


BOX_LABELS = {
    "moderate": gettext_lazy("To moderate"),
    "handling": gettext_lazy("Being handled"),
    "due_soon": gettext_lazy("Due soon"),
    "overdue": gettext_lazy("Overdue"),
    "answered": gettext_lazy("Answered"),
    "rejected": gettext_lazy("Rejected"),
}


def _officer_forms(report: Report, data=None, which: str | None = None) -> dict[str, Any]:
    """One form per action; only the submitted one is bound."""
    forms = {
        "accept": AcceptForm(
            data if which == "accept" else None,
            initial={"public_description": report.shown_description},
            prefix="accept",
        ),
        "reject": RejectForm(data if which == "reject" else None, prefix="reject"),
        "reassign": ReassignForm(data if which == "reassign" else None, prefix="reassign"),
        "note": NoteForm(data if which == "note" else None, prefix="note"),
        "answer": AnswerForm(data if which == "answer" else None, prefix="answer"),
    }
    return forms


def _officer_page(request, report: Report, forms: dict, status: int = 200):
    allowed = (
        [a for a in services.OFFICER_ACTIONS if report.state in services.TRANSITIONS[a].sources]
        if services.can_handle(request_access(request), report)
        else []
    )
    nearby = selectors.nearby_reports(report)
    markers = [_marker(report)] if report.has_location else []
    markers += [_marker(other) for other, _d in nearby if other.has_location]
    return render(
        request,
        "feedback/officer/report.html",
        {
            "report": report,
            "photos": report.photos.all(),
            "events": selectors.all_events(report),
            "nearby": nearby,
            "allowed": allowed,
            "forms": forms,
            "done": _done_message(request),
            "deadline": selectors.deadline_status(report),
            **map_context(markers=markers),
        },
        status=status,
    )


@login_required
@require_GET
def officer_report(request, pk: int):
    _require_officer(request)
    try:
        report = selectors.report_for_officer(user=request_access(request), pk=pk)
    except NotFound:
        raise Http404 from None
    return _officer_page(request, report, _officer_forms(report))


@login_required
@require_POST
def officer_action(request, pk: int, action: str):
    _require_officer(request)
    if action not in services.OFFICER_ACTIONS:
        raise Http404
    try:
        report = selectors.report_for_officer(user=request_access(request), pk=pk)
    except NotFound:
        raise Http404 from None
    forms = _officer_forms(report, request.POST, action)
    form = forms[action]
    if form.is_valid():
        data = form.cleaned_data
        try:
            _run_action(request.user, report, action, data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return _redirect_done("feedback:officer_report", pk, action)
    report = selectors.report_for_officer(user=request_access(request), pk=pk)
    return _officer_page(request, report, forms)


def _run_action(user, report: Report, action: str, data: dict) -> None:
    if action == "accept":
        services.report_accept(
            actor=user, report=report, public_description=data["public_description"]
        )
    elif action == "reject":
        services.report_reject(
            actor=user,
            report=report,
            kind=data["kind"],
            reason=data["reason"],
            duplicate_of=data["duplicate_of"],
        )
    elif action == "reassign":
        services.report_reassign(
            actor=user, report=report, agency=data["agency"], reason=data["reason"]
        )
    elif action == "note":
        services.report_add_note(
            actor=user, report=report, note=data["note"], public=data["public"]
        )
    elif action == "answer":
        services.report_answer(actor=user, report=report, answer=data["answer"])


@login_required
@require_GET
def officer_stats(request):
    _require_officer(request)
    form = StatsForm(request.GET if "start" in request.GET else None)
    period = StatsForm.default_period()
    if form.is_bound and form.is_valid():
        period = {"start": form.cleaned_data["start"], "end": form.cleaned_data["end"]}
    elif not form.is_bound:
        form = StatsForm(initial=period)
    by_agency = by_commune = []
    if not form.errors:
        try:
            by_agency = selectors.feedback_stats(
                user=request_access(request), by="agency", **period
            )
            by_commune = selectors.feedback_stats(
                user=request_access(request), by="commune", **period
            )
        except DomainError as exc:
            form.add_domain_error(exc, fallback="start")
    return render(
        request,
        "feedback/officer/stats.html",
        {"form": form, "period": period, "by_agency": by_agency, "by_commune": by_commune},
    )
