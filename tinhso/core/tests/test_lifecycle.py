"""The lifecycle engine itself, on a small table of its own over the question model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tinhso.core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from tinhso.core.lifecycle import (
    Applied,
    Lifecycle,
    Outcome,
    Step,
    Transition,
    files_rollback,
    lock,
    remember_file,
    transition_table,
)
from tinhso.core.models import AuditEvent
from tinhso.qna.models import Question, QuestionStatus
from tinhso.qna.services import question_ask
from tinhso.testing.factories import make_qna_world as make_world

# Locks and rollbacks: the same on both databases, checked on both.
pytestmark = pytest.mark.pg

NEW, ANSWERED, REJECTED = QuestionStatus.NEW, QuestionStatus.ANSWERED, QuestionStatus.REJECTED
ANSWER = "Mang theo giấy chứng sinh và căn cước của cha mẹ."


@dataclass
class Answered(Applied):
    """A domain's own typed change."""

    words: int = 0


class Desk(Lifecycle[Question, Answered]):
    """Only ``allowed`` may act; "answer" from new, "reject" from new, "publish" when answered."""

    model = Question
    transitions = transition_table(
        Transition("answer", frozenset({NEW}), ANSWERED, frozenset({"clerk"})),
        Transition("reject", frozenset({NEW}), REJECTED, frozenset({"clerk"})),
        Transition("publish", frozenset({ANSWERED}), None, frozenset({"clerk"})),
    )
    audit_prefix = "desk"
    related = ("agency",)
    state_field = "status"
    snapshot_fields = ("status", "answer")
    applied_type = Answered

    def __init__(self, allowed: Any, *, guard_first: bool = False) -> None:
        self.allowed = allowed
        self.guard_first = guard_first
        self.recorded: list[tuple[str, str, str]] = []

    def not_found(self) -> NotFound:
        return NotFound("unknown_thing", "no such thing")

    def guard(self, actor: Any, obj: Question, transition: Transition) -> Any:
        if actor != self.allowed:
            raise PermissionDenied("forbidden", "not you")
        return obj.agency

    def refuse(self, obj: Question, transition: Transition) -> InvalidTransition:
        return InvalidTransition("invalid_transition", f"{obj.status}: no {transition.action}")

    def record(self, step: Step[Question], applied: Answered) -> tuple[str, str, str]:
        event = (step.action, step.from_state, step.obj.status)
        self.recorded.append(event)
        return event


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def question(world) -> Question:
    return question_ask(
        actor=world.citizen,
        title="Hỏi về thủ tục khai sinh",
        body="Tôi cần chuẩn bị những giấy tờ gì để đăng ký khai sinh cho con?",
        procedure=world.birth,
    )


def _answer(q: Question, step: Step[Question]) -> Answered:
    q.answer = ANSWER
    q.answered_at = step.now
    return Answered(words=len(q.answer.split()), data={"by": "clerk"})


def _audits() -> int:
    return AuditEvent.objects.count()


def test_perform_applies_writes_event_and_audit_and_returns_a_typed_outcome(world, question):
    desk = Desk(world.officer)
    before = _audits()
    outcome = desk.perform(actor=world.officer, obj=question.pk, action="answer", apply=_answer)
    assert isinstance(outcome, Outcome)
    assert isinstance(outcome.applied, Answered)
    assert outcome.applied.words == len(ANSWER.split())
    assert outcome.changed and outcome.action == "answer"
    assert outcome.event == ("answer", NEW, ANSWERED)
    question.refresh_from_db()
    assert question.status == ANSWERED and question.answer == ANSWER
    assert _audits() == before + 1
    entry = AuditEvent.objects.order_by("-seq").first()
    assert entry.action == "desk.answer"
    assert entry.object_id == str(question.pk)
    assert entry.before == {"status": NEW, "answer": ""}
    assert entry.after == {"status": ANSWERED, "answer": question.answer}


def test_an_action_the_state_does_not_allow_raises_and_writes_nothing(world, question):
    desk = Desk(world.officer)
    before = _audits()
    with pytest.raises(InvalidTransition) as caught:
        desk.perform(actor=world.officer, obj=question, action="publish", apply=_answer)
    assert caught.value.code == "invalid_transition"
    assert str(caught.value) == "new: no publish"
    question.refresh_from_db()
    assert question.status == NEW and question.answer == ""
    assert _audits() == before and desk.recorded == []


def test_a_refused_actor_raises_and_writes_nothing(world, question):
    desk = Desk(world.officer)
    before = _audits()
    with pytest.raises(PermissionDenied):
        desk.perform(actor=world.outsider, obj=question, action="answer", apply=_answer)
    question.refresh_from_db()
    assert question.status == NEW and question.answer == ""
    assert _audits() == before and desk.recorded == []


