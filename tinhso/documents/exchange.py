"""Documents ↔ edXML envelopes: the domain mapping of the exchange with agencies outside the
platform (QCVN 102:2016; ``docs/exchange.md``).

``tinhso.integrations.edxml`` knows the element names and the bytes; this module knows what a
document is: which header fields make an incoming document (:func:`incoming_fields`), how an
issued outgoing document is written as an envelope (:func:`outgoing_envelope`), how an imported
document is written back (:func:`incoming_envelope`: equal to the received envelope under
exclusive canonicalisation, since every header field, trace and attachment was kept), and the
status messages (:func:`status_envelope`). It writes nothing: the writes are
``documents.services`` (``incoming_import``, ``incoming_exchange_change``,
``outgoing_status_received``) and the outbox rows they write, sent by the handlers of
``tinhso.integrations.exchange``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.integrations import edxml

from .kinds import DOCUMENT_TYPES, type_name
from .models import BusinessType, IncomingDocument, OutgoingDocument, Recipient, Urgency

# Outbox topics (``tinhso.dossiers.outbox``; handlers in ``tinhso.integrations.exchange``).
DOCUMENT_TOPIC = "edxml.document"
STATUS_TOPIC = "edxml.status"

SPHERE = "Liên thông văn bản quốc gia"
# edXML's DocumentType/Type differs between implementations (DOCUMENTS.md): data, not a rule.
# Ours: the 1-based position of the type in Decree 30's Appendix III order (kinds.py), Công văn 1
# as most implementations have it. An arrival's type is read from its TypeName first.
TYPE_CODES: dict[str, str] = {"CV": "1"} | {
    key: str(index + 2) for index, key in enumerate(k for k in DOCUMENT_TYPES if k != "CV")
}
# OtherInfo/Priority (verify against the standard): 0 normal, 1 urgent, 2 very urgent, 3 flash.
PRIORITIES = {
    "0": Urgency.NORMAL,
    "1": Urgency.URGENT,
    "2": Urgency.VERY_URGENT,
    "3": Urgency.FLASH,
}
PRIORITY_OF = {value: key for key, value in PRIORITIES.items()}
# The Description of the status messages we send (protocol data in Vietnamese, not UI text).
STATUS_TEXT = {
    "01": "Đã đến",
    "02": "Từ chối tiếp nhận",
    "03": "Đã tiếp nhận",
    "04": "Đã phân công xử lý",
    "05": "Đang xử lý",
    "06": "Đã hoàn thành",
    "13": "Đã thu hồi",
    "15": "Đồng ý thay đổi",
    "16": "Từ chối thay đổi",
}
DATE_FORMAT, TIME_FORMAT = "%Y/%m/%d", "%Y/%m/%d %H:%M:%S"


@dataclass(frozen=True)
class ExchangeSender:
    """The actor of what an organ outside the platform does through the axis (the revocation
    of a document it sent): never signed in, named by its electronic code in the audit chain."""

    organ_id: str
    name: str = ""
    is_authenticated = False

    def __str__(self) -> str:
        return f"edxml:{self.organ_id}"[:200]


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().strip()


_TYPE_BY_NAME = {_plain(name): key for key, (name, _abbr) in DOCUMENT_TYPES.items()}
_KEY_BY_CODE = {code: key for key, code in TYPE_CODES.items()}


def doc_type_of(document_type: dict[str, Any]) -> str:
    """Our type key for an arrival's DocumentType: by its name, else by our code, else Công văn."""
    name = _plain(str(document_type.get("TypeName") or ""))
    return _TYPE_BY_NAME.get(name) or _KEY_BY_CODE.get(str(document_type.get("Type") or "")) or "CV"


def parse_date(value: str) -> dt.date | None:
    """A ``YYYY/MM/DD`` date, or None when it is not one (``2014/02/30`` stays text)."""
    try:
        return dt.datetime.strptime(value.strip(), DATE_FORMAT).date()
    except (ValueError, AttributeError):
        return None


def parse_time(value: str) -> dt.datetime | None:
    """A ``YYYY/MM/DD HH:mm:ss`` time in Vietnam time (the standard's dates carry no offset)."""
    try:
        naive = dt.datetime.strptime(value.strip(), TIME_FORMAT)
    except (ValueError, AttributeError):
        return None
    return timezone.make_aware(naive, timezone.get_default_timezone())


