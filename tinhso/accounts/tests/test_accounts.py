"""Citizen accounts: registration with a declared ID number, one-time codes, sign-in by phone
or ID number, password reset, and their rate limits."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tinhso.accounts import services
from tinhso.accounts.models import OneTimeCode, Purpose
from tinhso.accounts.selectors import citizen_by_login
from tinhso.core.errors import DomainError
from tinhso.core.models import ApplicantProfile
from tinhso.core.ratelimit import RateLimited
from tinhso.notifications.models import Event, Notification
from tinhso.testing.factories import make_citizen

pytestmark = pytest.mark.django_db

PASSWORD = "Mat-khau-2026!"
ID = "044090001234"
BORN = dt.date(1990, 5, 1)


def registration(**overrides) -> services.Registration:
    data = dict(
        full_name="Nguyễn Văn An",
        personal_id=ID,
        date_of_birth=BORN,
        phone="0912000111",
        email="an@example.vn",
        password=PASSWORD,
    )
    return services.Registration(**(data | overrides))


def last_code(address: str) -> str:
    sent = Notification.objects.filter(event=Event.ONE_TIME_CODE, address=address).latest("pk")
    return re.search(r"\b(\d{6})\b", sent.body).group(1)


def form_data(**overrides) -> dict:
    data = {
        "full_name": "Nguyễn Văn An",
        "personal_id": ID,
        "date_of_birth": "01/05/1990",
        "phone": "+84 912 000 111",
        "email": "an@example.vn",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    return data | overrides


def test_registration_page_sends_a_code_and_the_code_activates(client):
    """The page: a declared ID, an inactive account, a code by SMS; the code activates it and
    the verified phone and the ID number both sign in."""
    response = client.post(reverse("accounts:register"), form_data())
    assert response.status_code == 302, response.content.decode()
    profile = ApplicantProfile.objects.get(personal_id=ID)
    assert profile.personal_id_declared and not profile.user.is_active
    assert profile.phone == "0912000111" and not profile.phone_verified
    response = client.post(reverse("accounts:verify"), {"resend": "1"})  # a second code
    assert response.status_code == 302
    _first, latest = OneTimeCode.objects.filter(user=profile.user).order_by("pk")
    code = last_code("0912000111")
    assert code not in latest.code_hash  # only a salted HMAC is stored
    response = client.post(reverse("accounts:verify"), {"code": "12345"})
    assert response.status_code == 400
    assert "6 chữ số" in response.context["form"].errors["code"][0]

    response = client.post(reverse("accounts:verify"), {"code": code})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.phone_verified and profile.user.is_active

    for login in ("0912000111", "+84912000111", ID):
        client.logout()
        response = client.post(reverse("portal:login"), {"username": login, "password": PASSWORD})
        assert response.status_code == 302, login
        assert client.session["_auth_user_id"] == str(profile.user.pk)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"personal_id": "044290001234"}, "personal_id", "chữ số thứ tư"),
        ({"personal_id": "044091001234"}, "personal_id", "năm sinh"),
        ({"personal_id": "04409000123"}, "personal_id", "12 chữ số"),
        ({"personal_id": "099090001234"}, "personal_id", "mã tỉnh"),
        ({"date_of_birth": "01/05/2990"}, "date_of_birth", "tương lai"),
        ({"phone": "12345", "email": ""}, "phone", "10 chữ số"),
        ({"phone": "", "email": ""}, "phone", "số điện thoại hoặc"),
        ({"password2": "khac-han-2026!"}, "password2", "không khớp"),
        ({"password1": "1234567", "password2": "1234567"}, "password1", "quá ngắn"),
    ],
)
def test_registration_bad_input_stores_nothing(client, overrides, field, message):
    response = client.post(reverse("accounts:register"), form_data(**overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert message in " ".join(errors).lower(), errors
    assert not get_user_model().objects.exists()
    assert not Notification.objects.exists()


def test_declared_id_never_blocks_the_owner_or_another_declaration():
    """Two people may declare the same number (neither is proven); the proven owner's profile
    is unique, takes the sign-in by ID, and a later declaration of it is refused."""
    first = services.account_register(registration(), client="10.0.0.1")
    second = services.account_register(
        registration(phone="0912000222", email="b@example.vn"), client="10.0.0.2"
    )
    services.account_activate(first, last_code("0912000111"))
    services.account_activate(second, last_code("0912000222"))
    from tinhso.accounts.selectors import citizen_by_login

    assert citizen_by_login(ID) is None  # ambiguous declarations: sign in by phone
    owner = make_citizen("vneid-owner", "Nguyễn Văn An", ID)  # as the SSO sign-in creates it
    assert citizen_by_login(ID) == owner
    with pytest.raises(DomainError) as refused:
        services.account_register(registration(phone="0912000333"), client="10.0.0.3")
    assert refused.value.code == "personal_id_owned"


def test_a_declared_id_meets_no_level_of_assurance():
    """A self-registered account (its ID number declared, not proven) is at level 0: a
    procedure asking level 1 refuses its online submission, one asking none accepts it."""
    from tinhso.core.errors import PermissionDenied
    from tinhso.testing.factories import make_world, submit_online

    user = services.account_register(registration(), client="x")
    services.account_activate(user, last_code("0912000111"))
    assert ApplicantProfile.objects.get(user=user).assurance_level == 0
    world = make_world()
    world.procedure.min_assurance_level = 1
    world.procedure.save(update_fields=["min_assurance_level"])
    with pytest.raises(PermissionDenied) as refused:
        submit_online(world, actor=user, commune=world.commune)
    assert refused.value.code == "assurance_level_required"
    world.procedure.min_assurance_level = 0
    world.procedure.save(update_fields=["min_assurance_level"])
    assert submit_online(world, actor=user, commune=world.commune).applicant.user == user


def test_wrong_codes_are_counted_and_the_code_dies(rate_clock):
    user = services.account_register(registration(phone="", email="an@example.vn"), client="x")
    code = last_code("an@example.vn")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(services.CODE_ATTEMPTS):
        with pytest.raises(DomainError) as refused:
            services.account_activate(user, wrong)
        assert refused.value.code == "code_wrong"
    with pytest.raises(DomainError) as refused:
        services.account_activate(user, code)  # even the right one, now
    assert refused.value.code == "code_attempts"
    user.refresh_from_db()
    assert not user.is_active
    assert OneTimeCode.objects.get(user=user).attempts == services.CODE_ATTEMPTS


def test_expired_code_is_refused():
    user = services.account_register(registration(), client="x")
    code = last_code("0912000111")
    OneTimeCode.objects.filter(user=user).update(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(DomainError) as refused:
        services.account_activate(user, code)
    assert refused.value.code == "code_expired"


def test_at_most_five_codes_per_hour_per_phone(rate_clock):
    user = services.account_register(registration(), client="x")
    for _ in range(4):
        services.code_send(user, Purpose.REGISTER)
    with pytest.raises(RateLimited):
        services.code_send(user, Purpose.REGISTER)
    assert OneTimeCode.objects.filter(user=user).count() == 5
    rate_clock.now += 3600
    services.code_send(user, Purpose.REGISTER)


def test_registrations_per_address_are_limited(rate_clock, client):
    """At most ten an hour from one address (the setting's default), the page says so."""
    for n in range(10):
        services.account_register(
            registration(phone=f"09120001{n:02d}", email=""), client="127.0.0.1"
        )
    response = client.post(reverse("accounts:register"), form_data(phone="0912000199"))
    assert response.status_code == 429
    assert "Retry-After" in response
    assert get_user_model().objects.count() == 10
    rate_clock.now += 3600
    assert (
        client.post(reverse("accounts:register"), form_data(phone="0912000199")).status_code == 302
    )


def test_password_reset_by_sms_code(client):
    user = services.account_register(registration(), client="x")
    services.account_activate(user, last_code("0912000111"))
    response = client.post(reverse("accounts:reset"), {"login": "0912000111"})
    assert response.status_code == 302
    code = last_code("0912000111")
    response = client.post(
        reverse("accounts:reset_confirm"),
        {"login": "0912000111", "code": code, "password": "Moi-mat-khau-99"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Moi-mat-khau-99")
    # Unknown accounts get the same answer and no code.
    before = Notification.objects.count()
    response = client.post(reverse("accounts:reset"), {"login": "0987654321"})
    assert response.status_code == 302 and Notification.objects.count() == before


def test_password_reset_page_bad_input_says_why_in_vietnamese_and_changes_nothing(client):
    user = services.account_register(registration(), client="x")
    services.account_activate(user, last_code("0912000111"))
    before = Notification.objects.count()
    response = client.post(reverse("accounts:reset"), {"login": ""})
    assert response.status_code == 400
    assert "bắt buộc" in response.context["form"].errors["login"][0]
    assert Notification.objects.count() == before  # no code sent
    assert client.post(reverse("accounts:reset"), {"login": ID}).status_code == 302
    code = last_code("0912000111")
    wrong = "000000" if code != "000000" else "111111"
    for data, words in [
        ({"code": "12", "password": "Moi-mat-khau-99"}, "6 chữ số"),
        ({"code": wrong, "password": "Moi-mat-khau-99"}, "Mã không đúng"),
        ({"code": code, "password": "1234567"}, "quá ngắn"),
    ]:
        response = client.post(reverse("accounts:reset_confirm"), {"login": ID, **data})
        assert response.status_code == 400, data
        assert words in response.content.decode(), data
        user.refresh_from_db()
        assert user.check_password(PASSWORD), data
    # the right code still works after those refusals
    response = client.post(
        reverse("accounts:reset_confirm"),
        {"login": ID, "code": code, "password": "Moi-mat-khau-99"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Moi-mat-khau-99")


def test_a_self_registered_account_is_never_an_officer(client):
    """Officer accounts are made by an administrator only: registration makes a citizen, who
    cannot open the officers' workspace."""
    user = services.account_register(registration(), client="x")
    services.account_activate(user, last_code("0912000111"))
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser and not user.groups.exists()
    assert not user.assignments.exists()
    client.force_login(user)
    assert client.get(reverse("workspace:inbox")).status_code in (403, 404)  # not for citizens


def test_password_reset_bad_input_changes_nothing():
    user = services.account_register(registration(), client="x")
    services.account_activate(user, last_code("0912000111"))
    services.password_reset_request(ID)
    code = last_code("0912000111")
    with pytest.raises(DomainError) as refused:
        services.password_reset_confirm(ID, code, "123")
    assert refused.value.code == "password_weak"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert OneTimeCode.objects.filter(user=user, purpose=Purpose.RESET, used_at=None).exists()


def test_profile_page_saves_contacts_and_channels_and_prefills(client):
    user = services.account_register(registration(), client="x")
    services.account_activate(user, last_code("0912000111"))
    client.force_login(user)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert response.context["form"].initial["phone"] == "0912000111"
    response = client.post(
        reverse("accounts:profile"),
        {
            "phone": "0912000999",
            "email": "an@example.vn",
            "address": " 12  Lê Lợi ",
            "notify_email": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:contact_verify")
    profile = ApplicantProfile.objects.get(user=user)
    assert profile.address == "12 Lê Lợi"
    assert user.notification_preference.channels() == ["email"]
    # The new phone waits for its code: the old one stays the one in use, sign-in included.
    assert (profile.phone, profile.phone_verified) == ("0912000111", True)
    assert citizen_by_login("0912000999") is None
    assert citizen_by_login("0912000111") == user


def test_a_new_phone_or_email_is_used_only_once_its_code_comes_back(client):
    user = services.account_register(registration(), client="x")
    services.account_activate(user, last_code("0912000111"))
    client.force_login(user)
    change = {"phone": "0912000999", "email": "an.moi@example.vn", "notify_email": "on"}
    assert client.post(reverse("accounts:profile"), change).status_code == 302
    page = client.get(reverse("accounts:contact_verify"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "0912000999" in text and "an.moi@example.vn" in text
    # The profile page says where to enter them.
    assert "/tai-khoan/xac-minh/" in client.get(reverse("accounts:profile")).content.decode()
    # The codes went to the new addresses, not to the old ones.
    new_phone, new_email = last_code("0912000999"), last_code("an.moi@example.vn")
    profile = ApplicantProfile.objects.get(user=user)
    assert (profile.phone, profile.email) == ("0912000111", "an@example.vn")

    # A wrong code: a Vietnamese error, nothing changes.
    wrong = "000000" if new_phone != "000000" else "111111"
    answer = client.post(
        reverse("accounts:contact_verify"), {"purpose": "phone", "phone-code": wrong}
    )
    assert answer.status_code == 400 and "Mã không đúng" in answer.content.decode()
    assert citizen_by_login("0912000999") is None

    answer = client.post(
        reverse("accounts:contact_verify"), {"purpose": "phone", "phone-code": new_phone}
    )
    assert answer.status_code == 302
    profile.refresh_from_db()
    assert (profile.phone, profile.phone_verified) == ("0912000999", True)
    assert citizen_by_login("0912000999") == user and citizen_by_login("0912000111") is None
    assert profile.email == "an@example.vn"  # the e-mail still waits

    answer = client.post(
        reverse("accounts:contact_verify"), {"purpose": "email", "email-code": new_email}
    )
    assert answer.status_code == 302
    profile.refresh_from_db()
    user.refresh_from_db()
    assert (profile.email, profile.email_verified, user.email) == (
        "an.moi@example.vn",
        True,
        "an.moi@example.vn",
    )
    # Nothing waits any more: the page sends back to the profile.
    assert client.get(reverse("accounts:contact_verify"))["Location"] == reverse("accounts:profile")


def test_a_phone_verified_by_another_account_is_refused_and_nothing_stored(client):
    other = services.account_register(
        registration(personal_id="044090001235", phone="0912000222", email=""), client="y"
    )
    services.account_activate(other, last_code("0912000222"))
    user = services.account_register(registration(), client="x")
    services.account_activate(user, last_code("0912000111"))
    client.force_login(user)
    answer = client.post(
        reverse("accounts:profile"), {"phone": "0912000222", "email": "", "address": "Nhà mới"}
    )
    assert answer.status_code == 400
    assert "đã được dùng cho một tài khoản khác" in answer.content.decode()
    profile = ApplicantProfile.objects.get(user=user)
    assert (profile.phone, profile.address) == ("0912000111", "")
    assert not OneTimeCode.objects.filter(user=user, purpose=Purpose.PHONE).exists()


def test_profile_bad_input_stores_nothing(client):
    user = services.account_register(registration(), client="x")
    services.account_activate(user, last_code("0912000111"))
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"), {"phone": "12", "email": "khong-phai-thu", "address": "X"}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "10 chữ số" in errors["phone"][0] and errors["email"]
    profile = ApplicantProfile.objects.get(user=user)
    assert (profile.phone, profile.address) == ("0912000111", "")
