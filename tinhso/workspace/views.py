"""Officer workspace pages: inboxes, counter reception, the dossier page, statistics.

Every page requires a signed-in officer (an active role in some agency); anyone else gets 404
(anonymous users are sent to the login page). Reads go through the scoped selectors, writes through
the services; a refused operation is shown as a Vietnamese message in the page, never a 500.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.core.access import request_access
from tinhso.core.errors import DomainError, NotFound
from tinhso.core.http import download_response, is_htmx, stored_file_response
from tinhso.core.services import pending_upload_discard
from tinhso.core.uploads import max_upload_bytes
from tinhso.dossiers import book as tracking
from tinhso.dossiers import pdf
from tinhso.dossiers.models import RUNNING_STATES, Dossier, DossierFile, State
from tinhso.dossiers.selectors import (
    INBOXES,
    DossierPage,
    dossier_get,
    inbox_counts,
    receipt_versions,
    returned_for_rework,
    supplement_request_open,
)
from tinhso.dossiers.selectors import inbox as inbox_qs
from tinhso.dossiers.services import dossier_result_sign_begin, dossier_result_sign_finish
from tinhso.dossiers.statistics import (
    agency_period_stats,
    reception_stats,
    rollup,
    stats_to_xlsx,
)
from tinhso.payments import selectors as payment_selectors
from tinhso.procedures.forms import ApplicationForm, display_rows
from tinhso.signatures.registry import expiring_certificates
from tinhso.signatures.selectors import signing_agent_url
from tinhso.signatures.views import agent_begin, agent_finish

from . import forms as f
from .actions import EVENT_LABELS, SPECS, available_actions
from .selectors import (
    default_box,
    desk_agencies,
    entered_with,
    is_officer,
    receivable_procedure,
    receivable_procedures,
    reception_communes,
    search_dossiers,
)
from .services import counter_receive

PER_PAGE = 25
PROCEDURE_RESULTS = 30

BOX_LABELS = {
    "to_receive": gettext_lazy("To receive or return"),
    "to_process": gettext_lazy("To process"),
    "to_sign": gettext_lazy("To approve and sign"),
    "waiting_supplement": gettext_lazy("Waiting for a supplement"),
    "supplement_check": gettext_lazy("Supplemented, waiting for check"),
    "due_soon": gettext_lazy("Due within 1 working day"),
    "overdue": gettext_lazy("Overdue"),
}
FORM_LABELS = {
    "bm01": gettext_lazy("Receipt and appointment slip (BM.01)"),
    "bm02": gettext_lazy("Supplement request (BM.02)"),
    "bm03": gettext_lazy("Refusal to receive (BM.03)"),
    "bm04": gettext_lazy("Apology letter and new appointment (BM.04)"),
    "bm05": gettext_lazy("Process control slip (BM.05)"),
}
# The files the dossier page shows in place (pdf.js draws PDFs on a canvas, images as <img>).
PREVIEWABLE = ("application/pdf", "image/jpeg", "image/png")
# Upload errors raised by the services, shown next to the files.
FILE_ERRORS = {
    "file_too_large",
    "file_empty",
    "file_type_not_allowed",
    "file_type_mismatch",
    "image_too_large",
    "image_invalid",
    "unknown_component",
    "files_required",
    "upload_expired",
}


def officer_required(view):
    """Signed in (else the login page) and holding an officer role (else 404)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_officer(request_access(request)):
            raise Http404(_("Page not found."))
        return view(request, *args, **kwargs)

    return wrapped


def _dossier(request: HttpRequest, code: str) -> Dossier:
    try:
        return dossier_get(user=request_access(request), code=code)
    except NotFound:
        raise Http404(_("Dossier %(code)s was not found.") % {"code": code}) from None


def _is_overdue(dossier: Dossier, now: dt.datetime) -> bool:
    return (
        dossier.state in RUNNING_STATES
        and dossier.legal_due_at is not None
        and dossier.legal_due_at < now
    )


# --- inboxes --------------------------------------------------------------------------------