@pytest.mark.parametrize(("guard_first", "error"), [(False, InvalidTransition), (True, NotFound)])
def test_the_domain_chooses_whether_the_state_or_the_actor_is_checked_first(
    world, question, guard_first, error
):
    class Hidden(Desk):
        def guard(self, actor, obj, transition):
            if actor != self.allowed:
                raise NotFound("unknown_thing", "no such thing")

    desk = Hidden(world.officer, guard_first=guard_first)
    with pytest.raises(error):
        desk.perform(actor=world.outsider, obj=question, action="publish")


def test_an_error_in_apply_rolls_back_the_row_and_writes_nothing(world, question):
    desk = Desk(world.officer)
    before = _audits()

    def apply(q, step):
        q.answer = "half written"
        raise DomainError("bad_input", "no")

    with pytest.raises(DomainError):
        desk.perform(actor=world.officer, obj=question, action="answer", apply=apply)
    question.refresh_from_db()
    assert question.status == NEW and question.answer == ""
    assert _audits() == before and desk.recorded == []


def test_files_stored_by_a_failed_operation_are_deleted_and_kept_on_success(world, question):
    desk = Desk(world.officer)
    names: list[str] = []

    def store(q, step, *, fail: bool):
        name = default_storage.save("lifecycle/proof.txt", ContentFile(b"proof"))
        remember_file(default_storage, name)
        names.append(name)
        if fail:
            raise DomainError("bad_input", "no")
        return _answer(q, step)

    with pytest.raises(DomainError):
        desk.perform(
            actor=world.officer,
            obj=question,
            action="answer",
            apply=lambda q, s: store(q, s, fail=True),
        )
    assert not default_storage.exists(names[0])
    desk.perform(
        actor=world.officer,
        obj=question,
        action="answer",
        apply=lambda q, s: store(q, s, fail=False),
    )
    assert default_storage.exists(names[1])


def test_files_of_an_inner_block_that_succeeded_go_when_the_outer_block_fails(db):
    with pytest.raises(RuntimeError), files_rollback():
        with files_rollback():
            name = default_storage.save("lifecycle/inner.txt", ContentFile(b"x"))
            remember_file(default_storage, name)
        assert default_storage.exists(name)
        raise RuntimeError("outer fails")
    assert not default_storage.exists(name)


def test_an_operation_already_done_writes_nothing(world, question):
    desk = Desk(world.officer)
    before = _audits()
    outcome = desk.perform(
        actor=world.officer,
        obj=question,
        action="answer",
        apply=lambda q, step: Answered(unchanged=True),
    )
    assert outcome.changed is False and outcome.event is None
    assert _audits() == before and desk.recorded == []


def test_side_effects_run_after_the_commit_only(
    world, question, django_capture_on_commit_callbacks
):
    desk = Desk(world.officer)
    sent: list[str] = []

    def apply(q, step):
        applied = _answer(q, step)
        applied.after_commit.append(lambda: sent.append(q.answer))
        return applied

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        desk.perform(actor=world.officer, obj=question, action="answer", apply=apply)
    assert len(callbacks) == 1 and sent == [ANSWER]

    def failing(q, step):
        applied = _answer(q, step)
        applied.after_commit.append(lambda: sent.append("never"))
        raise DomainError("bad_input", "no")

    other = question_ask(
        actor=world.citizen,
        title="Hỏi về thủ tục kết hôn",
        body="Đăng ký kết hôn cần những giấy tờ gì và nộp ở đâu ạ?",
        procedure=world.birth,
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(DomainError):
        desk.perform(actor=world.officer, obj=other, action="answer", apply=failing)
    assert callbacks == [] and "never" not in sent


def test_the_audit_name_can_be_chosen_by_the_operation(world, question):
    def apply(q, step):
        q.reject_reason = "Spam"
        return Answered(audit_action="desk.spam")

    Desk(world.officer).perform(actor=world.officer, obj=question, action="reject", apply=apply)
    assert AuditEvent.objects.order_by("-seq").first().action == "desk.spam"


@pytest.mark.parametrize("key", [10**9, "not a number", None])
def test_a_missing_or_malformed_key_raises_the_domain_not_found(world, key):
    with pytest.raises(NotFound) as caught:
        Desk(world.officer).perform(actor=world.officer, obj=key, action="answer")
    assert caught.value.code == "unknown_thing"


def test_lock_narrows_to_the_given_rows(world, question):
    mine = Question.objects.filter(asker_id=world.citizen.pk)
    theirs = Question.objects.filter(asker_id=world.other_citizen.pk)
    missing = lambda: NotFound("gone", "gone")  # noqa: E731
    assert lock(mine, question, missing=missing) == question
    with pytest.raises(NotFound):
        lock(theirs, question.pk, missing=missing)
