"""edXML envelopes (QCVN 102:2016 with its 2022 amendment): read, write, compare, sign, verify.

The only module that knows edXML's element names (``../shared/DOCUMENTS.md``). It is pure: no
Django, no database. An envelope is read into a :class:`Envelope`: plain, JSON-ready data
(``header``: the ``edXMLHeader`` as nested dicts and lists in the received order, element names as
keys), the manifest, the decoded attachments, the signature block kept as received, and the
``problems`` found (an impossible date, an unknown element, a signature that does not verify):
**an import never fails on a value**, it reports. :func:`write` builds the envelope back from
that data with the same prefixes as the public sample (default namespace on the root, ``edXML:``
inside the envelope, ``AttachmentEncoded`` outside it), so that a stored document exported again
equals what was received under exclusive canonicalisation (:func:`canonical`), whitespace ignored
and attachments compared decoded.

Element names are those of the standard, including its spelling (``Bussiness``). Dates are local
time (Asia/Ho_Chi_Minh) without offset: ``YYYY/MM/DD`` and ``YYYY/MM/DD HH:mm:ss``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
MAX_BYTES = 60 * 1024 * 1024  # 50 MB per file (DOCUMENTS.md) plus base64 and the header

# --- what the header holds ------------------------------------------------------------------------
#
# A spec is TEXT (one text element), RAW (an element kept as received XML: the signature), a
# tuple of (name, spec) pairs (an element with those children), or [spec] (the element repeats).

TEXT = "text"
RAW = "raw"

ORGAN = (
    ("OrganId", TEXT),
    ("OrganizationInCharge", TEXT),
    ("OrganName", TEXT),
    ("OrganAdd", TEXT),
    ("Email", TEXT),
    ("Telephone", TEXT),
    ("Fax", TEXT),
    ("Website", TEXT),
)
STAFF = (("Department", TEXT), ("Staff", TEXT), ("Email", TEXT), ("Mobile", TEXT))
RESPONSE_FOR = (
    ("OrganId", TEXT),
    ("Code", TEXT),
    ("PromulgationDate", TEXT),
    ("DocumentId", TEXT),
)
MESSAGE_HEADER = (
    ("From", ORGAN),
    ("To", [ORGAN]),
    ("DocumentId", TEXT),
    ("Code", (("CodeNumber", TEXT), ("CodeNotation", TEXT))),
    ("PromulgationInfo", (("Place", TEXT), ("PromulgationDate", TEXT))),
    ("DocumentType", (("Type", TEXT), ("TypeDetail", TEXT), ("TypeName", TEXT))),
    ("Subject", TEXT),
    ("Content", TEXT),
    ("SignerInfo", (("Competence", TEXT), ("Position", TEXT), ("FullName", TEXT))),
    ("DueDate", TEXT),
    ("ToPlaces", (("Place", [TEXT]),)),
    (
        "OtherInfo",
        (
            ("Priority", TEXT),
            ("SphereOfPromulgation", TEXT),
            ("TyperNotation", TEXT),
            ("PromulgationAmount", TEXT),
            ("PageAmount", TEXT),
            ("Direction", TEXT),
            ("Appendixes", (("Appendix", [TEXT]),)),
        ),
    ),
    ("SteeringType", TEXT),
    ("ResponseFor", [RESPONSE_FOR]),
)
# A status message (thông điệp trạng thái) answers a document (verify against the standard).
STATUS = (
    ("ResponseFor", RESPONSE_FOR),
    ("From", ORGAN),
    ("StaffInfo", STAFF),
    ("StatusCode", TEXT),
    ("Description", TEXT),
    ("Timestamp", TEXT),
)
BUSINESS = (
    ("DocumentId", TEXT),
    ("BussinessDocType", TEXT),
    ("BussinessDocReason", TEXT),
    ("Paper", TEXT),
    ("StaffInfo", STAFF),
    (
        "ReplacementInfoList",
        (("ReplacementInfo", [(("DocumentId", TEXT), ("OrganIdList", (("OrganId", [TEXT]),)))]),),
    ),
)
HEADER = (
    ("MessageHeader", MESSAGE_HEADER),
    ("Status", STATUS),
    (
        "TraceHeaderList",
        (("TraceHeader", [(("OrganId", TEXT), ("Timestamp", TEXT))]), ("Bussiness", BUSINESS)),
    ),
    ("Signature", RAW),
)
REFERENCE = (
    ("ContentId", TEXT),
    ("ContentType", TEXT),
    ("Description", TEXT),
    ("AttachmentName", TEXT),
)
ATTACHMENT_FIELDS = ("ContentId", "AttachmentName", "Description", "ContentType")

BUSINESS_TYPES = {"0": "new", "1": "revocation", "2": "update", "3": "replacement"}
# Status codes of the exchange (DOCUMENTS.md; verify against the standard's table).
STATUS_CODES = {
    "01": "arrived",
    "02": "rejected",
    "03": "accepted",
    "04": "assigned",
    "05": "processing",
    "06": "done",
    "13": "recalled",
    "15": "change accepted",
    "16": "change rejected",
}

DATE_FIELDS = {"PromulgationDate", "DueDate"}
TIME_FIELDS = {"Timestamp"}
DATE_RE = re.compile(r"^(\d{4})/(\d{2})/(\d{2})$")
TIME_RE = re.compile(r"^(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})$")


class EdxmlError(ValueError):
    """The bytes are not an edXML envelope at all (not XML, wrong root, too large)."""


@dataclass
class Problem:
    """Something wrong in an envelope that was kept and reported instead of refused."""

    path: str
    value: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "value": self.value, "message": self.message}


@dataclass
class Attachment:
    content_id: str
    name: str
    description: str
    content_type: str
    content: bytes
    extra: dict[str, str] = field(default_factory=dict)  # fields present but empty, kept

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass
class Envelope:
    """One envelope as received (or as built): JSON-ready data, attachments, problems."""

    header: dict[str, Any]
    manifest: list[dict[str, str]] = field(default_factory=list)
    manifest_version: str | None = "1.0"
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """``document`` or ``status``."""
        return "status" if "Status" in self.header else "document"

    @property
    def message(self) -> dict[str, Any]:
        return self.header.get("MessageHeader") or self.header.get("Status") or {}

    @property
    def business(self) -> dict[str, Any]:
        return (self.header.get("TraceHeaderList") or {}).get("Bussiness") or {}

    @property
    def traces(self) -> list[dict[str, str]]:
        return (self.header.get("TraceHeaderList") or {}).get("TraceHeader") or []

    @property
    def document_id(self) -> str:
        """The document's DocumentId (a status message: the answered document's)."""
        if self.kind == "status":
            return (self.message.get("ResponseFor") or {}).get("DocumentId", "")
        return self.message.get("DocumentId") or self.business.get("DocumentId", "")

    @property
    def sender(self) -> str:
        return (self.message.get("From") or {}).get("OrganId", "")

    @property
    def recipients(self) -> list[str]:
        return [to.get("OrganId", "") for to in self.message.get("To") or []]

    def delivery_key(self) -> str:
        """What makes one delivery one: DocumentId + sender + business type + trace time.

        Revocations, updates and replacements reuse the DocumentId and differ by business type;
        a status differs by its code and time. Deliveries of the same key are the same message.
        """
        if self.kind == "status":
            parts = [
                "status",
                self.document_id,
                self.sender,
                self.message.get("StatusCode", ""),
                self.message.get("Timestamp", ""),
            ]
        else:
            trace = self.traces[-1].get("Timestamp", "") if self.traces else ""
            parts = [
                "document",
                self.document_id,
                self.sender,
                self.business.get("BussinessDocType", "0"),
                trace,
            ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


# --- reading --------------------------------------------------------------------------------------


def _parser() -> etree.XMLParser:
    # No DTD, no entities, no network: a hostile envelope cannot expand or fetch anything.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_xml(data: bytes) -> etree._Element:
    """The root element of ``data``; :class:`EdxmlError` for anything not plain XML."""
    if len(data) > MAX_BYTES:
        raise EdxmlError("envelope too large")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise EdxmlError(f"not well-formed XML: {exc}") from exc
    if root.getroottree().docinfo.doctype:
        raise EdxmlError("a DOCTYPE is not allowed in an envelope")
    return root


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def _text(el: etree._Element) -> str:
    return (el.text or "").strip()


def _check_value(name: str, value: str, path: str, problems: list[Problem]) -> None:
    if name in DATE_FIELDS and value:
        match = DATE_RE.match(value)
        if not match or not _valid_date(*match.groups()):
            problems.append(Problem(path, value, "not a date (YYYY/MM/DD)"))
    elif name in TIME_FIELDS and value:
        match = TIME_RE.match(value)
        if not match or not _valid_time(*match.groups()):
            problems.append(Problem(path, value, "not a time (YYYY/MM/DD HH:mm:ss)"))
    elif name == "DocumentId" and value:
        parts = value.split(",", 2)
        if len(parts) != 3:
            problems.append(Problem(path, value, "not <OrganId>,<YYYY/MM/DD>,<number/symbol>"))
        else:
            match = DATE_RE.match(parts[1])
            if not match or not _valid_date(*match.groups()):
                problems.append(Problem(path, value, "the date in the DocumentId is impossible"))


def _valid_date(y: str, m: str, d: str) -> bool:
    try:
        dt.date(int(y), int(m), int(d))
    except ValueError:
        return False
    return True


def _valid_time(y: str, m: str, d: str, hh: str, mm: str, ss: str) -> bool:
    try:
        dt.datetime(int(y), int(m), int(d), int(hh), int(mm), int(ss))
    except ValueError:
        return False
    return True


def _read(el: etree._Element, spec: Any, path: str, problems: list[Problem]) -> Any:
    """The data of ``el`` read with ``spec`` (one occurrence)."""
    if spec == TEXT:
        value = _text(el)
        _check_value(_local(el), value, path, problems)
        return value
    if spec == RAW:
        return etree.tostring(el, encoding="unicode", with_tail=False)
    known = dict(spec)
    out: dict[str, Any] = {}
    for child in _children(el):
        name = _local(child)
        child_path = f"{path}/{name}"
        if name not in known or etree.QName(child).namespace not in (NS, DSIG, None):
            problems.append(Problem(child_path, "", "unknown element, kept as received"))
            out.setdefault("_unknown", []).append(
                etree.tostring(child, encoding="unicode", with_tail=False)
            )
            continue
        child_spec = known[name]
        if isinstance(child_spec, list):
            out.setdefault(name, []).append(_read(child, child_spec[0], child_path, problems))
        else:
            out[name] = _read(child, child_spec, child_path, problems)
    return out


def read(data: bytes) -> Envelope:
    """Read an envelope. Values are kept as written and checked: what is wrong is reported in
    ``problems``; only bytes that are not an edXML envelope at all raise :class:`EdxmlError`."""
    root = parse_xml(data)
    if etree.QName(root).namespace != NS or _local(root) != "edXML":
        raise EdxmlError("the root element is not edXML of QCVN 102:2016")
    problems: list[Problem] = []
    envelope_el = root.find(f"{{{NS}}}edXMLEnvelope")
    if envelope_el is None:
        raise EdxmlError("no edXMLEnvelope")
    header_el = envelope_el.find(f"{{{NS}}}edXMLHeader")
    if header_el is None:
        raise EdxmlError("no edXMLHeader")
    header = _read(header_el, HEADER, "edXMLHeader", problems)
    if "MessageHeader" not in header and "Status" not in header:
        problems.append(Problem("edXMLHeader", "", "neither a MessageHeader nor a Status"))
    env = Envelope(header=header, problems=problems)
    manifest_el = envelope_el.find(f"{{{NS}}}edXMLBody/{{{NS}}}edXMLManifest")
    if manifest_el is None:
        env.manifest_version = None
    else:
        env.manifest_version = manifest_el.get("version")
        for ref in manifest_el.findall(f"{{{NS}}}Reference"):
            env.manifest.append(_read(ref, REFERENCE, "edXMLManifest/Reference", problems))
    for att in root.findall(f"{{{NS}}}AttachmentEncoded/{{{NS}}}Attachment"):
        env.attachments.append(_read_attachment(att, problems))
    cids = {a.content_id for a in env.attachments}
    for ref in env.manifest:
        if ref.get("ContentId") and ref["ContentId"] not in cids:
            problems.append(Problem("edXMLManifest", ref["ContentId"], "no attachment sent"))
    return env


def _read_attachment(el: etree._Element, problems: list[Problem]) -> Attachment:
    values = {_local(c): c for c in _children(el)}
    encoded = values.get("ContentTransferEncoded")
    raw = re.sub(r"\s+", "", (encoded.text or "") if encoded is not None else "")
    try:
        content = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        problems.append(Problem("AttachmentEncoded", raw[:40], "attachment is not base64"))
        content = b""
    return Attachment(
        content_id=_text(values["ContentId"]) if "ContentId" in values else "",
        name=_text(values["AttachmentName"]) if "AttachmentName" in values else "",
        description=_text(values["Description"]) if "Description" in values else "",
        content_type=_text(values["ContentType"]) if "ContentType" in values else "",
        content=content,
        extra={"present": ",".join(n for n in ATTACHMENT_FIELDS if n in values)},
    )


# --- writing --------------------------------------------------------------------------------------


def _write(name: str, value: Any, spec: Any, out: list[str], indent: str) -> None:
    if isinstance(spec, list):
        for item in value:
            _write(name, item, spec[0], out, indent)
        return
    if spec == RAW:
        out.append(f"{indent}{value}")
        return
    if spec == TEXT:
        out.append(f"{indent}<edXML:{name}>{escape(value)}</edXML:{name}>")
        return
    known = dict(spec)
    out.append(f"{indent}<edXML:{name}>")
    for key, item in value.items():
        if key == "_unknown":
            out.extend(f"{indent}  {raw}" for raw in item)
        else:
            _write(key, item, known[key], out, indent + "  ")
    out.append(f"{indent}</edXML:{name}>")


def write(env: Envelope) -> bytes:
    """The envelope's bytes, shaped like the public sample (see the module's docstring)."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<edXML xmlns="{NS}">',
        f'  <edXML:edXMLEnvelope xmlns:edXML="{NS}">',
    ]
    _write("edXMLHeader", env.header, HEADER, out, "    ")
    if env.manifest_version is not None or env.manifest:
        out.append("    <edXML:edXMLBody>")
        version = f" version={quoteattr(env.manifest_version)}" if env.manifest_version else ""
        out.append(f"      <edXML:edXMLManifest{version}>")
        for ref in env.manifest:
            _write("Reference", ref, REFERENCE, out, "        ")
        out.append("      </edXML:edXMLManifest>")
        out.append("    </edXML:edXMLBody>")
    out.append("  </edXML:edXMLEnvelope>")
    if env.attachments:
        out.append("  <AttachmentEncoded>")
        for att in env.attachments:
            present = (att.extra.get("present") or ",".join(ATTACHMENT_FIELDS)).split(",")
            values = {
                "ContentId": att.content_id,
                "AttachmentName": att.name,
                "Description": att.description,
                "ContentType": att.content_type,
            }
            out.append("    <Attachment>")
            out.extend(
                f"      <{n}>{escape(values[n])}</{n}>" for n in ATTACHMENT_FIELDS if n in present
            )
            encoded = base64.b64encode(att.content).decode()
            out.append(
                f'      <edXML:ContentTransferEncoded xmlns:edXML="{NS}">{encoded}'
                "</edXML:ContentTransferEncoded>"
            )
            out.append("    </Attachment>")
        out.append("  </AttachmentEncoded>")
    out.append("</edXML>")
    return ("\n".join(out) + "\n").encode()


