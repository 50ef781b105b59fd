"""Issue 17, point 1, as a property: text with lone surrogates, NUL and other control characters,
sent through every API operation (from the OpenAPI document), every form of the pages (found by
reading the pages as the citizen, the desk officer and an anonymous visitor) and Open311, never
gets a 500; NUL anywhere, and invalid Unicode in a JSON body, get the 400 of the boundary.

Hypothesis's default text strategy never draws a surrogate, so the alphabet adds them. The text
goes in as the attacker sends it: percent-encoded UTF-8 (surrogates passed through as their
three bytes) in paths, query strings and forms, and in JSON bodies both as ``\\uXXXX`` escapes and
as raw bytes, declared ``application/json`` or ``text/plain``. The page forms get odd values too
(numbers out of range, broken dates, long text).

Issue 17's acceptance: Open311 has no OpenAPI document for Schemathesis, so every Open311 route
of the URLconf gets a valid request (GET and POST, form or multipart) with up to three of its
values or its path replaced by odd text (numbers out of range, broken dates, long values) or the
hostile text above: never a 500, errors always in Open311's error format, and some requests
still create a report. Bounded: about ten seconds in all.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urljoin

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinhso.api import api
from tinhso.core.auth import token_create
from tinhso.core.middleware import is_invalid_text
from tinhso.core.services import LoadReport
from tinhso.dossiers.services import dossier_submit
from tinhso.dossiers.tests.factories import PDF_BYTES, VALID_FORM, make_world
from tinhso.feedback import services as feedback_services
from tinhso.feedback.categories import load_categories
from tinhso.feedback.models import Category, RoutingRule, RoutingTarget
from tinhso.feedback.open311_views import jurisdictions

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
CONTROLS = [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\u2028", "\u2029", "\ufeff", "\uffff"]
SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)  # each a lone surrogate
VALID = st.characters(codec="utf-8")
ANY = st.one_of(VALID, st.sampled_from(CONTROLS), SURROGATES)
# Every example holds at least one NUL, lone surrogate or other control character (a third
# each; left alone, Hypothesis draws mostly plain letters), in any text.
HOSTILE_TEXT = st.builds(
    lambda before, special, after: before + special + after,
    st.text(alphabet=ANY, max_size=5),
    st.one_of(st.just("\x00"), SURROGATES, st.sampled_from(CONTROLS[1:])),
    st.text(alphabet=ANY, max_size=5),
)


# Values a form or an Open311 client may send besides hostile text: numbers out of range or not
# numbers, broken dates, long and empty values.
ODD_VALUES = st.sampled_from([
    "", " ", "-91", "181", "1e400", "-1e400", "nan", "inf", "0x10", "99999999999999999999999",
    "2026-13-45T99:99:99Z", "2026-02-30", "1970-01-01T00:00:00+99:00", "open,closed,", ",,,",
    "a" * 5000, "urgent", "Đèn đường", "../../etc/passwd", "<x/>", "%00",
])  # fmt: skip


def encode(text: str) -> str:
    """Percent-encoded UTF-8, a lone surrogate as its three bytes (what an attacker can send)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def json_body(value: Any, raw: bool) -> bytes:
    if raw:
        return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return json.dumps(value).encode()


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str]]) -> tuple[bytes, str]:
    boundary = "fuzzBoundary7MA4YWxk"
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode("utf-8", "surrogatepass")
            + b"\r\n"
        )
    for name, filename in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="'.encode()
            + filename.replace('"', "").encode("utf-8", "surrogatepass")
            + b'"\r\nContent-Type: application/pdf\r\n\r\n'
            + PDF_BYTES
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def assert_outcome(response, text: str, *, refused: bool) -> None:
    assert response.status_code < 500, (response.status_code, text, response.content[:300])
    if refused:
        assert response.status_code == 400, (text, response.content[:300])


@pytest.fixture
def world():
    world = make_world()
    world.dossier = dossier_submit(
        actor=world.citizen, procedure=world.procedure, form_data=dict(VALID_FORM),
        commune=world.commune,
    )  # fmt: skip
    return world


# --- the API ---------------------------------------------------------------------------------


