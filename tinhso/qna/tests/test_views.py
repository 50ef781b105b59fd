"""The question pages through the test client: public, asking, my questions, officers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tinhso.qna.models import Question, QuestionStatus
from tinhso.qna.services import question_answer, question_ask, question_reject
from tinhso.testing.factories import BIRTH_ANSWER, BIRTH_BODY, BIRTH_TITLE

pytestmark = pytest.mark.django_db

LIST = reverse("qna:list")
ASK = reverse("qna:ask")
MINE = reverse("qna:mine")
OFFICER = reverse("qna:officer_list")


def ask(world, title=BIRTH_TITLE, *, actor=None, **kw):
    kw.setdefault("procedure", world.birth)
    return question_ask(actor=actor or world.citizen, title=title, body=BIRTH_BODY, **kw)


def published(world, title=BIRTH_TITLE, **kw):
    question = ask(world, title, **kw)
    return question_answer(
        actor=world.officer, question=question, answer=BIRTH_ANSWER, publish=True
    )


def login(client, user) -> Client:
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def answer_page(client, world, officer):
    """A new question of the citizen, and its answer page's URL with ``officer`` signed in."""
    question = ask(world)
    login(client, officer)
    return question, reverse("qna:answer", args=[question.pk])


# --- public pages ----------------------------------------------------------------------------


def test_the_two_historic_url_names_resolve():
    assert reverse("qna:list") == "/hoi-dap/"
    assert reverse("qna:officer_list") == "/can-bo/hoi-dap/"
    assert reverse("qna:detail", args=[3]) == "/hoi-dap/3/"
    assert reverse("qna:ask") == "/hoi-dap/dat-cau-hoi/"
    assert reverse("qna:mine") == "/hoi-dap/cua-toi/"
    assert reverse("qna:answer", args=[3]) == "/can-bo/hoi-dap/3/"


def test_list_shows_published_answers_only(client, world):
    public = published(world)
    private = ask(world, "Câu hỏi chưa được trả lời")
    response = client.get(LIST)
    assert response.status_code == 200
    page = html(response)
    assert public.title in page
    assert private.title not in page
    assert reverse("qna:detail", args=[public.pk]) in page


def test_list_search_without_diacritics(client, world):
    birth = published(world, "Đăng ký khai sinh cho con gái")
    other = published(world, "Chứng thực bản sao giấy tờ tùy thân")
    response = client.get(LIST, {"q": "khai sinh con gai"})
    assert list(response.context["page"]) == [birth]
    assert other.title not in html(response)
    response = client.get(LIST, {"q": "khái sinh cho con gái"})
    assert list(response.context["page"]) == [birth]
    response = client.get(LIST, {"q": "khong co ket qua nao"})
    assert list(response.context["page"]) == []


def test_list_filters_and_bad_input(client, world):
    birth = published(world)
    response = client.get(LIST, {"procedure": "1.001193"})
    assert list(response.context["page"]) == [birth]
    assert response.context["procedure"] == world.birth
    response = client.get(LIST, {"sector": "HOTICH"})
    assert list(response.context["page"]) == [birth]
    # an unknown procedure or sector shows an error and no result, never a 500
    response = client.get(LIST, {"procedure": "<script>"})
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert "&lt;script&gt;" in html(response)
    response = client.get(LIST, {"sector": "KHONGCO"})
    assert response.status_code == 200
    assert response.context["form"].errors["sector"]
    assert list(response.context["page"]) == []
    response = client.get(LIST, {"page": "abc"})
    assert response.status_code == 200
    response = client.get(LIST, {"page": "999"})
    assert list(response.context["page"]) == [birth]
    response = client.get(LIST, {"q": "x" * 500})
    assert response.status_code == 200
    assert response.context["form"].errors["q"]


def test_list_paginates(client, world, settings):
    settings.TINHSO_QNA_DAILY_LIMIT = 100
    for number in range(21):
        published(world, f"Câu hỏi số {number:02d} về khai sinh")
    response = client.get(LIST, {"q": "khai sinh"})
    assert len(response.context["page"].object_list) == 20
    assert "page=2" in html(response)
    response = client.get(LIST, {"q": "khai sinh", "page": "2"})
    assert len(response.context["page"].object_list) == 1


