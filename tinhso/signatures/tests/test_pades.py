"""PAdES signing and validation with pyHanko, checked by an independent validator (pdfsig, NSS)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import weasyprint
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter

from tinhso.signatures import pades

from .conftest import pdfsig


@pytest.fixture(scope="module")
def document() -> bytes:
    html = "<h1>QUYẾT ĐỊNH</h1><p>Về việc cấp giấy phép xây dựng — Tiếng Việt có dấu.</p>"
    return weasyprint.HTML(string=html).write_pdf()


def test_a_leader_signs_b_t_and_both_validators_say_valid(trust, document, tmp_path):
    signed = pades.sign_pdf(
        document, trust.signer("leader"), field_name="ChuKyLanhDao", level=pades.Level.B_T
    )
    (check,) = pades.validate_pdf(signed)
    assert check.verdict == pades.Verdict.VALID, check
    assert (check.signer, check.field) == ("Nguyễn Văn An", "ChuKyLanhDao")
    assert check.mechanism == "rsassa_pss" and check.digest == "sha256"
    assert check.timestamp_time is not None and check.chain[-1] == "tinhso Demo Root CA"
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    out = pdfsig(path, trust.nss_db(tmp_path))
    assert "Signature is Valid." in out and "Certificate is Trusted." in out, out


def test_one_byte_changed_after_signing_is_a_digest_mismatch(trust, document, tmp_path):
    signed = bytearray(
        pades.sign_pdf(document, trust.signer("leader"), field_name="S", level=pades.Level.B_B)
    )
    signed[120] ^= 0x01  # inside the first signed range
    (check,) = pades.validate_pdf(bytes(signed))
    assert not check.intact and check.verdict == pades.Verdict.INVALID
    path = tmp_path / "changed.pdf"
    path.write_bytes(signed)
    assert "Digest Mismatch." in pdfsig(path, trust.nss_db(tmp_path))


@pytest.mark.parametrize(
    "name, code", [("revoked", "certificate_revoked"), ("expired", "certificate_expired")]
)
def test_a_revoked_or_expired_certificate_may_not_sign(trust, document, name, code):
    with pytest.raises(pades.SigningRefused) as refused:
        pades.sign_pdf(document, trust.signer(name), field_name="S", level=pades.Level.B_B)
    assert refused.value.code == code
    assert "không" in str(refused.value.message)  # a Vietnamese sentence


def _sign_elsewhere(document: bytes, signer, field: str = "S") -> bytes:
    """Signed without the platform's checks, as another product would."""
    meta = signers.PdfSignatureMetadata(
        field_name=field, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(document))
    return signers.PdfSigner(meta, signer=signer).sign_pdf(writer).getvalue()


def test_a_pdf_signed_elsewhere_with_a_revoked_certificate_is_reported_revoked(
    trust, document, tmp_path
):
    signed = _sign_elsewhere(document, trust.signer("revoked"))
    (check,) = pades.validate_pdf(signed)
    assert check.revoked and check.verdict == pades.Verdict.INVALID
    path = tmp_path / "revoked.pdf"
    path.write_bytes(signed)
    assert "Certificate has been Revoked." in pdfsig(path, trust.nss_db(tmp_path))


def test_pkcs1_v15_signatures_are_accepted(trust, document):
    signed = _sign_elsewhere(document, trust.signer("leader", pss=False))
    (check,) = pades.validate_pdf(signed)
    assert check.mechanism == "sha256_rsa" and check.verdict == pades.Verdict.VALID, check


def test_two_signatures_in_sequence_are_both_valid(trust, document, tmp_path):
    first = pades.sign_pdf(document, trust.signer("leader"), field_name="ChuKyLanhDao")
    both = pades.sign_pdf(first, trust.signer("agency"), field_name="ChuKyCoQuan")
    checks = pades.validate_pdf(both)
    assert [(c.field, c.verdict) for c in checks] == [
        ("ChuKyLanhDao", pades.Verdict.VALID),
        ("ChuKyCoQuan", pades.Verdict.VALID),
    ]
    assert checks[0].modifications in ("form filling", "validation data", "none")
    path = tmp_path / "both.pdf"
    path.write_bytes(both)
    out = pdfsig(path, trust.nss_db(tmp_path))
    assert out.count("Signature is Valid.") == 2 and out.count("Certificate is Trusted.") == 2, out


def test_b_lta_embeds_validation_data_and_a_document_timestamp(trust, document):
    signed = pades.sign_pdf(
        document, trust.signer("leader"), field_name="S", level=pades.Level.B_LTA
    )
    assert b"/DSS" in signed and b"/DocTimeStamp" in signed
    checks = pades.validate_pdf(signed)
    assert checks[0].verdict == pades.Verdict.VALID


def test_without_an_allowed_responder_the_status_is_unknown_never_valid(trust, settings, document):
    signed = pades.sign_pdf(document, trust.signer("leader"), field_name="S", level=pades.Level.B_B)
    settings.TINHSO_REVOCATION_ALLOWLIST = ["http://ocsp.example.gov.vn/"]
    (check,) = pades.validate_pdf(signed)
    assert check.intact and check.valid
    assert check.verdict == pades.Verdict.INDETERMINATE


def test_an_untrusted_root_is_indeterminate(trust, settings, document, tmp_path):
    signed = pades.sign_pdf(document, trust.signer("leader"), field_name="S", level=pades.Level.B_B)
    settings.TINHSO_SIGNATURE_TRUST_ROOTS = [str(trust.dir / "tsa.pem")]  # not the signer's root
    (check,) = pades.validate_pdf(signed)
    assert not check.trusted and check.verdict == pades.Verdict.INDETERMINATE


def test_a_file_that_is_not_a_pdf_is_refused_clearly(trust):
    with pytest.raises(pades.DomainError) as refused:
        pades.validate_pdf(b"not a pdf")
    assert refused.value.code == "bad_pdf"


def test_a_weak_key_is_refused():
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - the point
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Khóa yếu")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    with pytest.raises(pades.SigningRefused) as refused:
        pades.check_key(asn1_x509.Certificate.load(der))
    assert refused.value.code == "weak_key"
