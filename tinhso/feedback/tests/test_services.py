"""Sending, routing, SLA, moderation, handling, rating and reopening of field reports."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tinhso.core.audit import audit_verify
from tinhso.core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from tinhso.core.models import AuditEvent
from tinhso.feedback import services
from tinhso.feedback.boundary import province_boundary
from tinhso.feedback.models import (
    LocationSource,
    Report,
    ReportEvent,
    ReportPhoto,
    RoutingRule,
    RoutingTarget,
    State,
    Timeliness,
)
from tinhso.feedback.routing import route, sla_for
from tinhso.testing.factories import (
    DONG_HOI,
    DONG_THUAN,
    HUE,
    MONDAY_9,
    PDF_BYTES,
    VINH_LINH,
    VN,
    category,
    jpeg_bytes,
    photo,
)

pytestmark = pytest.mark.django_db


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_submit_routes_computes_the_due_time_and_strips_the_photo(world, submit, settings):
    report = submit(photos=[photo(gps=(17.4687, 106.6223))])
    assert report.state == State.NEW
    assert report.agency == world.committee_dh  # default rule: the commune's committee
    # Lighting: 5 working days from Monday 09:00; Tuesday 24/11 is Vietnam Culture Day (a day
    # off since 2026), so the due time is the Tuesday after, 09:00.
    assert report.due_at == dt.datetime(2026, 12, 1, 9, 0, tzinfo=VN)
    assert report.location_source == LocationSource.MAP
    assert (report.latitude, report.longitude) == (Decimal(DONG_HOI[0]), Decimal(DONG_HOI[1]))
    stored = report.photos.get()
    assert (stored.gps_latitude, stored.gps_longitude) == (
        Decimal("17.468700"),
        Decimal("106.622300"),
    )
    data = stored.image.read()
    with Image.open(io.BytesIO(data)) as image:
        assert dict(image.getexif()) == {}
    assert b"TestCam" not in data
    assert report.events.get().action == "submit"
    assert AuditEvent.objects.filter(action="feedback.submit", object_id=str(report.pk)).exists()
    assert len(stored_files(settings)) == 1


def test_the_photo_position_is_used_when_no_point_is_picked(world, submit):
    report = submit(latitude="", longitude="", address="", photos=[photo(gps=(17.48, 106.605))])
    assert report.location_source == LocationSource.PHOTO
    assert report.latitude == Decimal("17.480000")


def test_an_address_with_the_commune_is_a_location(world, submit):
    report = submit(latitude="", longitude="", address="Chợ Đồng Hới, cổng phía nam")
    assert report.location_source == LocationSource.ADDRESS
    assert report.latitude is None


def _big_png(settings) -> SimpleUploadedFile:
    settings.TINHSO_FEEDBACK_MAX_PHOTO_BYTES = 2000
    return SimpleUploadedFile("to.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 5000, "image/png")


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"latitude": "", "longitude": "", "address": ""}, "location_required"),
        (
            {"latitude": "", "longitude": "", "address": "", "photos": "photo-no-gps"},
            "location_required",
        ),
        ({"latitude": HUE[0], "longitude": HUE[1]}, "location_outside"),
        ({"latitude": "17.4", "longitude": ""}, "location_incomplete"),
        ({"latitude": "abc", "longitude": "106"}, "location_invalid"),
        ({"photos": "pdf"}, "photo_not_image"),
        ({"photos": "text"}, "photo_not_image"),
        ({"photos": "big"}, "photo_too_large"),
        ({"photos": "six"}, "too_many_photos"),
        ({"description": "hỏng"}, "description_required"),
        ({"commune": None}, "commune_required"),
        ({"urgency": "very"}, "urgency_invalid"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(world, submit, settings, overrides, code):
    uploads = {
        "pdf": [SimpleUploadedFile("anh.jpg", PDF_BYTES, "image/jpeg")],
        "text": [SimpleUploadedFile("ghi-chu.png", b"just some text, not a picture", "image/png")],
        "six": [photo(f"{i}.jpg") for i in range(6)],
        "photo-no-gps": [photo()],
    }
    if overrides.get("photos") == "big":
        overrides["photos"] = [photo("ok.jpg"), _big_png(settings)]
    elif "photos" in overrides:
        overrides["photos"] = uploads[overrides["photos"]]
    audits = AuditEvent.objects.count()
    with pytest.raises(DomainError) as caught:
        submit(**overrides)
    assert caught.value.code == code
    assert str(caught.value)  # a message for the person, in Vietnamese
    assert Report.objects.count() == 0
    assert ReportPhoto.objects.count() == 0
    assert AuditEvent.objects.count() == audits
    assert stored_files(settings) == []


def test_the_messages_name_what_is_wrong(world, submit):
    with pytest.raises(DomainError) as caught:
        submit(latitude=HUE[0], longitude=HUE[1])
    assert "16.463700" in str(caught.value) and "Tỉnh Quảng Trị" in str(caught.value)
    with pytest.raises(DomainError) as caught:
        submit(photos=[SimpleUploadedFile("bao-cao.jpg", PDF_BYTES, "image/jpeg")])
    assert "bao-cao.jpg" in str(caught.value)


def test_a_file_written_before_a_failure_is_removed(world, submit, settings, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(services, "audit_record", boom)
    with pytest.raises(RuntimeError):
        submit(photos=[photo()])
    assert Report.objects.count() == 0
    assert stored_files(settings) == []


def test_a_repeated_submission_returns_the_first_report(world, submit):
    first = submit(idempotency_key="abc")
    again = submit(idempotency_key="abc")
    assert again.pk == first.pk and getattr(again, "replayed", False)
    assert Report.objects.count() == 1


def test_a_reporter_has_a_daily_limit(world, submit, settings):
    settings.TINHSO_FEEDBACK_MAX_PER_DAY = 2
    submit()
    submit()
    with pytest.raises(DomainError) as caught:
        submit()
    assert caught.value.code == "too_many_reports"


def test_anonymous_people_cannot_send(world, submit):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        submit(actor=AnonymousUser())


def test_routing_rules_from_specific_to_general(world):
    flooding, signs = category("ngap-ung"), category("bien-bao-den-tin-hieu")
    assert route(category=flooding, commune=world.dong_hoi)[0] == world.construction
    assert route(category=flooding, commune=world.dong_thuan)[0] == world.committee_dt
    assert route(category=signs, commune=world.dong_thuan)[0] == world.construction  # a ward
    assert route(category=signs, commune=world.vinh_linh)[0] == world.committee_vl  # a commune
    assert route(category=category("rac-thai"), commune=None)[0] == world.office  # fallback
    world.committee_vl.is_active = False
    world.committee_vl.save()
    assert route(category=signs, commune=world.vinh_linh)[0] == world.office
    RoutingRule.objects.all().delete()
    with pytest.raises(DomainError) as caught:
        route(category=signs, commune=world.vinh_linh)
    assert caught.value.code == "no_route"


def test_a_rule_for_a_commune_beats_the_priority_of_a_general_one(world):
    RoutingRule.objects.create(
        category=category("rac-thai"), target=RoutingTarget.AGENCY, agency=world.office,
        priority=1,
    )  # fmt: skip
    RoutingRule.objects.create(
        category=category("rac-thai"), commune=world.vinh_linh,
        target=RoutingTarget.COMMUNE_COMMITTEE, priority=999,
    )  # fmt: skip
    assert route(category=category("rac-thai"), commune=world.vinh_linh)[0] == world.committee_vl
    assert route(category=category("rac-thai"), commune=world.dong_hoi)[0] == world.office


def test_sla_is_inherited_from_the_parent_then_the_default(world):
    light = category("den-duong-hong")
    assert sla_for(category=light, urgency="normal").days == 5  # from "chiếu sáng"
    assert sla_for(category=light, urgency="urgent").hours == 8
    assert sla_for(category=category("rac-thai"), urgency="normal").days == 10  # default


def test_an_urgent_report_is_due_in_working_hours(world, submit):
    report = submit(urgency="urgent")
    # 8 working hours from Monday 09:00: 2h30 in the morning (to 11:30), 3h30 in the afternoon
    # (13:30-17:00), then (Tuesday being a holiday) 2h from Wednesday's 07:00 start.
    assert report.due_at == dt.datetime(2026, 11, 25, 9, 0, tzinfo=VN)


def test_the_whole_life_of_a_report(world, submit):
    report = submit()
    report = services.report_accept(
        actor=world.officer_dh, report=report, public_description="Đèn đường không sáng.",
        now=MONDAY_9 + dt.timedelta(hours=1),
    )  # fmt: skip
    assert report.state == State.ASSIGNED and report.is_public
    assert report.shown_description == "Đèn đường không sáng."
    report = services.report_add_note(
        actor=world.desk_dh, report=report, note="Đã báo đơn vị chiếu sáng.", public=True
    )
    assert report.state == State.IN_PROGRESS and report.status_notes == "Đã báo đơn vị chiếu sáng."
    report = services.report_answer(
        actor=world.officer_dh, report=report, answer="Đã thay bóng đèn.",
        now=MONDAY_9 + dt.timedelta(days=2),
    )  # fmt: skip
    assert report.state == State.ANSWERED and report.timeliness == Timeliness.ON_TIME
    report = services.report_rate(actor=world.citizen, report=report, score=3, comment="Tốt")
    assert report.state == State.CLOSED and report.rating == 3
    actions = list(report.events.order_by("seq").values_list("action", flat=True))
    assert actions == ["submit", "accept", "note", "answer", "rate"]
    assert list(audit_verify()) == []


def test_a_late_answer_is_late(world, submit):
    report = submit()
    services.report_accept(actor=world.officer_dh, report=report)
    report = services.report_answer(
        actor=world.officer_dh, report=report, answer="Đã sửa.",
        now=dt.datetime(2026, 12, 1, 9, 1, tzinfo=VN),
    )  # fmt: skip
    assert report.timeliness == Timeliness.LATE


def test_reopening_gives_a_new_due_time_and_is_limited(world, submit):
    report = submit()
    services.report_accept(actor=world.officer_dh, report=report)
    for round_ in range(services.MAX_REOPENS):
        services.report_answer(actor=world.officer_dh, report=report, answer="Đã sửa.")
        with pytest.raises(DomainError) as caught:
            services.report_rate(actor=world.citizen, report=report, score=3, reopen=True)
        assert caught.value.code == "reopen_needs_dissatisfied"
        later = dt.datetime(2026, 12, 7 + round_, 9, 0, tzinfo=VN)
        report = services.report_rate(
            actor=world.citizen, report=report, score=1, comment="Đèn vẫn tắt.", reopen=True,
            now=later,
        )  # fmt: skip
        assert report.state == State.REOPENED
        assert report.answered_at is None and report.timeliness == ""
        assert report.due_at == dt.datetime(2026, 12, 14 + round_, 9, 0, tzinfo=VN)
    services.report_answer(actor=world.officer_dh, report=report, answer="Đã sửa lần ba.")
    with pytest.raises(InvalidTransition) as caught:
        services.report_rate(
            actor=world.citizen, report=report, score=1, comment="Vẫn tắt.", reopen=True
        )
    assert caught.value.code == "reopen_limit"
    report.refresh_from_db()
    assert report.state == State.ANSWERED and report.reopen_count == services.MAX_REOPENS


def test_only_the_agency_may_handle_and_only_the_reporter_may_rate(world, submit):
    report = submit()
    with pytest.raises(PermissionDenied):
        services.report_accept(actor=world.officer_dt, report=report)
    with pytest.raises(PermissionDenied):
        services.report_accept(actor=world.ioc, report=report)  # sees everything, acts on nothing
    with pytest.raises(InvalidTransition):
        services.report_answer(actor=world.officer_dh, report=report, answer="Sớm quá")
    services.report_accept(actor=world.admin, report=report)  # the province administrator may
    services.report_answer(actor=world.officer_dh, report=report, answer="Đã sửa")
    with pytest.raises(NotFound):
        services.report_rate(actor=world.citizen2, report=report, score=3)
    assert ReportEvent.objects.filter(report=report, action="rate").count() == 0


def test_rejecting_as_a_duplicate(world, submit):
    original = submit()
    copy = submit(description="Đèn đường số 45 Quang Trung bị tắt, ai sửa giúp với.")
    with pytest.raises(DomainError) as caught:
        services.report_reject(
            actor=world.officer_dh, report=copy, kind="duplicate", reason="Trùng"
        )
    assert caught.value.code == "duplicate_required"
    with pytest.raises(DomainError) as caught:
        services.report_reject(
            actor=world.officer_dh, report=copy, kind="duplicate", reason="Trùng",
            duplicate_of=copy.pk,
        )  # fmt: skip
    assert caught.value.code == "duplicate_self"
    copy = services.report_reject(
        actor=world.officer_dh, report=copy, kind="duplicate",
        reason="Đã có phản ánh về cùng cột đèn.", duplicate_of=original.pk,
    )  # fmt: skip
    assert copy.state == State.REJECTED and copy.duplicate_of == original
    assert copy.closed_at is not None and not copy.is_public


def test_reassigning_moves_the_report_and_keeps_the_due_time(world, submit):
    report = submit()
    due = report.due_at
    with pytest.raises(DomainError):
        services.report_reassign(
            actor=world.officer_dh, report=report, agency=world.office, reason=""
        )
    report = services.report_reassign(
        actor=world.officer_dh, report=report, agency=world.construction,
        reason="Đèn thuộc tuyến đường tỉnh quản lý.",
    )  # fmt: skip
    assert report.agency == world.construction and report.state == State.NEW
    assert report.due_at == due
    with pytest.raises(PermissionDenied):  # no longer theirs
        services.report_accept(actor=world.officer_dh, report=report)
    services.report_accept(actor=world.officer_xd, report=report)


def test_the_attributes_are_checked_by_type(world, submit):
    with pytest.raises(DomainError) as caught:
        submit(category=category("ngap-ung"), commune=world.dong_thuan,
               latitude=DONG_THUAN[0], longitude=DONG_THUAN[1])  # fmt: skip
    assert caught.value.code == "attribute_required"
    assert caught.value.details["field"] == "attr_do-sau"
    with pytest.raises(DomainError) as caught:
        submit(category=category("ngap-ung"), attributes={"do-sau": "1 m"})
    assert caught.value.code == "attribute_invalid"
    with pytest.raises(DomainError) as caught:
        submit(attributes={"bogus": "x"})
    assert caught.value.code == "attribute_unknown"
    report = submit(
        category=category("o-nhiem"),
        attributes={"loai": ["mui", "khoi-bui", "mui"]},
    )
    assert report.attributes == {"loai": ["khoi-bui", "mui"]}


def test_a_group_is_not_a_category_to_report(world, submit):
    with pytest.raises(DomainError) as caught:
        submit(category=category("chieu-sang"))
    assert caught.value.code == "category_not_leaf"


@pytest.mark.parametrize(
    ("point", "inside"),
    [
        (DONG_HOI, True),
        (VINH_LINH, True),
        (("16.816300", "107.100300"), True),  # Đông Hà
        (("17.157000", "107.340000"), True),  # Cồn Cỏ island
        (("17.756000", "106.423000"), True),  # Ba Đồn
        (HUE, False),
        (("18.679600", "105.681300"), False),  # Vinh
        (("21.028500", "105.854200"), False),  # Hà Nội
        (("16.550000", "105.800000"), False),  # Laos, west of the border
    ],
)
def test_the_approximate_province_outline(point, inside):
    boundary = province_boundary()
    assert boundary is not None and boundary.approximate
    assert boundary.contains(Decimal(point[0]), Decimal(point[1])) is inside


def test_open311_keys_are_stored_hashed(world):
    client, key = services.open311_client_create(actor=None, name="Ứng dụng Zalo mini app")
    assert key.startswith("o311_") and key not in client.key_hash
    assert services.open311_client_for_key(key) == client
    assert services.open311_client_for_key(key + "x") is None
    client.is_active = False
    client.save()
    assert services.open311_client_for_key(key) is None


def test_photo_limit_error_names_the_file_and_size(world, submit, settings):
    settings.TINHSO_FEEDBACK_MAX_PHOTO_BYTES = 1024 * 1024
    big = SimpleUploadedFile("lon.jpg", jpeg_bytes(size=(1600, 1600)) + b"\0" * (1024 * 1024))
    with pytest.raises(DomainError) as caught:
        submit(photos=[big])
    assert "lon.jpg" in str(caught.value) and "1 MB" in str(caught.value)


def test_large_photos_are_scaled_down(world, submit):
    report = submit(photos=[SimpleUploadedFile("to.jpg", jpeg_bytes(size=(3000, 2000)))])
    stored = report.photos.get()
    assert (stored.width, stored.height) == (2560, 1707)