# --- comparing ------------------------------------------------------------------------------------


def canonical(data: bytes) -> bytes:
    """Exclusive canonical XML of an envelope, whitespace between elements and around text
    ignored, each attachment's base64 replaced by the SHA-256 of its decoded bytes (so that line
    wrapping of the encoding does not count)."""
    root = parse_xml(data)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if _local(el) == "ContentTransferEncoded":
            raw = re.sub(r"\s+", "", el.text or "")
            try:
                el.text = hashlib.sha256(base64.b64decode(raw)).hexdigest()
            except (binascii.Error, ValueError):
                el.text = raw
        elif len(el):
            el.text = None if not (el.text or "").strip() else el.text.strip()
        else:
            el.text = (el.text or "").strip()
        el.tail = None if not (el.tail or "").strip() else el.tail.strip()
    return etree.tostring(root, method="c14n", exclusive=True, with_comments=False)


# --- signatures -----------------------------------------------------------------------------------


@dataclass
class SignatureReport:
    """What was found of an envelope's XML-DSig block. Lenient: it reports, never raises."""

    present: bool = False
    namespace_ok: bool = False
    algorithm: str = ""
    digest_algorithm: str = ""
    digest_ok: bool | None = None
    signature_ok: bool | None = None
    signer: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return bool(self.present and self.digest_ok and self.signature_ok)


