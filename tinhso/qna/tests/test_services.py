"""The question services: routing, validation, limits, answering rights, states, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from tinhso.core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from tinhso.core.models import AuditEvent
from tinhso.qna.models import Question, QuestionStatus
from tinhso.qna.services import (
    clean_text,
    mask_name,
    question_answer,
    question_ask,
    question_publish,
    question_reject,
    question_transfer,
    question_unpublish,
)
from tinhso.testing.factories import BIRTH_ANSWER, BIRTH_BODY, BIRTH_TITLE

pytestmark = pytest.mark.django_db


def ask(world, **overrides):
    values = {
        "actor": world.citizen,
        "title": BIRTH_TITLE,
        "body": BIRTH_BODY,
        "procedure": world.birth,
    }
    values.update(overrides)
    return question_ask(**values)


def audit_actions(question: Question) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="qna.question", object_id=str(question.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


# --- asking and routing ----------------------------------------------------------------------


def test_commune_procedure_goes_to_the_committee_of_the_askers_commune(world):
    question = ask(world)
    assert question.agency == world.committee
    assert question.commune == world.commune
    assert question.status == QuestionStatus.NEW
    assert question.is_published is False
    assert question.asker == world.citizen
    assert question.asker_masked == "N*** V*** Đ"
    assert question.search_text.startswith("dang ky khai sinh cho con")
    assert audit_actions(question) == ["qna.ask"]


def test_the_chosen_commune_overrides_the_profile(world):
    question = ask(world, commune=world.other_commune)
    assert question.agency == world.other_committee
    assert question.commune == world.other_commune


def test_province_procedure_goes_to_the_receiving_service_centre(world):
    question = ask(
        world, procedure=world.company, title="Thành lập doanh nghiệp tư nhân mất bao lâu?"
    )
    assert question.agency == world.centre


def test_general_question_goes_to_the_service_centre_or_the_chosen_agency(world):
    general = ask(world, procedure=None, title="Giờ làm việc của Trung tâm hành chính công")
    assert general.agency == world.centre
    chosen = ask(
        world, procedure=None, agency=world.department, title="Hỏi Sở Tư pháp về lý lịch tư pháp"
    )
    assert chosen.agency == world.department


def test_commune_procedure_without_a_commune_is_refused(world):
    with pytest.raises(DomainError) as excinfo:
        ask(world, actor=world.nobody)
    assert excinfo.value.code == "commune_required"
    assert "commune" in excinfo.value.details["errors"]
    assert not Question.objects.exists()


def test_a_commune_without_a_committee_is_refused(world):
    world.other_committee.is_active = False
    world.other_committee.save()
    with pytest.raises(DomainError) as excinfo:
        ask(world, commune=world.other_commune)
    assert excinfo.value.code == "no_agency"
    assert not Question.objects.exists()


def test_an_inactive_agency_or_procedure_is_refused(world):
    world.department.is_active = False
    world.department.save()
    with pytest.raises(DomainError) as excinfo:
        ask(world, procedure=None, agency=world.department)
    assert excinfo.value.code == "no_agency"
    world.birth.is_active = False
    world.birth.save()
    with pytest.raises(DomainError) as excinfo:
        ask(world)
    assert "procedure" in excinfo.value.details["errors"]
    assert not Question.objects.exists()


def test_anonymous_cannot_ask(world):
    with pytest.raises(PermissionDenied):
        ask(world, actor=AnonymousUser())


@pytest.mark.parametrize(
    ("title", "body", "fields"),
    [
        ("", BIRTH_BODY, {"title"}),
        ("     ", BIRTH_BODY, {"title"}),
        ("??????????????", BIRTH_BODY, {"title"}),
        ("Khai sinh", BIRTH_BODY, {"title"}),  # 9 characters: too short
        ("K" * 201, BIRTH_BODY, {"title"}),
        (BIRTH_TITLE, "", {"body"}),
        (BIRTH_TITLE, "Hỏi gì?", {"body"}),
        (BIRTH_TITLE, "x" * 4001, {"body"}),
        ("", "", {"title", "body"}),
    ],
)
def test_bad_text_is_refused_and_nothing_is_written(world, title, body, fields):
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as excinfo:
        ask(world, title=title, body=body)
    assert excinfo.value.code == "invalid_question"
    assert set(excinfo.value.details["errors"]) == fields
    assert not Question.objects.exists()
    assert AuditEvent.objects.count() == events


def test_text_is_cleaned(world):
    question = ask(
        world,
        title="  Đăng ký   khai sinh\ncho con\x00 gái  ",
        body="Dòng một\r\n\r\n\r\n\r\nDòng hai có\ttab\x07 và đủ dài để gửi",
    )
    assert question.title == "Đăng ký khai sinh cho con gái"
    assert question.body == "Dòng một\n\nDòng hai có tab và đủ dài để gửi"


def test_decomposed_unicode_is_stored_composed(world):
    import unicodedata

    question = ask(world, title=unicodedata.normalize("NFD", "Đăng ký khai sinh cho bé"))
    assert question.title == unicodedata.normalize("NFC", "Đăng ký khai sinh cho bé")


def test_the_same_question_cannot_be_sent_twice_while_waiting(world):
    ask(world)
    with pytest.raises(DomainError) as excinfo:
        ask(world, title=BIRTH_TITLE.upper())
    assert excinfo.value.code == "duplicate_question"
    assert Question.objects.count() == 1


def test_at_most_five_questions_a_day(world, settings):
    now = timezone.now()
    for number in range(5):
        ask(world, title=f"Câu hỏi số {number} về khai sinh", now=now)
    with pytest.raises(DomainError) as excinfo:
        ask(world, title="Câu hỏi thứ sáu về khai sinh", now=now)
    assert excinfo.value.code == "too_many_questions"
    assert Question.objects.count() == 5
    # the next day the limit starts again; another asker was never limited
    ask(world, title="Câu hỏi ngày hôm sau", now=now + dt.timedelta(days=1, minutes=1))
    ask(world, actor=world.other_citizen, now=now)
    settings.TINHSO_QNA_DAILY_LIMIT = 1
    with pytest.raises(DomainError):
        ask(world, actor=world.other_citizen, title="Một câu hỏi nữa về khai sinh", now=now)


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Nguyễn Văn Anh", "N*** V*** A"),
        ("Nguyễn Văn Đức", "N*** V*** Đ"),
        ("  lê   thị   ánh  ", "L*** T*** Á"),
        ("Hùng", "H***"),
        ("", ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_clean_text_keeps_paragraphs():
    assert clean_text("a\n\n\n\nb\r\nc") == "a\n\nb\nc"
    assert clean_text("a\nb", single_line=True) == "a b"
    assert clean_text(None) == ""


# --- answering -------------------------------------------------------------------------------


def test_an_officer_of_the_agency_answers_and_publishes(world):
    question = ask(world)
    answered = question_answer(
        actor=world.officer, question=question, answer=BIRTH_ANSWER, publish=True
    )
    answered.refresh_from_db()
    assert answered.status == QuestionStatus.ANSWERED
    assert answered.is_published is True
    assert answered.published_at is not None
    assert answered.answered_by == world.officer
    assert answered.answered_at is not None
    assert "mien le phi" in answered.search_text
    assert audit_actions(answered) == ["qna.ask", "qna.answer"]


def test_an_answer_can_stay_private_and_be_corrected(world):
    question = ask(world)
    question_answer(actor=world.desk, question=question, answer=BIRTH_ANSWER, publish=False)
    question.refresh_from_db()
    assert question.status == QuestionStatus.ANSWERED
    assert question.is_published is False
    question_answer(
        actor=world.officer, question=question.pk, answer=BIRTH_ANSWER + " Sửa lại.", publish=True
    )
    question.refresh_from_db()
    assert question.answer.endswith("Sửa lại.")
    assert question.answered_by == world.officer
    assert question.is_published is True
    assert audit_actions(question) == ["qna.ask", "qna.answer", "qna.correct"]


@pytest.mark.parametrize("who", ["outsider", "centre_officer", "ioc", "citizen", "nobody"])
def test_only_officers_of_the_agency_may_answer(world, who):
    question = ask(world)
    with pytest.raises(NotFound):
        question_answer(
            actor=getattr(world, who), question=question, answer=BIRTH_ANSWER, publish=True
        )
    question.refresh_from_db()
    assert question.status == QuestionStatus.NEW
    assert question.answer == ""
    assert audit_actions(question) == ["qna.ask"]


def test_anonymous_cannot_answer(world):
    question = ask(world)
    with pytest.raises(NotFound):
        question_answer(actor=AnonymousUser(), question=question, answer=BIRTH_ANSWER, publish=True)


def test_the_province_administrator_may_answer_anything(world):
    question = ask(world)
    question_answer(actor=world.admin, question=question, answer=BIRTH_ANSWER, publish=True)
    question.refresh_from_db()
    assert question.is_published


def test_an_unknown_question_is_not_found(world):
    with pytest.raises(NotFound):
        question_answer(actor=world.admin, question=999999, answer=BIRTH_ANSWER, publish=True)


@pytest.mark.parametrize(
    "answer", ["", "   ", "Xem luật.", "!!!!!!!!!!!!!!!!!!!!!!!!", "a" * 10001]
)
def test_a_bad_answer_changes_nothing(world, answer):
    question = ask(world)
    with pytest.raises(DomainError) as excinfo:
        question_answer(actor=world.officer, question=question, answer=answer, publish=True)
    assert excinfo.value.code == "invalid_answer"
    assert "answer" in excinfo.value.details["errors"]
    question.refresh_from_db()
    assert question.status == QuestionStatus.NEW
    assert audit_actions(question) == ["qna.ask"]


# --- publishing ------------------------------------------------------------------------------


def test_publish_and_unpublish(world):
    question = ask(world)
    with pytest.raises(InvalidTransition):
        question_publish(actor=world.officer, question=question)
    question_answer(actor=world.officer, question=question, answer=BIRTH_ANSWER, publish=False)
    question_publish(actor=world.officer, question=question)
    question.refresh_from_db()
    assert question.is_published
    question_publish(actor=world.officer, question=question)  # already public: no change
    question_unpublish(actor=world.desk, question=question)
    question.refresh_from_db()
    assert not question.is_published
    question_unpublish(actor=world.desk, question=question)  # already private: no change
    assert audit_actions(question) == ["qna.ask", "qna.answer", "qna.publish", "qna.unpublish"]


def test_an_outsider_cannot_publish_or_unpublish(world):
    question = ask(world)
    question_answer(actor=world.officer, question=question, answer=BIRTH_ANSWER, publish=False)
    with pytest.raises(NotFound):
        question_publish(actor=world.outsider, question=question)
    question_publish(actor=world.officer, question=question)
    with pytest.raises(NotFound):
        question_unpublish(actor=world.citizen, question=question)
    question.refresh_from_db()
    assert question.is_published


# --- rejecting and transferring --------------------------------------------------------------


def test_reject_with_a_reason(world):
    question = ask(world)
    question_reject(actor=world.officer, question=question, reason="Nội dung quảng cáo, spam.")
    question.refresh_from_db()
    assert question.status == QuestionStatus.REJECTED
    assert question.reject_reason == "Nội dung quảng cáo, spam."
    assert question.rejected_by == world.officer
    assert question.rejected_at is not None
    assert audit_actions(question) == ["qna.ask", "qna.reject"]
    with pytest.raises(InvalidTransition):
        question_answer(actor=world.officer, question=question, answer=BIRTH_ANSWER, publish=True)
    with pytest.raises(InvalidTransition):
        question_publish(actor=world.officer, question=question)
    with pytest.raises(InvalidTransition):
        question_reject(actor=world.officer, question=question, reason="Lặp lại lần nữa.")


@pytest.mark.parametrize("reason", ["", "Spam", "   .....   ", "x" * 501])
def test_reject_needs_a_real_reason(world, reason):
    question = ask(world)
    with pytest.raises(DomainError) as excinfo:
        question_reject(actor=world.officer, question=question, reason=reason)
    assert excinfo.value.code == "invalid_reason"
    question.refresh_from_db()
    assert question.status == QuestionStatus.NEW


def test_an_answered_question_cannot_be_rejected(world):
    question = ask(world)
    question_answer(actor=world.officer, question=question, answer=BIRTH_ANSWER, publish=True)
    with pytest.raises(InvalidTransition):
        question_reject(actor=world.officer, question=question, reason="Không thuộc thẩm quyền.")


def test_an_outsider_cannot_reject(world):
    question = ask(world)
    with pytest.raises(NotFound):
        question_reject(actor=world.outsider, question=question, reason="Không thuộc thẩm quyền.")


def test_transfer_moves_the_question_and_its_rights(world):
    question = ask(world, procedure=None, title="Hỏi về lý lịch tư pháp cho người đi làm")
    assert question.agency == world.centre
    question_transfer(actor=world.centre_officer, question=question, agency=world.committee)
    question.refresh_from_db()
    assert question.agency == world.committee
    assert audit_actions(question) == ["qna.ask", "qna.transfer"]
    with pytest.raises(NotFound):
        question_answer(
            actor=world.centre_officer, question=question, answer=BIRTH_ANSWER, publish=True
        )
    question_answer(actor=world.officer, question=question, answer=BIRTH_ANSWER, publish=True)
    with pytest.raises(InvalidTransition):
        question_transfer(actor=world.officer, question=question, agency=world.centre)


def test_transfer_needs_another_active_agency(world):
    question = ask(world)
    with pytest.raises(DomainError) as excinfo:
        question_transfer(actor=world.officer, question=question, agency=world.committee)
    assert excinfo.value.code == "invalid_agency"
    with pytest.raises(DomainError):
        question_transfer(actor=world.officer, question=question, agency=None)
    world.department.is_active = False
    world.department.save()
    with pytest.raises(DomainError):
        question_transfer(actor=world.officer, question=question, agency=world.department)
    with pytest.raises(NotFound):
        question_transfer(actor=world.outsider, question=question, agency=world.centre)
    question.refresh_from_db()
    assert question.agency == world.committee
