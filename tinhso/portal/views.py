"""Citizen portal pages: home, procedure search and pages, online submission, my dossiers,
public tracking.

Views stay thin: reads go through the selectors (``tinhso.procedures.selectors``,
``tinhso.dossiers.selectors`` and ``.selectors``), writes through the services, and a
``DomainError`` from a service is shown in the page, never as a server error.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tinhso.accounts import sso
from tinhso.accounts.selectors import session_assurance_level
from tinhso.core.access import request_access
from tinhso.core.errors import DomainError, NotFound
from tinhso.core.http import download_response, is_htmx, stored_file_response
from tinhso.core.models import AdministrativeUnit, Role, UnitLevel
from tinhso.dossiers.actions import ACTIONS, available_actions
from tinhso.dossiers.models import CLOCK_STOPPED_STATES, Rating, State
from tinhso.dossiers.selectors import dossiers_of_applicant, receipt_versions
from tinhso.dossiers.services import check_delivery
from tinhso.payments import selectors as payment_selectors
from tinhso.procedures.forms import ApplicationForm, display_rows
from tinhso.procedures.models import OnlineMode, Procedure, delivery_label
from tinhso.procedures.selectors import (
    LEVEL_FILTERS,
    catalogue_search,
    procedure_agencies,
    procedure_blank_form,
    procedure_get,
    sector_choices,
    sectors_list,
)
from tinhso.procedures.services import procedure_validate_form
from tinhso.qna.selectors import questions_related

from . import selectors, services

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 200
UPLOAD_FIELD = "file-%d"
FORM_LABELS = {
    "bm01": gettext_lazy("Receipt and appointment slip (BM.01, PDF)"),
    "bm02": gettext_lazy("Supplement request (BM.02, PDF)"),
    "bm03": gettext_lazy("Refusal notice (BM.03, PDF)"),
    "bm04": gettext_lazy("Apology and new appointment (BM.04, PDF)"),
}


# --- helpers ------------------------------------------------------------------------------------


def _message_page(request, *, status: int, title: str, message: str, **extra) -> HttpResponse:
    context = {"title": title, "message": message, **extra}
    return render(request, "portal/message.html", context, status=status)


def _procedure_or_none(request, code: str) -> Procedure | None:
    try:
        return procedure_get(user=request.user, code=code)
    except NotFound:
        return None


def _procedure_not_found(request, code: str) -> HttpResponse:
    return _message_page(
        request,
        status=404,
        title=_("Procedure not found"),
        message=_("Unknown procedure “%(code)s”.") % {"code": code},
        back_url=reverse("portal:procedures"),
        back_label=_("Search the procedures"),
    )


def _dossier_not_found(request, code: str) -> HttpResponse:
    return _message_page(
        request,
        status=404,
        title=_("Dossier not found"),
        message=_("Dossier %(code)s was not found.") % {"code": code},
        back_url=reverse("portal:my_dossiers"),
        back_label=_("My dossiers"),
    )


# --- home and catalogue -------------------------------------------------------------------------


def home(request):
    province = (
        AdministrativeUnit.objects.current()
        .filter(level=UnitLevel.PROVINCE)
        .order_by("code")
        .first()
    )
    context = {
        "province": province,
        "sectors": sectors_list(user=request.user).filter(procedure_count__gt=0),
        "popular": selectors.popular_procedures(user=request.user),
        "drafts": list(selectors.drafts_of(user=request.user)[:3]),
    }
    return render(request, "portal/home.html", context)


def _page_number(value: str | None) -> int:
    """The ``?page=`` asked for (1 when missing or not a positive number, as ``get_page``)."""
    return int(value) if value and value.isdigit() and 0 < int(value) <= 10**6 else 1


def procedures(request):
    query = (request.GET.get("q") or "").strip()[:MAX_QUERY_LENGTH]
    sector = (request.GET.get("sector") or "").strip()
    level = (request.GET.get("level") or "").strip()
    if level not in LEVEL_FILTERS:
        level = ""
    filters = {"query": query, "sector": sector or None, "level": level or None}
    number = _page_number(request.GET.get("page"))
    found = catalogue_search(
        user=request.user, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE, **filters
    )
    paginator = Paginator(range(found.count), PAGE_SIZE)  # the count, without a query
    if number > paginator.num_pages:  # past the end: the last page, as ``get_page`` does
        number = paginator.num_pages
        found = catalogue_search(
            user=request.user, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE, **filters
        )
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": Page(found.procedures, number, paginator),
        "query": query,
        "corrected": found.corrected,
        "sector": sector,
        "level": level,
        "sectors": sector_choices(user=request.user),
        "levels": [("province", _("Province level")), ("commune", _("Commune level"))],
        "querystring": params.urlencode(),
        # The rows as drawn change only with their procedures (``updated_at``; a sector renamed
        # shows at most TINHSO_CATALOGUE_CACHE_SECONDS late): the template keeps them.
        "rows_key": " ".join(f"{p.pk}.{p.updated_at.timestamp()}" for p in found.procedures),
        "catalogue_seconds": settings.TINHSO_CATALOGUE_CACHE_SECONDS,
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "results":
        context["partial"] = True
        response = render(request, "portal/_procedure_results.html", context)
    else:
        response = render(request, "portal/procedures.html", context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def procedure(request, code: str):
    proc = _procedure_or_none(request, code)
    if proc is None:
        return _procedure_not_found(request, code)
    user = request.user
    context = {
        "procedure": proc,
        "components": list(proc.components.all()),
        "steps": list(proc.steps.all()),
        "questions": questions_related(procedure=proc),
        "where": selectors.procedure_where(proc, user=user),
        "online": proc.is_active and proc.online_mode != OnlineMode.COUNTER,
        "draft": selectors.draft_for(user=user, procedure=proc),
        "is_officer": selectors.is_officer(user),
    }
    return render(request, "portal/procedure.html", context)


def blank_form(request, code: str, component: int):
    """A component's blank form (mẫu đơn, tờ khai) to download: public, as the procedure page."""
    try:
        found = procedure_blank_form(user=request.user, code=code, component_id=component)
    except NotFound:
        raise Http404(_("This form was not found.")) from None
    return stored_file_response(
        SimpleNamespace(
            file=found.blank_form,
            original_name=found.blank_form_name or "mau-don.pdf",
            content_type=found.blank_form_type or "application/octet-stream",
        )
    )