_DIGESTS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}
_SIGNATURES = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": "sha1",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": "sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": "sha512",
}
_EXCLUSIVE = {"http://www.w3.org/2001/10/xml-exc-c14n#", "http://www.w3.org/TR/xml-exc-c14n#"}


def _c14n(el: etree._Element, algorithm: str) -> bytes:
    exclusive = algorithm in _EXCLUSIVE or "exc-c14n" in algorithm
    comments = algorithm.endswith("#WithComments")
    return etree.tostring(el, method="c14n", exclusive=exclusive, with_comments=comments)


def _child(el: etree._Element | None, name: str) -> etree._Element | None:
    if el is None:
        return None
    return next((c for c in _children(el) if _local(c) == name), None)


def verify(data: bytes) -> SignatureReport:
    """Check the enveloped XML-DSig signature of an envelope and say what holds.

    Lenient (DOCUMENTS.md): a signature in the wrong namespace, with SHA-1 or with a truncated
    certificate is examined as far as it goes and reported, never an error.
    """
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    report = SignatureReport()
    root = parse_xml(data)
    sig = next(
        (el for el in root.iter() if isinstance(el.tag, str) and _local(el) == "Signature"), None
    )
    if sig is None:
        report.notes.append("no signature")
        return report
    report.present = True
    report.namespace_ok = etree.QName(sig).namespace == DSIG
    if not report.namespace_ok:
        report.notes.append("the Signature element is not in the XML-DSig namespace")
    signed_info = _child(sig, "SignedInfo")
    method = _child(signed_info, "SignatureMethod")
    c14n_method = _child(signed_info, "CanonicalizationMethod")
    reference = _child(signed_info, "Reference")
    report.algorithm = method.get("Algorithm", "") if method is not None else ""
    if reference is None or signed_info is None:
        report.notes.append("no SignedInfo/Reference")
        return report
    digest_method = _child(reference, "DigestMethod")
    report.digest_algorithm = (
        digest_method.get("Algorithm", "") if digest_method is not None else ""
    )
    digest_name = _DIGESTS.get(report.digest_algorithm)
    if digest_name == "sha1" or _SIGNATURES.get(report.algorithm) == "sha1":
        report.notes.append("SHA-1 is no longer accepted for new signatures")
    if reference.get("URI", "") != "":
        report.notes.append('only a reference to the whole envelope (URI="") is checked')
    elif digest_name:
        # the enveloped-signature transform, then the listed canonicalisation
        copy = parse_xml(etree.tostring(root))
        copy_sig = next(
            el for el in copy.iter() if isinstance(el.tag, str) and _local(el) == "Signature"
        )
        copy_sig.getparent().remove(copy_sig)
        transforms_el = _child(reference, "Transforms")
        transforms = (
            [t.get("Algorithm", "") for t in _children(transforms_el)]
            if transforms_el is not None
            else []
        )
        c14n_alg = next(
            (t for t in transforms if "c14n" in t),
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        )
        digest = hashlib.new(digest_name, _c14n(copy, c14n_alg)).digest()
        value = (
            _text(_child(reference, "DigestValue"))
            if _child(reference, "DigestValue") is not None
            else ""
        )
        try:
            report.digest_ok = base64.b64decode(value) == digest
        except (binascii.Error, ValueError):
            report.digest_ok = False
        if not report.digest_ok:
            report.notes.append("the envelope changed after signing (digest mismatch)")
    cert_el = next(
        (el for el in sig.iter() if isinstance(el.tag, str) and _local(el) == "X509Certificate"),
        None,
    )
    try:
        cert = x509.load_der_x509_certificate(
            base64.b64decode(re.sub(r"\s+", "", cert_el.text or ""))
        )
    except (AttributeError, ValueError, binascii.Error):
        report.notes.append("no readable signing certificate")
        return report
    report.signer = cert.subject.rfc4514_string()
    hash_name = _SIGNATURES.get(report.algorithm) or (
        report.algorithm.rsplit("-", 1)[-1] if "ecdsa" in report.algorithm else ""
    )
    hash_cls = {
        "sha1": hashes.SHA1,
        "sha256": hashes.SHA256,
        "sha384": hashes.SHA384,
        "sha512": hashes.SHA512,
    }.get(hash_name)
    signature_value = _child(sig, "SignatureValue")
    if hash_cls is None or signature_value is None:
        report.notes.append(f"signature method not supported: {report.algorithm}")
        return report
    signed = _c14n(signed_info, c14n_method.get("Algorithm", "") if c14n_method is not None else "")
    raw = base64.b64decode(re.sub(r"\s+", "", signature_value.text or ""))
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(raw, signed, padding.PKCS1v15(), hash_cls())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

            half = len(raw) // 2
            der = encode_dss_signature(int.from_bytes(raw[:half]), int.from_bytes(raw[half:]))
            key.verify(der, signed, ec.ECDSA(hash_cls()))
        else:
            report.notes.append("unsupported key type")
            return report
        report.signature_ok = True
    except InvalidSignature:
        report.signature_ok = False
        report.notes.append("the signature value does not verify")
    return report


def sign(data: bytes, key: Any, cert_pem: bytes) -> bytes:
    """Sign an envelope (enveloped XML-DSig, RSA or ECDSA with SHA-256, exclusive c14n), the
    ``Signature`` placed last in ``edXMLHeader`` as in the public sample."""
    from signxml import SignatureMethod, XMLSigner
    from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm

    root = parse_xml(data)
    header = root.find(f"{{{NS}}}edXMLEnvelope/{{{NS}}}edXMLHeader")
    for old in [el for el in header if isinstance(el.tag, str) and _local(el) == "Signature"]:
        header.remove(old)
    placeholder = etree.SubElement(header, f"{{{DSIG}}}Signature", nsmap={None: DSIG})
    placeholder.set("Id", "placeholder")
    from cryptography.hazmat.primitives.asymmetric import ec

    method = (
        SignatureMethod.ECDSA_SHA256
        if isinstance(key, ec.EllipticCurvePrivateKey)
        else SignatureMethod.RSA_SHA256
    )
    signer = XMLSigner(
        signature_algorithm=method,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signed = signer.sign(root, key=key, cert=cert_pem.decode(), always_add_key_value=False)
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
