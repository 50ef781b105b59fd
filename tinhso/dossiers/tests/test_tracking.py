"""Issue 17, point 12 (public tracking): the code alone shows the status only; the details need
the last 4 digits of the applicant's ID number or the signed token of BM.01's QR code.

The attack replayed: 40 sequential codes tried on the public page and the API (14 found) showed
each one's procedure, agency and dates.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from tinhso.dossiers import pdf
from tinhso.dossiers import services as s
from tinhso.dossiers.selectors import track_token

from .factories import VALID_FORM

pytestmark = pytest.mark.django_db
DETAILS = ("procedure", "agency", "submitted_at", "received_at", "due_at", "timeline")


@pytest.fixture
def world(one_stop_world):
    cache.clear()  # the failure counters
    yield one_stop_world
    cache.clear()


@pytest.fixture
def dossiers(world):
    return [
        s.dossier_submit(actor=world.citizen, procedure=world.procedure, form_data=VALID_FORM)
        for _ in range(3)
    ]


def sequential(code: str, n: int) -> list[str]:
    """The neighbours an attacker tries: the same day's counter from 1 to n."""
    prefix = code.rsplit("-", 1)[0]
    return [f"{prefix}-{i:04d}" for i in range(1, n + 1)]


def test_the_code_alone_shows_only_the_status(world, dossiers):
    client = Client()
    found = 0
    for code in sequential(dossiers[0].code, 6):
        api = client.get(f"/api/track/{code}")
        page = client.get(f"/tra-cuu/{code}/")
        if api.status_code == 404:
            assert page.status_code == 404
            continue
        found += 1
        body = api.json()
        assert body["detailed"] is False and body["status"] == 1
        assert all(body[field] is None for field in DETAILS), body
        html = page.content.decode()
        assert page.status_code == 200 and 'data-testid="status"' in html
        for secret in (world.procedure.name, world.committee.name, "044090001234", "Nguyễn"):
            assert secret not in html
        assert "Ngày nộp" not in html  # no dates either
        assert 'name="id_last4"' in html  # the way to the details
    assert found == 3


def test_the_last_4_digits_show_the_details(world, dossiers):
    code = dossiers[0].code
    api = Client().get(f"/api/track/{code}", {"id_number": "1234"})
    body = api.json()
    assert api.status_code == 200 and body["detailed"] is True
    assert body["procedure"] == world.procedure.name and body["timeline"]
    assert "044090001234" not in api.content.decode()
    # The whole number works too, as the API asked before.
    assert Client().get(f"/api/track/{code}", {"id_number": "044090001234"}).json()["detailed"]
    page = Client().post(f"/tra-cuu/{code}/", {"id_last4": "1234"})
    html = page.content.decode()
    assert page.status_code == 200 and world.procedure.name in html
    assert world.committee.name in html and "044090001234" not in html


def test_unknown_code_and_wrong_digits_get_the_same_answer(world, dossiers):
    known, unknown = dossiers[0].code, sequential(dossiers[0].code, 99)[-1]
    wrong = Client().get(f"/api/track/{known}", {"id_number": "9999"})
    missing = Client().get(f"/api/track/{unknown}", {"id_number": "9999"})
    assert wrong.status_code == missing.status_code == 404
    assert wrong.json() == missing.json()
    assert wrong.json()["error"]["code"] == "no_match"
    pages = [Client().post(f"/tra-cuu/{c}/", {"id_last4": "9999"}) for c in (known, unknown)]
    assert [p.status_code for p in pages] == [404, 404]
    html = [
        p.content.decode().replace(c, "CODE") for p, c in zip(pages, (known, unknown), strict=True)
    ]
    csrf = re.compile(r"[A-Za-z0-9]{64}")  # each page has its own CSRF token
    assert csrf.sub("", html[0]) == csrf.sub("", html[1])
    assert 'data-testid="status"' not in html[0]
    bad = Client().post(f"/tra-cuu/{known}/", {"id_last4": "12a4"})
    assert bad.status_code == 400 and "4 chữ số cuối" in bad.content.decode()


def test_guessing_the_digits_is_stopped(world, dossiers, rate_clock):
    code = dossiers[0].code
    client = Client()
    for guess in range(10):  # TINHSO_RATE_TRACK_FAILURES: 10 an hour
        assert client.get(f"/api/track/{code}", {"id_number": f"{guess:04d}"}).status_code == 404
    # The right digits are refused now too (the attacker cannot tell a hit) ...
    locked = client.get(f"/api/track/{code}", {"id_number": "1234"})
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "rate_limited" and locked["Retry-After"]
    assert client.post(f"/tra-cuu/{code}/", {"id_last4": "1234"}).status_code == 429
    # ... the receipt's QR code still works, and other dossiers are not locked.
    assert client.get(f"/api/track/{code}", {"token": track_token(code)}).json()["detailed"]
    other = dossiers[1].code
    assert client.get(f"/api/track/{other}", {"id_number": "1234"}).status_code == 200


def test_the_qr_code_of_bm01_carries_a_signed_token(world, dossiers, settings):
    settings.SITE_URL = "https://dichvucong.example.vn"
    d = s.dossier_receive(actor=world.desk, dossier=dossiers[0])
    signed = pdf.tracking_url(d.code, signed=True)
    assert signed == f"https://dichvucong.example.vn/tra-cuu/{d.code}/?t={track_token(d.code)}"
    context = pdf.receipt_context(d)
    assert context["qr"] == pdf.qr_data_uri(signed)
    assert context["tracking_url"] == f"https://dichvucong.example.vn/tra-cuu/{d.code}/"
    page = Client().get(signed.removeprefix("https://dichvucong.example.vn"))
    assert page.status_code == 200 and world.procedure.name in page.content.decode()
    # A token is good for its own dossier only; a forged one shows nothing more.
    other = dossiers[1].code
    for token in (track_token(d.code), track_token(d.code)[:-1] + "A", "x"):
        response = Client().get(f"/tra-cuu/{other}/", {"t": token})
        assert response.status_code == 404
        assert world.procedure.name not in response.content.decode()
