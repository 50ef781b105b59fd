"""Outgoing documents as PDF in the Decree 30/2020 layout (Appendix I), with form fields.

The draft is rendered once from ``templates/documents/pdf/outgoing.html`` (WeasyPrint, through
the project's one renderer :func:`tinhso.dossiers.pdf.html_to_pdf`): the header block (the
governing body and the agency on the left, the national motto on the right), the number and
symbol and the place and date, the type and summary, the content, the recipients (Nơi nhận) and
the signer's position and name. The number and symbol and the date are **text fields**
(``so_ky_hieu``, ``ngay_thang``), and the signature places are **signature fields**
(``chu_ky_ca_nhan``, the signer's; ``chu_ky_to_chuc``, the organisation's seal): a signature
made on the draft stays valid when the number and date are filled in at issue, because filling
a form field is an incremental update (:func:`filled_pdf`), never a rewrite of the signed bytes.
"""

from __future__ import annotations

import io
from typing import Any

from django.template.loader import render_to_string

from .models import OutgoingDocument, Urgency

NUMBER_FIELD = "so_ky_hieu"
DATE_FIELD = "ngay_thang"
SIGNATURE_FIELDS = ("chu_ky_ca_nhan", "chu_ky_to_chuc")
URGENCY_MARKS = {
    Urgency.URGENT: "KHẨN",
    Urgency.VERY_URGENT: "THƯỢNG KHẨN",
    Urgency.FLASH: "HỎA TỐC",
}
SECRECY_MARKS = {"confidential": "MẬT", "secret": "TỐI MẬT", "top_secret": "TUYỆT MẬT"}


def long_date(place: str, date: Any) -> str:
    """``Đồng Hới, ngày 05 tháng 01 năm 2026`` (days and months below 10 with a leading zero,
    as Decree 30 writes them for January and February; kept for every month here)."""
    text = f"ngày {date:%d} tháng {date:%m} năm {date:%Y}"
    return f"{place}, {text}" if place else text


def outgoing_context(document: OutgoingDocument) -> dict[str, Any]:
    from .services import register_settings

    settings_ = register_settings(document.agency)
    abbreviation = document.type_abbreviation
    symbol_hint = f"/{abbreviation}-{settings_.symbol}" if abbreviation else f"/{settings_.symbol}"
    return {
        "document": document,
        "settings": settings_,
        "parent_name": settings_.parent_name,
        "agency_name": document.agency.name,
        "type_title": "" if document.doc_type == "CV" else document.type_name.upper(),
        "symbol_hint": symbol_hint,
        "paragraphs": [p.strip() for p in document.body.split("\n") if p.strip()],
        "recipients": [r.strip() for r in document.recipients_text.split("\n") if r.strip()],
        "position_lines": [p.strip() for p in document.signer_position.split("/") if p.strip()],
        "urgency_mark": URGENCY_MARKS.get(document.urgency, ""),
        "secrecy_mark": SECRECY_MARKS.get(document.secrecy, ""),
        "number_field": NUMBER_FIELD,
        "date_field": DATE_FIELD,
        "signature_fields": SIGNATURE_FIELDS,
    }


def render_outgoing(document: OutgoingDocument) -> bytes:
    """The draft PDF: the layout with empty number and date fields and two signature fields."""
    from tinhso.dossiers.pdf import html_to_pdf

    html = render_to_string("documents/pdf/outgoing.html", outgoing_context(document))
    return signature_fields(html_to_pdf(html, forms=True), SIGNATURE_FIELDS)


def signature_fields(data: bytes, names: tuple[str, ...]) -> bytes:
    """Turn the text fields ``names`` into empty signature fields (``/FT /Sig``), in place."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, NumberObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page in writer.pages:
        for ref in page.get("/Annots", []) or []:
            annotation = ref.get_object()
            if annotation.get("/T") in names:
                annotation[NameObject("/FT")] = NameObject("/Sig")
                for key in ("/V", "/DA", "/Ff", "/MaxLen"):
                    annotation.pop(key, None)
                annotation[NameObject("/F")] = NumberObject(4)  # printed
    acroform = writer._root_object.get("/AcroForm")
    if acroform is not None:
        acroform = acroform.get_object()
        acroform[NameObject("/SigFlags")] = NumberObject(1)  # the document has signature fields
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def form_fields(data: bytes) -> dict[str, dict[str, Any]]:
    """The PDF's form fields by name: ``{"type": "/Tx" or "/Sig", "value": ...}``."""
    from pypdf import PdfReader

    fields = PdfReader(io.BytesIO(data)).get_fields() or {}
    return {name: {"type": f.get("/FT"), "value": f.get("/V")} for name, f in fields.items()}


def filled_pdf(data: bytes, document: OutgoingDocument) -> bytes:
    """The issued document: the draft's bytes unchanged (signed or not), followed by an
    incremental update that fills the number and symbol and the date into their form fields
    (``signatures.pades.fill_text_fields``: a signature made before stays valid). A sealed
    document's stored file is returned as it is: the number and date were filled before the
    seal."""
    from tinhso.signatures.pades import fill_text_fields

    from .services import register_settings

    if not document.number_symbol or document.doc_date is None or document.sealed_at:
        return data  # not numbered yet, or sealed: the stored file carries them already
    settings_ = register_settings(document.agency)
    values = {
        NUMBER_FIELD: document.number_symbol,
        DATE_FIELD: long_date(settings_.place, document.doc_date),
    }
    return fill_text_fields(data, values)
