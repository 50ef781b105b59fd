"""PAdES signatures on PDFs with pyHanko: sign, refuse a bad certificate, validate.

The one place that signs and validates PDFs (``../shared/DOCUMENTS.md``, "Signatures on PDFs").

- **Signing** (:func:`sign_pdf`): PAdES baseline B-B, B-T (a signature timestamp from the
  configured timestamp authority) or B-LTA (validation data and a document timestamp added),
  SHA-256,
  RSA-PSS where the key is RSA (Circular 15/2025), ECDSA otherwise. The signer's certificate is
  checked first (:func:`check_signer`): a certificate that is revoked, expired, not yet valid,
  not chained to a configured trust root, not for signing, or with a key below Circular
  15/2025's minimum is refused with a :class:`SigningRefused`, and nothing is signed.
- **Validation** (:func:`validate_pdf`): every signature of a PDF: signer, times, integrity, the
  chain to the trust roots, revocation, and what changed after signing. PKCS#1 v1.5 and PSS are
  both accepted (most deployed tokens make v1.5).

Trust roots come from ``settings.TINHSO_SIGNATURE_TRUST_ROOTS`` (PEM or DER files; in production
the Government Cipher Committee's root and the national root NEAC, in the demo the demo CA).
Revocation data is fetched only from URLs starting with one of
``settings.TINHSO_REVOCATION_ALLOWLIST`` and within :data:`FETCH_LIMITS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from html import escape

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers, timestamps
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp import BaseStampStyle
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as cv_errors
from pyhanko_certvalidator.fetchers.api import FetchLimits

from tinhso.core.errors import DomainError

from .appearance import Placement
from .fetching import allowlisted_backend

logger = logging.getLogger(__name__)
FETCH_LIMITS = FetchLimits(max_requests=20, max_cert_requests=10, max_aia_urls_per_object=3)
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256


class Level(StrEnum):
    """PAdES baseline levels."""

    B_B = "B-B"
    B_T = "B-T"
    B_LTA = "B-LTA"


class SigningRefused(DomainError):
    """The signer's certificate may not sign now; nothing was signed."""

    status = 409


# --- trust roots and validation contexts ----------------------------------------------------------


def trust_roots() -> list[asn1_x509.Certificate]:
    """The configured roots; a missing file is logged and skipped (nothing is then trusted
    through it: signatures under it are "cannot be confirmed", never valid)."""
    roots = []
    for path in settings.TINHSO_SIGNATURE_TRUST_ROOTS:
        try:
            roots.append(load_cert_from_pemder(str(path)))
        except OSError:
            logger.error("trust root %s cannot be read", path)
    return roots


def validation_context(
    *, at: dt.datetime | None = None, other_certs: list | None = None
) -> ValidationContext:
    """A context that trusts the configured roots and fetches revocation data (OCSP, CRL) from
    allow-listed responders only, within :data:`FETCH_LIMITS`, failing hard when none answers."""
    return ValidationContext(
        trust_roots=trust_roots(),
        other_certs=other_certs or [],
        allow_fetching=True,
        revocation_mode="hard-fail",
        moment=at,
        fetcher_backend=allowlisted_backend(settings.TINHSO_REVOCATION_ALLOWLIST, FETCH_LIMITS),
    )


# --- signing --------------------------------------------------------------------------------------


def load_pkcs12(data: bytes, password: bytes | None) -> signers.SimpleSigner:
    """A signer from a PKCS#12 file (key, certificate, chain); RSA keys sign with PSS."""
    import tempfile

    # pyHanko reads PKCS#12 from a file; the key never leaves this process.
    with tempfile.NamedTemporaryFile(suffix=".p12") as handle:
        handle.write(data)
        handle.flush()
        try:
            signer = signers.SimpleSigner.load_pkcs12(
                handle.name, passphrase=password, prefer_pss=True
            )
        except (ValueError, TypeError):
            signer = None
    if signer is None:
        raise SigningRefused(
            "bad_keystore",
            _("The PKCS#12 file could not be opened: check the file and its password."),
        )
    return signer


@contextlib.contextmanager
def pkcs11_signer(
    *,
    library: str,
    token_label: str,
    pin: str,
    key_label: str,
    certificate: asn1_x509.Certificate,
    chain: Sequence[asn1_x509.Certificate] = (),
) -> Iterator[signers.Signer]:
    """A signer whose key stays on a PKCS#11 token (a USB token, an HSM; SoftHSM in tests), open
    for the block. ``certificate`` is the officer's registered certificate of that key."""
    from pkcs11 import PKCS11Error
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    try:
        session = open_pkcs11_session(
            library, token_criteria=TokenCriteria(label=token_label), user_pin=pin
        )
    except (PKCS11Error, OSError, SigningError) as exc:
        raise _refuse(
            "token_unavailable",
            _("The signing token could not be opened: check that it is plugged in and the PIN."),
        ) from exc
    try:
        yield PKCS11Signer(
            session,
            key_label=key_label,
            signing_cert=certificate,
            ca_chain=list(chain),
            prefer_pss=True,
        )
    finally:
        session.close()


