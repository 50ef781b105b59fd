"""Interrupted signing: the signer's token stays on their own computer (``docs/signatures.md``).

1. :func:`signing_begin`: the browser has asked the signing agent on the signer's computer for the
   certificate; the server checks it (revoked, expired, weak: refused), prepares the PDF with room
   for the signature, computes the signed attributes, and keeps all of it in a
   :class:`~tinhso.signatures.models.SigningSession` for a few minutes. The agent gets the signed
   attributes to sign.
2. The agent signs them with the token (PKCS#1 v1.5 or PSS, SHA-256).
3. :func:`signing_finish`: the server checks the signature value against the certificate, builds
   the CMS (with a signature timestamp for B-T), embeds it, and returns the signed PDF.

Each step is one transaction with its audit entry; the session's lifecycle (pending → done /
failed) goes through the one engine.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from asn1crypto import algos, cms
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.stamp import BaseStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, InvalidTransition, NotFound
from tinhso.core.lifecycle import Applied, Lifecycle, Transition, transition_table

from . import pades
from .appearance import Placement
from .models import SigningSession

MECHANISMS = ("rsassa_pss", "sha256_rsa", "sha256_ecdsa")  # in order of preference
Status = SigningSession.Status


def _certificate(der: bytes) -> asn1_x509.Certificate:
    try:
        cert = asn1_x509.Certificate.load(der)
        cert.native  # noqa: B018 - parses the whole structure now
    except (ValueError, TypeError) as exc:
        raise DomainError(
            "bad_certificate", _("The certificate sent by the signing agent cannot be read.")
        ) from exc
    return cert


def _mechanism(cert: asn1_x509.Certificate, offered: list[str]) -> str:
    """PSS where the token offers it (Circular 15/2025), else PKCS#1 v1.5; ECDSA for EC keys."""
    if cert.public_key.algorithm == "ec":
        return "sha256_ecdsa"
    for mechanism in ("rsassa_pss", "sha256_rsa"):
        if mechanism in offered:
            return mechanism
    raise DomainError(
        "unsupported_mechanism",
        _(
            "The signing token offers no supported signature method (RSA-PSS or RSA PKCS#1 "
            "v1.5 with SHA-256)."
        ),
    )


def _signature_algorithm(mechanism: str) -> algos.SignedDigestAlgorithm:
    if mechanism == "rsassa_pss":
        return algos.SignedDigestAlgorithm(
            {
                "algorithm": "rsassa_pss",
                "parameters": algos.RSASSAPSSParams(
                    {
                        "hash_algorithm": {"algorithm": "sha256"},
                        "mask_gen_algorithm": {
                            "algorithm": "mgf1",
                            "parameters": {"algorithm": "sha256"},
                        },
                        "salt_length": 32,
                    }
                ),
            }
        )
    return algos.SignedDigestAlgorithm({"algorithm": mechanism})


def _external(session_cert, chain, mechanism: str, value: bytes | int) -> signers.ExternalSigner:
    return signers.ExternalSigner(
        signing_cert=session_cert,
        cert_registry=SimpleCertificateStore.from_certs(chain),
        signature_value=value,
        signature_mechanism=_signature_algorithm(mechanism),
    )


def _timestamper(level: str):
    if level == pades.Level.B_T:
        if not settings.TINHSO_TSA_URL:
            raise pades.SigningRefused(
                "no_timestamp_authority", _("No timestamp authority is configured.")
            )
        return timestamps.HTTPTimeStamper(settings.TINHSO_TSA_URL, timeout=15)
    return None


# --- the session's lifecycle -------------------------------------------------------------------

_PENDING = frozenset({Status.PENDING})
TRANSITIONS = transition_table(
    Transition("finish", _PENDING, Status.DONE),
    Transition("fail", _PENDING, Status.FAILED),
)


class SigningSessionLifecycle(Lifecycle[SigningSession, Applied]):
    model = SigningSession
    transitions = TRANSITIONS
    audit_prefix = "signature"
    state_field = "status"
    snapshot_fields = ("status", "finished_at")
    guard_first = True

    def not_found(self) -> NotFound:
        return NotFound("unknown_signing_session", _("The signing session was not found."))

    def guard(self, actor: Any, obj: SigningSession, transition: Transition) -> None:
        """Only the officer who began the session finishes it; to anyone else it does not exist."""
        if getattr(actor, "pk", None) != obj.signer_id:
            raise self.not_found()

    def refuse(self, obj: SigningSession, transition: Transition) -> InvalidTransition:
        return InvalidTransition(
            "signing_session_closed", _("This signing session is already closed: start again.")
        )


LIFECYCLE = SigningSessionLifecycle()


# --- operations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToSign:
    """What the signing agent signs: the DER of the signed attributes, with SHA-256."""

    session: SigningSession
    data: bytes
    mechanism: str

    def as_json(self) -> dict[str, str]:
        return {
            "session": str(self.session.pk),
            "data": base64.b64encode(self.data).decode(),
            "hash": "sha256",
            "mechanism": self.mechanism,
        }


def _checked(
    certificate: bytes, chain: list[bytes], mechanisms: list[str]
) -> tuple[asn1_x509.Certificate, list[asn1_x509.Certificate], str]:
    cert = _certificate(certificate)
    intermediates = [_certificate(der) for der in chain]
    mechanism = _mechanism(cert, mechanisms)
    pades.check_signer(_external(cert, intermediates, mechanism, 0))
    return cert, intermediates, mechanism


def check_certificate(*, certificate: bytes, chain: list[bytes], mechanisms: list[str]) -> None:
    """Refuse now what :func:`signing_begin` would refuse about the agent's certificate (revoked,
    expired, weak, untrusted, no usable mechanism): for a caller that must know before it does
    something it cannot undo (an outgoing document's number is taken before its seal)."""
    _checked(certificate, chain, mechanisms)


