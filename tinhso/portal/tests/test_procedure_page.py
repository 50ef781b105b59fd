"""What the national portal shows on a procedure's page: the steps, the blank forms to download,
related published answers, the ways to receive the result; and the choice of that way in the
online submission, stored on the dossier and shown to the officer and on the receipt."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tinhso.core.errors import DomainError
from tinhso.dossiers.pdf import _base_context
from tinhso.dossiers.services import check_delivery
from tinhso.dossiers.tests.factories import VALID_FORM
from tinhso.portal import services
from tinhso.procedures.admin import ProcedureComponentForm
from tinhso.procedures.models import DeliveryMethod, ProcedureComponent
from tinhso.procedures.services import component_attach_blank_form
from tinhso.qna.models import Question, QuestionStatus
from tinhso.testing.factories import make_procedure, pdf

pytestmark = pytest.mark.django_db


def _question(world, procedure, title: str, *, published: bool = True) -> Question:
    now = timezone.now()
    return Question.objects.create(
        procedure=procedure,
        agency=world.committee,
        title=title,
        body="Nội dung câu hỏi của người dân về thủ tục.",
        status=QuestionStatus.ANSWERED,
        answer="Câu trả lời của cơ quan về thủ tục này.",
        answered_at=now,
        is_published=published,
        published_at=now if published else None,
        public_title=title if published else "",
        public_body="Nội dung câu hỏi." if published else "",
    )


def _offer_all(procedure) -> None:
    procedure.delivery_methods = ["counter", "post", "online"]
    procedure.save()


def test_the_page_shows_steps_blank_forms_answers_and_delivery(client, world):
    procedure = world.procedure
    _offer_all(procedure)
    component = procedure.components.order_by("order").first()
    component_attach_blank_form(
        actor=world.desk, component=component, upload=pdf("to-khai-khai-sinh.pdf")
    )
    same_sector = make_procedure("1.000656", "Đăng ký khai tử", sector=procedure.sector)
    _question(world, same_sector, "Khai tử cho người mất ở nơi khác?")
    _question(world, procedure, "Khai sinh cho con sinh ở nước ngoài?")
    _question(world, procedure, "Câu hỏi chưa công khai về khai sinh", published=False)

    page = client.get(f"/thu-tuc/{procedure.code}/").content.decode()
    assert "Trình tự thực hiện" in page
    for step in procedure.steps.all():
        assert step.name in page
    assert "ngày làm việc" in page or "giờ làm việc" in page
    assert f"/thu-tuc/{procedure.code}/mau-don/{component.pk}/" in page
    assert "Tải mẫu đơn, tờ khai" in page
    assert "Cách thức nhận kết quả" in page
    assert "Qua dịch vụ bưu chính công ích" in page
    assert "Hỏi đáp liên quan" in page
    # The procedure's own answer first, then the sector's; never an unpublished question.
    assert page.index("Khai sinh cho con sinh ở nước ngoài?") < page.index(
        "Khai tử cho người mất ở nơi khác?"
    )
    assert "Câu hỏi chưa công khai" not in page


def test_blank_form_download_is_public_and_scoped(client, world):
    procedure = world.procedure
    component = procedure.components.order_by("order").first()
    url = f"/thu-tuc/{procedure.code}/mau-don/{component.pk}/"
    assert client.get(url).status_code == 404  # no blank form yet
    component_attach_blank_form(actor=world.desk, component=component, upload=pdf("mau.pdf"))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "mau.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    other = make_procedure("1.000656", "Đăng ký khai tử")
    assert client.get(f"/thu-tuc/{other.code}/mau-don/{component.pk}/").status_code == 404
    procedure.is_active = False
    procedure.save()
    assert client.get(url).status_code == 404  # withdrawn: hidden from the public


def test_a_blank_form_is_checked_and_replaces_the_previous_one(
    world, django_capture_on_commit_callbacks
):
    component = world.procedure.components.order_by("order").first()
    fake = SimpleUploadedFile("mau.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(DomainError):
        component_attach_blank_form(actor=world.desk, component=component, upload=fake)
    component.refresh_from_db()
    assert not component.blank_form
    first = component_attach_blank_form(actor=world.desk, component=component, upload=pdf("a.pdf"))
    first_name = first.blank_form.name
    with django_capture_on_commit_callbacks(execute=True):
        second = component_attach_blank_form(
            actor=world.desk, component=component, upload=pdf("b.pdf")
        )
    assert second.blank_form_name == "b.pdf"
    assert not default_storage.exists(first_name)
    assert default_storage.exists(second.blank_form.name)


def test_the_admin_upload_goes_through_the_upload_check(world):
    component = world.procedure.components.order_by("order").first()
    data = {
        "procedure": world.procedure.pk,
        "order": component.order,
        "name": component.name,
        "kind": component.kind,
        "count": component.count,
        "required": "on",
    }
    bad = SimpleUploadedFile("mau.pdf", b"plain text, not a PDF", content_type="application/pdf")
    form = ProcedureComponentForm(data, {"blank_form": bad}, instance=component)
    assert not form.is_valid()
    assert "blank_form" in form.errors
    form = ProcedureComponentForm(data, {"blank_form": pdf("to-khai.pdf")}, instance=component)
    assert form.is_valid(), form.errors
    saved = form.save()
    assert (saved.blank_form_name, saved.blank_form_type) == ("to-khai.pdf", "application/pdf")
    assert default_storage.exists(saved.blank_form.name)


def test_check_delivery_offers_only_the_procedures_ways(world):
    procedure = world.procedure
    assert check_delivery(procedure, "", "") == ("counter", "")  # default: the desk
    with pytest.raises(DomainError) as excinfo:
        check_delivery(procedure, "post", "12 Quang Trung")  # not offered
    assert excinfo.value.code == "invalid_delivery"
    _offer_all(procedure)
    assert check_delivery(procedure, "post", " 12  Quang Trung ") == ("post", "12 Quang Trung")
    assert check_delivery(procedure, "counter", "12 Quang Trung") == ("counter", "")
    with pytest.raises(DomainError) as excinfo:
        check_delivery(procedure, "post", "")
    assert excinfo.value.code == "delivery_address_required"
    assert check_delivery(procedure, "post", "", complete=False) == ("post", "")
    with pytest.raises(DomainError) as excinfo:
        check_delivery(procedure, "pigeon", "")
    assert excinfo.value.code == "invalid_delivery"


def test_the_online_form_offers_the_choice_and_the_dossier_keeps_it(citizen_client, world):
    procedure = world.procedure
    base = f"/thu-tuc/{procedure.code}/nop-truc-tuyen/"
    page = citizen_client.get(base).content.decode()
    assert 'name="delivery_method"' not in page  # one way only: no choice to make
    _offer_all(procedure)
    page = citizen_client.get(base).content.decode()
    assert page.count('name="delivery_method"') == 3
    assert 'id="id_delivery_address"' in page

    component = procedure.components.order_by("order").first()
    post = {
        **{f"f-{key}": value for key, value in VALID_FORM.items()},
        "commune": world.commune.code,
        "action": "continue",
        "delivery_method": "post",
        "delivery_address": "",
        f"file-{component.pk}": pdf(),
    }
    response = citizen_client.post(base, post)
    assert response.status_code == 200
    assert "Nhập địa chỉ để bưu chính công ích chuyển kết quả." in response.content.decode()
    post.pop(f"file-{component.pk}")
    post["delivery_address"] = "12 Quang Trung, Phường Đồng Hới"
    response = citizen_client.post(base, post)
    assert response.status_code == 302, response.content.decode()[:3000]
    review = citizen_client.get(base + "xem-lai/").content.decode()
    assert "Qua dịch vụ bưu chính công ích" in review
    assert "12 Quang Trung, Phường Đồng Hới" in review

    draft = services.draft_open(actor=world.citizen, procedure=procedure)
    dossier = services.draft_submit(
        actor=world.citizen, draft=draft, idempotency_key=draft.idempotency_key
    )
    assert (dossier.delivery_method, dossier.delivery_address) == (
        DeliveryMethod.POST,
        "12 Quang Trung, Phường Đồng Hới",
    )
    receipt = _base_context(dossier, title="BM.01")["delivery"]
    assert receipt == "Qua dịch vụ bưu chính công ích, đến địa chỉ: 12 Quang Trung, Phường Đồng Hới"


def test_the_officer_sees_the_way_to_receive_the_result(client, world):
    from tinhso.testing.factories import submit_online

    _offer_all(world.procedure)
    dossier = submit_online(world, delivery_method="online")
    assert dossier.delivery_method == "online"
    client.force_login(world.desk)
    page = client.get(f"/can-bo/ho-so/{dossier.code}/").content.decode()
    assert "Trực tuyến (kết quả điện tử)" in page


def test_a_draft_refuses_a_way_the_procedure_does_not_offer(world):
    draft = services.draft_open(actor=world.citizen, procedure=world.procedure)
    with pytest.raises(DomainError):
        services.draft_save(
            actor=world.citizen, draft=draft, form_data={}, delivery_method="online"
        )
    assert ProcedureComponent.objects.exists()


def test_the_api_takes_the_way_and_refuses_one_not_offered(client, world):
    from tinhso.core.auth import token_create

    _offer_all(world.procedure)
    token = token_create(user=world.citizen, name="test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = {"procedure_code": world.procedure.code, "form_data": VALID_FORM}
    refused = client.post(
        "/api/dossiers",
        {**body, "delivery_method": "post"},
        content_type="application/json",
        **headers,
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "delivery_address_required"
    created = client.post(
        "/api/dossiers",
        {**body, "delivery_method": "post", "delivery_address": "5 Lý Thường Kiệt"},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    assert created.json()["delivery_method"] == "post"


def test_a_post_only_procedure_asks_for_the_address_without_a_choice(citizen_client, world):
    world.procedure.delivery_methods = ["post"]
    world.procedure.save()
    page = citizen_client.get(f"/thu-tuc/{world.procedure.code}/nop-truc-tuyen/").content.decode()
    assert 'name="delivery_method"' not in page
    assert 'id="id_delivery_address"' in page