# --- online submission ----------------------------------------------------------------------------


def _refuse_submission(request, proc: Procedure, exc: DomainError) -> HttpResponse:
    return _message_page(
        request,
        status=exc.status if exc.status in {403, 404} else 400,
        title=_("Online submission is not possible"),
        message=str(exc),
        back_url=reverse("portal:procedure", args=[proc.code]),
        back_label=_("Back to the procedure"),
    )


def _component_rows(proc: Procedure, draft, errors: dict[int, str]) -> list[dict]:
    files = {f.component_id: f for f in draft.files.all()} if draft is not None else {}
    return [
        {"component": c, "file": files.get(c.pk), "error": errors.get(c.pk, "")}
        for c in proc.components.all()
    ]


def _delivery_problem(proc: Procedure, method: str, address: str) -> str:
    """What is wrong with the way to receive the result (an empty text when nothing is)."""
    try:
        check_delivery(proc, method, address)
    except DomainError as exc:
        return str(exc)
    return ""


def _draft_problems(proc: Procedure, draft) -> tuple[list[dict], dict[int, str], str]:
    """(form errors, component errors, commune error) of a draft about to be reviewed."""
    try:
        procedure_validate_form(procedure=proc, data=draft.form_data)
        form_errors: list[dict] = []
    except DomainError as exc:
        form_errors = exc.details.get("errors") or [{"field": "", "message": str(exc)}]
    component_errors = {
        c.pk: _("Attach this document.") for c in services.missing_components(draft)
    }
    commune_error = ""
    if selectors.needs_commune(proc) and draft.commune_id is None:
        commune_error = _("Choose the commune where the dossier is submitted.")
    return form_errors, component_errors, commune_error