def signing_begin(
    *,
    actor: Any,
    pdf: bytes,
    certificate: bytes,
    chain: list[bytes],
    mechanisms: list[str],
    purpose: str,
    reference: str,
    field_name: str,
    level: str = pades.Level.B_T,
    placement: Placement | None = None,
    appearance: BaseStampStyle | None = None,
    now: dt.datetime | None = None,
) -> ToSign:
    """Prepare ``pdf`` for a signature by the certificate the agent announced (step 1); the
    field is made at ``placement`` with ``appearance`` when given (``appearance.py``)."""
    if level not in (pades.Level.B_B, pades.Level.B_T):
        raise DomainError(
            "unsupported_level", _("Interrupted signing makes B-B or B-T signatures.")
        )
    cert, intermediates, mechanism = _checked(certificate, chain, mechanisms)
    timestamper = _timestamper(level)
    # The placeholder value only sizes the reserved room: the real one comes from the agent.
    placeholder = 1024 if cert.public_key.algorithm == "ec" else cert.public_key.byte_size
    external = _external(cert, intermediates, mechanism, placeholder)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfReadError, ValueError) as exc:
        raise DomainError("bad_pdf", _("The file is not a readable PDF.")) from exc
    field_spec = None
    if placement is not None:
        page = placement.page if placement.page >= 0 else pades.page_count(pdf) + placement.page
        field_spec = SigFieldSpec(field_name, on_page=page, box=placement.box)
    pdf_signer = signers.PdfSigner(
        meta,
        signer=external,
        timestamper=timestamper,
        stamp_style=appearance,
        new_field_spec=field_spec,
    )

    async def prepare():
        prep, _tbs, output = await pdf_signer.async_digest_doc_for_signing(writer)
        attrs = await external.signed_attrs(prep.document_digest, "sha256", use_pades=True)
        return prep, output, attrs

    prep, output, attrs = asyncio.run(prepare())
    now = now or timezone.now()
    with transaction.atomic():
        session = SigningSession.objects.create(
            signer=actor,
            purpose=purpose,
            reference=reference,
            field_name=field_name,
            level=str(level),
            mechanism=mechanism,
            certificate=cert.dump(),
            chain=[base64.b64encode(c.dump()).decode() for c in intermediates],
            prepared_pdf=output.getvalue(),
            document_digest=prep.document_digest,
            reserved_start=prep.reserved_region_start,
            reserved_end=prep.reserved_region_end,
            signed_attrs=attrs.dump(),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.TINHSO_SIGNING_SESSION_SECONDS),
        )
        audit_record(
            actor=actor,
            action="signature.begin",
            obj=session,
            after={
                "purpose": purpose,
                "reference": reference,
                "certificate": cert.subject.human_friendly,
                "serial": str(cert.serial_number),
                "mechanism": mechanism,
            },
        )
    return ToSign(session=session, data=attrs.dump(), mechanism=mechanism)


def _verify_value(session: SigningSession, value: bytes) -> bool:
    """Does the agent's signature value verify over the signed attributes with the session's
    certificate? Checked before anything is embedded."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    cert = asn1_x509.Certificate.load(bytes(session.certificate))
    key = serialization.load_der_public_key(cert.public_key.dump())
    data = bytes(session.signed_attrs)
    try:
        if session.mechanism == "rsassa_pss":
            key.verify(value, data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
        elif session.mechanism == "sha256_rsa":
            key.verify(value, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            key.verify(value, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def signing_finish(
    *, actor: Any, session_id: Any, signature: bytes, now: dt.datetime | None = None
) -> bytes:
    """Embed the agent's signature value (step 3); the signed PDF."""
    now = now or timezone.now()
    try:
        session = SigningSession.objects.filter(
            pk=session_id, signer_id=getattr(actor, "pk", None)
        ).first()
    except (ValueError, TypeError, DjangoValidationError):  # not a UUID
        session = None
    if session is None:
        raise LIFECYCLE.not_found()
    if session.status != Status.PENDING:
        raise LIFECYCLE.refuse(session, TRANSITIONS["finish"])
    if session.expires_at <= now:
        LIFECYCLE.perform(actor=actor, obj=session, action="fail", note="expired", now=now)
        raise DomainError("signing_session_expired", _("The signing session expired: start again."))
    if not _verify_value(session, signature):
        raise DomainError(
            "bad_signature_value",
            _("The signing agent's signature does not match the certificate: nothing was signed."),
        )
    cert = asn1_x509.Certificate.load(bytes(session.certificate))
    chain = [asn1_x509.Certificate.load(base64.b64decode(c)) for c in session.chain]
    external = _external(cert, chain, session.mechanism, signature)
    attrs = cms.CMSAttributes.load(bytes(session.signed_attrs))
    prep = PreparedByteRangeDigest(
        document_digest=bytes(session.document_digest),
        reserved_region_start=session.reserved_start,
        reserved_region_end=session.reserved_end,
    )
    output = io.BytesIO(bytes(session.prepared_pdf))

    async def finish():
        sig_cms = await external.async_sign_prescribed_attributes(
            "sha256", signed_attrs=attrs, timestamper=_timestamper(session.level)
        )
        await PdfTBSDocument.async_finish_signing(output, prep, sig_cms)

    asyncio.run(finish())
    signed = output.getvalue()

    def apply(row: SigningSession, step) -> Applied:
        row.finished_at = step.now
        row.prepared_pdf = b""  # the signed PDF belongs to the caller; nothing kept here
        return Applied()

    LIFECYCLE.perform(actor=actor, obj=session, action="finish", apply=apply, now=now)
    return signed
