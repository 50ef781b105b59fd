"""The PyPI Open311 client ``georeport`` reads the services, the list and one request from a live
server, in JSON and in XML."""

from __future__ import annotations

import pytest
from georeport import GeoReport

from tinhso.feedback import services
from tinhso.feedback.models import Category
from tinhso.testing.factories import make_feedback_world as make_world
from tinhso.testing.factories import photo


@pytest.fixture
def live_world(transactional_db):
    world = make_world()
    light = services.report_submit(
        actor=world.citizen,
        category=Category.objects.get(code="den-duong-hong"),
        description="Đèn đường trước số 45 Quang Trung không sáng ba đêm nay.",
        latitude="17.468700",
        longitude="106.622300",
        address="Trước số 45 Quang Trung",
        commune=world.dong_hoi,
        require_commune=True,
        photos=[photo()],
    )
    services.report_accept(actor=world.officer_dh, report=light)
    services.report_answer(actor=world.officer_dh, report=light, answer="Đã thay bóng đèn.")
    return world, light


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_georeport_reads_services_and_requests(live_server, live_world, output_format):
    _world, light = live_world
    client = GeoReport(
        f"{live_server.url}/open311/v2", jurisdiction="44", output_format=output_format
    )
    service_list = client.get_service_list()
    codes = [item["service_code"] for item in service_list]
    assert "den-duong-hong" in codes and "ngap-ung" in codes

    definition = client.get_service_definition("ngap-ung")
    attributes = definition["attributes"]
    if output_format == "xml":  # one <attribute> parses to a dict, not a list
        attributes = attributes["attribute"]
        attributes = attributes if isinstance(attributes, list) else [attributes]
    assert attributes[0]["code"] == "do-sau"

    requests_list = client.get_service_requests(status="closed")
    if isinstance(requests_list, dict):  # xmltodict: a single <request> is a dict
        requests_list = [requests_list]
    assert [str(item["service_request_id"]) for item in requests_list] == [str(light.pk)]

    one = client.get_service_request(str(light.pk))
    assert str(one["service_request_id"]) == str(light.pk)
    assert one["status"] == "closed"
    assert one["status_notes"] == "Đã thay bóng đèn."
    assert one["agency_responsible"] == "UBND Phường Đồng Hới"
    assert one["requested_datetime"].endswith("+07:00")
