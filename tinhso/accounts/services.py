"""Citizen accounts: self-registration, one-time codes, password reset, the VNeID sign-in.

A self-registered ID number is *declared*: the profile's ``personal_id_declared`` is set, it
meets no level of assurance and the unique constraint on ID numbers ignores it, so a number
someone else declared never blocks its real owner. The national-SSO sign-in takes the number
over: it finds or creates the owner's profile with ``personal_id_declared=False``
(``sso_sign_in``), and the accounts that only declared the number lose it (they keep their
history). An SSO identity is matched on the ID number only, never on a phone or an e-mail.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError
from tinhso.core.models import ApplicantKind, ApplicantProfile
from tinhso.core.ratelimit import Limit
from tinhso.core.validators import validate_personal_id
from tinhso.notifications.models import Channel, Event
from tinhso.notifications.services import Recipient, notify

from .models import OneTimeCode, Purpose
from .selectors import citizen_by_login

CODE_LIMIT = Limit("one-time-code", "TINHSO_RATE_ONE_TIME_CODES")
REGISTRATION_LIMIT = Limit("registration", "TINHSO_RATE_REGISTRATIONS")
CODE_LIFETIME = dt.timedelta(minutes=10)
CODE_ATTEMPTS = 5


@dataclass(frozen=True)
class Registration:
    """What the registration form has checked (``forms.RegistrationForm``)."""

    full_name: str
    personal_id: str
    date_of_birth: dt.date
    phone: str
    email: str
    password: str


def _hash(code_row_salt: str, code: str) -> str:
    return salted_hmac("tinhso.accounts.code", f"{code_row_salt}:{code}").hexdigest()


def account_register(reg: Registration, *, client: str) -> Any:
    """Create an inactive account and its citizen profile (ID number declared), then send a
    one-time code to the phone (else the e-mail). At most ``TINHSO_RATE_REGISTRATIONS`` per
    client address."""
    REGISTRATION_LIMIT.enforce(
        client, _("Too many registrations from this address. Try again in %(minutes)s minutes.")
    )
    proven = ApplicantProfile.objects.filter(
        personal_id=reg.personal_id, personal_id_declared=False
    )
    if proven.exists():
        raise DomainError(
            "personal_id_owned",
            _("This ID number already has an account: sign in through VNeID."),
        )
    if reg.phone and ApplicantProfile.objects.filter(phone=reg.phone, phone_verified=True).exists():
        raise DomainError("phone_taken", _("This phone number is already used by another account."))
    with transaction.atomic():
        user = get_user_model().objects.create_user(
            username=f"cd-{secrets.token_hex(6)}",
            email=reg.email,
            password=reg.password,
            first_name=reg.full_name[:150],
            is_active=False,
        )
        profile = ApplicantProfile.objects.create(
            user=user,
            kind=ApplicantKind.CITIZEN,
            full_name=reg.full_name,
            personal_id=reg.personal_id,
            personal_id_declared=True,
            date_of_birth=reg.date_of_birth,
            phone=reg.phone,
            email=reg.email,
        )
        code_send(user, Purpose.REGISTER)
        audit_record(actor=user, action="account.register", obj=profile)
    return user


def code_send(
    user: Any, purpose: str, *, channel: str | None = None, address: str = ""
) -> OneTimeCode:
    """Send a new six-digit code to the account's phone (else its e-mail), or to ``address`` on
    ``channel`` (a new phone or e-mail to verify), through the notifications service; at most
    ``TINHSO_RATE_ONE_TIME_CODES`` per phone or e-mail."""
    if channel is None:
        profile = user.applicant
        channel, address = (
            (Channel.SMS, profile.phone) if profile.phone else (Channel.EMAIL, profile.email)
        )
    CODE_LIMIT.enforce(
        address, _("Too many codes sent to this phone or e-mail. Try again in %(minutes)s minutes.")
    )
    code = f"{secrets.randbelow(10**6):06d}"
    row = OneTimeCode(
        user=user,
        purpose=purpose,
        channel=channel,
        address=address,
        expires_at=timezone.now() + CODE_LIFETIME,
    )
    row.code_hash = _hash(f"{user.pk}:{purpose}:{row.expires_at.isoformat()}", code)
    row.save()
    recipient = Recipient(phone=address) if channel == Channel.SMS else Recipient(email=address)
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    notify(
        Event.ONE_TIME_CODE,
        key=f"code:{row.pk}",
        recipients=[recipient],
        context={"code": code, "minutes": minutes},
    )
    return row


def code_verify(user: Any, purpose: str, code: str) -> OneTimeCode:
    """Accept the latest unused code of ``purpose``; a wrong code counts an attempt (kept even
    though the call fails), and after ``CODE_ATTEMPTS`` wrong ones the code is dead."""
    code = (code or "").strip()
    error = None
    with transaction.atomic():
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(user=user, purpose=purpose, used_at=None)
            .order_by("-created_at", "-pk")
            .first()
        )
        if row is None or row.expires_at <= timezone.now():
            error = DomainError("code_expired", _("The code has expired. Ask for a new one."))
        elif row.attempts >= CODE_ATTEMPTS:
            error = DomainError("code_attempts", _("Too many wrong codes. Ask for a new one."))
        elif not constant_time_compare(
            row.code_hash, _hash(f"{user.pk}:{purpose}:{row.expires_at.isoformat()}", code)
        ):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            error = DomainError("code_wrong", _("The code is not correct."))
        else:
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
    if error is not None:
        raise error
    return row


def account_activate(user: Any, code: str) -> Any:
    """Activate a self-registered account on its correct code: the phone (or e-mail) the code
    went to is verified."""
    row = code_verify(user, Purpose.REGISTER, code)  # its own transaction: attempts are kept
    with transaction.atomic():
        profile = ApplicantProfile.objects.select_for_update().get(user=user)
        if row.channel == Channel.SMS:
            taken = ApplicantProfile.objects.filter(phone=profile.phone, phone_verified=True)
            if taken.exclude(pk=profile.pk).exists():
                raise DomainError(
                    "phone_taken", _("This phone number is already used by another account.")
                )
            profile.phone_verified = True
        else:
            profile.email_verified = True
        profile.save(update_fields=["phone_verified", "email_verified"])
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit_record(actor=user, action="account.activate", obj=profile)
    return user


def password_reset_request(login: str) -> None:
    """Send a reset code to the account ``login`` names (verified phone or ID number); says
    nothing about whether it exists."""
    user = citizen_by_login(login)
    if user is not None:
        code_send(user, Purpose.RESET)


def password_reset_confirm(login: str, code: str, password: str) -> Any:
    """Set a new password on a correct reset code."""
    user = citizen_by_login(login)
    if user is None:
        raise DomainError("code_wrong", _("The code is not correct."))
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("password_weak", " ".join(exc.messages)) from exc
    code_verify(user, Purpose.RESET, code)  # its own transaction: attempts are kept
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(actor=user, action="account.password_reset", obj=user.applicant)
    return user


@dataclass(frozen=True)
class ProfileChange:
    """What the profile page has checked (``forms.ProfileForm``)."""

    phone: str
    email: str
    address: str
    notify_email: bool
    notify_sms: bool
    notify_zns: bool


def _phone_taken(phone: str, profile: ApplicantProfile) -> bool:
    """Whether another account signs in with this phone (a verified phone is unique)."""
    taken = ApplicantProfile.objects.filter(phone=phone, phone_verified=True)
    return taken.exclude(pk=profile.pk).exists()


def profile_update(user: Any, change: ProfileChange) -> list[str]:
    """Save the citizen's address (it prefills their forms) and notification channels, and
    start the change of their phone or e-mail; returns the purposes (``Purpose.PHONE``,
    ``Purpose.EMAIL``) now waiting for their code.

    A new phone or e-mail is not used before it is verified: a one-time code goes to the new
    address, and until it comes back (:func:`contact_change_confirm`) the profile keeps the old
    one, for sign-in, password-reset codes and notifications. Clearing one (the other kept, the
    form checks) takes effect at once."""
    from tinhso.notifications.services import preference_set

    waiting = []
    with transaction.atomic():
        profile = ApplicantProfile.objects.select_for_update().get(user=user)
        before = {"phone": profile.phone, "email": profile.email, "address": profile.address}
        if change.phone != profile.phone:
            if not change.phone:
                profile.phone, profile.phone_verified = "", False
            elif _phone_taken(change.phone, profile):
                raise DomainError(
                    "phone_taken", _("This phone number is already used by another account.")
                )
            else:
                code_send(user, Purpose.PHONE, channel=Channel.SMS, address=change.phone)
                waiting.append(Purpose.PHONE)
        if change.email != profile.email:
            if not change.email:
                profile.email, profile.email_verified = "", False
            else:
                code_send(user, Purpose.EMAIL, channel=Channel.EMAIL, address=change.email)
                waiting.append(Purpose.EMAIL)
        profile.address = change.address
        profile.save(
            update_fields=["phone", "phone_verified", "email", "email_verified", "address"]
        )
        if user.email != profile.email:
            user.email = profile.email
            user.save(update_fields=["email"])
        preference_set(
            actor=user, email=change.notify_email, sms=change.notify_sms, zns=change.notify_zns
        )
        audit_record(
            actor=user,
            action="account.profile",
            obj=profile,
            before=before,
            after={
                "phone": profile.phone,
                "email": profile.email,
                "address": profile.address,
                "waiting": waiting,
            },
        )
    return waiting


def contact_change_confirm(user: Any, purpose: str, code: str) -> ApplicantProfile:
    """Verify a new phone (``Purpose.PHONE``) or e-mail (``Purpose.EMAIL``) by the code sent to
    it: the profile takes it, verified (a phone then signs in)."""
    if purpose not in (Purpose.PHONE, Purpose.EMAIL):
        raise DomainError("code_wrong", _("The code is not correct."))
    row = code_verify(user, purpose, code)  # its own transaction: attempts are kept
    with transaction.atomic():
        profile = ApplicantProfile.objects.select_for_update().get(user=user)
        before = {"phone": profile.phone, "email": profile.email}
        if purpose == Purpose.PHONE:
            if _phone_taken(row.address, profile):
                raise DomainError(
                    "phone_taken", _("This phone number is already used by another account.")
                )
            profile.phone, profile.phone_verified = row.address, True
        else:
            profile.email, profile.email_verified = row.address, True
            user.email = row.address
            user.save(update_fields=["email"])
        profile.save(update_fields=["phone", "phone_verified", "email", "email_verified"])
        audit_record(
            actor=user,
            action=f"account.{purpose}_verified",
            obj=profile,
            before=before,
            after={"phone": profile.phone, "email": profile.email},
        )
    return profile


@dataclass(frozen=True)
class SsoIdentity:
    """What the platform keeps of a national SSO sign-in (``sso.identity_from_claims``)."""

    personal_id: str
    full_name: str
    date_of_birth: dt.date | None
    phone: str
    email: str
    address: str
    level: int


def _sso_check(identity: SsoIdentity) -> None:
    if not identity.personal_id or not identity.full_name:
        raise DomainError(
            "sso_no_personal_id",
            _("This VNeID account has no personal ID number: only citizens can sign in here."),
        )
    try:
        validate_personal_id(identity.personal_id, identity.date_of_birth)
    except ValidationError as exc:
        raise DomainError(
            "sso_bad_personal_id",
            _("The personal ID number sent by VNeID is not valid: %(reason)s")
            % {"reason": " ".join(exc.messages)},
        ) from None


def sso_sign_in(identity: SsoIdentity) -> Any:
    """The account of a proven SSO identity: the profile that owns its ID number (matched on
    the number alone, never on a phone or an e-mail), else a new account. Creating it takes
    the number over from every self-registered account that only declared it: they keep their
    history but lose the number. The level of assurance is kept on the profile."""
    _sso_check(identity)
    for attempt in (1, 2):  # a concurrent first sign-in of the same number wins the insert
        try:
            with transaction.atomic():
                return _sso_match_or_create(identity)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _sso_match_or_create(identity: SsoIdentity) -> Any:
    proven = (
        ApplicantProfile.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(personal_id=identity.personal_id, personal_id_declared=False)
        .first()
    )
    if proven is not None:
        if not proven.user.is_active:
            raise DomainError(
                "account_inactive",
                _("This account is locked. Please contact the one-stop desk."),
            )
        before = {"full_name": proven.full_name, "assurance_level": proven.assurance_level}
        proven.full_name = identity.full_name
        proven.date_of_birth = identity.date_of_birth or proven.date_of_birth
        proven.assurance_level = identity.level
        # Contact details only fill blanks: the citizen's own choices (profile page) stay.
        proven.email = proven.email or identity.email
        proven.address = proven.address or identity.address
        proven.save(
            update_fields=["full_name", "date_of_birth", "assurance_level", "email", "address"]
        )
        audit_record(
            actor=proven.user,
            action="account.sso_sign_in",
            obj=proven,
            before=before,
            after={"full_name": proven.full_name, "assurance_level": proven.assurance_level},
        )
        return proven.user
    declared = list(
        ApplicantProfile.objects.select_for_update(of=("self",)).filter(
            personal_id=identity.personal_id, personal_id_declared=True
        )
    )
    user = get_user_model().objects.create_user(
        username=f"vneid-{secrets.token_hex(6)}",
        email=identity.email,
        password=None,  # unusable: this account signs in through VNeID
        first_name=identity.full_name[:150],
    )
    profile = ApplicantProfile.objects.create(
        user=user,
        kind=ApplicantKind.CITIZEN,
        full_name=identity.full_name,
        personal_id=identity.personal_id,
        personal_id_declared=False,
        assurance_level=identity.level,
        date_of_birth=identity.date_of_birth,
        phone=identity.phone,
        email=identity.email,
        address=identity.address,
    )
    for row in declared:
        row.personal_id = ""
        row.save(update_fields=["personal_id"])
        audit_record(
            actor=user,
            action="account.personal_id_taken_over",
            obj=row,
            before={"personal_id_declared": True},
            after={"taken_over_by": profile.pk},
        )
    audit_record(
        actor=user,
        action="account.sso_create",
        obj=profile,
        after={"assurance_level": identity.level, "taken_over": [row.pk for row in declared]},
    )
    return user
