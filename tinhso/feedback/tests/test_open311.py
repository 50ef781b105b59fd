"""Open311 GeoReport v2: every JSON response validates against the specification's schemas,
the XML carries the same data, errors are the specification's error array."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.feedback import services
from tinhso.feedback.models import Report, ReportPhoto, Source, State
from tinhso.testing.factories import HUE, PDF_BYTES, jpeg_bytes, photo

from . import open311_schemas as schemas

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
OFFSET = re.compile(r"\+07:00$")


def get_both(client, path: str, schema: dict, headers=None, **params):
    """GET the JSON and the XML version; check the schema and that both carry the same data."""
    as_json = client.get(f"{BASE}/{path}.json", params, headers=headers)
    as_xml = client.get(f"{BASE}/{path}.xml", params, headers=headers)
    assert as_json.status_code == as_xml.status_code == 200, as_json.content
    assert as_json["Content-Type"].startswith("application/json")
    assert as_xml["Content-Type"].startswith("text/xml")
    data = as_json.json()
    schemas.validate(data, schema)
    assert schemas.xml_to_data(as_xml.content) == schemas.as_xml_text(data)
    return data


def assert_error(response, status: int) -> str:
    assert response.status_code == status
    if response["Content-Type"].startswith("text/xml"):
        data = schemas.xml_to_data(response.content)
        assert data == [{"code": str(status), "description": data[0]["description"]}]
        return data[0]["description"]
    data = response.json()
    schemas.validate(data, schemas.ERRORS)
    assert data[0]["code"] == status
    return data[0]["description"]


@pytest.fixture
def published(world, submit):
    """Three reports: published and open, answered (closed), and one waiting for moderation."""
    light = submit(now=None, photos=[photo(gps=(17.4687, 106.6223))])
    services.report_accept(actor=world.officer_dh, report=light)
    answered = submit(now=None, description="Đèn đường đường Lý Thường Kiệt không sáng.")
    services.report_accept(actor=world.officer_dh, report=answered)
    services.report_answer(actor=world.officer_dh, report=answered, answer="Đã thay bộ đèn.")
    waiting = submit(now=None, description="Cột đèn số 12 bị nghiêng, có nguy cơ đổ.")
    return light, answered, waiting


@pytest.fixture
def api_key(world):
    return services.open311_client_create(actor=None, name="Ứng dụng thử")[1]


def test_discovery(client, world):
    data = get_both(client, "discovery", schemas.DISCOVERY)
    assert data["endpoints"][0]["url"] == "http://testserver/open311/v2"
    root = client.get(f"{BASE}/")
    assert root.status_code == 200 and root.json() == data


def test_service_list_and_definitions(client, world):
    services_data = get_both(client, "services", schemas.SERVICE_LIST)
    codes = {item["service_code"]: item for item in services_data}
    assert "chieu-sang" not in codes  # a group, not a service
    assert codes["den-duong-hong"]["group"] == "Chiếu sáng công cộng"
    assert codes["ngap-ung"]["metadata"] is True and codes["rac-thai"]["metadata"] is False
    definition = get_both(client, "services/ngap-ung", schemas.SERVICE_DEFINITION)
    (depth,) = definition["attributes"]
    assert (depth["code"], depth["datatype"], depth["required"]) == (
        "do-sau",
        "singlevaluelist",
        True,
    )
    assert [v["key"] for v in depth["values"]] == ["duoi-20", "20-50", "tren-50"]
    multi = get_both(client, "services/o-nhiem", schemas.SERVICE_DEFINITION)
    assert multi["attributes"][0]["datatype"] == "multivaluelist"
    for fmt in ("json", "xml"):
        assert "khong-co" in assert_error(client.get(f"{BASE}/services/khong-co.{fmt}"), 404)
        assert_error(client.get(f"{BASE}/services/chieu-sang.{fmt}"), 404)


def test_request_list_filters_and_privacy(client, world, published):
    light, answered, waiting = published
    data = get_both(client, "requests", schemas.SERVICE_REQUESTS)
    assert [item["service_request_id"] for item in data] == [str(answered.pk), str(light.pk)]
    first = {item["service_request_id"]: item for item in data}[str(light.pk)]
    assert first["status"] == "open" and first["agency_responsible"] == "UBND Phường Đồng Hới"
    assert first["address"] == "Trước số 45 Quang Trung, Phường Đồng Hới"
    assert first["address_id"] == "18880"
    assert (first["lat"], first["long"]) == (17.4687, 106.6223)
    assert first["media_url"].startswith(f"http://testserver/phan-anh/{light.pk}/anh/")
    assert all(OFFSET.search(first[k]) for k in ("requested_datetime", "expected_datetime"))
    closed = {item["service_request_id"]: item for item in data}[str(answered.pk)]
    assert closed["status"] == "closed" and closed["status_notes"] == "Đã thay bộ đèn."
    body = client.get(f"{BASE}/requests.json").content.decode()
    assert world.citizen.first_name not in body and world.citizen.username not in body

    def ids(**params):
        return [
            i["service_request_id"]
            for i in get_both(client, "requests", schemas.SERVICE_REQUESTS, **params)
        ]

    assert ids(status="closed") == [str(answered.pk)]
    assert ids(status="open,closed") == [str(answered.pk), str(light.pk)]
    assert ids(service_code="rac-thai") == []
    assert ids(service_request_id=f"{light.pk},{waiting.pk}") == [str(light.pk)]
    assert ids(start_date="2000-01-01T00:00:00Z", end_date="2000-02-01T00:00:00Z") == []
    assert ids(jurisdiction_id="44") == [str(answered.pk), str(light.pk)]
    for fmt in ("json", "xml"):
        url = f"{BASE}/requests.{fmt}"
        assert_error(client.get(url, {"status": "pending"}), 400)
        assert_error(client.get(url, {"start_date": "hôm qua"}), 400)
        assert_error(client.get(url, {"start_date": "2026-01-01", "end_date": "2026-06-01"}), 400)
        assert_error(client.get(url, {"jurisdiction_id": "hue.gov.vn"}), 404)


def test_one_request(client, world, published, api_key):
    light, _answered, waiting = published
    (item,) = get_both(client, f"requests/{light.pk}", schemas.SERVICE_REQUESTS)
    assert item["service_code"] == "den-duong-hong"
    for fmt in ("json", "xml"):
        assert_error(client.get(f"{BASE}/requests/{waiting.pk}.{fmt}"), 404)  # not moderated
        assert_error(client.get(f"{BASE}/requests/abc.{fmt}"), 404)
    # The application that sent a report may follow it before moderation, with its key.
    sent = _post(client, api_key)
    report_id = sent.json()[0]["service_request_id"]
    assert_error(client.get(f"{BASE}/requests/{report_id}.json"), 404)
    key = {"X-Api-Key": api_key}
    (mine,) = get_both(client, f"requests/{report_id}", schemas.SERVICE_REQUESTS, headers=key)
    assert mine["status"] == "open" and mine["description"].startswith("Nắp cống")


def _post(client, key, fmt="json", address="127.0.0.1", **fields):
    data = {
        "api_key": key,
        "service_code": "nap-cong-hong",
        "lat": "17.4687",
        "long": "106.6223",
        "address_id": "18880",
        "description": "Nắp cống trước chợ bị vỡ, xe máy có thể sụt bánh.",
        "first_name": "Hoàng",
        "last_name": "Văn Bình",
        "email": "binh@example.vn",
        "phone": "0901234567",
        "device_id": "thiet-bi-1",
        "account_id": "tk-77",
        "jurisdiction_id": "44",
    }
    data.update(fields)
    return client.post(
        f"{BASE}/requests.{fmt}",
        {k: v for k, v in data.items() if v is not None},
        REMOTE_ADDR=address,
    )


def test_post_creates_a_request_that_waits_for_moderation(client, world, api_key):
    response = _post(client, api_key)
    assert response.status_code == 200, response.content
    data = response.json()
    schemas.validate(data, schemas.POST_RESPONSE)
    report = Report.objects.get(pk=int(data[0]["service_request_id"]))
    assert data[0]["account_id"] == "tk-77" and data[0]["token"] == report.token
    assert report.source == Source.OPEN311 and report.api_client.name == "Ứng dụng thử"
    assert report.commune == world.dong_hoi and report.agency == world.committee_dh
    assert report.reporter is None and report.reporter_name == "Hoàng Văn Bình"
    assert report.state == State.NEW
    tokens = get_both(client, f"tokens/{report.token}", schemas.TOKEN_RESPONSE)
    assert tokens == [{"service_request_id": str(report.pk), "token": report.token}]
    assert_error(client.get(f"{BASE}/tokens/ffff0000.json"), 404)
    # XML answer to a POST.
    as_xml = _post(client, api_key, fmt="xml")
    (created,) = schemas.xml_to_data(as_xml.content)
    assert Report.objects.filter(pk=int(created["service_request_id"])).exists()
    # After moderation the request is public, with the answer as its status notes.
    services.report_accept(actor=world.officer_dh, report=report)
    services.report_answer(actor=world.officer_dh, report=report, answer="Đã thay nắp cống.")
    (item,) = get_both(client, f"requests/{report.pk}", schemas.SERVICE_REQUESTS)
    assert (item["status"], item["status_notes"]) == ("closed", "Đã thay nắp cống.")
    assert "Hoàng" not in client.get(f"{BASE}/requests/{report.pk}.json").content.decode()


def test_post_attributes_photos_and_addresses(client, world, api_key):
    response = _post(
        client, api_key, service_code="o-nhiem", lat=None, long=None, address_id=None,
        address_string="Số 12 Quang Trung, phuong Dong Hoi", **{
            "attribute[loai][]": ["mui", "nuoc-thai"],
        },
    )  # fmt: skip
    assert response.status_code == 200, response.content
    report = Report.objects.get(pk=int(response.json()[0]["service_request_id"]))
    assert report.attributes == {"loai": ["mui", "nuoc-thai"]}
    assert report.commune == world.dong_hoi  # guessed from the address
    assert report.latitude is None
    data = {
        "api_key": api_key, "service_code": "nap-cong-hong", "lat": "", "long": "",
        "address_string": "Chợ Vĩnh Linh", "description": "Hố ga mất nắp ngay lối vào chợ.",
        "media": SimpleUploadedFile("a.jpg", jpeg_bytes(gps=(17.06, 107.03)), "image/jpeg"),
    }  # fmt: skip
    response = client.post(f"{BASE}/requests.json", data)
    assert response.status_code == 200, response.content
    report = Report.objects.get(pk=int(response.json()[0]["service_request_id"]))
    assert report.photos.count() == 1 and str(report.latitude) == "17.060000"


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"api_key": "o311_sai"}, 403, "api_key"),
        ({"api_key": None}, 403, "api_key"),
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "khong-co"}, 400, "khong-co"),
        ({"lat": None, "long": None, "address_id": None}, 400, "lat"),
        ({"lat": HUE[0], "long": HUE[1]}, 400, "16.463700"),
        ({"address_id": "99999"}, 400, "99999"),
        ({"service_code": "ngap-ung"}, 400, "Độ sâu"),
        ({"email": "khong-phai-email"}, 400, "thư điện tử"),
        ({"jurisdiction_id": "hanoi"}, 404, "hanoi"),
    ],
)
def test_post_errors_store_nothing(client, world, api_key, fmt, change, status, words):
    description = assert_error(_post(client, api_key, fmt=fmt, **change), status)
    assert words in description
    assert Report.objects.count() == 0


def test_post_with_a_non_image_or_oversized_media_stores_nothing(client, world, api_key, settings):
    base = {
        "api_key": api_key, "service_code": "rac-thai", "address_id": "18880",
        "address_string": "Chợ Đồng Hới", "description": "Rác tồn đọng cả tuần nay ở cổng chợ.",
    }  # fmt: skip
    pdf = SimpleUploadedFile("rac.jpg", PDF_BYTES, "image/jpeg")
    assert "rac.jpg" in assert_error(
        client.post(f"{BASE}/requests.json", {**base, "media": pdf}), 400
    )
    settings.TINHSO_FEEDBACK_MAX_PHOTO_BYTES = 500
    big = SimpleUploadedFile("to.jpg", jpeg_bytes(size=(400, 400)), "image/jpeg")
    assert_error(client.post(f"{BASE}/requests.xml", {**base, "media": big}), 400)
    assert Report.objects.count() == 0 and ReportPhoto.objects.count() == 0


def test_posts_are_limited_per_key_and_per_address(client, world, api_key, settings, rate_clock):
    """Issue 17: a flood of posts (200 in 12 s in the red team's run) is cut at the rate per key
    and per address: 429 with Retry-After, the specification's error array."""
    settings.TINHSO_RATE_OPEN311_POSTS = "3/m"
    assert [_post(client, api_key).status_code for _ in range(3)] == [200, 200, 200]
    refused = _post(client, api_key)
    assert "thử lại sau 1 phút" in assert_error(refused, 429)
    assert refused["Retry-After"] == "30"  # 30 s into the minute
    assert_error(_post(client, api_key, fmt="xml"), 429)
    assert_error(_post(client, api_key, address="10.9.9.9"), 429)  # the key, from elsewhere
    other = services.open311_client_create(actor=None, name="Ứng dụng khác")[1]
    assert_error(_post(client, other), 429)  # the address, with another key
    assert _post(client, other, address="10.9.9.8").status_code == 200
    assert Report.objects.count() == 4
    rate_clock.now += 30
    assert _post(client, api_key).status_code == 200


def test_wrong_keys_are_throttled_per_address(client, world, api_key, rate_clock):
    """Issue 17: guessing keys (posts or reads) is cut at 10 wrong keys a minute per address;
    past it even the right key is refused from that address until the minute ends."""
    for n in range(10):
        assert_error(_post(client, f"o311_sai{n}"), 403)
    refused = _post(client, "o311_sai10")
    assert "thử lại sau 1 phút" in assert_error(refused, 429)
    assert refused["Retry-After"] == "30"
    assert_error(_post(client, api_key), 429)
    read = client.get(f"{BASE}/requests.json", HTTP_X_API_KEY=api_key)
    assert_error(read, 429)
    assert client.get(f"{BASE}/requests.json").status_code == 200  # no key: public reads
    assert _post(client, api_key, address="10.9.9.7").status_code == 200  # another address
    for n in range(10):  # wrong keys on reads count too
        client.get(f"{BASE}/requests/1.xml", HTTP_X_API_KEY=f"o311_x{n}", REMOTE_ADDR="10.9.9.6")
    assert_error(
        client.get(f"{BASE}/requests/1.xml", HTTP_X_API_KEY="x", REMOTE_ADDR="10.9.9.6"), 429
    )
    assert Report.objects.count() == 1


def test_the_key_command_prints_a_working_key(client, world):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_open311_key", "Tổng đài 1022", contact="tongdai@example.vn", stdout=out)
    key = out.getvalue().strip()
    assert _post(client, key).status_code == 200
    assert Report.objects.get().api_client.contact == "tongdai@example.vn"


def test_methods_and_formats(client, world):
    assert_error(client.delete(f"{BASE}/requests.json"), 405)
    assert_error(client.post(f"{BASE}/services.json"), 405)
    assert client.get(f"{BASE}/services.csv").status_code == 404


# --- issue 17: control characters and the api_key ------------------------------------------


def test_control_characters_never_reach_the_xml_feed(client, world, api_key):
    """A description with a vertical tab (a word processor's line break) and a bell, accepted by
    a moderator: the public XML feed still parses with a real XML parser (expat)."""
    sent = _post(client, api_key, description="Nắp cống\x0bbị vỡ\x07, xe máy có thể sụt bánh.")
    report = Report.objects.get(pk=int(sent.json()[0]["service_request_id"]))
    assert report.description == "Nắp cống\nbị vỡ, xe máy có thể sụt bánh."
    services.report_accept(actor=world.officer_dh, report=report)
    # A row stored before input was cleaned: the feed drops what XML 1.0 forbids.
    Report.objects.filter(pk=report.pk).update(description="Cũ\x01\x0c có\ufffe ký tự lạ.")
    for path in ("requests.xml", f"requests/{report.pk}.xml"):
        feed = client.get(f"{BASE}/{path}")
        items = schemas.xml_to_data(feed.content)  # ElementTree: refuses a forbidden character
        mine = next(i for i in items if i["service_request_id"] == str(report.pk))
        assert mine["description"] == "Cũ\n có ký tự lạ."


def test_the_api_key_is_read_from_the_post_body_only(client, world, api_key):
    url = f"{BASE}/requests.json?api_key={api_key}"
    description = assert_error(client.post(url, {"service_code": "nap-cong-hong"}), 400)
    assert "api_key" in description
    with_both = client.post(url, {"api_key": api_key, "service_code": "nap-cong-hong"})
    assert_error(with_both, 400)
    assert not Report.objects.exists()
    # A read ignores a key in its address: the application's unmoderated request stays hidden.
    sent = _post(client, api_key).json()[0]["service_request_id"]
    assert_error(client.get(f"{BASE}/requests/{sent}.json", {"api_key": api_key}), 404)


def test_the_logs_never_show_the_api_key(client, world, api_key):
    """Requests carrying the key in their address (refused, or ignored) and a server's request
    line, written through the configured console handler with each of the two formatters."""
    import io
    import logging

    from tinhso.core.observability import JsonFormatter, TextFormatter

    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    for formatter in (JsonFormatter(), TextFormatter("%(levelname)s %(name)s: %(message)s")):
        stream = io.StringIO()
        previous, previous_formatter = handler.setStream(stream), handler.formatter
        handler.setFormatter(formatter)
        try:
            client.post(f"{BASE}/requests.json?api_key={api_key}", {"api_key": api_key})
            client.get(f"{BASE}/requests/999999.json?api_key={api_key}")
            client.get(f"{BASE}/requests/999999.json", headers={"X-Api-Key": api_key})
            logging.getLogger("django.server").info(
                '"%s" %s %s', f"GET {BASE}/requests.json?api_key={api_key} HTTP/1.1", "200", "2"
            )
            logging.getLogger("tinhso").warning("a client sent %s", api_key)
        finally:
            handler.setStream(previous)
            handler.setFormatter(previous_formatter)
        written = stream.getvalue()
        assert "requests.json?api_key=[hidden]" in written and "o311_[hidden]" in written
        assert api_key not in written and api_key[5:] not in written