def _refuse(code: str, message: str) -> SigningRefused:
    return SigningRefused(code, message)


def check_key(cert: asn1_x509.Certificate) -> None:
    """Circular 15/2025: RSA of at least 2048 bits or ECDSA of at least 256 bits."""
    public_key = cert.public_key
    algorithm, bits = public_key.algorithm, public_key.bit_size
    if (algorithm == "rsa" and bits >= MIN_RSA_BITS) or (algorithm == "ec" and bits >= MIN_EC_BITS):
        return
    raise _refuse(
        "weak_key",
        _(
            "The certificate's key (%(algorithm)s, %(bits)d bits) is below the minimum: RSA 2048 "
            "bits or ECDSA 256 bits."
        )
        % {"algorithm": algorithm.upper(), "bits": bits},
    )


def check_signer(signer: signers.Signer, *, at: dt.datetime | None = None) -> None:
    """Refuse a certificate that may not sign now (see the module's docstring)."""
    cert = signer.signing_cert
    check_key(cert)
    context = validation_context(at=at, other_certs=list(signer.cert_registry))
    validator = CertificateValidator(
        cert, intermediate_certs=list(signer.cert_registry), validation_context=context
    )
    name = _common_name(cert)
    try:
        asyncio.run(validator.async_validate_usage({"digital_signature"}, extended_optional=True))
    except cv_errors.RevokedError as exc:
        raise _refuse(
            "certificate_revoked",
            _("The certificate of %(name)s has been revoked: it can no longer sign.")
            % {"name": name},
        ) from exc
    except cv_errors.ExpiredError as exc:
        raise _refuse(
            "certificate_expired",
            _("The certificate of %(name)s expired on %(date)s: it can no longer sign.")
            % {"name": name, "date": cert.not_valid_after.date().strftime("%d/%m/%Y")},
        ) from exc
    except cv_errors.NotYetValidError as exc:
        raise _refuse(
            "certificate_not_yet_valid",
            _("The certificate of %(name)s is not valid yet.") % {"name": name},
        ) from exc
    except cv_errors.InvalidCertificateError as exc:
        raise _refuse(
            "certificate_not_for_signing",
            _("The certificate of %(name)s may not be used for signatures.") % {"name": name},
        ) from exc
    except cv_errors.PathBuildingError as exc:
        raise _refuse(
            "certificate_untrusted",
            _("The certificate of %(name)s is not issued by a trusted authority.") % {"name": name},
        ) from exc
    except (cv_errors.PathValidationError, cv_errors.ValidationError) as exc:
        raise _refuse(
            "certificate_unverifiable",
            _(
                "The certificate of %(name)s could not be checked (revocation status unavailable): "
                "try again later."
            )
            % {"name": name},
        ) from exc