def _render_form(
    request,
    proc: Procedure,
    draft,
    form: ApplicationForm,
    *,
    component_errors: dict[int, str] | None = None,
    commune_code: str = "",
    commune_error: str = "",
    delivery: tuple[str, str] | None = None,
    delivery_error: str = "",
) -> HttpResponse:
    components = _component_rows(proc, draft, component_errors or {})
    if delivery is None:
        profile_address = getattr(selectors.applicant_profile(request.user), "address", "")
        delivery = (
            (draft.delivery_method, draft.delivery_address or profile_address)
            if draft is not None
            else ("", profile_address)
        )
    summary = [
        {"href": "#" + input_id, "message": f"{title}: {message}"}
        for input_id, title, message in form.error_items()
    ]
    if delivery_error:
        summary.insert(0, {"href": "#id_delivery_method", "message": delivery_error})
    if commune_error:
        summary.insert(0, {"href": "#id_commune", "message": commune_error})
    summary += [
        {
            "href": f"#upload-{row['component'].pk}",
            "message": f"{row['component'].name}: {row['error']}",
        }
        for row in components
        if row["error"]
    ]
    general = [{"href": "", "message": message} for message in form.non_field_errors()]
    context = {
        "procedure": proc,
        "draft": draft,
        "fields": form.inputs(),
        "components": components,
        "error_summary": summary + general,
        "needs_commune": selectors.needs_commune(proc),
        "communes": selectors.communes_for_submission() if selectors.needs_commune(proc) else [],
        "commune_code": commune_code,
        "commune_error": commune_error,
        "delivery_choices": proc.delivery_choices,
        "delivery_method": delivery[0] or proc.delivery_choices[0][0],
        "delivery_address": delivery[1],
        "delivery_error": delivery_error,
        "profile": selectors.applicant_profile(request.user),
        "step": 1,
    }
    return render(request, "portal/submit_form.html", context)


def _commune_from_post(request, proc: Procedure) -> tuple[AdministrativeUnit | None, str, str]:
    """(commune, posted code, error) for a procedure handled by a commune."""
    if not selectors.needs_commune(proc):
        return None, "", ""
    code = (request.POST.get("commune") or "").strip()
    if not code:
        return None, "", _("Choose the commune where the dossier is submitted.")
    commune = selectors.communes_for_submission().filter(code=code).first()
    if commune is None:
        return None, code, _("Choose a commune of the province.")
    return commune, code, ""


