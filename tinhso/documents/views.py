"""The officers' document pages (menu "Văn bản"): incoming and outgoing documents, registers,
work records. Views stay thin: forms check the shape, services the rules, selectors the scope.
A document outside the user's scope is a 404; a refused operation is shown in the page."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tinhso.core.access import request_access
from tinhso.core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from tinhso.core.models import Agency
from tinhso.signatures.selectors import signing_agent_url
from tinhso.signatures.views import agent_begin, agent_finish

from . import records as record_services
from . import registers, selectors, services
from .access import CLERK_ROLES, STAFF_ROLES, holds, sees_document
from .exchange import envelope_problems
from .forms import (
    AssignForm,
    AttachForm,
    DistributeForm,
    FileListEntryForm,
    IncomingForm,
    NoteForm,
    OpinionForm,
    OutgoingForm,
    ReasonForm,
    RecordForm,
    SearchForm,
)
from .models import BusinessType, IncomingDocument, OutgoingDocument
from .pdf import filled_pdf

PAGE_SIZE = 25
# The fields of an arrival the registration form carries as they are (form = service argument).
INCOMING_CONTENT = (
    "sender_name", "number_symbol", "doc_date", "doc_type", "summary", "urgency", "secrecy",
    "pages", "acknowledge",
)  # fmt: skip
# The fields of a draft the form carries as they are (model field = form field = service argument).
OUTGOING_CONTENT = (
    "doc_type", "is_normative", "drafting_unit", "summary", "body", "recipients_text",
    "signer_position", "urgency", "secrecy", "copies",
)  # fmt: skip
DONE = {
    "registered": gettext_lazy("The document was entered in the incoming register."),
    "drafted": gettext_lazy("The draft was saved."),
    "saved": gettext_lazy("Done."),
    "opened": gettext_lazy("The work record was opened."),
    "detached": gettext_lazy("The document was removed from the record."),
    "copied": gettext_lazy("The copy was made and signed with the organisation's signature."),
}


def _officer(request: HttpRequest):
    access = request_access(request)
    if not access.is_officer:
        raise Http404
    return access


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("done", None)
    return params.urlencode()


def _filters(form: SearchForm) -> selectors.Filters:
    if not form.is_bound or not form.is_valid():
        return selectors.Filters()
    d = form.cleaned_data
    return selectors.Filters(
        agency_id=d["agency"],
        year=d["year"],
        query=d["q"],
        sender=d["sender"],
        date_from=d["date_from"],
        date_to=d["date_to"],
    )


def _done(request: HttpRequest) -> str:
    return str(DONE.get(request.GET.get("done", ""), ""))


def _done_redirect(name: str, *args: int, done: str = "saved") -> HttpResponse:
    """Back to the page ``documents:<name>`` with its confirmation (:data:`DONE`)."""
    return redirect(f"{reverse(f'documents:{name}', args=args)}?done={done}")


def _found(get, **kwargs):
    """The row a selector returns, or a 404 (missing, or outside the user's scope)."""
    try:
        return get(**kwargs)
    except NotFound:
        raise Http404 from None


def _run(action, *, to_form=None) -> tuple[HttpResponse | None, str]:
    """Run a page's POSTed operation: its answer (a redirect), or the refusal for the page.
    A refused transition or permission is the page's message; another domain error goes to
    ``to_form(exc)`` when given (into the form that was sent); a row gone out of scope is a 404."""
    try:
        return action(), ""
    except NotFound:
        raise Http404 from None
    except (InvalidTransition, PermissionDenied) as exc:
        return None, str(exc)
    except DomainError as exc:
        if to_form is None:
            return None, str(exc)
        to_form(exc)
        return None, ""


def _list_context(request: HttpRequest, access, agencies, *, section: str, tabs, documents_of):
    """The shared part of a document list page: the tab, the search form and the page of rows."""
    tab = request.GET.get("tab", "todo")
    if tab not in tabs:
        raise Http404
    form = SearchForm(request.GET or None, agencies=agencies)
    documents = documents_of(user=access, tab=tab, filters=_filters(form))
    return {
        "section": section,
        "form": form,
        "tab": tab,
        "page": _page(request, documents),
        "query_string": _query_without_page(request),
        "done": _done(request),
    }


# --- incoming --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def incoming_list(request: HttpRequest) -> HttpResponse:
    access = _officer(request)
    agencies = list(selectors.officer_agencies(user=access))
    context = _list_context(
        request,
        access,
        agencies,
        section="incoming",
        tabs=selectors.INCOMING_TABS,
        documents_of=selectors.incoming_for_officer,
    )
    context |= {
        "counts": selectors.incoming_counts(user=access),
        "today": timezone.localdate(),
        "may_register": any(holds(access, a.pk, CLERK_ROLES) for a in agencies),
    }
    return render(request, "documents/incoming_list.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def incoming_register(request: HttpRequest) -> HttpResponse:
    access = _officer(request)
    agencies = [
        a for a in selectors.officer_agencies(user=access) if holds(access, a.pk, CLERK_ROLES)
    ]
    if not agencies:
        raise Http404
    form = IncomingForm(request.POST or None, request.FILES or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            document = services.incoming_register(
                actor=request.user,
                agency=Agency.objects.get(pk=d["agency"]),
                files=[d["scan"]] if d["scan"] else [],
                **{name: d[name] for name in INCOMING_CONTENT},
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return _done_redirect("incoming", document.pk, done="registered")
    return render(request, "documents/incoming_form.html", {"form": form, "section": "incoming"})


def _offered(transitions, document, roles: set[str]) -> set[str]:
    """The actions of ``transitions`` the document's state allows to someone with ``roles``."""
    return {
        action
        for action, transition in transitions.items()
        if document.state in transition.sources and roles & transition.actors
    }


def _incoming_actions(access, document: IncomingDocument) -> set[str]:
    roles = services.incoming_actor_roles(access, document)
    return _offered(services.INCOMING_TRANSITIONS, document, roles)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def incoming_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = _officer(request)
    document = _found(selectors.incoming_get, user=access, pk=pk)
    officers = selectors.agency_officers(document.agency_id)
    leaders = selectors.agency_leaders(document.agency_id)
    forms = {
        "distribute": DistributeForm(leaders=leaders, prefix="distribute"),
        "assign": AssignForm(officers=officers, prefix="assign"),
        "opinion": OpinionForm(prefix="opinion"),
        "finish": NoteForm(prefix="finish"),
        "return": ReasonForm(prefix="return"),
    }
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        form = forms.get(action)
        if form is not None:
            form = type(form)(
                request.POST, prefix=action, **_form_kwargs(action, officers, leaders)
            )
            forms[action] = form
        users = {u.pk: u for u in officers}

        def run() -> HttpResponse | None:
            if action == "acknowledge":
                services.incoming_acknowledge(actor=request.user, document=document)
            elif form is None:
                raise DomainError("unknown_action", _("Unknown action."))
            elif not form.is_valid():
                return None
            elif action == "distribute":
                services.incoming_distribute(
                    actor=request.user,
                    document=document,
                    leader=get_user_model().objects.get(pk=form.cleaned_data["leader"]),
                )
            elif action == "assign":
                services.incoming_assign(
                    actor=request.user,
                    document=document,
                    assignees=form.assignees(users),
                    deadline=form.cleaned_data["deadline"],
                    direction=form.cleaned_data["direction"],
                )
            elif action == "opinion":
                services.incoming_opinion(
                    actor=request.user, document=document, text=form.cleaned_data["text"]
                )
            elif action == "finish":
                services.incoming_finish(
                    actor=request.user, document=document, note=form.cleaned_data["note"]
                )
            elif action == "return":
                services.incoming_return(
                    actor=request.user, document=document, reason=form.cleaned_data["reason"]
                )
            return _done_redirect("incoming", document.pk)

        to_form = None if form is None else (lambda exc: form.add_error(None, str(exc)))
        done, error = _run(run, to_form=to_form)
        if done is not None:
            return done
        document = selectors.incoming_get(user=access, pk=pk)
    files = list(document.files.all())
    checks = selectors.file_signatures(files)
    signatures = [(f, checks[f.pk]) for f in files if f.pk in checks]
    return render(
        request,
        "documents/incoming_detail.html",
        {
            "section": "incoming",
            "document": document,
            "files": files,
            "signatures": signatures,
            "events": selectors.history(document),
            "copies": selectors.document_copies(user=access, document=document),
            "assignments": document.assignments.select_related("user"),
            "actions": _incoming_actions(access, document),
            "forms": forms,
            "error": error,
            "done": _done(request),
            "overdue": document.deadline and document.deadline < timezone.localdate(),
            "envelope_problems": envelope_problems(document),
        },
    )


def _form_kwargs(action: str, officers, leaders) -> dict:
    if action == "assign":
        return {"officers": officers}
    if action == "distribute":
        return {"leaders": leaders}
    return {}


@login_required
@require_http_methods(["GET", "HEAD"])
def incoming_file(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    access = _officer(request)
    document = _found(selectors.incoming_get, user=access, pk=pk)
    found = document.files.filter(pk=file_id).first()
    if found is None:
        raise Http404
    return FileResponse(
        found.file.open("rb"), content_type=found.content_type, filename=found.original_name
    )


# --- outgoing --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def outgoing_list(request: HttpRequest) -> HttpResponse:
    access = _officer(request)
    context = _list_context(
        request,
        access,
        list(selectors.officer_agencies(user=access)),
        section="outgoing",
        tabs=("todo", "all"),
        documents_of=selectors.outgoing_for_officer,
    )
    return render(request, "documents/outgoing_list.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def outgoing_draft(request: HttpRequest) -> HttpResponse:
    access = _officer(request)
    agencies = list(selectors.officer_agencies(user=access))
    if not agencies:
        raise Http404
    chosen = request.POST.get("agency") or request.GET.get("agency") or agencies[0].pk
    agency = next((a for a in agencies if str(a.pk) == str(chosen)), agencies[0])
    related, business_type = _related(request, access, agency)
    signers, recipients = _signers_and_recipients(agency)
    kwargs = {"agencies": agencies, "signers": signers, "recipients": recipients}
    form = OutgoingForm(request.POST or None, initial={"agency": agency.pk}, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.outgoing_draft(
                actor=request.user,
                agency=agency,
                related=related,
                business_type=business_type,
                **_outgoing_fields(form.cleaned_data, signers, recipients),
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return _done_redirect("outgoing", document.pk, done="drafted")
    return render(
        request,
        "documents/outgoing_form.html",
        {
            "form": form,
            "agency": agency,
            "section": "outgoing",
            "related": related,
            "business_type": business_type,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def outgoing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Sửa dự thảo: the drafter (or a clerk) changes a draft; the PDF is rendered again."""
    access = _officer(request)
    document = _found(selectors.outgoing_get, user=access, pk=pk)
    if "update" not in _outgoing_actions(access, document, every=True):
        raise Http404
    agency = document.agency
    signers, recipients = _signers_and_recipients(agency)
    initial = {name: getattr(document, name) for name in OUTGOING_CONTENT}
    initial |= {
        "agency": agency.pk,
        "signer": document.signer_id,
        "recipient_agencies": list(
            document.recipients.filter(agency__isnull=False).values_list("agency_id", flat=True)
        ),
        "external_recipients": "\n".join(
            f"{r.name}; {r.code}" if r.code else r.name
            for r in document.recipients.filter(agency__isnull=True)
        ),
    }
    form = OutgoingForm(
        request.POST or None,
        initial=initial,
        agencies=[agency],
        signers=signers,
        recipients=recipients,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.outgoing_update(
                actor=request.user,
                document=document,
                **_outgoing_fields(form.cleaned_data, signers, recipients),
            )
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return _done_redirect("outgoing", document.pk)
    return render(
        request,
        "documents/outgoing_form.html",
        {"form": form, "agency": agency, "section": "outgoing", "editing": document},
    )


def _signers_and_recipients(agency: Agency):
    """Who may sign for ``agency`` (its leaders) and the agencies it may send to."""
    signers = selectors.agency_leaders(agency.pk)
    recipients = Agency.objects.filter(is_active=True).exclude(pk=agency.pk).order_by("code")
    return signers, recipients


def _outgoing_fields(data: dict, signers, recipients) -> dict:
    """A draft's content from :class:`OutgoingForm`, as the draft and update services take it."""
    signer = next((u for u in signers if u.pk == data["signer"]), None)
    return {
        "recipient_agencies": list(recipients.filter(pk__in=data["recipient_agencies"])),
        "external_recipients": data["external_recipients"],
        **{name: data[name] for name in OUTGOING_CONTENT},
        "signer": signer,
        "signer_name": (signer.get_full_name() or signer.username) if signer else "",
    }


def _related(request: HttpRequest, access, agency: Agency):
    """The issued document a draft revokes, updates or replaces (``?related=<pk>&kind=1|2|3``)."""
    pk = request.POST.get("related") or request.GET.get("related") or ""
    kind = request.POST.get("kind") or request.GET.get("kind") or ""
    if not pk:
        return None, BusinessType.NEW
    if not pk.isdigit() or kind not in ("1", "2", "3"):
        raise Http404
    related = (
        selectors.outgoing_for_officer(user=access, tab="all")
        .filter(pk=int(pk), agency=agency)
        .first()
    )
    if related is None:
        raise Http404
    return related, int(kind)


OUTGOING_ACTIONS = {
    "submit": lambda user, doc, data: services.outgoing_submit(actor=user, document=doc),
    "approve": lambda user, doc, data: services.outgoing_approve(actor=user, document=doc),
    "send_back": lambda user, doc, data: services.outgoing_send_back(
        actor=user, document=doc, note=data.get("note", "")
    ),
    "issue": lambda user, doc, data: services.outgoing_issue(actor=user, document=doc),
    "number": lambda user, doc, data: services.outgoing_number(actor=user, document=doc),
    "dispatch": lambda user, doc, data: services.outgoing_dispatch(actor=user, document=doc),
    "cancel": lambda user, doc, data: services.outgoing_cancel(
        actor=user, document=doc, reason=data.get("reason", "")
    ),
}


def _outgoing_actions(access, document: OutgoingDocument, *, every: bool = False) -> set[str]:
    """The actions the page offers (``every``: also those with a page of their own, "update",
    and the signatures through the agent, "sign" and "seal"), from the transition table, the
    actor's roles and the signature rules (``services.outgoing_withheld``)."""
    roles = services.outgoing_actor_roles(access, document)
    offered = _offered(services.OUTGOING_TRANSITIONS, document, roles)
    if document.signed_at and offered & {"issue", "dispatch"}:
        offered.add("seal")
    offered -= services.outgoing_withheld(document)
    return offered if every else offered & OUTGOING_ACTIONS.keys()


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def outgoing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = _officer(request)
    document = _found(selectors.outgoing_get, user=access, pk=pk)
    error = ""
    if request.method == "POST":
        operation = OUTGOING_ACTIONS.get(request.POST.get("action", ""))

        def run() -> HttpResponse:
            if operation is None:
                raise DomainError("unknown_action", _("Unknown action."))
            operation(request.user, document, request.POST)
            return _done_redirect("outgoing", document.pk)

        done, error = _run(run)
        if done is not None:
            return done
        document = selectors.outgoing_get(user=access, pk=pk)
    return render(
        request,
        "documents/outgoing_detail.html",
        {
            "section": "outgoing",
            "document": document,
            "recipients": document.recipients.prefetch_related("statuses"),
            "axis_delivery": selectors.axis_delivery(document),
            "events": selectors.history(document),
            "copies": selectors.document_copies(user=access, document=document),
            "followers": document.followers.all(),
            "actions": _outgoing_actions(access, document, every=True),
            "checks": selectors.outgoing_signatures(document),
            "signing_agent_url": signing_agent_url(request.user),
            "error": error,
            "done": _done(request),
        },
    )


# The two JSON steps of a signature through the signing agent (``signatures.views``).
SIGNING_STEPS = ("bat-dau", "hoan-tat")  # begin, finish


def _signing_step(request: HttpRequest, pk: int, step: str, begin, finish, message: str):
    _officer(request)
    if step not in SIGNING_STEPS:
        raise Http404
    document = _found(selectors.outgoing_get, user=request_access(request), pk=pk)
    if step == "bat-dau":
        return agent_begin(
            request, lambda **announced: begin(actor=request.user, document=document, **announced)
        )
    return agent_finish(
        request, lambda **value: finish(actor=request.user, document=document, **value), message
    )


@login_required
@require_POST
def outgoing_sign(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """The signer approves by signing (``services.outgoing_sign_begin`` / ``_finish``)."""
    return _signing_step(
        request,
        pk,
        step,
        services.outgoing_sign_begin,
        services.outgoing_sign_finish,
        _("The document is signed digitally and approved."),
    )


@login_required
@require_POST
def outgoing_seal(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """The clerk numbers, seals and issues a signed document (``services.outgoing_seal_*``)."""
    return _signing_step(
        request,
        pk,
        step,
        services.outgoing_seal_begin,
        services.outgoing_seal_finish,
        _("The document is numbered, sealed digitally and issued."),
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def outgoing_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    access = _officer(request)
    document = _found(selectors.outgoing_get, user=access, pk=pk)
    if not document.pdf:
        raise Http404
    with document.pdf.open("rb") as handle:
        data = filled_pdf(handle.read(), document)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="van-ban-{document.pk}.pdf"'
    return response


# --- registers -------------------------------------------------------------------------------


def _register(request: HttpRequest, kind: str):
    access = _officer(request)
    if kind not in registers.KINDS:
        raise Http404
    agencies = list(selectors.officer_agencies(user=access))
    data = request.GET.copy()
    data.setdefault("year", str(timezone.localdate().year))
    if agencies:
        data.setdefault("agency", str(agencies[0].pk))
    form = SearchForm(data, agencies=agencies)
    filters = _filters(form)
    agency = next((a for a in agencies if a.pk == filters.agency_id), None)
    rows = registers.rows(kind, user=access, agency=agency, filters=filters) if agency else []
    return access, form, filters, agency, rows


@login_required
@require_http_methods(["GET", "HEAD"])
def register_page(request: HttpRequest, kind: str) -> HttpResponse:
    _access, form, filters, agency, rows = _register(request, kind)
    return render(
        request,
        "documents/register.html",
        {
            "section": f"register_{kind}",
            "cells": [
                list(zip([h for h, _k in registers.columns(kind)], values, strict=True))
                for values in registers.cells(kind, rows)
            ],
            "form": form,
            "kind": kind,
            "title": registers.title(kind, agency, filters.year),
            "columns": registers.columns(kind),
            "rows": rows,
            "agency": agency,
            "query_string": request.GET.urlencode(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def register_file(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    _access, _form, filters, agency, rows = _register(request, kind)
    if agency is None or fmt not in ("xlsx", "pdf"):
        raise Http404
    title = registers.title(kind, agency, filters.year)
    if fmt == "xlsx":
        data, content_type = registers.to_xlsx(kind, rows, title=title), registers.XLSX_TYPE
    else:
        data, content_type = registers.to_pdf(kind, rows, title=title), "application/pdf"
    response = HttpResponse(data, content_type=content_type)
    name = f"so-van-ban-{kind}-{filters.year or ''}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- work records ----------------------------------------------------------------------------


def _heading(data: dict) -> dict:
    """A record's or a file list entry's heading from its form (:class:`RecordForm`)."""
    return {
        "agency": Agency.objects.get(pk=data["agency"]),
        "code": data["code"],
        "title": data["title"],
        "retention_years": data["retention_years"],
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def record_list(request: HttpRequest) -> HttpResponse:
    access = _officer(request)
    agencies = list(selectors.officer_agencies(user=access))
    year = timezone.localdate().year
    form = RecordForm(
        (request.POST or None) if request.POST.get("action", "open") == "open" else None,
        agencies=agencies,
    )
    entry_form = FileListEntryForm(
        request.POST if request.POST.get("action") == "entry" else None,
        agencies=agencies,
        prefix="entry",
    )
    error = ""
    if request.method == "POST" and request.POST.get("action") in ("entry", "approve_list"):

        def run() -> HttpResponse | None:
            if request.POST["action"] == "approve_list":
                agency = next(
                    (a for a in agencies if str(a.pk) == request.POST.get("agency", "")), None
                )
                if agency is None:
                    raise Http404
                record_services.file_list_approve(actor=request.user, agency=agency, year=year)
                return _done_redirect("records")
            if entry_form.is_valid():
                record_services.file_list_entry_add(
                    actor=request.user, year=year, **_heading(entry_form.cleaned_data)
                )
                return _done_redirect("records")
            return None

        done, error = _run(run, to_form=entry_form.add_domain_error)
        if done is not None:
            return done
    if request.method == "POST" and form.is_bound and form.is_valid():
        try:
            record = record_services.record_open(actor=request.user, **_heading(form.cleaned_data))
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return _done_redirect("record", record.pk, done="opened")
    state = request.GET.get("state", "")
    records = selectors.records_for_officer(
        user=access, state=state, query=request.GET.get("q", "")[:200]
    )
    return render(
        request,
        "documents/record_list.html",
        {
            "section": "records",
            "form": form,
            "entry_form": entry_form,
            "file_lists": selectors.file_lists(user=access, year=year),
            "error": error,
            "done": _done(request),
            "page": _page(request, records),
            "state": state,
            "shares": selectors.records_online_share(user=access, year=year),
            "year": year,
            "query_string": _query_without_page(request),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = _officer(request)
    record = _found(selectors.record_get, user=access, pk=pk)
    attach_form = AttachForm()
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")

        def run() -> HttpResponse | None:
            nonlocal attach_form
            if action == "attach":
                attach_form = AttachForm(request.POST)
                if attach_form.is_valid():
                    symbol = attach_form.cleaned_data["number_symbol"].strip()
                    incoming = (
                        selectors.incoming_for_officer(
                            user=access,
                            tab="all",
                            filters=selectors.Filters(agency_id=record.agency_id),
                        )
                        .filter(number_symbol=symbol)
                        .first()
                    )
                    outgoing = None
                    if incoming is None:
                        outgoing = (
                            selectors.outgoing_for_officer(user=access, tab="all")
                            .filter(agency_id=record.agency_id, number_symbol=symbol)
                            .first()
                        )
                    if incoming is None and outgoing is None:
                        raise DomainError(
                            "unknown_document", _("No document of the agency has this number.")
                        )
                    record_services.record_attach(
                        actor=request.user, record=record, incoming=incoming, outgoing=outgoing
                    )
                    return _done_redirect("record", pk)
                return None
            if action in ("close", "reopen", "archive"):
                getattr(record_services, f"record_{action}")(actor=request.user, record=record)
                return _done_redirect("record", pk)
            raise DomainError("unknown_action", _("Unknown action."))

        done, error = _run(run)
        if done is not None:
            return done
        record = selectors.record_get(user=access, pk=pk)
    return _record_page(request, access, record, attach_form=attach_form, error=error)


def _record_page(request: HttpRequest, access, record, *, attach_form, error: str) -> HttpResponse:
    """The record's page: its documents (each with a remove button for whoever may remove it),
    the actions its state offers and its history."""
    roles = {"staff"} if holds(access, record.agency_id, STAFF_ROLES) else set()
    offered = _offered(record_services.RECORD_TRANSITIONS, record, roles)
    items = [
        (item, "detach" in offered and sees_document(access, item.incoming or item.outgoing))
        for item in record.items.select_related("incoming", "outgoing")
    ]
    return render(
        request,
        "documents/record_detail.html",
        {
            "section": "records",
            "record": record,
            "items": items,
            "events": selectors.history(record),
            "attach_form": attach_form,
            "error": error,
            "done": _done(request),
            "archive_overdue": record.archive_due and record.archive_due < timezone.localdate(),
        },
    )


@login_required
@require_POST
def record_detach(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """Remove a document attached by mistake (the POSTed ``reason``); a refusal is shown in the
    record's page."""
    access = _officer(request)
    record = _found(selectors.record_get, user=access, pk=pk)

    def run() -> HttpResponse:
        record_services.record_detach(
            actor=request.user, record=record, item=item, reason=request.POST.get("reason", "")
        )
        return _done_redirect("record", pk, done="detached")

    done, error = _run(run)
    if done is not None:
        return done
    record = selectors.record_get(user=access, pk=pk)
    return _record_page(request, access, record, attach_form=AttachForm(), error=error)


# --- copies (sao y, sao lục, trích sao) --------------------------------------------------------

COPY_SOURCES = {
    "den": (selectors.incoming_get, "incoming"),
    "di": (selectors.outgoing_get, "outgoing"),
}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def copy_make(request: HttpRequest, source: str, pk: int) -> HttpResponse:
    """Make a copy of a document (the agency's clerks): the form, then the signed copy."""
    from . import copies
    from .forms import CopyForm

    access = _officer(request)
    if source not in COPY_SOURCES:
        raise Http404
    get, page = COPY_SOURCES[source]
    document = _found(get, user=access, pk=pk)
    form = CopyForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        done, error = _run(
            lambda: (
                copies.copy_make(actor=request.user, source=document, **form.cleaned_data)
                and _done_redirect(page, document.pk, done="copied")
            ),
            to_form=form.add_domain_error,
        )
        if done:
            return done
    return render(
        request,
        "documents/copy_form.html",
        {
            "section": "outgoing" if source == "di" else "incoming",
            "document": document,
            "source_url": reverse(f"documents:{page}", args=[document.pk]),
            "form": form,
            "error": error,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def copy_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A copy's signed PDF, unchanged."""
    from .models import CopyState, DocumentCopy

    access = _officer(request)
    copy = DocumentCopy.objects.restrict(access).filter(pk=pk, state=CopyState.ISSUED).first()
    if copy is None or not copy.pdf:
        raise Http404
    with copy.pdf.open("rb") as handle:
        data = handle.read()
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ban-sao-{copy.pk}.pdf"'
    return response
