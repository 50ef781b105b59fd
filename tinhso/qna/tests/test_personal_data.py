"""Issue 17, point 12 (questions): publishing a question does not publish the ID and phone
numbers the asker typed. The officer's page proposes the masked text; the portal shows only it.

The attack replayed: a citizen writes their CCCD number, phone and e-mail in a question; once an
officer publishes the answer, anyone reads them on the portal, and the public search finds the
question by the number.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tinhso.core.text import mask_personal_data
from tinhso.qna import services
from tinhso.qna.models import Question
from tinhso.testing.factories import BIRTH_ANSWER

pytestmark = pytest.mark.django_db  # the public search (its shadow column): also on PostgreSQL

TITLE = "Khai sinh cho con, CCCD 044090001234"
BODY = (
    "Tôi là Nguyễn Văn Đức, CCCD 044090001234 (CMND cũ 194123456), điện thoại 0912 345 678 "
    "hoặc +84 987.654.321, bàn 0232 3822 123, email duc.nguyen@gmail.com. Lệ phí 100.000.000 "
    "đồng theo Nghị định 123/2015/NĐ-CP có đúng không?"
)
SECRETS = ("044090001234", "194123456", "0912 345 678", "987.654.321", "3822 123", "duc.nguyen")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("CCCD 044090001234.", "CCCD ************."),
        ("CMND 194123456", "CMND *********"),
        ("ĐT 0912345678, 0912 345 678, 0912.345.678", "ĐT **********, **** *** ***, ****.***.***"),
        (
            "+84 912 345 678 / (+84)912345678 / 84912345678",
            "+** *** *** *** / (+**)********* / ***********",
        ),
        ("bàn 0232 3822 123", "bàn **** **** ***"),
        ("thư a.b+c@mail.quangtri.gov.vn", "thư ***@***"),
        # kept: amounts, legal references, procedure codes, dates
        ("100.000.000 đồng, 15.000.000.000 đ", "100.000.000 đồng, 15.000.000.000 đ"),
        ("Nghị định 123/2015/NĐ-CP, thủ tục 1.001193, ngày 05/12/2026", None),
    ],
)
def test_mask_personal_data(text, masked):
    assert mask_personal_data(text) == (masked or text)
    assert mask_personal_data(mask_personal_data(text)) == mask_personal_data(text)


def ask_with_numbers(world) -> Question:
    return services.question_ask(actor=world.citizen, title=TITLE, body=BODY, procedure=world.birth)


@pytest.mark.pg
def test_publishing_masks_the_numbers_by_default(world):
    question = services.question_answer(
        actor=world.officer, question=ask_with_numbers(world), answer=BIRTH_ANSWER, publish=True
    )
    assert question.is_published
    assert question.public_title == "Khai sinh cho con, CCCD ************"
    assert "**** *** ***" in question.public_body and "***@***" in question.public_body
    assert "100.000.000" in question.public_body  # the amount is kept
    for secret in SECRETS:
        assert secret not in question.public_body and secret not in question.search_text
    # The asker's own words are kept, for the asker and the officers.
    assert question.body == BODY


def test_the_officer_edits_the_public_text_but_cannot_publish_a_number(world):
    question = ask_with_numbers(world)
    services.question_answer(
        actor=world.officer, question=question, answer=BIRTH_ANSWER, publish=False
    )
    question = services.question_publish(
        actor=world.officer,
        question=question,
        public_title="Khai sinh cho con",
        public_body="Xin hỏi lệ phí khai sinh; gọi tôi: 0912345678.",
    )
    assert question.public_title == "Khai sinh cho con"
    assert question.public_body == "Xin hỏi lệ phí khai sinh; gọi tôi: **********."
    with pytest.raises(services.DomainError) as refused:
        services.question_publish(
            actor=world.officer, question=question, public_title="x", public_body="y"
        )
    assert set(refused.value.details["errors"]) == {"public_title", "public_body"}


@pytest.mark.pg
def test_the_page_proposes_the_masked_text_and_the_portal_shows_only_it(client, world):
    question = ask_with_numbers(world)
    client.force_login(world.officer)
    url = reverse("qna:answer", args=[question.pk])
    page = client.get(url)
    form = page.context["answer_form"]
    assert form.initial["public_title"] == "Khai sinh cho con, CCCD ************"
    assert "044090001234" not in form.initial["public_body"]
    assert 'data-testid="public-text"' in page.content.decode()
    # The officer accepts the proposal as it is.
    response = client.post(
        url,
        {
            "action": "answer",
            "answer": BIRTH_ANSWER,
            "publish": "on",
            "public_title": form.initial["public_title"],
            "public_body": form.initial["public_body"],
        },
    )
    assert response.status_code == 302
    anyone = Client()
    public = anyone.get(reverse("qna:detail", args=[question.pk])).content.decode()
    listing = anyone.get(reverse("qna:list")).content.decode()
    assert "************" in public
    for secret in SECRETS:
        assert secret not in public and secret not in listing
    # The public search does not find the question by the asker's number.
    found = anyone.get(reverse("qna:list"), {"q": "044090001234"})
    assert question not in list(found.context["page"].object_list)
    assert question in list(anyone.get(reverse("qna:list"), {"q": "khai sinh"}).context["page"])