@login_required
def submit(request, code: str):
    """Step 1: the application form, the commune and the documents (kept in a draft)."""
    proc, refused = _submittable(request, code)
    if refused is not None:
        return refused
    draft = selectors.draft_for(user=request.user, procedure=proc)
    if request.method != "POST":
        if draft is None:
            data = selectors.prefill_form(user=request.user, procedure=proc)
            profile = selectors.applicant_profile(request.user)
            commune_code = profile.unit.code if profile and profile.unit_id else ""
        else:
            data = draft.form_data
            commune_code = draft.commune.code if draft.commune_id else ""
        form = ApplicationForm(schema=proc.form_schema, initial_data=data)
        return _render_form(request, proc, draft, form, commune_code=commune_code)

    saving = request.POST.get("action") == "save"
    # A draft may be saved incomplete: the schema is checked only on the way to the review.
    form = ApplicationForm(request.POST, schema=proc.form_schema, check_schema=not saving)
    data = form.data_for_schema()
    commune_code = ""
    delivery = (
        (request.POST.get("delivery_method") or "").strip(),
        (request.POST.get("delivery_address") or "").strip(),
    )
    try:
        draft = draft or services.draft_open(actor=request.user, procedure=proc)
        # The documents first: kept in the draft whatever else is wrong with the form, so that
        # none has to be chosen again (issue 18 point 9).
        component_errors: dict[int, str] = {}
        for component in proc.components.all():
            upload = request.FILES.get(UPLOAD_FIELD % component.pk)
            if upload is None:
                continue
            try:
                services.draft_attach(
                    actor=request.user, draft=draft, component=component, upload=upload
                )
            except DomainError as exc:
                component_errors[component.pk] = str(exc)
        commune, commune_code, commune_error = _commune_from_post(request, proc)
        draft = services.draft_save(
            actor=request.user,
            draft=draft,
            form_data=data,
            commune=commune,
            delivery_method=delivery[0],
            delivery_address=delivery[1],
        )
    except DomainError as exc:
        if exc.code == "invalid_form":  # an unknown key or an over-long value: not kept
            form.add_schema_errors(exc.details.get("errors") or [])
            return _render_form(
                request,
                proc,
                selectors.draft_for(user=request.user, procedure=proc),  # its files as now
                form,
                component_errors=component_errors,
                commune_code=commune_code,
                delivery=delivery,
            )
        if exc.details.get("field") in {"delivery_method", "delivery_address"}:
            return _render_form(
                request,
                proc,
                selectors.draft_for(user=request.user, procedure=proc),
                form,
                component_errors=component_errors,
                commune_code=commune_code,
                delivery=delivery,
                delivery_error=str(exc),
            )
        return _refuse_submission(request, proc, exc)

    if saving:
        if not component_errors:
            messages.success(
                request, _("Your draft has been saved. You can come back to it later.")
            )
            return redirect("portal:submit", code=proc.code)
        return _render_form(
            request,
            proc,
            draft,
            ApplicationForm(schema=proc.form_schema, initial_data=data),
            component_errors=component_errors,
            commune_code=commune_code,
            delivery=delivery,
        )
    for component in services.missing_components(draft):
        component_errors.setdefault(component.pk, _("Attach this document."))
    delivery_error = _delivery_problem(proc, *delivery)
    if not form.is_valid() or component_errors or commune_error or delivery_error:
        return _render_form(
            request,
            proc,
            draft,
            form,
            component_errors=component_errors,
            commune_code=commune_code,
            commune_error=commune_error,
            delivery=delivery,
            delivery_error=delivery_error,
        )
    return redirect("portal:submit_review", code=proc.code)


def _component_block(request, proc: Procedure, component, draft, error: str = "") -> HttpResponse:
    record = draft.files.filter(component=component).first() if draft is not None else None
    context = {"procedure": proc, "row": {"component": component, "file": record, "error": error}}
    return render(request, "portal/_component_upload.html", context)


def _submittable(request, code: str) -> tuple[Procedure | None, HttpResponse | None]:
    """(procedure, None) when the user may submit to it, else (None, the page that says why)."""
    proc = _procedure_or_none(request, code)
    if proc is None:
        return None, _procedure_not_found(request, code)
    try:
        services.ensure_can_submit(actor=request.user, procedure=proc)
    except DomainError as exc:
        return None, _refuse_submission(request, proc, exc)
    return proc, None


def _submission_target(request, code: str, component_id: int):
    """(procedure, component) of an upload request, or an error response."""
    proc, refused = _submittable(request, code)
    if refused is not None:
        return None, None, refused
    component = proc.components.filter(pk=component_id).first()
    if component is None:
        raise Http404
    return proc, component, None


@login_required
@require_POST
def submit_upload(request, code: str, component: int):
    """Upload one component's document at once (htmx, with a progress bar)."""
    proc, comp, refused = _submission_target(request, code, component)
    if refused is not None:
        return refused
    draft = services.draft_open(actor=request.user, procedure=proc)
    upload = request.FILES.get(UPLOAD_FIELD % comp.pk)
    error = ""
    if upload is None:
        error = _("Choose a file to upload.")
    else:
        try:
            services.draft_attach(actor=request.user, draft=draft, component=comp, upload=upload)
        except DomainError as exc:
            error = str(exc)
    if is_htmx(request):
        return _component_block(request, proc, comp, draft, error)
    if error:
        messages.error(request, f"{comp.name}: {error}")
    return redirect("portal:submit", code=proc.code)


