"""Sign-in through the national portal's SSO (VNeID) against the stand-in provider process:
the flow (state, nonce, PKCE, acr_values), matching and creating accounts on the ID number, the
takeover of a declared number, the refusals (provider down, wrong audience or issuer, expired
id_token, replayed answer, stale nonce), the level of assurance at submission, the logout."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.urls import reverse

from tinhso.accounts import services, sso
from tinhso.accounts.selectors import citizen_by_login
from tinhso.core.audit import AuditEvent
from tinhso.core.errors import DomainError
from tinhso.core.models import ApplicantProfile
from tinhso.dossiers.models import Dossier
from tinhso.portal.models import SubmissionDraft
from tinhso.portal.services import draft_attach, draft_open
from tinhso.testing.factories import (
    VALID_FORM,
    api_client_for,
    api_submit,
    free_port,
    in_threads,
    make_citizen,
    make_world,
    pdf,
)
from tinhso.testing.sso import sign_in_at_provider

pytestmark = pytest.mark.django_db

KHOA = "044201001111"  # a demo account of the provider, level 2, no local account yet
HOA = "044188005678"  # level 1


def start(client, **query) -> str:
    """The product's start page: the provider's authorization URL it redirects to."""
    response = client.get(reverse("accounts:sso_start"), query)
    assert response.status_code == 302, response.content.decode()
    return response["Location"]


def callback(client, location: str):
    """The browser back at the product with the provider's authorization response."""
    parts = urlsplit(location)
    assert parts.netloc == "testserver" and parts.path == reverse("accounts:sso_callback")
    return client.get(parts.path, parse_qs(parts.query))


def sign_in(client, username: str, **query):
    location, _browser = sign_in_at_provider(start(client, **query), username)
    return callback(client, location)


def refused(response, status: int, code: str, words: str) -> None:
    """A clear page: the status, the reason's code, the message, no one signed in."""
    assert response.status_code == status, response.content.decode()[:500]
    assert response.context["code"] == code
    page = response.content.decode().lower()
    assert words in page
    assert "không có tài khoản nào được tạo" in page
    assert "_auth_user_id" not in response.wsgi_request.session


def users() -> int:
    return get_user_model().objects.count()


def test_sign_in_creates_a_proven_account_with_only_the_claims_used(client, provider):
    before = users()
    response = sign_in(client, KHOA, next="/ho-so-cua-toi/")
    assert response.status_code == 302 and response["Location"] == "/ho-so-cua-toi/"
    assert users() == before + 1
    profile = ApplicantProfile.objects.get(personal_id=KHOA)
    assert not profile.personal_id_declared and profile.assurance_level == 2
    assert profile.full_name == "Phạm Minh Khoa"
    assert profile.date_of_birth == dt.date(2001, 9, 2)
    assert (profile.phone, profile.email) == ("0977333444", "khoa.pm@example.vn")
    assert profile.address.startswith("30 Lý Thường Kiệt")
    assert not profile.phone_verified  # not a sign-in name until verified here
    assert not profile.user.has_usable_password()
    session = response.wsgi_request.session
    assert int(session["_auth_user_id"]) == profile.user_id
    assert session[sso.SESSION_LEVEL] == 2 and session[sso.SESSION_ID_TOKEN].count(".") == 2
    assert AuditEvent.objects.filter(action="account.sso_create").count() == 1
    # What the product asked for: code flow with state, nonce, PKCE S256, a level of assurance.
    asked = provider.authorize_requests()[-1]
    assert asked["client_id"] == "tinhso-test" and asked["state"] and asked["nonce"]
    assert asked["code_challenge_method"] == "S256" and asked["has_code_challenge"] == "True"
    assert asked["acr_values"] == "LoA1"
    # Signing in again finds the same account.
    client.logout()
    assert sign_in(client, KHOA).status_code == 302
    assert users() == before + 1


@pytest.mark.pg
def test_the_proven_owner_is_matched_on_the_id_number(client, provider):
    owner = make_citizen("congdan-x", "Nguyễn Văn Đức", "044090001234")
    before = users()
    response = sign_in(client, "044090001234", muc="2")
    assert response.status_code == 302
    assert users() == before
    assert int(response.wsgi_request.session["_auth_user_id"]) == owner.pk
    owner.applicant.refresh_from_db()
    assert owner.applicant.assurance_level == 2
    assert provider.authorize_requests()[-1]["acr_values"] == "LoA2"


