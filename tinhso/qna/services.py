"""Business operations on questions and answers: ask, answer, publish, unpublish, reject, transfer.

Each function runs in one transaction that locks the question row, checks the state and the
actor's right to act for the question's agency, writes the change and its audit entry. An officer
who does not serve the question's agency gets :class:`NotFound` (the question is outside their
scope, as a page would 404); a wrong state raises :class:`InvalidTransition`; bad text raises
:class:`DomainError` with ``details["errors"]`` mapping each field to its message.

Who answers: the receiving agency of the procedure (the commune's People's Committee for a
commune-level procedure, so the asker names their commune); a general question goes to the
agency the asker picks, by default the provincial public administration service centre.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from tinhso.core.lifecycle import Applied, Lifecycle, Step, Transition, transition_table
from tinhso.core.models import (
    AdministrativeUnit,
    Agency,
    ApplicantKind,
    ApplicantProfile,
    UnitLevel,
)
from tinhso.core.text import mask_personal_data, normalize_search
from tinhso.procedures.models import AgencySlot, Procedure
from tinhso.procedures.selectors import procedure_agencies

from .models import (
    ANSWER_MAX_LENGTH,
    ANSWER_MIN_LENGTH,
    BODY_MAX_LENGTH,
    BODY_MIN_LENGTH,
    REASON_MAX_LENGTH,
    REASON_MIN_LENGTH,
    TITLE_MAX_LENGTH,
    TITLE_MIN_LENGTH,
    Question,
    QuestionStatus,
)
from .selectors import may_handle

__all__ = [
    "clean_text",
    "mask_name",
    "question_answer",
    "question_ask",
    "question_public_text",
    "question_publish",
    "question_reject",
    "question_route",
    "question_transfer",
    "question_unpublish",
]

SERVICE_CENTRE_KEY = "service_centre"
DEFAULT_DAILY_LIMIT = 5
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


# --- text ------------------------------------------------------------------------------------


def clean_text(value: Any, *, single_line: bool = False) -> str:
    """NFC, no control characters, trimmed; one line for titles, at most one blank line else."""
    text = unicodedata.normalize("NFC", str(value or ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    if single_line:
        return _SPACES.sub(" ", text.replace("\n", " ")).strip()
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _check_length(
    errors: dict[str, str], field: str, text: str, minimum: int, maximum: int, empty: str
) -> None:
    if not text or not any(ch.isalnum() for ch in text):
        errors[field] = empty
    elif len(text) < minimum:
        errors[field] = _("Write at least %(limit_value)d characters (now %(show_value)d).") % {
            "limit_value": minimum,
            "show_value": len(text),
        }
    elif len(text) > maximum:
        errors[field] = _("Write at most %(limit_value)d characters (now %(show_value)d).") % {
            "limit_value": maximum,
            "show_value": len(text),
        }


def _raise_if(errors: dict[str, str], code: str) -> None:
    if errors:
        raise DomainError(code, " ".join(errors.values()), errors=errors)


def mask_name(full_name: str) -> str:
    """The name as shown in public: initials only, ``Nguyễn Văn Anh`` → ``N*** V*** A``."""
    words = unicodedata.normalize("NFC", full_name or "").split()
    if not words:
        return ""
    if len(words) == 1:
        return f"{words[0][0].upper()}***"
    masked = [f"{word[0].upper()}***" for word in words[:-1]]
    return " ".join([*masked, words[-1][0].upper()])


def question_public_text(
    question: Question, title: str | None = None, body: str | None = None
) -> tuple[str, str]:
    """The title and question the portal shows: the officer's wording (by default the text
    already public, else the asker's), always with ID numbers, phone numbers and e-mail addresses
    masked (:func:`tinhso.core.text.mask_personal_data`). The officer's page proposes exactly
    this; a number that must be public (an agency's hotline) belongs in the answer."""
    title = question.public_title or question.title if title is None else title
    body = question.public_body or question.body if body is None else body
    return (
        mask_personal_data(clean_text(title, single_line=True)),
        mask_personal_data(clean_text(body)),
    )


def _make_public(q: Question, step: Step, title: str | None, body: str | None) -> None:
    """Publish ``q`` with its masked public text (checked like the asker's text)."""
    title, body = question_public_text(q, title, body)
    errors: dict[str, str] = {}
    empty_title, empty_body = _("Write the title."), _("Write your question.")
    _check_length(errors, "public_title", title, TITLE_MIN_LENGTH, TITLE_MAX_LENGTH, empty_title)
    _check_length(errors, "public_body", body, BODY_MIN_LENGTH, BODY_MAX_LENGTH, empty_body)
    _raise_if(errors, "invalid_public_text")
    q.public_title, q.public_body = title, body
    if not q.is_published:
        q.published_at = step.now
    q.is_published = True


# --- routing ---------------------------------------------------------------------------------


def _service_centre() -> Agency:
    agency = Agency.objects.filter(key=SERVICE_CENTRE_KEY, is_active=True).first()
    if agency is None:
        raise DomainError(
            "no_agency",
            _("No agency receives general questions yet: choose the agency to ask."),
            errors={"agency": _("Choose the agency to ask.")},
        )
    return agency


def question_route(
    *,
    procedure: Procedure | None,
    commune: AdministrativeUnit | None = None,
    agency: Agency | None = None,
) -> Agency:
    """The agency that answers: the procedure's receiving agency, else the chosen one."""
    if procedure is not None:
        if procedure.receiving_slot == AgencySlot.COMMUNE_COMMITTEE and commune is None:
            raise DomainError(
                "commune_required",
                _("This procedure is handled by the commune: choose your commune or ward."),
                errors={"commune": _("Choose your commune or ward.")},
            )
        try:
            return procedure_agencies(procedure, commune_unit=commune).receiving
        except DomainError:
            raise DomainError(
                "no_agency",
                _("No agency answers questions about this procedure for the place you chose."),
                errors={"commune": _("No People's Committee answers for this commune.")},
            ) from None
    if agency is not None:
        if not agency.is_active:
            raise DomainError(
                "no_agency",
                _("The agency you chose no longer exists."),
                errors={"agency": _("Choose another agency.")},
            )
        return agency
    return _service_centre()


def _current_commune(unit: AdministrativeUnit | None) -> AdministrativeUnit | None:
    if unit is None or unit.level != UnitLevel.COMMUNE or unit.valid_to is not None:
        return None
    return unit


def _daily_limit() -> int:
    return int(getattr(settings, "TINHSO_QNA_DAILY_LIMIT", DEFAULT_DAILY_LIMIT))


_ALL = frozenset(QuestionStatus.values)
_NEW = frozenset({QuestionStatus.NEW})

# Which action, from which states, to which status (None: unchanged). Every action is taken by an
# officer of the question's agency (or a province administrator).
TRANSITIONS = transition_table(
    Transition("answer", _ALL - {QuestionStatus.REJECTED}, QuestionStatus.ANSWERED),
    Transition("publish", frozenset({QuestionStatus.ANSWERED}), None),
    Transition("unpublish", _ALL, None),
    Transition("reject", _NEW, QuestionStatus.REJECTED),
    Transition("transfer", _NEW, None),
)


class QuestionLifecycle(Lifecycle[Question, Applied]):
    model = Question
    transitions = TRANSITIONS
    audit_prefix = "qna"
    related = ("agency",)
    state_field = "status"
    snapshot_fields = (
        "status",
        "agency_id",
        "is_published",
        "answered_by_id",
        "answer",
        "reject_reason",
        "public_title",
        "public_body",
    )
    guard_first = True

    def not_found(self) -> NotFound:
        return NotFound("unknown_question", _("The question was not found."))

    def guard(self, actor: Any, obj: Question, transition: Transition) -> None:
        """Only an officer of the question's agency (or a province administrator) acts on it; to
        anyone else the question does not exist."""
        if not getattr(actor, "is_authenticated", False) or not may_handle(actor, obj.agency_id):
            raise self.not_found()

    def refuse(self, obj: Question, transition: Transition) -> InvalidTransition:
        messages = {
            "answer": _("The question was rejected: it cannot be answered."),
            "publish": _("Only an answered question can be published."),
            "reject": _("Only a question waiting for an answer can be rejected."),
            "transfer": _("Only a question waiting for an answer can be transferred."),
        }
        return InvalidTransition("invalid_transition", messages[transition.action])


LIFECYCLE = QuestionLifecycle()


# --- operations ------------------------------------------------------------------------------


def question_ask(
    *,
    actor: Any,
    title: str,
    body: str,
    procedure: Procedure | None = None,
    commune: AdministrativeUnit | None = None,
    agency: Agency | None = None,
    now: dt.datetime | None = None,
) -> Question:
    """Đặt câu hỏi: a signed-in person asks; the question goes to the responsible agency.

    ``commune`` defaults to the commune of the asker's profile. At most
    ``TINHSO_QNA_DAILY_LIMIT`` (default 5) questions per asker in 24 hours, and the same question
    cannot be sent twice while it waits for an answer.
    """
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("login_required", _("Log in to ask a question."))
    title = clean_text(title, single_line=True)
    body = clean_text(body)
    errors: dict[str, str] = {}
    _check_length(errors, "title", title, TITLE_MIN_LENGTH, TITLE_MAX_LENGTH, _("Write the title."))
    _check_length(errors, "body", body, BODY_MIN_LENGTH, BODY_MAX_LENGTH, _("Write your question."))
    if procedure is not None and not procedure.is_active:
        errors["procedure"] = _("This procedure is no longer in force.")
    if commune is not None and _current_commune(commune) is None:
        errors["commune"] = _("Choose a current commune or ward.")
    _raise_if(errors, "invalid_question")
    profile = ApplicantProfile.objects.filter(user_id=actor.pk).select_related("unit").first()
    if commune is None and profile is not None:
        commune = _current_commune(profile.unit)
    responsible = question_route(procedure=procedure, commune=commune, agency=agency)
    now = now or timezone.now()
    with transaction.atomic():
        # The asker's row serialises their own concurrent submissions (limit and duplicates).
        get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
        recent = Question.objects.filter(asker_id=actor.pk, created_at__gt=now - dt.timedelta(1))
        if recent.count() >= _daily_limit():
            raise DomainError(
                "too_many_questions",
                _(
                    "You have asked %(count)d questions in the last 24 hours: please wait for "
                    "the answers before asking more."
                )
                % {"count": _daily_limit()},
            )
        if Question.objects.filter(
            asker_id=actor.pk,
            status=QuestionStatus.NEW,
            search_title=normalize_search(title)[:TITLE_MAX_LENGTH],
            body=body,
        ).exists():
            raise DomainError(
                "duplicate_question",
                _("You have already sent this question; it is waiting for an answer."),
            )
        name = (profile.full_name if profile else "") or actor.get_full_name()
        question = Question.objects.create(
            procedure=procedure,
            agency=responsible,
            commune=commune,
            asker_id=actor.pk,
            asker_kind=profile.kind if profile else ApplicantKind.CITIZEN,
            asker_masked=mask_name(name),
            title=title,
            body=body,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="qna.ask",
            obj=question,
            after={
                "procedure": procedure.code if procedure else None,
                "agency": responsible.code,
                "commune": commune.code if commune else None,
                "title": title,
            },
        )
    return question


def question_answer(
    *,
    actor: Any,
    question: Question | int,
    answer: str,
    publish: bool,
    public_title: str | None = None,
    public_body: str | None = None,
    now: dt.datetime | None = None,
) -> Question:
    """Trả lời: write (or correct) the answer, and publish it (with the public text, masked:
    :func:`question_public_text`) or keep it for the asker only."""
    answer = clean_text(answer)
    errors: dict[str, str] = {}
    _check_length(
        errors, "answer", answer, ANSWER_MIN_LENGTH, ANSWER_MAX_LENGTH, _("Write the answer.")
    )

    def apply(q: Question, step: Step) -> Applied:
        _raise_if(errors, "invalid_answer")
        q.answer = answer
        q.answered_by_id = actor.pk
        q.answered_at = step.now
        if publish:
            _make_public(q, step, public_title, public_body)
        else:
            q.is_published = False
        first = step.from_state == QuestionStatus.NEW
        return Applied(audit_action="qna.answer" if first else "qna.correct")

    return LIFECYCLE.perform(actor=actor, obj=question, action="answer", apply=apply, now=now).obj


def question_publish(
    *,
    actor: Any,
    question: Question | int,
    public_title: str | None = None,
    public_body: str | None = None,
) -> Question:
    """Công khai: show an answered question to everyone, without the asker's identity and with
    the public text masked (:func:`question_public_text`; by default the masked asker's text)."""

    def apply(q: Question, step: Step) -> Applied | None:
        before = (q.is_published, q.public_title, q.public_body)
        _make_public(q, step, public_title, public_body)
        if (q.is_published, q.public_title, q.public_body) == before:
            return Applied(unchanged=True)
        return None

    return LIFECYCLE.perform(actor=actor, obj=question, action="publish", apply=apply).obj


def question_unpublish(*, actor: Any, question: Question | int) -> Question:
    """Withdraw an answer from the public pages; the asker still sees it."""

    def apply(q: Question, step: Step) -> Applied | None:
        if not q.is_published:
            return Applied(unchanged=True)
        q.is_published = False
        return None

    return LIFECYCLE.perform(actor=actor, obj=question, action="unpublish", apply=apply).obj


def question_reject(*, actor: Any, question: Question | int, reason: str) -> Question:
    """Từ chối: spam, abuse or off-topic; the asker sees the reason, the public nothing."""
    reason = clean_text(reason, single_line=True)
    errors: dict[str, str] = {}
    _check_length(
        errors,
        "reason",
        reason,
        REASON_MIN_LENGTH,
        REASON_MAX_LENGTH,
        _("Give the reason for rejecting the question."),
    )

    def apply(q: Question, step: Step) -> None:
        _raise_if(errors, "invalid_reason")
        q.reject_reason = reason
        q.rejected_by_id = actor.pk
        q.rejected_at = step.now
        q.is_published = False

    return LIFECYCLE.perform(actor=actor, obj=question, action="reject", apply=apply).obj


def question_transfer(*, actor: Any, question: Question | int, agency: Agency | None) -> Question:
    """Chuyển: send a waiting question to the agency that should answer it."""

    def apply(q: Question, step: Step) -> None:
        if agency is None or not agency.is_active:
            raise DomainError(
                "invalid_agency",
                _("Choose an active agency."),
                errors={"agency": _("Choose an active agency.")},
            )
        if agency.pk == q.agency_id:
            raise DomainError(
                "invalid_agency",
                _("The question is already with this agency."),
                errors={"agency": _("Choose another agency.")},
            )
        q.agency = agency

    return LIFECYCLE.perform(actor=actor, obj=question, action="transfer", apply=apply).obj