@login_required
@require_POST
def submit_remove(request, code: str, component: int):
    """Remove one component's document from the draft."""
    proc, comp, refused = _submission_target(request, code, component)
    if refused is not None:
        return refused
    draft = selectors.draft_for(user=request.user, procedure=proc)
    error = ""
    if draft is None:
        error = _("No document is attached for this component.")
    else:
        try:
            services.draft_detach(actor=request.user, draft=draft, component=comp)
        except DomainError as exc:
            error = str(exc)
    if is_htmx(request):
        return _component_block(request, proc, comp, draft, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The document has been removed."))
    return redirect("portal:submit", code=proc.code)


@login_required
def submit_review(request, code: str):
    """Step 2: everything at a glance, then the submission (idempotent)."""
    proc, refused = _submittable(request, code)
    if refused is not None:
        return refused
    draft = selectors.draft_for(user=request.user, procedure=proc)
    if request.method == "POST":
        key = request.POST.get("idempotency_key", "")
        try:
            dossier = services.draft_submit(
                actor=request.user,
                draft=draft.pk if draft else 0,
                idempotency_key=key,
                assurance_level=session_assurance_level(request),
            )
        except DomainError as exc:
            if draft is None:
                messages.error(request, str(exc))
                return redirect("portal:submit", code=proc.code)
            response = _render_review(
                request, proc, draft, error=str(exc), sign_in_url=exc.details.get("sign_in_url")
            )
            return exc.annotate(response)
        return redirect("portal:receipt", code=dossier.code)
    if draft is None:
        messages.info(request, _("Fill in the application form first."))
        return redirect("portal:submit", code=proc.code)
    form_errors, component_errors, commune_error = _draft_problems(proc, draft)
    delivery_error = _delivery_problem(proc, draft.delivery_method, draft.delivery_address)
    if form_errors or component_errors or commune_error or delivery_error:
        form = ApplicationForm(schema=proc.form_schema, initial_data=draft.form_data)
        form.add_schema_errors(form_errors)
        return _render_form(
            request,
            proc,
            draft,
            form,
            component_errors=component_errors,
            commune_code=draft.commune.code if draft.commune_id else "",
            commune_error=commune_error,
            delivery_error=delivery_error,
        )
    return _render_review(request, proc, draft)


def _render_review(request, proc: Procedure, draft, *, error: str = "", sign_in_url: str = ""):
    commune = draft.commune if selectors.needs_commune(proc) else None
    level = session_assurance_level(request)
    if proc.min_assurance_level > level and not sign_in_url and sso.enabled():
        sign_in_url = sso.sign_in_url(
            proc.min_assurance_level, reverse("portal:submit_review", kwargs={"code": proc.code})
        )
    try:
        receiving = procedure_agencies(proc, commune).receiving
    except DomainError:
        receiving = None
    context = {
        "procedure": proc,
        "draft": draft,
        "rows": display_rows(proc.form_schema or {}, draft.form_data),
        "components": _component_rows(proc, draft, {}),
        "profile": selectors.applicant_profile(request.user),
        "receiving": receiving,
        "expected_due": selectors.expected_due(proc),
        "needs_commune": selectors.needs_commune(proc),
        "delivery_label": delivery_label(proc, draft.delivery_method),
        "error": error,
        "step": 2,
        "required_level": proc.min_assurance_level if proc.min_assurance_level > level else 0,
        "sso_sign_in_url": sign_in_url,
    }
    return render(request, "portal/submit_review.html", context)


@login_required
def receipt(request, code: str):
    """Step 3: the dossier code, the expected date and the BM.01 receipt."""
    try:
        dossier = selectors.my_dossier_get(user=request_access(request), code=code)
    except NotFound:
        return _dossier_not_found(request, code)
    context = {
        "dossier": dossier,
        "due": dossier.appointment_at
        or selectors.expected_due(dossier.procedure, now=dossier.submitted_at),
        "due_is_estimate": dossier.appointment_at is None,
        "forms": selectors.applicant_forms(dossier),
        "step": 3,
    }
    return render(request, "portal/receipt.html", context)


# --- my dossiers --------------------------------------------------------------------------------


@login_required
def my_dossiers(request):
    dossiers = dossiers_of_applicant(user=request_access(request)).order_by("-submitted_at", "-pk")
    page = Paginator(dossiers, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "asks": selectors.asks_for(list(page.object_list)),
        "drafts": list(selectors.drafts_of(user=request.user)),
    }
    return render(request, "portal/my_dossiers.html", context)


def _dossier_page(request, dossier, *, errors: dict[str, str] | None = None, values=None):
    actions = available_actions(user=request.user, dossier=dossier)
    rating = Rating.objects.filter(dossier=dossier).first()
    asks = selectors.asks_for([dossier])
    context = {
        "dossier": dossier,
        "actions": actions,
        "ask": asks.get(dossier.pk),
        "rows": display_rows(dossier.procedure.form_schema or {}, dossier.form_data),
        "files": selectors.dossier_files(dossier),
        "timeline": selectors.applicant_timeline(dossier),
        "form_links": [(kind, FORM_LABELS[kind]) for kind in selectors.applicant_forms(dossier)],
        "receipts": receipt_versions(dossier),
        "rating": rating,
        "can_rate": "rate" in actions and rating is None,
        "scores": Rating.Score.choices,
        "components": list(dossier.procedure.components.all()),
        "errors": errors or {},
        "values": values or {},
        "is_final": dossier.is_final,
        "withdraw_pending": dossier.state == State.WITHDRAW_REQUESTED,
        # The old appointment no longer holds while the clock stands still: the page says so.
        "clock_stopped": dossier.state in CLOCK_STOPPED_STATES and dossier.clock_stopped_at,
        "payment_receipts": payment_selectors.receipts_of(dossier),
        "online_payment": payment_selectors.online_payment_methods(),
        "transfer": payment_selectors.pending_transfer(dossier)
        if dossier.state == State.FEES_REQUESTED
        else None,
    }
    response = render(request, "portal/my_dossier.html", context)
    if asks.get(dossier.pk) and asks[dossier.pk].kind == "fees":
        origins = payment_selectors.gateway_form_origins()
        if origins:  # the pay form is answered by a redirect to the gateway
            response._csp_update = {"form-action": ["'self'", *origins]}
    return response


@login_required
def my_dossier(request, code: str):
    try:
        dossier = selectors.my_dossier_get(user=request.user, code=code)
    except NotFound:
        return _dossier_not_found(request, code)
    return _dossier_page(request, dossier)


def _act(request, code: str, action: str, inputs, success: str):
    """Run one applicant action on an own dossier with the service's keyword arguments that
    ``inputs(dossier)`` reads from the request; show the error in the page if refused."""
    try:
        dossier = selectors.my_dossier_get(user=request.user, code=code)
    except NotFound:
        return _dossier_not_found(request, code)
    values = request.POST.dict()
    if action not in available_actions(user=request.user, dossier=dossier):
        message = _("This is not possible for the dossier now.")
        return _dossier_page(request, dossier, errors={"general": message}, values=values)
    try:
        ACTIONS[action].run(actor=request.user, dossier=dossier, values=inputs(dossier))
    except DomainError as exc:
        dossier.refresh_from_db()
        return _dossier_page(request, dossier, errors={action: str(exc)}, values=values)
    messages.success(request, success)
    return redirect("portal:my_dossier", code=dossier.code)


@login_required
@require_POST
def my_dossier_supplement(request, code: str):
    def inputs(dossier):
        component = None
        component_id = (request.POST.get("component") or "").strip()
        if component_id:
            component = (
                dossier.procedure.components.filter(pk=component_id).first()
                if component_id.isdigit()
                else None
            )
            if component is None:
                raise DomainError("unknown_component", _("Choose a component of this procedure."))
        files = request.FILES.getlist("files")
        return {
            "uploads": [(component, upload) for upload in files],
            "note": (request.POST.get("note") or "").strip()[:2000],
        }

    return _act(request, code, "supplement", inputs, _("Your supplement has been sent."))


@login_required
@require_POST
def my_dossier_withdraw(request, code: str):
    def inputs(dossier):
        return {"reason": request.POST.get("reason") or ""}

    return _act(
        request,
        code,
        "withdraw",
        inputs,
        _("Your request to withdraw the dossier has been sent to the one-stop desk."),
    )


@login_required
@require_POST
def my_dossier_rate(request, code: str):
    def inputs(dossier):
        raw = request.POST.get("score") or ""
        score = int(raw) if raw.isdigit() else 0
        return {"score": score, "comment": request.POST.get("comment") or ""}

    return _act(request, code, "rate", inputs, _("Thank you for your rating."))


@login_required
def my_dossier_file(request, code: str, file_id: int):
    try:
        dossier = selectors.my_dossier_get(user=request.user, code=code)
    except NotFound:
        return _dossier_not_found(request, code)
    record = dossier.files.filter(pk=file_id).first()
    if record is None:
        raise Http404
    return stored_file_response(record)


@login_required
def my_dossier_form(request, code: str, kind: str):
    from tinhso.dossiers.pdf import receipt_version_param, render_form

    try:
        dossier = selectors.my_dossier_get(user=request_access(request), code=code)
    except NotFound:
        return _dossier_not_found(request, code)
    if kind not in selectors.applicant_forms(dossier):
        raise Http404
    try:
        data, filename = render_form(
            kind, dossier, version=receipt_version_param(request.GET.get("version"))
        )
    except DomainError as exc:
        raise Http404 from exc
    return download_response(data, "application/pdf", filename)


# --- public tracking ----------------------------------------------------------------------------


def track(request, code: str | None = None):
    if code is None:
        wanted = (request.GET.get("code") or "").strip().upper()
        if wanted and "/" not in wanted and len(wanted) <= 60:
            return redirect("portal:track", code=wanted)
        error = _("Enter a valid dossier code.") if wanted else ""
        return render(
            request,
            "portal/track.html",
            {"error": error, "code": wanted},
        )
    # The proof that shows the details: the last 4 digits of the applicant's ID number (posted,
    # so that they stay out of addresses and logs), or the token of the receipt's QR code.
    digits = request.POST.get("id_last4", "").strip() if request.method == "POST" else ""
    token = request.GET.get("t", "")
    if request.method == "POST" and not re.fullmatch(r"[0-9]{4}", digits):
        context = {"code": code, "proof_error": _("Enter the last 4 digits of the ID number.")}
        return render(request, "portal/track.html", context, status=400)
    try:
        view = selectors.dossier_public_by_code(code, id_number=digits, token=token)
    except DomainError as exc:
        # An unknown code and a wrong proof: the same page, whatever the code.
        key = "proof_error" if digits or token else "error"
        context = {key: str(exc), "code": code.strip().upper()}
        return render(request, "portal/track.html", context, status=exc.status)
    return render(request, "portal/track.html", {"view": view, "code": view["code"]})


# --- accounts -----------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if sso.enabled():  # the VNeID button
            context["sso_url"] = sso.sign_in_url(next_url=context.get("next") or "")
        return context


class LogoutView(auth_views.LogoutView):
    """Sign out; after a VNeID sign-in, also at the national SSO (RP-initiated logout)."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get(sso.SESSION_ID_TOKEN)
        response = super().post(request, *args, **kwargs)
        if id_token and sso.enabled():
            return sso.logout_redirect(request, id_token) or response
        return response


@login_required
def after_login(request):
    """Where a sign-in without ``next`` lands: an operations-centre viewer (no other role) on
    the operations centre, another officer on the work inbox, an applicant on their dossiers."""
    roles = request_access(request).roles
    if roles and roles <= {Role.IOC_VIEWER}:
        return redirect("ioc:province")
    if roles:
        return redirect("workspace:inbox")
    return redirect("portal:my_dossiers")