@pytest.mark.pg
def test_sso_takes_over_a_declared_number_and_never_links_by_phone_or_email(client, provider):
    """A self-registered account declared KHOA's number with KHOA's own phone (verified) and
    e-mail: the SSO sign-in creates the proven owner's account; the declared account keeps its
    dossiers but loses the number."""
    world = make_world()
    declared = make_citizen("tu-dang-ky", "Phạm Minh Khoa", KHOA, world.commune)
    ApplicantProfile.objects.filter(user=declared).update(
        personal_id_declared=True,
        phone="0977333444",
        phone_verified=True,
        email="khoa.pm@example.vn",
    )
    component = world.procedure.components.first()
    from tinhso.dossiers.services import dossier_submit

    dossier = dossier_submit(
        actor=declared,
        procedure=world.procedure,
        form_data=dict(VALID_FORM),
        uploads=[(component, pdf())],
    )
    before = users()

    response = sign_in(client, KHOA)
    assert response.status_code == 302
    assert users() == before + 1
    owner = ApplicantProfile.objects.get(personal_id=KHOA)
    assert owner.user_id != declared.pk and not owner.personal_id_declared
    old = ApplicantProfile.objects.get(user=declared)
    assert old.personal_id == "" and old.phone_verified  # lost the number, kept the rest
    assert Dossier.objects.get(pk=dossier.pk).submitted_by_id == declared.pk  # history kept
    assert citizen_by_login(KHOA).pk == owner.user_id
    assert citizen_by_login("0977333444").pk == declared.pk  # the phone still signs it in
    taken = AuditEvent.objects.get(action="account.personal_id_taken_over")
    assert taken.object_id == str(old.pk)
    # The number cannot be declared again.
    with pytest.raises(DomainError) as refusal:
        services.account_register(
            services.Registration(
                full_name="Phạm Minh Khoa",
                personal_id=KHOA,
                date_of_birth=dt.date(2001, 9, 2),
                phone="0977000000",
                email="",
                password="Mat-khau-2026!",
            ),
            client="127.0.0.9",
        )
    assert refusal.value.code == "personal_id_owned"


def test_provider_down_ends_on_a_clear_page(client, provider, settings):
    """Nothing listens at the issuer, or the provider process answers 503: the start page says
    so; the token endpoint down: the callback says so. No account either way."""
    before = users()
    settings.TINHSO_SSO_ISSUER = f"http://127.0.0.1:{free_port()}/oauth2"
    sso.forget_metadata()
    response = client.get(reverse("accounts:sso_start"))
    refused(response, 503, "sso_unavailable", "không truy cập được")

    # The provider process answers 503 on every OAuth endpoint (its discovery document too).
    settings.TINHSO_SSO_ISSUER = provider.issuer
    sso.forget_metadata()
    provider.control(down=True)
    refused(
        client.get(reverse("accounts:sso_start")), 503, "sso_unavailable", "không truy cập được"
    )
    provider.control()

    location, _browser = sign_in_at_provider(start(client), KHOA)
    provider.control(token_down=True)
    refused(callback(client, location), 503, "sso_unavailable", "không truy cập được")
    assert users() == before
    assert not ApplicantProfile.objects.filter(personal_id=KHOA).exists()


@pytest.mark.parametrize(
    ("config", "code", "words"),
    [
        ({"audience": "another-client"}, "sso_invalid_token", "không xác thực được"),
        ({"issuer": "http://127.0.0.1:9/oauth2"}, "sso_invalid_token", "không xác thực được"),
        ({"id_token_ttl": -600}, "sso_expired", "đã hết hạn"),
        ({"nonce": "a-nonce-of-an-earlier-sign-in"}, "sso_invalid_token", "không xác thực được"),
        ({"bad_signature": True}, "sso_invalid_token", "không xác thực được"),
    ],
    ids=["wrong-audience", "wrong-issuer", "expired", "replayed-nonce", "bad-signature"],
)
def test_a_bad_id_token_ends_on_a_clear_page(client, provider, config, code, words):
    before = users()
    location, _browser = sign_in_at_provider(start(client), KHOA)
    provider.control(**config)
    refused(callback(client, location), 400, code, words)
    assert users() == before
    assert not ApplicantProfile.objects.filter(personal_id=KHOA).exists()