def sign_pdf(
    pdf: bytes,
    signer: signers.Signer,
    *,
    field_name: str,
    level: Level = Level.B_T,
    reason: str = "",
    location: str = "",
    placement: Placement | None = None,
    appearance: BaseStampStyle | None = None,
) -> bytes:
    """``pdf`` with one more signature in ``field_name``, added as an incremental update so that
    earlier signatures stay valid. The field is the template's, or made at ``placement``; its
    look is ``appearance`` (``appearance.py``), invisible without a placement or a field.
    The certificate is checked first."""
    check_signer(signer)
    timestamper = None
    if level in (Level.B_T, Level.B_LTA):
        if not settings.TINHSO_TSA_URL:
            raise _refuse("no_timestamp_authority", _("No timestamp authority is configured."))
        timestamper = timestamps.HTTPTimeStamper(settings.TINHSO_TSA_URL, timeout=15)
    lta = level == Level.B_LTA
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=reason or None,
        location=location or None,
        embed_validation_info=lta,
        use_pades_lta=lta,
        validation_context=validation_context() if lta else None,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfReadError, ValueError) as exc:
        raise DomainError("bad_pdf", _("The file is not a readable PDF.")) from exc
    field_spec = None
    if placement is not None:
        page = placement.page if placement.page >= 0 else page_count(pdf) + placement.page
        field_spec = SigFieldSpec(field_name, on_page=page, box=placement.box)
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=timestamper,
        stamp_style=appearance,
        new_field_spec=field_spec,
    )
    try:
        return pdf_signer.sign_pdf(writer).getvalue()
    except SigningError as exc:
        raise _refuse(
            "signing_failed", _("The signature could not be made: %(reason)s") % {"reason": exc}
        ) from exc


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def fill_text_fields(pdf: bytes, values: dict[str, str], *, font_size: float = 13) -> bytes:
    """``pdf`` with its text form fields ``values`` (name → text) filled in, as one incremental
    update that earlier signatures accept as form filling: each field gets its ``/V`` and an
    appearance stream (the text drawn by WeasyPrint in Times New Roman or Liberation Serif, its
    glyphs embedded), and nothing else of the document changes (no ``/NeedAppearances``, no
    page content). Stamping text into the page instead would break the signatures."""
    from pyhanko.pdf_utils import generic
    from weasyprint import HTML

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    form = writer.root["/AcroForm"]
    found = set()
    for ref in form["/Fields"]:
        field = ref.get_object()
        name = str(field.get("/T", ""))
        if name not in values or field.get("/FT") != "/Tx":
            continue
        found.add(name)
        x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
        width, height = abs(x2 - x1), abs(y2 - y1)
        # smaller type for a text longer than the field (a serif letter is about 0.45 em wide)
        size = min(font_size, width / (0.47 * max(len(values[name]), 1)))
        html = (
            f"<style>@page {{ size: {width}pt {height}pt; margin: 0 }} body {{ margin: 0;"
            f" font: {size:.1f}pt/{height}pt 'Times New Roman', 'Liberation Serif', serif;"
            " white-space: nowrap; text-align: center }</style>"
            f"<div>{escape(values[name])}</div>"
        )
        appearance_pdf = HTML(string=html).write_pdf()
        xobject = writer.import_page_as_xobject(
            PdfFileReader(io.BytesIO(appearance_pdf), strict=False), page_ix=0
        )
        field["/V"] = generic.TextStringObject(values[name])
        field["/AP"] = generic.DictionaryObject({generic.NameObject("/N"): xobject})
        writer.update_container(field)
    missing = set(values) - found
    if missing:
        raise DomainError(
            "no_form_field", _("The PDF has no form field %(names)s.") % {"names": sorted(missing)}
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- validation -----------------------------------------------------------------------------------


class Verdict(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    INDETERMINATE = "indeterminate"


@dataclass
class SignatureCheck:
    """What a person needs to know about one signature of a PDF."""

    field: str
    signer: str
    signer_dn: str
    signing_time: dt.datetime | None
    timestamp_time: dt.datetime | None
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the cryptographic signature verifies
    trusted: bool  # the certificate chains to a configured root
    chain: list[str]
    revoked: bool
    revocation_checked: bool
    mechanism: str
    digest: str
    coverage: str  # "entire file" / "entire revision" / "partial"
    modifications: str  # what changed after signing (see MODIFICATIONS)
    problems: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        if not (self.intact and self.valid) or self.revoked:
            return Verdict.INVALID
        if self.modifications == "other":
            return Verdict.INVALID
        if not self.trusted or not self.revocation_checked:
            return Verdict.INDETERMINATE
        return Verdict.VALID


MODIFICATIONS = {
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "validation data",
    ModificationLevel.FORM_FILLING: "form filling",
    ModificationLevel.ANNOTATIONS: "annotations",
    ModificationLevel.OTHER: "other",
}


def validate_pdf(data: bytes) -> list[SignatureCheck]:
    """Every signature of ``data``, checked against the trust roots (nothing is stored)."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise DomainError("bad_pdf", _("The file is not a readable PDF.")) from exc
    checks = []
    for sig in embedded:
        checks.append(_check(sig))
    return checks


def _check(sig) -> SignatureCheck:
    context = validation_context()
    problems: list[str] = []
    cert = sig.signer_cert
    try:
        status = validate_pdf_signature(sig, signer_validation_context=context)
    except Exception as exc:  # a malformed signature: reported, never a server error
        return SignatureCheck(
            field=sig.field_name,
            signer=cert.subject.human_friendly if cert else "",
            signer_dn=cert.subject.human_friendly if cert else "",
            signing_time=None,
            timestamp_time=None,
            intact=False,
            valid=False,
            trusted=False,
            chain=[],
            revoked=False,
            revocation_checked=False,
            mechanism="",
            digest="",
            coverage="",
            modifications="",
            problems=[f"{type(exc).__name__}: {exc}"],
        )
    revoked, trusted = bool(status.revoked), bool(status.trusted)
    chain = []
    if status.validation_path is not None:
        certs = status.validation_path.iter_certs(include_root=True)
        chain = [_common_name(c) for c in reversed(list(certs))]  # signer first
    if not trusted and not revoked and status.trust_problem_indic is not None:
        problems.append(str(status.trust_problem_indic.name))
    level = status.modification_level
    ts = status.timestamp_validity
    return SignatureCheck(
        field=sig.field_name,
        signer=_common_name(status.signing_cert),
        signer_dn=status.signing_cert.subject.human_friendly,
        signing_time=status.signer_reported_dt,
        timestamp_time=ts.timestamp if ts is not None else None,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=trusted,
        chain=chain,
        revoked=revoked,
        revocation_checked=trusted or revoked,
        mechanism=status.pkcs7_signature_mechanism,
        digest=status.md_algorithm,
        coverage=status.coverage.name.lower().replace("_", " ") if status.coverage else "",
        modifications=MODIFICATIONS.get(level, "other") if level is not None else "",
        problems=problems,
    )


def _common_name(cert: asn1_x509.Certificate) -> str:
    native = cert.subject.native
    return native.get("common_name") or cert.subject.human_friendly
