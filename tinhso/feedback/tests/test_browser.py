"""Browser flow: a citizen reports from a phone with a photo, an officer handles it on a desktop,
the answer is published, the citizen rates it. Elements are found by id, not by their text, so
that the test holds in every language."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from tinhso.feedback.boundary import province_boundary
from tinhso.feedback.models import Report, State
from tinhso.testing.factories import jpeg_bytes

pytestmark = pytest.mark.browser


def nearest_commune(lat: float, lng: float) -> str:
    from math import cos, radians

    from tinhso.core.maps import basemap_points

    def distance(feature):
        p_lng, p_lat = feature["geometry"]["coordinates"]
        return (p_lat - lat) ** 2 + ((p_lng - lng) * cos(radians(lat))) ** 2

    return min(basemap_points("44"), key=distance)["properties"]["name"]


@pytest.fixture
def demo_feedback(demo_province):
    call_command("load_demo_feedback", province="44", verbosity=0)


def test_report_from_a_phone_is_handled_answered_and_rated(phone, desktop, demo_feedback):
    page = phone.page
    phone.goto("/phan-anh/", check="public-list")
    assert page.locator("[data-fb-map] path.leaflet-interactive").count() >= 4  # demo markers
    phone.login("congdan1")
    phone.goto("/phan-anh/gui/", check="submit-form")

    page.select_option("#id_category", "den-duong-hong")
    page.locator("#id_attr_so-cot").wait_for()  # the category's question, loaded by htmx
    page.fill("#id_attr_so-cot", "ĐH-0999")
    page.fill("#id_description", "Đèn đường trước nhà văn hóa khu phố 3 không sáng cả tuần nay.")
    assert page.input_value("#id_commune") == "18880"  # from the citizen's profile
    # Sent without a place: a clear error, nothing stored.
    page.click("form.fb-submit button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#location_error").is_visible()
    assert page.get_attribute("#id_latitude", "aria-invalid") == "true"
    phone.check("submit-no-location")
    assert (
        Report.objects.filter(
            reporter__username="congdan1", description__contains="khu phố 3"
        ).count()
        == 0
    )

    # Pick the place on the map. No tile server: the offline base layer is drawn (land on the
    # sea, the neighbours, the province's outline, the 78 communes), with its sources.
    page.fill("#id_description", "Đèn đường trước nhà văn hóa khu phố 3 không sáng cả tuần nay.")
    page.locator("#fb-map[data-basemap-ready][data-units-ready='78']").wait_for()
    assert page.locator("#fb-map img.leaflet-tile").count() == 0
    assert page.locator("#fb-map path.ts-land").count() >= 2  # Vietnam, Laos
    assert page.locator("#fb-map path.ts-province").count() == 1
    assert page.locator("#fb-map path.ts-commune").count() == 78
    assert "ODbL" in page.locator("#fb-map .leaflet-control-attribution").inner_text()
    assert "ODbL" in page.locator('[data-testid="map-sources"]').inner_text()
    # Zoomed in, the communes' names show; a tap there sets the point.
    page.locator("#fb-map").evaluate(
        "el => el.fbMap.setView([17.468, 106.622], 12, {animate: false})"
    )
    assert page.locator("#fb-map .ts-map-commune:visible", has_text="Đồng Hới").count() == 1
    page.locator("#fb-map").click(position={"x": 100, "y": 100})
    latitude, longitude = page.input_value("#id_latitude"), page.input_value("#id_longitude")
    assert province_boundary().contains(latitude, longitude)
    assert abs(float(latitude) - 17.468) < 0.1 and abs(float(longitude) - 106.622) < 0.1
    # The status names the nearest commune's point, as a hint.
    assert (
        f"(gần {nearest_commune(float(latitude), float(longitude))})"
        in page.locator("#fb-pick-status").inner_text()
    )
    phone.check("submit-picked")
    page.set_input_files(
        "#id_photos",
        files=[{"name": "den-duong.jpg", "mimeType": "image/jpeg",
                "buffer": jpeg_bytes(gps=(17.4687, 106.6223), size=(800, 600))}],
    )  # fmt: skip
    phone.check("submit-filled")
    page.click("form.fb-submit button[type=submit]")
    page.wait_for_url(re.compile(r"/phan-anh/\d+/\?done=sent$"))
    phone.check("submitted")
    report = Report.objects.get(reporter__username="congdan1", description__contains="khu phố 3")
    assert report.state == State.NEW and report.agency.key == "commune_18880"
    assert report.photos.get().gps_latitude is not None
    assert page.locator(".fb-photos img").count() == 1

    # The ward's officer moderates, notes progress and answers.
    desktop.login("chuyenvien.donghoi")
    desktop.goto("/can-bo/phan-anh/", check="officer-inbox")
    office = desktop.page
    office.click(f"a[href='/can-bo/phan-anh/{report.pk}/']")
    office.wait_for_url(f"**/can-bo/phan-anh/{report.pk}/")
    desktop.check("officer-report")
    office.fill(
        "#id_accept-public_description", "Đèn đường trước nhà văn hóa khu phố 3 không sáng."
    )
    office.click(f"form[action$='/{report.pk}/accept/'] button[type=submit]")
    office.wait_for_load_state()
    office.fill("#id_note-note", "Đã báo đơn vị quản lý chiếu sáng kiểm tra.")
    office.click(f"form[action$='/{report.pk}/note/'] button[type=submit]")
    office.wait_for_load_state()
    office.fill("#id_answer-answer", "Đã thay bộ đèn LED cột ĐH-0999; đèn sáng bình thường.")
    office.click(f"form[action$='/{report.pk}/answer/'] button[type=submit]")
    office.wait_for_load_state()
    desktop.check("officer-answered")
    report.refresh_from_db()
    assert report.state == State.ANSWERED

    # The public page shows the answer; the citizen rates it.
    phone.goto(f"/phan-anh/{report.pk}/", check="answer-published")
    assert "ĐH-0999" in page.locator(".fb-answer").inner_text()
    page.check("input[name=score][value='3']")
    page.fill("#id_comment", "Cảm ơn phường đã xử lý nhanh.")
    page.click("form[action$='/danh-gia/'] button[type=submit]")
    page.wait_for_load_state()
    phone.check("rated")
    report.refresh_from_db()
    assert (report.state, report.rating) == (State.CLOSED, 3)
    phone.goto("/phan-anh/cua-toi/", check="my-reports")
    assert page.locator(f"a[href='/phan-anh/{report.pk}/']").count() == 1

    # The statistics count it.
    desktop.goto("/can-bo/phan-anh/thong-ke/", check="officer-statistics")
    assert desktop.page.locator("table.fb-stats").count() == 2