def local_time(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime(TIME_FORMAT)


def _number_symbol(message: dict[str, Any], document_id: str) -> str:
    code = message.get("Code") or {}
    number, notation = str(code.get("CodeNumber") or ""), str(code.get("CodeNotation") or "")
    if number or notation:
        return f"{number}/{notation}" if notation else number
    parts = document_id.split(",", 2)
    return parts[2] if len(parts) == 3 else ""


def _int(value: Any, default: int, lo: int = 1, hi: int = 10000) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return number if lo <= number <= hi else default


# What ``edxml.read`` and :func:`incoming_fields` report, said to the officers.
PROBLEM_TEXT = {
    "not a date (YYYY/MM/DD)": _("not a date (YYYY/MM/DD)"),
    "not a time (YYYY/MM/DD HH:mm:ss)": _("not a time (YYYY/MM/DD HH:mm:ss)"),
    "not <OrganId>,<YYYY/MM/DD>,<number/symbol>": _(
        "not an identifier <OrganId>,<YYYY/MM/DD>,<number/symbol>"
    ),
    "the date in the DocumentId is impossible": _("the date in the identifier is impossible"),
    "unknown element, kept as received": _("an element the standard does not list, kept"),
    "no attachment sent": _("listed in the manifest but not sent"),
    "attachment is not base64": _("an attachment that cannot be decoded"),
    "neither a MessageHeader nor a Status": _("neither a document nor a status message"),
    "not a date: the register shows another day": _(
        "not a date: the register shows the date of the identifier or the day it arrived"
    ),
    "a PDF kept unchanged but served as a download only: pdf_active_content": _(
        "a PDF with active content (scripts, actions, attached files): kept unchanged, "
        "downloaded only"
    ),
    "a PDF kept unchanged but served as a download only: pdf_incomplete": _(
        "a damaged PDF: kept unchanged, downloaded only"
    ),
    "arrived before with the same identifier": _(
        "a document with the same identifier arrived before (its arrival number): a clerk may "
        "return this one"
    ),
    "later than the day it arrived": _(
        "later than the day it arrived: the register shows that day"
    ),
}


def _problem_text(message: str) -> Any:
    if message in PROBLEM_TEXT:
        return PROBLEM_TEXT[message]
    if message.startswith("a PDF kept unchanged"):
        return PROBLEM_TEXT["a PDF kept unchanged but served as a download only: pdf_incomplete"]
    return message


def envelope_problems(document: IncomingDocument) -> list[dict[str, str]]:
    """The problems of an imported document's envelope, for its page (kept as received)."""
    return [
        {
            "path": p.get("path", ""),
            "value": p.get("value", ""),
            "message": str(_problem_text(p.get("message", ""))),
        }
        for p in (document.exchange or {}).get("problems") or []
    ]


def incoming_fields(env: edxml.Envelope, *, received_on: dt.date) -> tuple[dict[str, Any], list]:
    """The register fields of an arrival, and the problems of reading them (a value kept as
    written in ``exchange`` but not usable as a register field: the receipt day stands in)."""
    message = env.message
    problems: list[dict[str, str]] = []
    sender = message.get("From") or {}
    written = str((message.get("PromulgationInfo") or {}).get("PromulgationDate") or "")
    doc_date = parse_date(written)
    if doc_date is None:
        # the date of the DocumentId, else the day it arrived; the written value stays
        parts = env.document_id.split(",", 2)
        doc_date = parse_date(parts[1]) if len(parts) == 3 else None
        doc_date = doc_date if doc_date and doc_date <= received_on else received_on
        problems.append(
            {
                "path": "PromulgationInfo/PromulgationDate",
                "value": written,
                "message": "not a date: the register shows another day",
            }
        )
    elif doc_date > received_on:
        problems.append(
            {
                "path": "PromulgationInfo/PromulgationDate",
                "value": written,
                "message": "later than the day it arrived",
            }
        )
        doc_date = received_on
    other = message.get("OtherInfo") or {}
    summary = " ".join(str(message.get("Subject") or message.get("Content") or "").split())
    fields = {
        "sender_code": str(sender.get("OrganId") or "")[:40],
        "sender_name": str(
            sender.get("OrganName") or sender.get("OrganizationInCharge") or sender.get("OrganId")
        )[:255],
        "number_symbol": _number_symbol(message, env.document_id)[:60] or "?",
        "doc_date": doc_date,
        "doc_type": doc_type_of(message.get("DocumentType") or {}),
        "summary": (summary or "(không có trích yếu)")[:500],
        "urgency": PRIORITIES.get(str(other.get("Priority") or "0"), Urgency.NORMAL),
        "pages": _int(other.get("PageAmount"), 1),
        "document_id": env.document_id[:160],
    }
    return fields, problems


def stored_exchange(env: edxml.Envelope) -> dict[str, Any]:
    """What an imported document keeps of its envelope besides the attachments' bytes.

    The header and the manifest are kept as JSON *text*: their elements' order is part of the
    envelope (the canonical comparison sees it), and PostgreSQL's jsonb does not keep the order
    of an object's keys. :func:`envelope_header` reads them back."""
    return {
        "envelope": json.dumps(
            {
                "header": env.header,
                "manifest": env.manifest,
                "manifest_version": env.manifest_version,
            },
            ensure_ascii=False,
        ),
        "attachments": [
            {
                "content_id": a.content_id,
                "name": a.name,
                "description": a.description,
                "content_type": a.content_type,
                "extra": a.extra,
                "sha256": a.sha256,
            }
            for a in env.attachments
        ],
        "business_type": str(env.business.get("BussinessDocType") or "0"),
        "problems": [p.as_dict() for p in env.problems],
    }


def envelope_data(document: IncomingDocument) -> dict[str, Any]:
    """An imported document's envelope header and manifest, in the received order."""
    text = (document.exchange or {}).get("envelope")
    return json.loads(text) if text else {"header": {}, "manifest": [], "manifest_version": None}


def incoming_envelope(document: IncomingDocument) -> bytes:
    """An imported document written back as edXML from what was stored: its header, manifest
    and attachments (their bytes from the stored files)."""
    data = document.exchange
    envelope = envelope_data(document)
    files = {f.sha256: f for f in document.files.all()}
    attachments = []
    for meta in data.get("attachments") or []:
        stored = files.get(meta["sha256"])
        content = b""
        if stored is not None:
            with stored.file.open("rb") as handle:
                content = handle.read()
        attachments.append(
            edxml.Attachment(
                content_id=meta["content_id"],
                name=meta["name"],
                description=meta["description"],
                content_type=meta["content_type"],
                content=content,
                extra=meta.get("extra") or {},
            )
        )
    return edxml.write(
        edxml.Envelope(
            header=envelope["header"],
            manifest=envelope["manifest"],
            manifest_version=envelope["manifest_version"],
            attachments=attachments,
        )
    )


def _organ(code: str, name: str, *, agency: Any = None, in_charge: str = "") -> dict[str, str]:
    return {
        "OrganId": code,
        "OrganizationInCharge": in_charge,
        "OrganName": name,
        "OrganAdd": getattr(agency, "address", "") or "",
        "Email": getattr(agency, "email", "") or "",
        "Telephone": getattr(agency, "phone", "") or "",
        "Fax": "",
        "Website": "",
    }


def _signer(position: str, name: str) -> dict[str, str]:
    lines = [line.strip() for line in position.splitlines() if line.strip()] or [""]
    competence = lines[0] if len(lines) > 1 else ""
    return {"Competence": competence, "Position": lines[-1], "FullName": name}


def _staff(user: Any) -> dict[str, str]:
    name = (user.get_full_name() or user.get_username()) if user is not None else ""
    return {"Department": "Văn thư", "Staff": name, "Email": getattr(user, "email", "") or ""}


def external_recipients(document: OutgoingDocument) -> list:
    """The recipients outside the platform reached through the axis: those with an electronic
    code and no agency of the platform; a revocation, update or replacement also goes to those
    of the earlier document (once per code)."""
    rows = list(document.recipients.all())
    if document.business_type != BusinessType.NEW and document.related_id:
        rows += list(document.related.recipients.all())
    found: dict[str, Any] = {}
    for row in rows:
        if row.through_axis:
            found.setdefault(row.code, row)
    return list(found.values())


def mark_sent(document: OutgoingDocument, at: dt.datetime) -> int:
    """The axis accepted ``document``'s envelope: its own recipients reached through the axis
    were sent it at ``at`` (the earlier document's, for a revocation, were sent theirs before).
    How many rows changed."""
    rows = [r.pk for r in document.recipients.all() if r.through_axis and r.sent_at is None]
    return Recipient.objects.filter(pk__in=rows).update(sent_at=at)


def envelope_document_id(document: OutgoingDocument) -> str:
    """Revocations, updates and replacements reuse the earlier document's DocumentId."""
    if document.business_type != BusinessType.NEW and document.related_id:
        return document.related.document_id
    return document.document_id


def _issued_pdf(document: OutgoingDocument) -> bytes | None:
    from .pdf import filled_pdf

    if not document.pdf:
        return None
    with document.pdf.open("rb") as handle:
        return filled_pdf(handle.read(), document)


def outgoing_envelope(document: OutgoingDocument) -> bytes:
    """An issued outgoing document as an edXML envelope to its recipients outside the platform,
    with its PDF (number and date filled) and its attachments."""
    from .services import register_settings

    settings_ = register_settings(document.agency)
    agency = document.agency
    number, _sep, notation = document.number_symbol.partition("/")
    doc_id = envelope_document_id(document)
    attachments: list[edxml.Attachment] = []
    pdf = _issued_pdf(document)
    base = re.sub(r"[^A-Za-z0-9]+", "_", document.number_symbol).strip("_") or "van_ban"
    if pdf is not None:
        attachments.append(
            edxml.Attachment(f"cid:{base}", f"{base}.pdf", document.summary, "application/pdf", pdf)
        )
    for index, row in enumerate(document.files.all(), start=1):
        with row.file.open("rb") as handle:
            content = handle.read()
        attachments.append(
            edxml.Attachment(
                content_id=f"cid:{base}-{index}",
                name=row.original_name,
                description=row.original_name,
                content_type=row.content_type,
                content=content,
            )
        )
    recipients = external_recipients(document)
    header = {
        "MessageHeader": {
            "From": _organ(
                agency.code, agency.name, agency=agency, in_charge=settings_.parent_name
            ),
            "To": [_organ(r.code, r.name) for r in recipients],
            "DocumentId": doc_id,
            "Code": {"CodeNumber": number, "CodeNotation": notation},
            "PromulgationInfo": {
                "Place": settings_.place,
                "PromulgationDate": document.doc_date.strftime(DATE_FORMAT),
            },
            "DocumentType": {
                "Type": TYPE_CODES.get(document.doc_type, "1"),
                "TypeDetail": "0",
                "TypeName": type_name(document.doc_type),
            },
            "Subject": document.summary,
            "Content": document.summary,
            "SignerInfo": _signer(document.signer_position, document.signer_name),
            "ToPlaces": {"Place": [line for line in document.recipients_text.splitlines() if line]},
            "OtherInfo": {
                "Priority": PRIORITY_OF.get(document.urgency, "0"),
                "SphereOfPromulgation": SPHERE,
                "TyperNotation": "",
                "PromulgationAmount": str(document.copies),
                "PageAmount": str(document.pages),
            },
        },
        "TraceHeaderList": {
            "TraceHeader": [{"OrganId": agency.code, "Timestamp": local_time(document.issued_at)}],
            "Bussiness": {
                "DocumentId": doc_id,
                "BussinessDocType": str(int(document.business_type)),
                "BussinessDocReason": document.get_business_type_display()
                if document.business_type != BusinessType.NEW
                else "Văn bản điện tử mới",
                "Paper": "0",
                "StaffInfo": _staff(document.drafted_by),
            },
        },
    }
    manifest = [
        {
            "ContentId": a.content_id,
            "ContentType": a.content_type,
            "Description": a.description,
            "AttachmentName": a.name,
        }
        for a in attachments
    ]
    return edxml.write(edxml.Envelope(header=header, manifest=manifest, attachments=attachments))


def status_envelope(
    document: IncomingDocument, *, code: str, at: dt.datetime, description: str, staff: str
) -> bytes:
    """A status message about an imported document, from its receiving agency to its sender."""
    message = envelope_data(document)["header"].get("MessageHeader") or {}
    promulgation = (message.get("PromulgationInfo") or {}).get("PromulgationDate", "")
    header = {
        "Status": {
            "ResponseFor": {
                "OrganId": document.sender_code,
                "Code": document.number_symbol,
                "PromulgationDate": promulgation or document.doc_date.strftime(DATE_FORMAT),
                "DocumentId": document.document_id,
            },
            "From": {"OrganId": document.agency.code, "OrganName": document.agency.name},
            "StaffInfo": {"Department": "Văn thư", "Staff": staff},
            "StatusCode": code,
            "Description": description or STATUS_TEXT.get(code, ""),
            "Timestamp": local_time(at),
        }
    }
    return edxml.write(edxml.Envelope(header=header, manifest_version=None))
