"""Question and answer pages: public search and reading, asking, my questions, officer handling.

Views stay thin: forms check the input, services change state, selectors scope what is shown.
A question outside the user's scope is a 404; a refused operation is shown in the page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tinhso.core.access import request_access
from tinhso.core.errors import DomainError, InvalidTransition, NotFound

from . import selectors, services
from .forms import (
    AnswerForm,
    AskForm,
    OfficerFilterForm,
    PublicSearchForm,
    PublishForm,
    RejectForm,
    TransferForm,
)
from .models import QuestionStatus

PAGE_SIZE = 20


def _page(request: HttpRequest, queryset, size: int = PAGE_SIZE) -> Page:
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("done", None)
    return params.urlencode()


# --- public ----------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def question_list(request: HttpRequest) -> HttpResponse:
    sectors = list(selectors.sectors_for_filter())
    form = PublicSearchForm(request.GET or None, sectors=sectors)
    procedure = None
    questions = selectors.questions_published().none()
    searched = False
    if not request.GET:
        questions = selectors.questions_published()
    elif form.is_valid():
        data = form.cleaned_data
        code = data["procedure"].strip()
        if code:
            procedure = selectors.procedure_by_code(code)
        if code and procedure is None:
            form.add_error(None, _("Unknown procedure “%(code)s”.") % {"code": code})
        else:
            questions = selectors.questions_published(
                query=data["q"], sector=data["sector"] or None, procedure=code or None
            )
            searched = bool(data["q"].strip())
    return render(
        request,
        "qna/list.html",
        {
            "form": form,
            "page": _page(request, questions),
            "procedure": procedure,
            "searched": searched,
            "query_string": _query_without_page(request),
        },
    )


@require_http_methods(["GET", "HEAD"])
def question_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        question = selectors.question_get_published(pk=pk)
    except NotFound:
        raise Http404 from None
    return render(request, "qna/detail.html", {"question": question})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def ask(request: HttpRequest) -> HttpResponse:
    warning = ""
    if request.method == "POST":
        form = AskForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                question = services.question_ask(
                    actor=request.user,
                    title=data["title"],
                    body=data["body"],
                    procedure=data["procedure"],
                    commune=data["commune"],
                    agency=data["agency"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                return redirect(f"{reverse('qna:mine')}?sent={question.pk}")
    else:
        initial = {}
        code = request.GET.get("procedure", "").strip()
        if code:
            initial["procedure"] = code
        profile = selectors.applicant_profile(request.user)
        if profile and profile.unit_id:
            initial["commune"] = profile.unit.code
        form = AskForm(initial=initial)
        if code and not form.knows_procedure(code):
            form.initial.pop("procedure")
            warning = _("Unknown procedure “%(code)s”: choose the procedure in the list.") % {
                "code": code
            }
    return render(request, "qna/ask.html", {"form": form, "warning": warning})


@login_required
@require_http_methods(["GET", "HEAD"])
def mine(request: HttpRequest) -> HttpResponse:
    questions = selectors.questions_of_asker(user=request_access(request))
    sent = request.GET.get("sent", "")
    sent = questions.filter(pk=int(sent)).first() if sent.isdigit() else None
    return render(request, "qna/mine.html", {"page": _page(request, questions), "sent": sent})


# --- officers --------------------------------------------------------------------------------


def _require_officer(request: HttpRequest) -> None:
    if not request_access(request).is_officer:
        raise Http404


OFFICER_TABS = (
    ("new", QuestionStatus.NEW.label),
    ("answered", QuestionStatus.ANSWERED.label),
    ("rejected", QuestionStatus.REJECTED.label),
)


@login_required
@require_http_methods(["GET", "HEAD"])
def officer_list(request: HttpRequest) -> HttpResponse:
    _require_officer(request)
    agencies = list(selectors.officer_agencies(user=request_access(request)))
    form = OfficerFilterForm(request.GET or None, agencies=agencies)
    status = request.GET.get("status", "new")
    if status not in selectors.OFFICER_FILTERS:
        raise Http404
    query, agency_id = "", None
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"]
        agency_id = int(form.cleaned_data["agency"]) if form.cleaned_data["agency"] else None
    questions = selectors.questions_for_officer(
        user=request_access(request), status=status, query=query, agency_id=agency_id
    )
    page = _page(request, questions)
    page.object_list = list(page.object_list)
    now = timezone.now()
    for question in page.object_list:
        question.waiting_days = (now - question.created_at).days
    tabs = [(value, label) for value, label in OFFICER_TABS] + [("all", _("All"))]
    return render(
        request,
        "qna/officer_list.html",
        {
            "form": form,
            "status": status,
            "tabs": tabs,
            "waiting": selectors.questions_waiting_count(user=request_access(request)),
            "page": page,
            "query_string": _query_without_page(request),
            "filter_string": _filters_only(request),
            "done": _done_message(request),
        },
    )


def _filters_only(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("status", None)
    params.pop("done", None)
    return params.urlencode()


# What the page says after an officer's action (the redirect carries ``?done=<key>``).
DONE_MESSAGES = {
    "answered": gettext_lazy("The answer was saved."),
    "published": gettext_lazy("The question and its answer are now public."),
    "unpublished": gettext_lazy("The question is no longer public."),
    "rejected": gettext_lazy("The question was rejected."),
    "transferred": gettext_lazy("The question was transferred to the other agency."),
}


def _done(url_name: str, key: str, **kwargs) -> HttpResponse:
    return redirect(f"{reverse(url_name, kwargs=kwargs or None)}?done={key}")


def _done_message(request: HttpRequest) -> str:
    return str(DONE_MESSAGES.get(request.GET.get("done", ""), ""))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    _require_officer(request)
    try:
        question = selectors.question_get_for_officer(user=request_access(request), pk=pk)
    except NotFound:
        raise Http404 from None
    public_title, public_body = services.question_public_text(question)
    public = {"public_title": public_title, "public_body": public_body}
    answer_form = AnswerForm(
        initial={
            "answer": question.answer,
            "publish": question.is_published or not question.answer,
            **public,
        }
    )
    publish_form = PublishForm(initial=public, prefix="publish")
    reject_form = RejectForm()
    transfer_form = TransferForm(exclude=question.agency)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "answer":
                answer_form = AnswerForm(request.POST)
                if answer_form.is_valid():
                    services.question_answer(
                        actor=request.user,
                        question=question,
                        answer=answer_form.cleaned_data["answer"],
                        publish=answer_form.cleaned_data["publish"],
                        public_title=answer_form.cleaned_data["public_title"] or None,
                        public_body=answer_form.cleaned_data["public_body"] or None,
                    )
                    return _done("qna:answer", "answered", pk=question.pk)
            elif action == "reject":
                reject_form = RejectForm(request.POST)
                if reject_form.is_valid():
                    services.question_reject(
                        actor=request.user,
                        question=question,
                        reason=reject_form.cleaned_data["reason"],
                    )
                    return _done("qna:officer_list", "rejected")
            elif action == "transfer":
                transfer_form = TransferForm(request.POST, exclude=question.agency)
                if transfer_form.is_valid():
                    services.question_transfer(
                        actor=request.user,
                        question=question,
                        agency=transfer_form.cleaned_data["agency"],
                    )
                    return _done("qna:officer_list", "transferred")
            elif action == "publish":
                publish_form = PublishForm(request.POST, prefix="publish")
                if publish_form.is_valid():
                    services.question_publish(
                        actor=request.user,
                        question=question,
                        public_title=publish_form.cleaned_data["public_title"] or None,
                        public_body=publish_form.cleaned_data["public_body"] or None,
                    )
                    return _done("qna:answer", "published", pk=question.pk)
            elif action == "unpublish":
                services.question_unpublish(actor=request.user, question=question)
                return _done("qna:answer", "unpublished", pk=question.pk)
            else:
                error = _("Unknown action.")
        except NotFound:
            raise Http404 from None
        except InvalidTransition as exc:
            error = str(exc)  # the state changed: the form may no longer be shown
        except DomainError as exc:
            target = {
                "answer": answer_form,
                "publish": publish_form,
                "reject": reject_form,
                "transfer": transfer_form,
            }
            if action in target:
                target[action].add_domain_error(exc)
            else:
                error = str(exc)
        question.refresh_from_db()
    return render(
        request,
        "qna/answer.html",
        {
            "question": question,
            "profile": selectors.asker_profile(question),
            "answer_form": answer_form,
            "publish_form": publish_form,
            "reject_form": reject_form,
            "transfer_form": transfer_form,
            "error": error,
            "done": _done_message(request),
            "public_url": reverse("qna:detail", args=[question.pk]),
        },
    )