def _resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _value(schema: dict, text: str, document: dict, depth: int = 0) -> Any:
    """A value of the schema's shape whose every string is the text."""
    schema = _resolve(schema, document)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        schema = _resolve(next(o for o in options if o.get("type") != "null"), document)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 2 or not schema.get("properties"):
            return {"child_name": text, text: text}
        return {k: _value(v, text, document, depth + 1) for k, v in schema["properties"].items()}
    if kind == "array":
        return [_value(schema.get("items", {}), text, document, depth + 1)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    return text


def api_operations() -> list[tuple[str, str, dict]]:
    document = api.get_openapi_schema()
    return [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_api_operation_refuses_invalid_text_and_never_fails(world):
    document = api.get_openapi_schema()
    operations = api_operations()
    assert len(operations) >= 20
    file_id = world.dossier.files.first().pk if world.dossier.files.exists() else 1
    incoming, outgoing, _record = documents_of(world)
    known = {"code": world.dossier.code, "action": "withdraw", "file_id": str(file_id),
             "kind": "bm01", "agency_id": str(world.committee.pk), "unit_id": "1",
             "pk": str(incoming.pk), "fmt": "xlsx"}  # fmt: skip
    known_for = {
        "/api/documents/registers/{kind}.xlsx": {"kind": "den"},
        "/api/documents/outgoing/{pk}": {"pk": str(outgoing.pk)},
    }
    tokens = {
        "citizen": token_create(user=world.citizen, name="fuzz"),
        "officer": token_create(user=world.desk, name="fuzz"),
    }

    # Every operation, a few hostile texts each (a sample over all of them missed whole routes).
    @settings(FUZZ, max_examples=4)
    @given(
        text=HOSTILE_TEXT,
        who=st.sampled_from(sorted(tokens)),
        raw=st.booleans(),
        content_type=st.sampled_from(["application/json", "text/plain"]),
        text_in_path=st.booleans(),
    )
    def run(operation, text, who, raw, content_type, text_in_path):
        method, path, spec = operation
        values = {**known, **known_for.get(path, {})}
        query = [("extra", text)]
        for parameter in spec.get("parameters", []):
            name = parameter["name"]
            if parameter["in"] == "path":
                textual = text_in_path and name not in ("file_id", "agency_id")
                path = path.replace(f"{{{name}}}", encode(text if textual else values[name]))
            else:
                query.append((name, text))
        url = path + "?" + "&".join(f"{encode(k)}={encode(v)}" for k, v in query)
        client = Client(headers={"Authorization": f"Bearer {tokens[who]}"})
        content = spec.get("requestBody", {}).get("content", {})
        refused = "\x00" in text
        if "application/json" in content:
            payload = _value(content["application/json"]["schema"], text, document)
            body = json_body(payload, raw)
            response = client.generic(method, url, body, content_type=content_type)
            refused = refused or is_invalid_text(text)
        elif "multipart/form-data" in content:
            body, multipart_type = multipart([("note", text)], [("files", text + ".pdf")])
            response = client.generic(method, url, body, content_type=multipart_type)
        else:
            response = client.generic(method, url)
        assert_outcome(response, text, refused=refused)
        if refused:
            assert response.json()["error"]["code"] == "invalid_character"

    for operation in operations:
        run(operation)


# --- the pages and Open311 -------------------------------------------------------------------


FIELD_TAGS = ("input", "textarea", "select", "button")


class FormReader(HTMLParser):
    """The forms of a page: action, method, enctype and their named fields."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {
                "action": values.get("action", ""),
                "method": (values.get("method") or "get").lower(),
                "enctype": values.get("enctype", ""),
                "fields": [],
            }
            self.forms.append(self._form)
        elif self._form is not None and values.get("name") and tag in FIELD_TAGS:
            kind = values.get("type", "text") if tag == "input" else tag
            self._form["fields"].append((values["name"], kind, values.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


KEEP = {"hidden", "checkbox", "radio", "submit", "button"}


def documents_of(world) -> tuple[Any, Any, Any]:
    """An incoming document, an outgoing draft and a work record of the world's committee (the
    incoming document attached: its page has the remove form)."""
    from django.utils import timezone

    from tinhso.documents import services as documents
    from tinhso.documents.records import record_attach, record_open

    incoming = documents.incoming_register(
        actor=world.desk, agency=world.committee, sender_name="Sở Tư pháp",
        number_symbol="12/STP-HCTP", doc_date=timezone.localdate(), doc_type="CV",
        summary="Về việc rà soát thủ tục hành chính",
    )  # fmt: skip
    outgoing = documents.outgoing_draft(
        actor=world.specialist, agency=world.committee, doc_type="CV",
        summary="Về việc báo cáo tình hình", body="Đề nghị báo cáo.",
        recipients_text="Sở Tư pháp", signer=world.leader, signer_position="CHỦ TỊCH",
        signer_name="Bùi Thị Mai", drafting_unit="VP", render_pdf=False,
    )  # fmt: skip
    record = record_open(
        actor=world.specialist, agency=world.committee, code="01.01", title="Hồ sơ hộ tịch"
    )
    record_attach(actor=world.desk, record=record, incoming=incoming)
    return incoming, outgoing, record


def page_forms(world) -> list[tuple[Client, str, dict]]:
    """Every form on the pages a citizen, a desk officer and a visitor use, but logging out."""
    citizen, officer, visitor = Client(), Client(), Client()
    citizen.force_login(world.citizen)
    officer.force_login(world.desk)
    code = world.dossier.code
    incoming, outgoing, record = documents_of(world)
    pages = [
        (visitor, "/dang-nhap/"), (visitor, "/tra-cuu/"), (visitor, "/thu-tuc/"),
        (visitor, "/hoi-dap/"), (visitor, "/phan-anh/"),
        (citizen, f"/thu-tuc/{world.procedure.code}/nop-truc-tuyen/"),
        (citizen, f"/ho-so-cua-toi/{code}/"), (citizen, "/hoi-dap/dat-cau-hoi/"),
        (citizen, "/phan-anh/gui/"), (citizen, f"/phan-anh/{world.report.pk}/"),
        (officer, "/can-bo/"), (officer, f"/can-bo/tiep-nhan/?procedure={world.procedure.code}"),
        (officer, f"/can-bo/ho-so/{code}/"),
        (officer, "/can-bo/hoi-dap/"), (officer, "/can-bo/phan-anh/"),
        (officer, f"/can-bo/phan-anh/{world.report.pk}/"),
        (officer, "/can-bo/van-ban/"), (officer, "/can-bo/van-ban/den/dang-ky/"),
        (officer, "/can-bo/van-ban/di/soan-thao/"), (officer, "/can-bo/van-ban/so/di/"),
        (officer, "/can-bo/van-ban/ho-so/"),
        (officer, f"/can-bo/van-ban/den/{incoming.pk}/"),
        (officer, f"/can-bo/van-ban/den/{incoming.pk}/sao/"),
        (officer, f"/can-bo/van-ban/di/{outgoing.pk}/"),
        (officer, f"/can-bo/van-ban/ho-so/{record.pk}/"),
    ]  # fmt: skip
    found = []
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        reader = FormReader()
        reader.feed(response.content.decode())
        for form in reader.forms:
            action = urljoin(url, form["action"] or url)
            if action.endswith("/dang-xuat/"):
                continue
            found.append((client, action, form))
    return found


def test_every_page_form_and_open311_refuse_nul_and_never_fail(world):
    load_categories(LoadReport())
    RoutingRule.objects.create(target=RoutingTarget.COMMUNE_COMMITTEE, priority=500)
    world.report = feedback_services.report_submit(
        actor=world.citizen, category=Category.objects.get(code="den-duong-hong"),
        description="Cột đèn số 12 bị nghiêng.", commune=world.commune,
        address="Trước số 45 Quang Trung",
    )  # fmt: skip
    forms = page_forms(world)
    actions = {action for _, action, form in forms if form["method"] == "post"}
    code = world.dossier.code
    from tinhso.documents.models import RecordItem

    item = RecordItem.objects.get()  # the remove form of the record's page
    detach = f"/can-bo/van-ban/ho-so/{item.record_id}/rut/{item.pk}/"
    for expected in (f"/ho-so-cua-toi/{code}/rut-ho-so/", "/dang-nhap/", "/phan-anh/gui/", detach):
        assert expected in actions, sorted(actions)
    key = feedback_services.open311_client_create(actor=None, name="Ứng dụng thử")[1]
    open311 = {"action": "/open311/v2/requests.json", "method": "post", "enctype": "", "fields": [
        (name, "text", "") for name in ("service_code", "lat", "long", "address_string",
                                        "description", "first_name", "email", "phone")
    ] + [("api_key", "hidden", key)]}  # fmt: skip
    forms += [(Client(), "/open311/v2/requests.json", open311)]
    forms += [(Client(), "/open311/v2/requests.xml", {**open311, "method": "get"})]

    @FUZZ
    @given(
        target=st.sampled_from(forms),
        text=st.one_of(HOSTILE_TEXT, ODD_VALUES),
        as_multipart=st.booleans(),
    )
    def run(target, text, as_multipart):
        client, action, form = target
        fields = [
            (n, v if kind in KEEP else text) for n, kind, v in form["fields"] if kind != "file"
        ]
        files = [(n, text) for n, kind, _ in form["fields"] if kind == "file"]
        fields.append(("extra", text))
        if form["method"] != "post":
            query = "&".join(f"{encode(n)}={encode(v)}" for n, v in fields)
            response = client.get(f"{action}?{query}")
        elif as_multipart or files:
            body, content_type = multipart(fields, files)
            response = client.post(action, body, content_type=content_type)
        else:
            body = "&".join(f"{encode(n)}={encode(v)}" for n, v in fields)
            response = client.post(action, body, content_type="application/x-www-form-urlencoded")
        assert_outcome(response, text, refused="\x00" in text)
        if "\x00" in text and action.startswith("/open311/"):
            assert response["Content-Type"].startswith(("application/json", "text/xml"))
        elif "\x00" in text:
            assert '<html lang="vi">' in response.content.decode()

    run()


# --- every Open311 endpoint (no OpenAPI document: the URLconf lists them) ---------------------

PLACEHOLDER = "PLACEHOLDERX"
OPEN311_FIELDS = ("service_request_id", "service_code", "status", "start_date", "end_date",
                  "jurisdiction_id", "api_key", "lat", "long", "address_string", "address_id",
                  "description", "first_name", "last_name", "email", "phone", "urgency",
                  "device_id", "attribute[x]", "attribute[y][]")  # fmt: skip


def open311_endpoints() -> list[str]:
    """Every Open311 route of the URLconf, its path parameters replaced by a placeholder."""
    from django.urls import reverse

    from tinhso.feedback.urls import urlpatterns

    found = []
    for pattern in urlpatterns:
        if not pattern.name.startswith("open311"):
            continue
        params = set(pattern.pattern.regex.groupindex) - {"fmt"}
        for fmt in ("json", "xml") if "fmt" in pattern.pattern.regex.groupindex else (None,):
            kwargs = {name: PLACEHOLDER for name in params} | ({"fmt": fmt} if fmt else {})
            found.append(reverse(f"feedback:{pattern.name}", kwargs=kwargs))
    return found


def test_every_open311_endpoint_never_fails(world):
    load_categories(LoadReport())
    RoutingRule.objects.create(target=RoutingTarget.COMMUNE_COMMITTEE, priority=500)
    report = feedback_services.report_submit(
        actor=world.citizen, category=Category.objects.get(code="den-duong-hong"),
        description="Cột đèn số 12 bị nghiêng.", commune=world.commune, address="Số 45",
    )  # fmt: skip
    key = feedback_services.open311_client_create(actor=None, name="Ứng dụng thử")[1]
    endpoints = open311_endpoints()
    assert len(endpoints) >= 12, endpoints
    # A valid request (None: left out), then up to three of its values (or the path's) replaced by
    # odd or hostile text: most requests pass the boundary and reach the deeper code.
    valid = dict.fromkeys(OPEN311_FIELDS) | {
        "service_code": "den-duong-hong", "api_key": key, "lat": "17.47", "long": "106.6",
        "address_id": world.commune.code, "description": "Đèn đường trước số 45 bị hỏng",
        "jurisdiction_id": sorted(jurisdictions())[0], PLACEHOLDER: str(report.pk),
    }  # fmt: skip
    text = st.text(alphabet=VALID.filter(lambda c: c != "\x00"), max_size=20)
    seen = []

    requests = [endpoint for endpoint in endpoints if "/requests." in endpoint]  # the writes

    @settings(FUZZ, max_examples=40)
    @given(
        endpoint=st.one_of(st.sampled_from(endpoints), st.sampled_from(requests)),
        method=st.sampled_from(["get", "post"]),
        changed=st.dictionaries(
            st.sampled_from((*OPEN311_FIELDS, PLACEHOLDER)),
            st.one_of(st.none(), ODD_VALUES, text, HOSTILE_TEXT),
            max_size=3,
        ),
        as_multipart=st.booleans(),
    )
    def run(endpoint, method, changed, as_multipart):
        chosen = valid | changed
        segment = chosen.pop(PLACEHOLDER) or ""
        fields = [(name, text) for name, text in chosen.items() if text is not None]
        url = endpoint.replace(PLACEHOLDER, encode(segment) or "x")
        texts = [segment] + [text for _, text in fields]
        client = Client()
        if method == "get":
            query = "&".join(f"{encode(n)}={encode(v)}" for n, v in fields)
            response = client.get(f"{url}?{query}")
        elif as_multipart:
            body, content_type = multipart(fields, [("media", "anh.pdf")])
            response = client.post(url, body, content_type=content_type)
        else:
            body = "&".join(f"{encode(n)}={encode(v)}" for n, v in fields)
            response = client.post(url, body, content_type="application/x-www-form-urlencoded")
        seen.append((method, endpoint, response.status_code))
        assert_outcome(response, url, refused=any("\x00" in text for text in texts))
        if response.status_code >= 400 and url.endswith(".json"):
            assert isinstance(response.json(), list), (url, response.content[:200])
        elif response.status_code >= 400 and url.endswith(".xml"):
            assert b"<errors>" in response.content, (url, response.content[:200])

    run()
    created = [url for method, url, status in seen if method == "post" and status == 200]
    assert any("/requests." in url for url in created), "no example reached the creation"