def test_detail_shows_a_published_answer_without_the_askers_identity(client, world):
    question = published(world)
    response = client.get(reverse("qna:detail", args=[question.pk]))
    assert response.status_code == 200
    page = html(response)
    assert question.title in page
    assert "mang những giấy tờ gì" in page
    assert "miễn lệ phí" in page
    assert world.committee.name in page
    assert "N*** V*** Đ" in page
    assert "Phường Đồng Hới" in page
    for secret in ("Nguyễn Văn Đức", "044090001234", "0912345678", world.citizen.username):
        assert secret not in page


def test_detail_of_an_unpublished_or_unknown_question_is_404(client, world):
    waiting = ask(world)
    private = ask(world, "Câu hỏi được trả lời riêng")
    question_answer(actor=world.officer, question=private, answer=BIRTH_ANSWER, publish=False)
    for pk in (waiting.pk, private.pk, 999999):
        assert client.get(reverse("qna:detail", args=[pk])).status_code == 404
    # not even its asker or its officer sees it on the public page
    login(client, world.citizen)
    assert client.get(reverse("qna:detail", args=[private.pk])).status_code == 404


# --- asking ----------------------------------------------------------------------------------


def test_asking_needs_a_login(client, world):
    response = client.get(ASK)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
    response = client.post(ASK, {"title": BIRTH_TITLE, "body": BIRTH_BODY})
    assert response.status_code == 302
    assert not Question.objects.exists()


def test_ask_form_preselects_the_procedure_and_the_askers_commune(client, world):
    login(client, world.citizen)
    response = client.get(ASK, {"procedure": "1.001193"})
    assert response.status_code == 200
    page = html(response)
    assert '<option value="1.001193" selected data-commune="1">' in page
    assert '<option value="18880" selected>' in page
    assert 'value="2.001610">' in page  # a province procedure is not marked for the commune
    response = client.get(ASK, {"procedure": "9.999999"})
    assert response.status_code == 200
    assert "9.999999" in html(response)  # the warning names the unknown code
    assert 'selected data-commune="1"' not in html(response)


def test_ask_a_question_about_a_procedure(client, world):
    login(client, world.citizen)
    response = client.post(
        ASK,
        {
            "procedure": "1.001193",
            "commune": "18880",
            "agency": "",
            "title": BIRTH_TITLE,
            "body": BIRTH_BODY,
        },
    )
    assert response.status_code == 302
    question = Question.objects.get()
    assert response["Location"] == f"{MINE}?sent={question.pk}"
    assert question.asker == world.citizen
    assert question.agency == world.committee
    assert question.procedure == world.birth
    response = client.get(response["Location"])
    assert response.context["sent"] == question
    assert question.title in html(response)
    assert world.committee.name in html(response)
    # the confirmation never names someone else's question
    other = ask(world, "Câu hỏi của người hàng xóm", actor=world.other_citizen)
    assert client.get(MINE, {"sent": other.pk}).context["sent"] is None
    assert client.get(MINE, {"sent": "abc"}).context["sent"] is None


