"""The question selectors: what the public, the asker and each officer may see, and search."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tinhso.core.errors import NotFound
from tinhso.qna.models import QuestionStatus
from tinhso.qna.selectors import (
    agencies_for_questions,
    communes_for_questions,
    officer_agencies,
    question_get_for_officer,
    question_get_published,
    questions_for_officer,
    questions_of_asker,
    questions_published,
    questions_waiting_count,
    sectors_for_filter,
)
from tinhso.qna.services import question_answer, question_ask, question_reject
from tinhso.testing.factories import BIRTH_BODY, BIRTH_TITLE

# The search, the officers' access querysets and the collation-ordered choices run on both
# databases; the plain filters on SQLite only (docs/architecture.md).
pytestmark = pytest.mark.django_db

ANSWER = "Chào công dân, hồ sơ nộp tại Bộ phận một cửa, thời hạn ba ngày làm việc."


def ask(world, title, body=BIRTH_BODY, *, actor=None, procedure="birth", minutes_ago=0, **kw):
    return question_ask(
        actor=actor or world.citizen,
        title=title,
        body=body,
        procedure=getattr(world, procedure) if procedure else None,
        now=timezone.now() - dt.timedelta(minutes=minutes_ago),
        **kw,
    )


def answered(world, title, *, publish=True, answer=ANSWER, officer=None, **kw):
    question = ask(world, title, **kw)
    return question_answer(
        actor=officer or world.officer, question=question, answer=answer, publish=publish
    )


# --- public ----------------------------------------------------------------------------------


def test_only_published_answers_are_public(world):
    public = answered(world, BIRTH_TITLE)
    private = answered(world, "Câu hỏi trả lời riêng cho công dân", publish=False)
    waiting = ask(world, "Câu hỏi đang chờ trả lời")
    rejected = ask(world, "Câu hỏi quảng cáo bị từ chối")
    question_reject(actor=world.officer, question=rejected, reason="Nội dung quảng cáo.")
    assert list(questions_published()) == [public]
    assert question_get_published(pk=public.pk) == public
    for hidden in (private, waiting, rejected):
        with pytest.raises(NotFound):
            question_get_published(pk=hidden.pk)


@pytest.mark.pg
@pytest.mark.parametrize(
    "query",
    [
        "khai sinh",
        "khái sinh",
        "KHAI SINH",
        "Khai  Sinh",
        "dang ky khai sinh",
        "đăng ký",
        "sinh khai",
    ],
)
def test_search_is_accent_and_case_insensitive(world, query):
    birth = answered(world, "Đăng ký khai sinh cho con gái")
    answered(
        world, "Thủ tục chứng thực bản sao giấy tờ", procedure=None, officer=world.centre_officer
    )
    assert list(questions_published(query=query)) == [birth]


@pytest.mark.pg
def test_search_reads_the_question_and_the_answer(world):
    by_body = answered(world, "Hỏi về giấy tờ cần mang theo", body="Con tôi mới sinh ở bệnh viện.")
    by_answer = answered(
        world,
        "Hỏi về thời hạn giải quyết",
        body="Bao lâu thì tôi nhận được kết quả?",
        answer="Chào công dân, " + "x" * 30,
    )
    assert list(questions_published(query="benh vien")) == [by_body]
    assert list(questions_published(query="xxxxxxxx")) == [by_answer]
    assert list(questions_published(query="khong co tu nay")) == []
    # every word must occur
    assert list(questions_published(query="benh vien xxxxxxxx")) == []


@pytest.mark.pg
def test_title_matches_come_first(world):
    in_title = answered(world, "Hỏi về khai sinh quá hạn")
    in_body = answered(
        world, "Giấy tờ cần cho trẻ mới sinh", body="Tôi muốn hỏi về khai sinh cho con."
    )
    assert list(questions_published()) == [in_body, in_title]  # newest answer first
    assert list(questions_published(query="khai sinh")) == [in_title, in_body]


def test_filter_by_sector_and_procedure(world):
    birth = answered(world, BIRTH_TITLE)
    company = answered(
        world, "Thời hạn đăng ký doanh nghiệp tư nhân", procedure="company",
        officer=world.centre_officer,
    )  # fmt: skip
    general = answered(
        world, "Giờ làm việc của Trung tâm hành chính", procedure=None,
        officer=world.centre_officer,
    )  # fmt: skip
    assert set(questions_published()) == {birth, company, general}
    assert list(questions_published(sector="HOTICH")) == [birth]
    assert list(questions_published(procedure="2.001610")) == [company]
    assert list(questions_published(procedure="9.999999")) == []
    counts = {sector.code: sector.answer_count for sector in sectors_for_filter()}
    assert counts == {"HOTICH": 1, "DOANHNGHIEP": 1}


# --- the asker -------------------------------------------------------------------------------


def test_my_questions_are_mine_only_in_every_state(world):
    mine = ask(world, BIRTH_TITLE)
    private = answered(world, "Câu hỏi trả lời riêng cho tôi", publish=False)
    ask(world, "Câu hỏi của người khác", actor=world.other_citizen)
    assert set(questions_of_asker(user=world.citizen)) == {mine, private}
    assert list(questions_of_asker(user=world.nobody)) == []


# --- officers --------------------------------------------------------------------------------


@pytest.mark.pg
def test_officers_see_only_their_agencies_questions(world):
    here = ask(world, BIRTH_TITLE)
    there = ask(world, "Khai sinh ở phường Đồng Thuận", commune=world.other_commune)
    centre = ask(world, "Giờ làm việc của Trung tâm hành chính", procedure=None)
    assert list(questions_for_officer(user=world.officer)) == [here]
    assert list(questions_for_officer(user=world.desk)) == [here]
    assert list(questions_for_officer(user=world.outsider)) == [there]
    assert list(questions_for_officer(user=world.centre_officer)) == [centre]
    assert set(questions_for_officer(user=world.admin)) == {here, there, centre}
    for nobody in (world.ioc, world.citizen, world.nobody):
        assert list(questions_for_officer(user=nobody, status="all")) == []
    assert question_get_for_officer(user=world.officer, pk=here.pk) == here
    with pytest.raises(NotFound):
        question_get_for_officer(user=world.officer, pk=there.pk)
    with pytest.raises(NotFound):
        question_get_for_officer(user=world.citizen, pk=here.pk)
    assert questions_waiting_count(user=world.officer) == 1
    assert questions_waiting_count(user=world.admin) == 3
    assert list(officer_agencies(user=world.officer)) == [world.committee]
    assert set(officer_agencies(user=world.admin)) == {
        world.committee,
        world.other_committee,
        world.centre,
    }


@pytest.mark.pg
def test_waiting_questions_first_oldest_first(world):
    done_old = answered(world, "Câu hỏi cũ đã trả lời xong", minutes_ago=50)
    done_new = answered(world, "Câu hỏi mới đã trả lời xong", minutes_ago=5)
    waiting_old = ask(world, "Câu hỏi chờ lâu nhất về khai sinh", minutes_ago=40)
    waiting_new = ask(world, "Câu hỏi chờ ngắn nhất về khai sinh", minutes_ago=10)
    assert list(questions_for_officer(user=world.officer, status="all")) == [
        waiting_old,
        waiting_new,
        done_new,
        done_old,
    ]
    assert list(questions_for_officer(user=world.officer, status="new")) == [
        waiting_old,
        waiting_new,
    ]
    assert list(questions_for_officer(user=world.officer, status="answered")) == [
        done_new,
        done_old,
    ]
    assert list(questions_for_officer(user=world.officer, status="bogus")) == []
    assert list(questions_for_officer(user=world.officer, status="all", query="cho lau")) == [
        waiting_old
    ]
    assert done_old.status == QuestionStatus.ANSWERED


@pytest.mark.pg
def test_officer_filters_by_agency(world):
    here = ask(world, BIRTH_TITLE)
    there = ask(world, "Khai sinh ở phường Đồng Thuận", commune=world.other_commune)
    assert list(questions_for_officer(user=world.admin, agency_id=world.committee.pk)) == [here]
    assert list(questions_for_officer(user=world.admin, agency_id=world.other_committee.pk)) == [
        there
    ]
    # an officer filtering on someone else's agency still sees nothing of it
    assert list(questions_for_officer(user=world.officer, agency_id=world.other_committee.pk)) == []


# --- choices ---------------------------------------------------------------------------------


@pytest.mark.pg
def test_choices_list_active_agencies_and_their_communes(world):
    world.other_committee.is_active = False
    world.other_committee.save()
    assert list(communes_for_questions()) == [world.commune]
    agencies = list(agencies_for_questions())
    assert world.other_committee not in agencies
    assert agencies[-1] == world.committee  # communes after the provincial agencies
    assert set(agencies[:-1]) == {world.centre, world.department}
