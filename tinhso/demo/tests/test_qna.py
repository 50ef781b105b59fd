"""The demo questions: realistic, published through the services, loaded idempotently."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tinhso.core.models import Agency, AuditEvent
from tinhso.demo.qna import load_demo_qna
from tinhso.qna.models import Question, QuestionStatus
from tinhso.qna.selectors import questions_for_officer, questions_published

pytestmark = pytest.mark.django_db


def test_demo_questions_load_once(django_user_model):
    call_command("load_demo", "--quiet-accounts", stdout=io.StringIO())
    call_command("load_demo_qna", "--province", "44", stdout=io.StringIO())
    assert Question.objects.count() == 7
    assert questions_published().count() == 6
    waiting = Question.objects.get(status=QuestionStatus.NEW)
    assert waiting.procedure.code == "2.000635"
    events = AuditEvent.objects.count()

    again = load_demo_qna("44")
    assert again.created == 0
    assert again.unchanged == 7
    assert Question.objects.count() == 7
    assert AuditEvent.objects.count() == events

    # the answers are found without diacritics and routed to the right agencies
    birth = list(questions_published(query="khai sinh", procedure="1.001193"))
    assert len(birth) == 2
    assert {q.agency.key for q in birth} == {"commune_18880"}
    centre = Agency.objects.get(key="service_centre")
    assert questions_published().filter(agency=centre).count() == 2
    assert all(q.answered_at > q.created_at for q in questions_published())
    assert all(q.asker_masked and "*" in q.asker_masked for q in Question.objects.all())
    officer = django_user_model.objects.get(username="chuyenvien.donghoi")
    assert list(questions_for_officer(user=officer)) == [waiting]


def test_demo_questions_need_the_demo_province():
    with pytest.raises(CommandError):
        call_command("load_demo_qna", "--province", "44", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("load_demo_qna", "--province", "99", stdout=io.StringIO())
    assert not Question.objects.exists()