def test_ask_a_general_question_of_a_chosen_agency(client, world):
    login(client, world.nobody)
    response = client.post(
        ASK,
        {
            "procedure": "",
            "agency": world.department.code,
            "title": "Xin cấp phiếu lý lịch tư pháp ở đâu?",
            "body": "Tôi cần phiếu lý lịch tư pháp số 1 để đi làm, nộp ở đâu và bao lâu?",
        },
    )
    assert response.status_code == 302
    assert Question.objects.get().agency == world.department


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "", "body": BIRTH_BODY}, "title"),
        ({"title": "Ngắn", "body": BIRTH_BODY}, "title"),
        ({"title": BIRTH_TITLE, "body": "   "}, "body"),
        ({"title": BIRTH_TITLE, "body": "x" * 4001}, "body"),
        ({"title": "t" * 201, "body": BIRTH_BODY}, "title"),
        ({"title": BIRTH_TITLE, "body": BIRTH_BODY, "procedure": "9.999999"}, "procedure"),
        ({"title": BIRTH_TITLE, "body": BIRTH_BODY, "commune": "00000"}, "commune"),
        ({"title": BIRTH_TITLE, "body": BIRTH_BODY, "agency": "H99"}, "agency"),
    ],
)
def test_bad_questions_are_shown_back_with_errors(client, world, data, field):
    login(client, world.citizen)
    response = client.post(ASK, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    page = html(response)
    assert f'id="id_{field}_error"' in page
    assert 'aria-invalid="true"' in page
    assert not Question.objects.exists()


def test_a_commune_procedure_without_a_commune_is_shown_on_the_commune_field(client, world):
    login(client, world.nobody)  # no profile, so no commune to default to
    response = client.post(
        ASK, {"procedure": "1.001193", "commune": "", "title": BIRTH_TITLE, "body": BIRTH_BODY}
    )
    assert response.status_code == 200
    assert "commune" in response.context["form"].errors
    assert not Question.objects.exists()


def test_the_daily_limit_is_shown_in_the_page(client, world, settings):
    settings.TINHSO_QNA_DAILY_LIMIT = 1
    ask(world)
    login(client, world.citizen)
    response = client.post(
        ASK, {"procedure": "1.001193", "title": "Một câu hỏi khác về khai sinh", "body": BIRTH_BODY}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Question.objects.count() == 1


def test_csrf_is_enforced_on_asking(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.citizen)
    response = client.post(ASK, {"procedure": "1.001193", "title": BIRTH_TITLE, "body": BIRTH_BODY})
    assert response.status_code == 403
    assert not Question.objects.exists()


# --- my questions ----------------------------------------------------------------------------


def test_my_questions_show_every_state_and_only_mine(client, world):
    waiting = ask(world, "Câu hỏi đang chờ trả lời")
    private = ask(world, "Câu hỏi trả lời riêng cho tôi")
    question_answer(actor=world.officer, question=private, answer=BIRTH_ANSWER, publish=False)
    rejected = ask(world, "Câu hỏi quảng cáo của tôi")
    question_reject(actor=world.officer, question=rejected, reason="Nội dung quảng cáo, spam.")
    others = ask(world, "Câu hỏi của người hàng xóm", actor=world.other_citizen)
    assert client.get(MINE).status_code == 302
    login(client, world.citizen)
    page = html(client.get(MINE))
    for title in (waiting.title, private.title, rejected.title):
        assert title in page
    assert others.title not in page
    assert "miễn lệ phí" in page  # the private answer is shown to its asker
    assert "Nội dung quảng cáo, spam." in page
    assert reverse("qna:detail", args=[private.pk]) not in page  # not public


# --- officer pages ---------------------------------------------------------------------------


def test_officer_pages_are_404_for_non_officers(client, world):
    question = ask(world)
    assert client.get(OFFICER).status_code == 302  # anonymous: log in first
    for user in (world.citizen, world.nobody):
        login(client, user)
        assert client.get(OFFICER).status_code == 404
        assert client.get(reverse("qna:answer", args=[question.pk])).status_code == 404


def test_officer_list_shows_my_agencies_questions_waiting_first(client, world):
    done = ask(world, "Câu hỏi đã được trả lời xong")
    question_answer(actor=world.officer, question=done, answer=BIRTH_ANSWER, publish=True)
    waiting = ask(world, "Câu hỏi đang chờ trả lời")
    elsewhere = ask(world, "Câu hỏi của phường Đồng Thuận", commune=world.other_commune)
    login(client, world.officer)
    response = client.get(OFFICER)
    assert response.status_code == 200
    assert list(response.context["page"]) == [waiting]
    assert response.context["waiting"] == 1
    page = html(response)
    assert elsewhere.title not in page
    assert 'aria-current="page"' in page  # the officer sub-navigation and the tab
    response = client.get(OFFICER, {"status": "all"})
    assert list(response.context["page"]) == [waiting, done]
    response = client.get(OFFICER, {"status": "answered", "q": "tra loi xong"})
    assert list(response.context["page"]) == [done]
    assert client.get(OFFICER, {"status": "bogus"}).status_code == 404
    response = client.get(OFFICER, {"agency": "abc"})
    assert response.status_code == 200


def test_officer_list_shows_how_long_questions_wait(client, world):
    old = ask(world, "Câu hỏi đã chờ ba ngày", now=timezone.now() - dt.timedelta(days=3, hours=1))
    fresh = ask(world, "Câu hỏi vừa mới gửi xong")
    login(client, world.officer)
    page = client.get(OFFICER).context["page"]
    assert [(q, q.waiting_days) for q in page] == [(old, 3), (fresh, 0)]


def test_an_officer_of_another_agency_gets_404(client, world):
    question, url = answer_page(client, world, world.outsider)
    assert client.get(url).status_code == 404
    response = client.post(url, {"action": "answer", "answer": BIRTH_ANSWER, "publish": "on"})
    assert response.status_code == 404
    question.refresh_from_db()
    assert question.status == QuestionStatus.NEW


def test_answer_and_publish_through_the_page(client, world):
    question, url = answer_page(client, world, world.officer)
    page = html(client.get(url))
    assert "Nguyễn Văn Đức" in page  # the officer sees who asked
    assert BIRTH_BODY in page
    response = client.post(url, {"action": "answer", "answer": BIRTH_ANSWER, "publish": "on"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?done=answered"
    assert client.get(response["Location"]).context["done"]
    question.refresh_from_db()
    assert question.status == QuestionStatus.ANSWERED
    assert question.is_published
    assert client.get(reverse("qna:detail", args=[question.pk])).status_code == 200
    response = client.post(url, {"action": "unpublish"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert not question.is_published
    response = client.post(url, {"action": "publish"})
    question.refresh_from_db()
    assert question.is_published


@pytest.mark.parametrize("answer", ["", "Xem luật.", "a" * 10001])
def test_a_bad_answer_is_shown_back(client, world, answer):
    question, url = answer_page(client, world, world.officer)
    response = client.post(url, {"action": "answer", "answer": answer, "publish": "on"})
    assert response.status_code == 200
    assert "answer" in response.context["answer_form"].errors
    assert 'id="id_answer_error"' in html(response)
    question.refresh_from_db()
    assert question.status == QuestionStatus.NEW


def test_reject_through_the_page(client, world):
    question, url = answer_page(client, world, world.desk)
    response = client.post(url, {"action": "reject", "reason": "Spam"})
    assert response.status_code == 200
    assert "reason" in response.context["reject_form"].errors
    question.refresh_from_db()
    assert question.status == QuestionStatus.NEW
    response = client.post(
        url, {"action": "reject", "reason": "Nội dung không liên quan đến thủ tục."}
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.status == QuestionStatus.REJECTED
    # a rejected question can be neither answered nor published: the page says why
    response = client.post(url, {"action": "publish"})
    assert response.status_code == 200
    assert response.context["error"]
    response = client.post(url, {"action": "answer", "answer": BIRTH_ANSWER})
    assert response.status_code == 200
    assert response.context["error"]
    assert response.context["error"] in html(response)


def test_transfer_through_the_page(client, world):
    question = ask(world, procedure=None, title="Câu hỏi chung gửi nhầm Trung tâm")
    login(client, world.centre_officer)
    url = reverse("qna:answer", args=[question.pk])
    response = client.post(url, {"action": "transfer", "agency": ""})
    assert response.status_code == 200
    assert "agency" in response.context["transfer_form"].errors
    response = client.post(url, {"action": "transfer", "agency": world.committee.code})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.agency == world.committee
    assert client.get(url).status_code == 404  # no longer in this officer's scope


def test_an_unknown_action_is_an_error_not_a_crash(client, world):
    question = ask(world)
    login(client, world.officer)
    response = client.post(reverse("qna:answer", args=[question.pk]), {"action": "delete"})
    assert response.status_code == 200
    assert response.context["error"]
    assert Question.objects.filter(pk=question.pk, status=QuestionStatus.NEW).exists()


# --- admin -----------------------------------------------------------------------------------


def test_admin_lists_and_searches_questions_without_diacritics(client, world):
    question = published(world, "Đăng ký khai sinh cho con trai")
    ask(world, "Chứng thực bản sao giấy tờ")
    world.admin.is_superuser = True
    world.admin.save()
    login(client, world.admin)
    url = reverse("admin:qna_question_changelist")
    response = client.get(url, {"q": "dang ky khai sinh"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [question]
    response = client.get(reverse("admin:qna_question_change", args=[question.pk]))
    assert response.status_code == 200
