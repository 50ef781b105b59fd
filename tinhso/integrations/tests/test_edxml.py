"""edXML envelopes: read with every field kept, written back equal under exclusive c14n,
problems reported instead of failures, signatures verified leniently and made with SHA-256."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from tinhso.integrations import edxml

from .edxml_samples import envelope, status_envelope, zipped_attachment


def test_every_header_field_trace_and_attachment_is_kept():
    env = edxml.read(envelope(recipients=("000.00.31.H44", "000.00.32.H44")))
    header = env.message
    assert env.kind == "document"
    assert header["From"]["OrganName"] == "UBND tỉnh Quảng Trị"
    assert header["From"]["Fax"] == "0232 3822 001"
    assert [to["OrganId"] for to in header["To"]] == ["000.00.31.H44", "000.00.32.H44"]
    assert header["To"][0]["Fax"] == ""  # present but empty: kept as such
    assert header["Code"] == {"CodeNumber": "215", "CodeNotation": "UBND-VX"}
    assert header["PromulgationInfo"]["PromulgationDate"] == "2026/11/19"
    assert header["DocumentType"]["TypeName"] == "Công văn"
    assert header["Content"].endswith("& rà soát đối tượng")
    assert header["SignerInfo"]["Competence"] == "KT. CHỦ TỊCH"
    assert header["OtherInfo"]["Appendixes"]["Appendix"] == [
        "Danh sách các xã triển khai",
        "Kế hoạch chi tiết",
    ]
    assert header["OtherInfo"]["Direction"] == "false"
    assert header["ToPlaces"]["Place"] == ["Như trên", "Lưu: VT, VX"]
    assert env.traces == [{"OrganId": "000.00.00.H44", "Timestamp": "2026/11/20 08:15:00"}]
    assert env.business["StaffInfo"]["Staff"] == "Lê Thị Hoa"
    assert env.header["Signature"].lstrip().startswith("<Signature")
    assert env.manifest == [
        {
            "ContentId": "cid:215",
            "ContentType": "application/zip",
            "Description": "215_UBND-VX.pdf",
            "AttachmentName": "215_UBND-VX.pdf",
        }
    ]
    (attachment,) = env.attachments
    assert attachment.content == zipped_attachment()
    with zipfile.ZipFile(io.BytesIO(attachment.content)) as archive:
        assert archive.namelist() == ["cv-215-ubnd.pdf", "phu-luc.txt"]
    assert (env.sender, env.recipients) == ("000.00.00.H44", ["000.00.31.H44", "000.00.32.H44"])


def test_an_impossible_date_is_kept_as_written_and_reported():
    env = edxml.read(envelope(document_id="000.00.00.H44,2026/02/30,215/UBND-VX"))
    assert env.message["DocumentId"] == "000.00.00.H44,2026/02/30,215/UBND-VX"
    paths = {(p.path, p.message) for p in env.problems}
    assert (
        "edXMLHeader/MessageHeader/DocumentId",
        "the date in the DocumentId is impossible",
    ) in paths
    assert tuple(p.path for p in env.problems if p.path.endswith("Bussiness/DocumentId")) == (
        "edXMLHeader/TraceHeaderList/Bussiness/DocumentId",
    )
    bad_time = edxml.read(envelope(trace_time="2026/13/01 25:00:00"))
    assert any(p.value == "2026/13/01 25:00:00" for p in bad_time.problems)
    assert not any(
        "DocumentId" in p.path
        for p in edxml.read(envelope(document_id="X,2026/02/28,1/A")).problems
    )


@pytest.mark.parametrize("wrap", [76, 64, 10_000])
def test_an_export_rebuilt_from_the_stored_data_equals_the_received_envelope(wrap):
    received = envelope(wrap=wrap, recipients=("000.00.31.H44", "000.00.32.H44"))
    env = edxml.read(received)
    stored = _json_roundtrip(env)  # what a database keeps: JSON and the attachment bytes
    rebuilt = edxml.write(stored)
    assert edxml.canonical(rebuilt) == edxml.canonical(received)
    # and the comparison is not blind: one changed letter or one changed attachment byte differs
    changed = received.replace("Hoàng Nam".encode(), "Hoàng Nan".encode())
    assert edxml.canonical(changed) != edxml.canonical(received)
    other = envelope(attachment=zipped_attachment() + b"\0")
    assert edxml.canonical(other) != edxml.canonical(received)


def test_a_status_message_reads_and_round_trips():
    received = status_envelope(
        sender="000.00.31.H44",
        answered="000.00.00.H44",
        document_id="000.00.00.H44,2026/11/19,215/UBND-VX",
        code="01",
        time="2026/11/20 09:00:00",
    )
    env = edxml.read(received)
    assert env.kind == "status"
    assert env.message["StatusCode"] == "01" and edxml.STATUS_CODES["01"] == "arrived"
    assert env.document_id == "000.00.00.H44,2026/11/19,215/UBND-VX"
    assert env.problems == []
    assert edxml.canonical(edxml.write(_json_roundtrip(env))) == edxml.canonical(received)


def test_unknown_elements_are_kept_and_reported():
    received = envelope().replace(
        b"<edXML:SteeringType>1</edXML:SteeringType>",
        b"<edXML:SteeringType>1</edXML:SteeringType><edXML:ResponseDate>x</edXML:ResponseDate>",
    )
    env = edxml.read(received)
    assert any(p.path.endswith("ResponseDate") for p in env.problems)
    assert edxml.canonical(edxml.write(env)) == edxml.canonical(received)


def test_delivery_key_separates_business_types_and_traces_but_not_repeats():
    first = edxml.read(envelope())
    again = edxml.read(envelope(wrap=64))  # the same delivery, re-encoded
    revocation = edxml.read(envelope(business_type="1"))
    later = edxml.read(envelope(trace_time="2026/11/21 08:15:00"))
    assert first.delivery_key() == again.delivery_key()
    assert len({first.delivery_key(), revocation.delivery_key(), later.delivery_key()}) == 3


@pytest.mark.parametrize(
    "data, message",
    [
        (b"not xml", "not well-formed"),
        (b"<edXML/>", "root element"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
            b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&a;</edXML>',
            "DOCTYPE",
        ),
        (b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>', "edXMLEnvelope"),
    ],
)
def test_what_is_not_an_envelope_is_refused_with_the_reason(data, message):
    with pytest.raises(edxml.EdxmlError, match=message):
        edxml.read(data)


def test_the_received_signature_is_reported_not_fatal():
    report = edxml.verify(envelope())
    assert report.present and not report.namespace_ok and not report.valid
    assert report.digest_ok is False
    assert "SHA-1 is no longer accepted for new signatures" in report.notes
    assert "no readable signing certificate" in report.notes


def _key_and_cert(key) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Văn thư UBND tỉnh Quảng Trị")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_a_signed_envelope_verifies_and_a_change_breaks_it(rsa_key):
    signed = edxml.sign(envelope(), rsa_key, _key_and_cert(rsa_key))
    report = edxml.verify(signed)
    assert report.valid and report.namespace_ok, report
    assert report.algorithm.endswith("rsa-sha256") and report.digest_algorithm.endswith("sha256")
    assert "Văn thư" in report.signer
    # the signature sits last in the header, as in the public sample
    root = etree.fromstring(signed)
    header = root.find(f"{{{edxml.NS}}}edXMLEnvelope/{{{edxml.NS}}}edXMLHeader")
    assert etree.QName(header[-1]).localname == "Signature"
    # independent check with signxml's own verifier
    from signxml import XMLVerifier

    XMLVerifier().verify(signed, x509_cert=_key_and_cert_pem_of(signed))
    tampered = signed.replace("Hoàng Nam".encode(), "Hoàng Nan".encode())
    broken = edxml.verify(tampered)
    assert broken.digest_ok is False and not broken.valid
    # read() keeps the new signature; the export still equals the signed bytes
    assert edxml.canonical(edxml.write(edxml.read(signed))) == edxml.canonical(signed)


def test_an_ecdsa_signature_verifies():
    key = ec.generate_private_key(ec.SECP256R1())
    report = edxml.verify(edxml.sign(envelope(), key, _key_and_cert(key)))
    assert report.valid, report


def _key_and_cert_pem_of(signed: bytes) -> str:
    root = etree.fromstring(signed)
    (el,) = root.iter(f"{{{edxml.DSIG}}}X509Certificate")
    body = el.text.strip()
    return "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n"


def _json_roundtrip(env: edxml.Envelope) -> edxml.Envelope:
    import json

    data = json.loads(
        json.dumps(
            {
                "header": env.header,
                "manifest": env.manifest,
                "manifest_version": env.manifest_version,
                "attachments": [
                    {
                        "content_id": a.content_id,
                        "name": a.name,
                        "description": a.description,
                        "content_type": a.content_type,
                        "extra": a.extra,
                    }
                    for a in env.attachments
                ],
            },
            ensure_ascii=False,
        )
    )
    contents = [a.content for a in env.attachments]
    return edxml.Envelope(
        header=data["header"],
        manifest=data["manifest"],
        manifest_version=data["manifest_version"],
        attachments=[
            edxml.Attachment(**a, content=c)
            for a, c in zip(data["attachments"], contents, strict=True)
        ],
    )