@require_GET
@officer_required
def inbox(request: HttpRequest) -> HttpResponse:
    access = request_access(request)
    box = request.GET.get("box") or default_box(access)
    if box not in INBOXES:
        raise Http404(_("Unknown list “%(box)s”.") % {"box": box})
    search = f.InboxSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    now = timezone.now()
    counts = inbox_counts(user=access, now=now)
    request.workspace_inbox_counts = counts  # for the navigation's "Work" count
    dossiers = search_dossiers(inbox_qs(user=access, box=box, now=now), query).select_related(
        "current_agency"
    )
    # Without a search the list holds what its tab counted: no second count.
    listed = DossierPage(dossiers, count=None if query else counts[box])
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    reworks = returned_for_rework(page.object_list)
    for dossier in page.object_list:
        dossier.ws_overdue = _is_overdue(dossier, now)
        dossier.ws_supplement_due = supplement_request_open(dossier, now)
        dossier.ws_rework = reworks.get(dossier.pk)
    context = {
        "box": box,
        "box_label": BOX_LABELS[box],
        "tabs": [(name, BOX_LABELS[name], counts.get(name, 0)) for name in INBOXES],
        "search": search,
        "query": query,
        "page": page,
        "several_agencies": len(access.agencies()) > 1,
    }
    if is_htmx(request):
        response = render(request, "workspace/_inbox_panel.html", context)
    else:
        context["expiring_certificates"] = expiring_certificates(request.user, now=now)
        response = render(request, "workspace/inbox.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- counter reception ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@officer_required
def reception(request: HttpRequest) -> HttpResponse:
    user = request.user
    access = request_access(request)
    context: dict[str, Any] = {"is_desk": desk_agencies(access).exists()}
    if not context["is_desk"]:
        return render(request, "workspace/reception.html", context)
    code = (request.POST.get("procedure") or request.GET.get("procedure") or "").strip()
    procedure = receivable_procedure(user=access, code=code) if code else None
    if procedure is None:
        search = f.ProcedureSearchForm(request.GET)
        query = search.cleaned_data["q"] if search.is_valid() else ""
        results = list(receivable_procedures(user=access, query=query)[:PROCEDURE_RESULTS])
        context |= {
            "search": search,
            "query": query,
            "results": results,
            "unknown_procedure": code,
        }
        if is_htmx(request) and request.method == "GET" and not code:
            response = render(request, "workspace/_procedure_results.html", context)
        else:
            response = render(request, "workspace/reception.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response

    communes = reception_communes(user=access, procedure=procedure)
    components = list(procedure.components.order_by("order"))
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    # "Remove" next to a file kept from a failed attempt: the form comes back without it.
    discard = (data.get("discard_pending") or "").strip()[:32] if data is not None else ""
    if discard:
        pending_upload_discard(owner=user, key=discard)
    applicant = f.ApplicantForm(data, communes=communes)
    if data is not None and applicant.is_valid():
        data = f.requester_defaults(procedure.form_schema, data, applicant.cleaned_data)
    application = ApplicationForm(data, schema=procedure.form_schema)
    scans = f.ComponentFilesForm(
        data, files, components=components, owner=user, discarded={discard} - {""}
    )
    errors: list[str] = []
    field_errors: list[tuple[str, str, str]] = []
    if request.method == "POST":
        valid = [form.is_valid() for form in (applicant, application, scans)]
        if scans.expired and applicant.is_valid():
            earlier = entered_with(
                user=user, idempotency_key=applicant.cleaned_data["idempotency_key"]
            )
            if earlier is not None:  # the same form sent again: its kept scans are the dossier's
                return _received(request, earlier)
        if all(valid) and not discard:
            try:
                dossier = counter_receive(
                    actor=user,
                    procedure=procedure,
                    commune=applicant.cleaned_data.get("commune"),
                    applicant_name=applicant.cleaned_data["applicant_name"],
                    applicant_id_number=applicant.cleaned_data["applicant_id_number"],
                    applicant_phone=applicant.cleaned_data["applicant_phone"],
                    applicant_address=applicant.cleaned_data["applicant_address"],
                    form_data=application.data_for_schema(),
                    uploads=scans.uploads(),
                    pending_keys=scans.kept_keys(),
                    idempotency_key=applicant.cleaned_data["idempotency_key"],
                    note=applicant.cleaned_data["note"],
                    channel=applicant.cleaned_data["channel"],
                )
            except DomainError as exc:
                _reception_error(exc, applicant, application, scans)
            else:
                return _received(request, dossier)
        # Not received: the scans that passed their checks wait for the next attempt.
        scans.keep()
        errors = [
            str(message)
            for form in (applicant, application, scans)
            for message in form.non_field_errors()
        ]
        field_errors = [
            *_error_items(applicant),
            *application.error_items(),
            *_error_items(scans),
        ]
    context |= {
        "procedure": procedure,
        "applicant": applicant,
        "application": application,
        "scans": scans,
        "errors": errors,
        "field_errors": field_errors,
        "invalid": request.method == "POST" and not discard,
        "kept_files": any(scans.kept.values()),
        "max_mb": max_upload_bytes() // (1024 * 1024),
    }
    return render(request, "workspace/reception.html", context)


def _error_items(form) -> list[tuple[str, str, str]]:
    return [(field.auto_id, field.label, " ".join(field.errors)) for field in form if field.errors]


def _reception_error(exc: DomainError, applicant, application, scans) -> None:
    """Put a refusal of the services next to the field it is about."""
    if exc.code == "invalid_form":
        application.add_schema_errors(exc.details.get("errors", []))
        if not application.errors:
            application.add_error(None, str(exc))
    elif exc.code in {"invalid_id_number", "applicant_required"}:
        applicant.add_error("applicant_id_number", str(exc))
    elif exc.code == "commune_required" and "commune" in applicant.fields:
        applicant.add_error("commune", str(exc))
    elif exc.code in FILE_ERRORS:
        scans.add_error(None, str(exc))
    else:
        applicant.add_error(None, str(exc))


def _received(request: HttpRequest, dossier: Dossier) -> HttpResponse:
    if getattr(dossier, "replayed", False):
        messages.info(
            request,
            _("This dossier had already been received as %(code)s: nothing was entered twice.")
            % {"code": dossier.code},
        )
    else:
        messages.success(
            request,
            _("Dossier %(code)s received. Print the receipt and hand it to the applicant.")
            % {"code": dossier.code},
        )
    url = reverse("workspace:dossier", args=[dossier.code])
    if is_htmx(request):
        return HttpResponse(headers={"HX-Redirect": url})
    return redirect(url)


# --- the dossier ----------------------------------------------------------------------------


def _action_items(request: HttpRequest, dossier: Dossier, bound: Any = None) -> list[dict]:
    items = []
    for name in available_actions(user=request_access(request), dossier=dossier):
        spec = SPECS[name]
        form = bound if bound is not None and bound.prefix == name else spec.form(dossier)
        items.append({"spec": spec, "form": form})
    return items


def _dossier_page(
    request: HttpRequest,
    dossier: Dossier,
    *,
    bound: Any = None,
    page_error: str = "",
) -> HttpResponse:
    now = timezone.now()
    events = list(
        dossier.events.select_related("actor_agency", "from_step", "to_step", "to_user").order_by(
            "seq"
        )
    )
    for event in events:
        event.label = EVENT_LABELS.get(event.action, event.action)
        event.to_state_label = State(event.to_state).label if event.to_state in State else ""
    forms_available = [
        {"kind": kind, "label": FORM_LABELS[kind]} for kind in pdf.available_forms(dossier)
    ]
    steps = list(dossier.procedure.steps.order_by("order"))
    context = {
        "dossier": dossier,
        "overdue": _is_overdue(dossier, now),
        "clock_stopped": dossier.clock_stopped_at is not None,
        "stopped_hours": round(dossier.stopped_seconds / 3600, 1),
        "form_rows": display_rows(dossier.procedure.form_schema, dossier.form_data),
        "files": dossier.files.select_related("component").order_by("uploaded_at"),
        "events": events,
        "forms_available": forms_available,
        "receipts": receipt_versions(dossier),
        "payments": payment_selectors.payments_of(dossier),
        "has_receipt": dossier.received_at is not None
        and any(item["kind"] == "bm01" for item in forms_available),
        "steps": steps,
        "actions": _action_items(request, dossier, bound),
        "rework": returned_for_rework([dossier]).get(dossier.pk),
        "previewable": PREVIEWABLE,
        "page_error": page_error,
        # the leader signs PDF results at the signing step, through the signing agent
        "can_sign": "approve" in available_actions(user=request_access(request), dossier=dossier),
        "signing_agent_url": signing_agent_url(request.user),
    }
    return render(request, "workspace/dossier.html", context)


@require_GET
@officer_required
def dossier(request: HttpRequest, code: str) -> HttpResponse:
    return _dossier_page(request, _dossier(request, code))


@require_POST
@officer_required
def dossier_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """Take one action; on success back to the dossier page, otherwise the page again with the
    reason next to the form (status 200: the page itself is fine, the request was refused)."""
    dossier = _dossier(request, code)
    spec = SPECS.get(action)
    if spec is None:
        raise Http404(_("Unknown action “%(action)s”.") % {"action": action})
    if action not in available_actions(user=request_access(request), dossier=dossier):
        message = _("“%(action)s” is not possible on this dossier now.") % {"action": spec.label}
        return _dossier_page(request, dossier, page_error=message)
    form = spec.form(dossier, request.POST, request.FILES)
    if form.is_valid():
        if form.cleaned_data["version"] != dossier.version:
            form.add_error(
                None,
                _(
                    "The dossier changed while this page was open: check its new state, "
                    "then try again."
                ),
            )
        else:
            try:
                spec.run(request.user, dossier, form.params(), form)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Done: %(action)s.") % {"action": spec.label})
                return redirect("workspace:dossier", code=dossier.code)
    dossier.refresh_from_db()
    return _dossier_page(request, dossier, bound=form)


@require_GET
@officer_required
def dossier_file(request: HttpRequest, code: str, file_id: int) -> HttpResponse:
    """A dossier file, only to officers who may see the dossier (files are never public)."""
    dossier = _dossier(request, code)
    record: DossierFile | None = dossier.files.filter(pk=file_id).first()
    if record is None:
        raise Http404(_("File not found."))
    return stored_file_response(record)


@require_GET
@officer_required
def dossier_form(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """A form of the dossier (BM.01–BM.05) as PDF, opened in the browser to print."""
    dossier = _dossier(request, code)
    if kind not in pdf.available_forms(dossier):
        raise Http404(
            _("Form %(form)s does not apply to dossier %(code)s.")
            % {"form": kind.upper(), "code": dossier.code}
        )
    try:
        data, filename = pdf.render_form(
            kind, dossier, version=pdf.receipt_version_param(request.GET.get("version"))
        )
    except DomainError:
        raise Http404(
            _("Form %(form)s does not apply to dossier %(code)s.")
            % {"form": kind.upper(), "code": dossier.code}
        ) from None
    return download_response(data, "application/pdf", filename, inline=True)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- statistics -----------------------------------------------------------------------------


# The statistics page's tables: per column after the agency, (header, row attribute, a rate?);
# the header also labels each cell on narrow screens.
STATS_COLUMNS = (
    (gettext_lazy("Carried over"), "carried_over", False),
    (gettext_lazy("New online"), "new_online", False),
    (gettext_lazy("New at the counter"), "new_counter", False),
    (gettext_lazy("New by post"), "new_post", False),
    (gettext_lazy("Total received"), "received_total", False),
    (gettext_lazy("Resolved"), "resolved_total", False),
    (gettext_lazy("Early"), "resolved_early", False),
    (gettext_lazy("On time"), "resolved_on_time", False),
    (gettext_lazy("Late"), "resolved_late", False),
    (gettext_lazy("Returned or withdrawn"), "returned_or_withdrawn", False),
    (pgettext_lazy("statistics", "Stopped"), "stopped", False),
    (gettext_lazy("In progress, total"), "in_progress_total", False),
    (gettext_lazy("In progress, within the deadline"), "in_progress_not_due", False),
    (gettext_lazy("In progress, overdue"), "in_progress_overdue", False),
    (gettext_lazy("Of which waiting for a supplement"), "waiting_supplement", False),
    (gettext_lazy("Refused at reception"), "refused", False),
    (gettext_lazy("Result returned"), "returned", False),
    (
        gettext_lazy("Late supplement requests (over 2 working days)"),
        "late_supplement_requests",
        False,
    ),
    (gettext_lazy("On-time rate"), "on_time_rate", True),
    (gettext_lazy("Satisfaction rate"), "satisfaction_rate", True),
)
RECEPTION_COLUMNS = (
    (gettext_lazy("New online"), "new_online", False),
    (gettext_lazy("New at the counter"), "new_counter", False),
    (gettext_lazy("New by post"), "new_post", False),
    (gettext_lazy("Total received"), "new_total", False),
    (gettext_lazy("Refused at reception"), "refused", False),
    (gettext_lazy("Result returned"), "returned", False),
)


def _figures_table(columns: tuple, rows: list[Any], total: Any) -> dict[str, Any]:
    """``workspace/_figures_table.html``'s data: each row with its cells (header, value, a
    rate?), and the total line when there is more than one row."""

    def line(row: Any) -> dict[str, Any]:
        cells = [(header, getattr(row, name), rate) for header, name, rate in columns]
        return {"row": row, "cells": cells}

    return {
        "columns": columns,
        "lines": [line(row) for row in rows],
        "total": line(total) if len(rows) > 1 else None,
    }


def _stats(request: HttpRequest) -> dict[str, Any]:
    """The statistics page's data: the period form, the rows per deciding agency with their
    total, the desks' reception rows with theirs, or the error."""
    period = f.PeriodForm(request.GET)
    context: dict[str, Any] = {"period": period, "rows": [], "total": None, "error": ""}
    if period.is_valid():
        user = request_access(request)
        start, end = period.cleaned_data["start"], period.cleaned_data["end"]
        try:
            rows = agency_period_stats(user=user, agencies=None, start=start, end=end)
            reception = reception_stats(user=user, start=start, end=end)
        except DomainError as exc:
            context["error"] = str(exc)
        else:
            context.update(
                rows=rows,
                total=rollup(rows, "province")[0],
                reception=reception,
                reception_total=rollup(reception, "province")[0],
                start=start,
                end=end,
            )
            context["stats_table"] = _figures_table(STATS_COLUMNS, rows, context["total"])
            context["reception_table"] = _figures_table(
                RECEPTION_COLUMNS, reception, context["reception_total"]
            )
    return context


@require_GET
@officer_required
def statistics(request: HttpRequest) -> HttpResponse:
    return render(request, "workspace/statistics.html", _stats(request))


@require_GET
@officer_required
def statistics_xlsx(request: HttpRequest) -> HttpResponse:
    context = _stats(request)
    if not context["period"].is_valid() or context["error"]:
        return render(request, "workspace/statistics.html", context)
    start, end = context["start"], context["end"]
    workbook = stats_to_xlsx(context["rows"], start=start, end=end, reception=context["reception"])
    return download_response(workbook, XLSX_TYPE, f"thong-ke-{start}-{end}.xlsx")


# --- the tracking book (BM.06) -------------------------------------------------------------


def _book(request: HttpRequest) -> dict[str, Any]:
    """The tracking book page's data: the form (agency and period), the entries, or the error."""
    user = request_access(request)
    form = f.TrackingBookForm(request.GET, agencies=tracking.book_agencies(user))
    context: dict[str, Any] = {"period": form, "entries": [], "error": ""}
    if form.is_valid():
        agency, start, end = (form.cleaned_data[k] for k in ("agency", "start", "end"))
        try:
            entries = tracking.tracking_book(user=user, agency=agency, start=start, end=end)
        except DomainError as exc:
            context["error"] = str(exc)
        else:
            context.update(entries=entries, agency=agency, start=start, end=end)
    return context


@require_GET
@officer_required
def tracking_book(request: HttpRequest) -> HttpResponse:
    return render(request, "workspace/tracking_book.html", _book(request))


@require_GET
@officer_required
def tracking_book_file(request: HttpRequest, fmt: str) -> HttpResponse:
    """The tracking book as ``xlsx`` or ``pdf``; a bad period or agency shows the page."""
    if fmt not in BOOK_FORMATS:
        raise Http404(_("Unknown format."))
    context = _book(request)
    if "agency" not in context:
        return render(request, "workspace/tracking_book.html", context)
    agency, start, end = context["agency"], context["start"], context["end"]
    render_file, content_type = BOOK_FORMATS[fmt]
    content = render_file(context["entries"], agency=agency, start=start, end=end)
    return download_response(
        content, content_type, f"so-theo-doi-{agency.code}-{start}-{end}.{fmt}"
    )


BOOK_FORMATS = {
    "xlsx": (tracking.book_to_xlsx, XLSX_TYPE),
    "pdf": (pdf.render_tracking_book, "application/pdf"),
}


# --- the leader signs a result (through the signing agent on their own computer) -----------


@require_POST
@officer_required
def result_sign_begin(request: HttpRequest, code: str, file_id: int) -> HttpResponse:
    """Step 1: the certificate the signing agent announced → what the agent signs (JSON)."""
    dossier = _dossier(request, code)
    return agent_begin(
        request,
        lambda **announced: dossier_result_sign_begin(
            actor=request.user, dossier=dossier, file_id=file_id, **announced
        ),
    )


@require_POST
@officer_required
def result_sign_finish(request: HttpRequest, code: str, file_id: int) -> HttpResponse:
    """Step 3: the agent's signature value → the result becomes the signed PDF."""
    dossier = _dossier(request, code)
    return agent_finish(
        request,
        lambda **value: dossier_result_sign_finish(
            actor=request.user, dossier=dossier, file_id=file_id, **value
        ),
        _("The result is signed digitally."),
    )
