"""The feedback pages through the Django test client: public, reporter and officer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from tinhso.feedback import services
from tinhso.feedback.models import Report, ReportPhoto, State
from tinhso.testing.factories import DONG_HOI, HUE, PDF_BYTES, photo

pytestmark = pytest.mark.django_db


def form_data(world, **overrides):
    data = {
        "category": "den-duong-hong",
        "description": "Đèn đường trước số 45 Quang Trung không sáng ba đêm nay.",
        "urgency": "normal",
        "latitude": DONG_HOI[0],
        "longitude": DONG_HOI[1],
        "commune": world.dong_hoi.code,
        "address": "Trước số 45 Quang Trung",
        "submission_key": "k1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_sending_a_report_from_the_page(client, world):
    url = reverse("feedback:submit")
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(world.citizen)
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="18880" selected' in page.content.decode()  # the citizen's own ward
    response = client.post(url, form_data(world, photos=[photo(gps=(17.4687, 106.6223))]))
    report = Report.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/phan-anh/{report.pk}/?done=sent"
    )
    assert report.reporter == world.citizen and report.photos.count() == 1
    again = client.post(url, form_data(world))  # the same form sent twice
    assert again.status_code == 302 and Report.objects.count() == 1
    detail = client.get(response["Location"]).content.decode()
    assert "Trước số 45 Quang Trung" in detail and 'class="notice"' in detail


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"latitude": "", "longitude": "", "address": ""}, "location_error"),
        ({"latitude": HUE[0], "longitude": HUE[1]}, "location_error"),
        ({"photos": [SimpleUploadedFile("anh.jpg", PDF_BYTES, "image/jpeg")]}, "id_photos_error"),
        ({"category": "ngap-ung"}, "id_attr_do-sau_error"),
        ({"commune": ""}, "id_commune_error"),
    ],
)
def test_bad_input_on_the_page(client, world, settings, overrides, field):
    client.force_login(world.citizen)
    response = client.post(reverse("feedback:submit"), form_data(world, **overrides))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="{field}"' in html and 'aria-invalid="true"' in html
    assert 'role="alert"' in html
    assert Report.objects.count() == 0 and ReportPhoto.objects.count() == 0


def test_an_oversized_photo_on_the_page(client, world, settings):
    settings.TINHSO_FEEDBACK_MAX_PHOTO_BYTES = 300
    client.force_login(world.citizen)
    response = client.post(reverse("feedback:submit"), form_data(world, photos=[photo("to.jpg")]))
    assert 'id="id_photos_error"' in response.content.decode()
    assert "to.jpg" in response.content.decode()
    assert Report.objects.count() == 0


def test_the_category_questions_fragment(client, world):
    response = client.get(reverse("feedback:submit_attributes"), {"category": "ngap-ung"})
    html = response.content.decode()
    assert 'name="attr_do-sau"' in html and "Trên 50 cm" in html
    empty = client.get(reverse("feedback:submit_attributes"), {"category": "rac-thai"})
    assert empty.content.decode().strip() == ""


def test_public_pages_show_published_reports_only(client, world, submit):
    published = submit(photos=[photo()])
    services.report_accept(actor=world.officer_dh, report=published)
    hidden = submit(description="Một phản ánh chưa được kiểm duyệt, không được hiện.")
    listing = client.get(reverse("feedback:list")).content.decode()
    assert f"/phan-anh/{published.pk}/" in listing and f"/phan-anh/{hidden.pk}/" not in listing
    assert "data-markers=" in listing and "&quot;lat&quot;: 17.4687" in listing
    filtered = client.get(reverse("feedback:list"), {"status": "closed"}).content.decode()
    assert f"/phan-anh/{published.pk}/" not in filtered
    detail = client.get(reverse("feedback:detail", args=[published.pk])).content.decode()
    assert world.citizen.first_name not in detail and world.citizen.username not in detail
    assert client.get(reverse("feedback:detail", args=[hidden.pk])).status_code == 404
    photo_url = reverse("feedback:photo", args=[published.pk, published.photos.get().pk])
    response = client.get(photo_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    hidden_photo = submit(photos=[photo()])
    url = reverse("feedback:photo", args=[hidden_photo.pk, hidden_photo.photos.get().pk])
    assert client.get(url).status_code == 404
    client.force_login(world.citizen)
    assert client.get(url).status_code == 200  # the reporter sees their own
    mine = client.get(reverse("feedback:mine")).content.decode()
    assert f"#{hidden.pk}" in mine


def test_officer_pages_are_scoped(client, world, submit):
    report = submit()
    client.force_login(world.citizen)
    assert client.get(reverse("feedback:officer_inbox")).status_code == 403
    client.force_login(world.officer_dt)
    assert client.get(reverse("feedback:officer_report", args=[report.pk])).status_code == 404
    url = reverse("feedback:officer_action", args=[report.pk, "accept"])
    assert client.post(url, {}).status_code == 404
    client.force_login(world.officer_dh)
    inbox = client.get(reverse("feedback:officer_inbox")).content.decode()
    assert f"/can-bo/phan-anh/{report.pk}/" in inbox
    client.force_login(world.ioc)
    page = client.get(reverse("feedback:officer_report", args=[report.pk])).content.decode()
    assert world.citizen.first_name in page  # officers see the reporter
    assert 'action="/can-bo/phan-anh/' not in page  # but the IOC cannot act


def test_handling_from_the_officer_page(client, world, submit):
    report = submit()
    client.force_login(world.officer_dh)

    def act(action, **data):
        url = reverse("feedback:officer_action", args=[report.pk, action])
        return client.post(url, {f"{action}-{k}": v for k, v in data.items()})

    response = act("answer", answer="Quá sớm")  # not possible before moderation
    assert response.status_code == 200 and Report.objects.get().state == State.NEW
    response = act("reject", kind="duplicate", reason="Trùng")
    assert 'id="id_reject-duplicate_of_error"' in response.content.decode()
    assert act("accept", public_description="Đèn đường không sáng.").status_code == 302
    assert act("note", note="Đã báo đơn vị chiếu sáng.", public="on").status_code == 302
    response = act("answer", answer="")
    assert 'id="id_answer-answer_error"' in response.content.decode()
    assert act("answer", answer="Đã thay bóng đèn.").status_code == 302
    report.refresh_from_db()
    assert report.state == State.ANSWERED and report.status_notes == "Đã thay bóng đèn."
    client.force_login(world.citizen)
    page = client.get(reverse("feedback:detail", args=[report.pk])).content.decode()
    assert "Đã thay bóng đèn." in page and 'action="/phan-anh/' in page
    rate = reverse("feedback:rate", args=[report.pk])
    response = client.post(rate, {"score": "2", "reopen": "on"})
    assert 'id="id_reopen_error"' in response.content.decode()
    assert (
        client.post(rate, {"score": "1", "comment": "Vẫn tắt", "reopen": "on"}).status_code == 302
    )
    report.refresh_from_db()
    assert report.state == State.REOPENED and report.rating == 1
    client.force_login(world.citizen2)
    assert client.post(rate, {"score": "3"}).status_code == 404


def test_statistics_page(client, world, submit):
    report = submit(now=None)
    services.report_accept(actor=world.officer_dh, report=report)
    services.report_answer(actor=world.officer_dh, report=report, answer="Xong.")
    client.force_login(world.officer_dh)
    page = client.get(reverse("feedback:officer_stats"))
    assert page.status_code == 200
    rows = page.context["by_agency"]
    assert [(r.key, r.received, r.handled) for r in rows] == [
        (world.committee_dh.code, 1, 1),
        ("total", 1, 1),
    ]
    bad = client.get(
        reverse("feedback:officer_stats"), {"start": "2026-12-01", "end": "2026-11-01"}
    )
    assert 'id="id_start_error"' in bad.content.decode()


def test_the_demo_loads_once(db):
    call_command("load_demo", "--quiet-accounts", verbosity=0)
    call_command("load_demo_feedback", province="44", verbosity=0)
    states = dict(Report.objects.values_list("idempotency_key", "state"))
    assert states == {
        "demo-feedback-1": State.CLOSED,
        "demo-feedback-2": State.ASSIGNED,
        "demo-feedback-3": State.IN_PROGRESS,
        "demo-feedback-4": State.ANSWERED,
        "demo-feedback-5": State.ASSIGNED,
        "demo-feedback-6": State.NEW,
    }
    flood = Report.objects.get(idempotency_key="demo-feedback-3")
    assert flood.agency.key == "so_xay_dung" and flood.urgency == "urgent"
    assert len({r.commune_id for r in Report.objects.all()}) == 5
    before = Report.objects.count()
    call_command("load_demo_feedback", province="44", verbosity=0)
    assert Report.objects.count() == before
    assert Report.objects.filter(submitted_at__lt=dt.datetime.now(dt.UTC)).count() == before


def test_admin_pages_of_the_configuration(client, world, submit):
    from django.contrib.auth import get_user_model

    report = submit(photos=[photo()])
    admin = get_user_model().objects.create_superuser("sieuquantri", "qt@example.vn", "pw-123456")
    client.force_login(admin)
    for model in ("category", "slarule", "routingrule", "open311client", "report"):
        assert client.get(f"/admin/feedback/{model}/").status_code == 200, model
    assert client.get(f"/admin/feedback/report/{report.pk}/change/").status_code == 200
    assert client.get("/admin/feedback/report/add/").status_code == 403
    category_id = report.category_id
    assert client.get(f"/admin/feedback/category/{category_id}/change/").status_code == 200
