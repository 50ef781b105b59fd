"""Officers' signing certificates: registration and look-up (``OfficerCertificate``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, PermissionDenied

from .models import OfficerCertificate

EXPIRY_WARNING_DAYS = 30


def parse_certificate(data: bytes) -> asn1_x509.Certificate:
    """A certificate from PEM or DER bytes; a clear error otherwise."""
    try:
        if pem.detect(data):
            _type, _headers, data = pem.unarmor(data)
        cert = asn1_x509.Certificate.load(data)
        cert.native  # noqa: B018 - parses the whole structure now
    except (ValueError, TypeError) as exc:
        raise DomainError("bad_certificate", _("The certificate cannot be read.")) from exc
    return cert


def certificate_register(
    *, actor: Any, user: Any, data: bytes, signature_image: bytes = b"", agency: Any = None
) -> OfficerCertificate:
    """Register a signing certificate to an officer (an administrator's operation): their
    personal certificate, or with ``agency`` the agency's own certificate (its digital seal) on
    the token the officer keeps; ``signature_image`` is then the seal's image."""
    cert = parse_certificate(data)
    der = cert.dump()
    with transaction.atomic():
        row, _created = OfficerCertificate.objects.update_or_create(
            sha256=hashlib.sha256(der).hexdigest(),
            defaults={
                "user": user,
                "certificate": der,
                "subject": cert.subject.human_friendly[:500],
                "issuer": cert.issuer.human_friendly[:500],
                "serial": str(cert.serial_number)[:100],
                "not_before": cert.not_valid_before,
                "not_after": cert.not_valid_after,
                "signature_image": signature_image,
                "agency": agency,
                "active": True,
            },
        )
        audit_record(
            actor=actor,
            action="signature.certificate_register",
            obj=row,
            after={
                "user": user.pk,
                "subject": row.subject,
                "serial": row.serial,
                "agency": getattr(agency, "pk", None),
            },
        )
    return row


def registered_certificate(user: Any, der: bytes) -> OfficerCertificate | None:
    """The active registration of this certificate to ``user``, or None."""
    return OfficerCertificate.objects.filter(
        user_id=getattr(user, "pk", None), sha256=hashlib.sha256(der).hexdigest(), active=True
    ).first()


def require_registered(user: Any, der: bytes, *, agency: Any = None) -> OfficerCertificate:
    """The registration that lets ``user`` sign with the certificate ``der``: their personal
    certificate, or (``agency`` given) that agency's organisation certificate kept by them.
    Refused with a clear message otherwise (nothing is signed)."""
    row = registered_certificate(user, der)
    if row is None:
        raise PermissionDenied(
            "certificate_not_registered",
            _("This certificate is not registered to you: ask the administrator to register it."),
        )
    if agency is None and row.agency_id is not None:
        raise PermissionDenied(
            "certificate_not_personal",
            _("This is an organisation's certificate: sign with your personal certificate."),
        )
    if agency is not None and row.agency_id != getattr(agency, "pk", agency):
        raise PermissionDenied(
            "certificate_not_organisation",
            _(
                "This certificate is not the agency's organisation certificate: plug in the "
                "agency's token."
            ),
        )
    return row


def expiring_certificates(user: Any, *, now: dt.datetime | None = None) -> list[OfficerCertificate]:
    """The officer's active certificates that expire within ``EXPIRY_WARNING_DAYS`` (or have)."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    return list(
        OfficerCertificate.objects.filter(
            user_id=getattr(user, "pk", None), active=True, not_after__lte=horizon
        ).order_by("not_after")
    )