def test_a_replayed_authorization_response_is_refused(client, provider, django_user_model):
    """The same answer twice (its state is spent), and in another browser that started a
    sign-in of its own (not its state): a clear page, and the second browser is nobody."""
    location, _browser = sign_in_at_provider(start(client), KHOA)
    assert callback(client, location).status_code == 302
    client.logout()
    before = users()
    refused(callback(client, location), 400, "sso_state", "đã được sử dụng")

    from django.test import Client

    other = Client()
    start(other)  # a state of its own in its session
    refused(callback(other, location), 400, "sso_state", "đã được sử dụng")
    assert users() == before


def test_a_cancelled_sign_in_ends_on_a_clear_page(client, provider):
    authorize = start(client)
    state = parse_qs(urlsplit(authorize).query)["state"][0]
    response = client.get(
        reverse("accounts:sso_callback"), {"error": "access_denied", "state": state}
    )
    refused(response, 400, "sso_cancelled", "đã bị hủy")


@pytest.mark.pg
def test_level_of_assurance_at_submission_portal_and_api(client, provider):
    """A level-2 procedure: refused at level 1 with the message and a link to sign in at level
    2 (portal and API), accepted at level 2."""
    world = make_world()
    world.procedure.min_assurance_level = 2
    world.procedure.save(update_fields=["min_assurance_level"])
    provider.citizen(SoDinhDanh=HOA, HoVaTen="Lê Thị Hoa", NgayThangNamSinh="12/05/1988", loa=1)
    assert sign_in(client, HOA).status_code == 302
    hoa = get_user_model().objects.get(applicant__personal_id=HOA)
    component = world.procedure.components.first()
    draft = draft_open(actor=hoa, procedure=world.procedure)
    SubmissionDraft.objects.filter(pk=draft.pk).update(
        form_data=dict(VALID_FORM), commune=world.commune
    )
    draft_attach(actor=hoa, draft=draft, component=component, upload=pdf())
    about = client.get(reverse("portal:procedure", kwargs={"code": world.procedure.code}))
    assert "cần đăng nhập bằng VNeID mức 2" in about.content.decode()
    review = reverse("portal:submit_review", kwargs={"code": world.procedure.code})
    page = client.get(review)
    assert page.context["required_level"] == 2 and "muc=2" in page.context["sso_sign_in_url"]
    response = client.post(review, {"idempotency_key": draft.idempotency_key})
    assert response.status_code == 200  # the review page again, with the refusal
    text = response.content.decode()
    assert "mức 2" in text and 'id="sso-level-link"' in text
    assert not Dossier.objects.filter(submitted_by=hoa).exists()

    api = api_client_for(hoa)
    answer = api_submit(api, procedure_code=world.procedure.code, commune_code=world.commune.code)
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert error["code"] == "assurance_level_required"
    assert error["details"]["required"] == 2 and error["details"]["current"] == 1
    assert error["details"]["sign_in_url"].startswith("/dang-nhap/vneid/?muc=2")

    provider.citizen(SoDinhDanh=HOA, loa=2)  # VNeID level 2 now
    client.logout()
    response = sign_in(client, HOA, muc="2", next=review)
    assert response["Location"] == review
    response = client.post(review, {"idempotency_key": draft.idempotency_key})
    assert response.status_code == 302, response.content.decode()[:800]
    assert Dossier.objects.filter(submitted_by=hoa).count() == 1
    answer = api_submit(api, procedure_code=world.procedure.code, commune_code=world.commune.code)
    assert answer.status_code == 201, answer.content


def test_rp_initiated_logout_ends_the_session_at_the_provider_too(client, provider):
    location, browser = sign_in_at_provider(start(client), KHOA)
    id_token = callback(client, location).wsgi_request.session[sso.SESSION_ID_TOKEN]
    response = client.post(reverse("portal:logout"))
    assert response.status_code == 302
    end = urlsplit(response["Location"])
    assert end.path == "/oauth2/logout/" and response["Location"].startswith(provider.url)
    query = parse_qs(end.query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == ["http://testserver/dang-xuat/vneid/"]
    assert "_auth_user_id" not in client.session
    # The person's browser at the provider: signed out there, sent back with our state.
    answer = browser.get(response["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert back.path == reverse("accounts:sso_logged_out")
    page = client.get(back.path, parse_qs(back.query), follow=True)
    assert "đăng xuất khỏi Cổng và khỏi VNeID" in page.content.decode()
    # The provider's session is over: a new sign-in asks for the password again.
    again = browser.get(start(client), allow_redirects=False, timeout=10)
    assert urlsplit(again.headers["Location"]).path == "/dang-nhap/"


def test_no_vneid_button_when_unconfigured(client, settings):
    settings.TINHSO_SSO_ISSUER = ""
    assert 'id="sso-vneid"' not in client.get(reverse("portal:login")).content.decode()
    assert client.get(reverse("accounts:sso_start")).status_code == 404
    assert client.get(reverse("accounts:sso_callback")).status_code == 404


def test_the_vneid_button_when_configured(client, provider):
    page = client.get(reverse("portal:login"), {"next": "/ho-so-cua-toi/"}).content.decode()
    assert 'id="sso-vneid"' in page and "next=%2Fho-so-cua-toi%2F" in page


def test_identity_without_a_valid_personal_id_is_refused():
    identity = services.SsoIdentity(
        personal_id="044090001234",
        full_name="X",
        date_of_birth=dt.date(2001, 1, 1),  # the number says 1990
        phone="",
        email="",
        address="",
        level=2,
    )
    with pytest.raises(DomainError) as refusal:
        services.sso_sign_in(identity)
    assert refusal.value.code == "sso_bad_personal_id"
    assert not ApplicantProfile.objects.exists()


def test_assurance_level_from_the_claims():
    assert sso.assurance_level({"loAs": "LoA2"}) == 2
    assert sso.assurance_level({"acr": "1", "loAs": "LoA2"}) == 1
    assert sso.assurance_level({"loAs": ["LoA1", "LoA2"]}) == 2
    assert sso.assurance_level({}) == 0


def test_the_provider_is_a_real_openid_provider(provider):
    """Its discovery document names the endpoints the product uses."""
    meta = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=10).json()
    assert meta["issuer"] == provider.issuer
    for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint"):
        assert meta[key].startswith(provider.issuer)
    assert meta["end_session_endpoint"].startswith(provider.issuer)


def test_run_all_starts_the_standin_sso_with_this_server_registered(settings, tmp_path):
    """``make run``: the stand-in on the issuer's port, the web server's callback and logout
    addresses registered; none when the stand-in is off."""
    from tinhso.core.management.commands.run_all import programs

    settings.TINHSO_SSO_ISSUER = "http://127.0.0.1:8791/oauth2"
    settings.TINHSO_SSO_CLIENT_ID, settings.TINHSO_SSO_CLIENT_SECRET = "tinhso", "s3cret"
    settings.TINHSO_SSO_STANDIN = False
    assert "sso" not in programs("127.0.0.1:8000")
    settings.TINHSO_SSO_STANDIN = True
    settings.TINHSO_SSO_STANDIN_DIR = str(tmp_path)
    argv = programs("0.0.0.0:8000")["sso"]
    assert argv[1:3] == ["-m", "tinhso.standins.sso"]
    options = dict(zip(argv[3::2], argv[4::2], strict=True))
    assert options == {
        "--host": "127.0.0.1",
        "--port": "8791",
        "--data-dir": str(tmp_path),
        "--client-id": "tinhso",
        "--client-secret": "s3cret",
        "--redirect-uri": "http://127.0.0.1:8000/dang-nhap/vneid/callback/",
        "--post-logout-redirect-uri": "http://127.0.0.1:8000/dang-xuat/vneid/",
    }


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_first_sign_ins_at_once_make_one_account_and_take_the_number_over_once():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent inserts need PostgreSQL")
    declared = make_citizen("tu-dang-ky-2", "Phạm Minh Khoa", KHOA)
    ApplicantProfile.objects.filter(user=declared).update(personal_id_declared=True)
    identity = services.SsoIdentity(
        personal_id=KHOA,
        full_name="Phạm Minh Khoa",
        date_of_birth=dt.date(2001, 9, 2),
        phone="0977333444",
        email="khoa.pm@example.vn",
        address="",
        level=2,
    )
    signed_in = []
    errors = in_threads(4, lambda: signed_in.append(services.sso_sign_in(identity).pk))
    assert errors == []
    assert len(set(signed_in)) == 1
    assert ApplicantProfile.objects.filter(personal_id=KHOA).count() == 1
    assert AuditEvent.objects.filter(action="account.personal_id_taken_over").count() == 1
