"""Copies of documents (bản sao: sao y, sao lục, trích sao; Decree 30/2020, Art. 25–27).

An agency copies a document it issued or received (:func:`copy_make`): a :class:`DocumentCopy`
numbered in the agency's yearly series of copies (``doc:copy``, one series for the three forms,
from 01 on 1 January, through the one allocator ``core.numbering.take_series_number`` inside the
copy's transaction: no gap, no duplicate), its PDF built from the source (the document's pages,
form fields drawn into the page, earlier signatures left out: a copy carries the copying
agency's signature only) followed by the copy form (``templates/documents/pdf/copy.html``: the
form, the agency, the number and symbol, the place and date, the recipients), and signed with
the agency's organisation signature at the top right of page 1 (``signatures.organisation``:
the copy form, the agency, the signing time in ISO 8601 +07:00). An extract (trích sao) prints
the extracted text instead of the source's pages.

One lifecycle (:class:`CopyLifecycle`): the row is written ``pending`` and issued at once in the
same transaction (number, PDF, signature, audit); a failure (no organisation key, a refused
certificate) writes nothing and gives the number back.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.core.access import Access
from tinhso.core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from tinhso.core.lifecycle import (
    Applied,
    Step,
    Transition,
    display_name,
    lock,
    next_seq,
    remember_file,
    signed_in,
    transition_table,
)
from tinhso.core.numbering import take_series_number

from .access import CLERK_ROLES, holds, sees_document
from .models import (
    CopyEvent,
    CopyKind,
    CopyState,
    DocumentCopy,
    IncomingDocument,
    OutgoingDocument,
    OutgoingState,
)
from .services import HistoryLifecycle

COPY_SERIES = "doc:copy"
EXCERPT_MAX_LENGTH = 20000


@dataclass
class CopyApplied(Applied):
    pass


COPY_TRANSITIONS = transition_table(
    Transition("issue", frozenset({CopyState.PENDING}), CopyState.ISSUED, CLERK_ROLES),
)

COPY_LABELS = {"issue": gettext_lazy("Copy issued")}


class CopyLifecycle(HistoryLifecycle[DocumentCopy, CopyApplied]):
    model = DocumentCopy
    event_model = CopyEvent
    transitions = COPY_TRANSITIONS
    labels = COPY_LABELS
    audit_prefix = "documents.copy"
    related = ("agency", "incoming", "outgoing")
    snapshot_fields = ("state", "kind", "number_symbol", "copy_date", "incoming_id", "outgoing_id")
    guard_first = True
    applied_type = CopyApplied

    def not_found(self) -> NotFound:
        return NotFound("unknown_copy", _("The copy was not found."))

    def guard(self, actor: Any, obj: DocumentCopy, transition: Transition) -> None:
        if not getattr(actor, "is_authenticated", False) or not holds(
            Access.of(actor), obj.agency_id, CLERK_ROLES
        ):
            raise PermissionDenied("forbidden", _("Only the agency's clerks make copies."))

    def refuse(self, obj: DocumentCopy, transition: Transition) -> InvalidTransition:
        return InvalidTransition("invalid_transition", _("This copy has already been issued."))

    def record(self, step: Step, applied: CopyApplied) -> CopyEvent:
        """The copy's own event (returned), and the copy as a step of its source's history: one
        ``copy`` event on the source (its row locked like any step of its own lifecycle, so the
        event numbers stay in order)."""
        event = super().record(step, applied)
        copy = step.obj
        source = lock(type(copy.source).objects.all(), copy.source, missing=self.not_found)
        source.events.create(
            seq=next_seq(source.events),
            action="copy",
            actor=signed_in(step.actor),
            actor_name=display_name(step.actor),
            at=step.now,
            note=copy.number_symbol,
            data={"copy": copy.pk, "kind": copy.kind, "number_symbol": copy.number_symbol},
        )
        return event


COPIES = CopyLifecycle()


def copy_symbol(number: int, kind: str, agency_symbol: str) -> str:
    """``05/SY-UBND``: the number (01–09 with a leading zero), the form's abbreviation and the
    agency's symbol (Decree 30 Appendix I; verify the agency part against the appendix)."""
    return f"{number:02d}/{kind}-{agency_symbol}" if agency_symbol else f"{number:02d}/{kind}"


def _source_pdf(source: IncomingDocument | OutgoingDocument) -> bytes | None:
    """The source document as a PDF: an outgoing document's issued PDF (number and date filled
    in), an incoming document's first PDF file (its scan or the received file)."""
    if isinstance(source, OutgoingDocument):
        from .pdf import filled_pdf, render_outgoing

        if source.pdf:
            with source.pdf.open("rb") as handle:
                data = handle.read()
        else:
            data = render_outgoing(source)
        return filled_pdf(data, source)
    for attachment in source.files.all():
        if attachment.content_type == "application/pdf":
            with attachment.file.open("rb") as handle:
                return handle.read()
    return None


def append_flattened(writer: Any, pdf: bytes) -> None:
    """Append the pages of ``pdf`` to ``writer`` with each form field's appearance drawn into
    the page and the fields (and any signature) removed: what a copy shows of its source."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    reader = PdfReader(io.BytesIO(pdf))
    for source_page in reader.pages:
        page = writer.add_page(source_page)
        annotations = page.get("/Annots")
        if annotations:
            kept, drawn = ArrayObject(), []
            resources = page.setdefault(NameObject("/Resources"), DictionaryObject())
            resources = resources.get_object()
            xobjects = resources.setdefault(NameObject("/XObject"), DictionaryObject())
            xobjects = xobjects.get_object()
            for index, ref in enumerate(annotations):
                annotation = ref.get_object()
                if annotation.get("/Subtype") != "/Widget":
                    kept.append(ref)
                    continue
                appearance = (annotation.get("/AP") or {}).get("/N")
                if appearance is None or "/BBox" not in appearance.get_object():
                    continue
                left, bottom, right, top = (float(v) for v in annotation["/Rect"])
                # A rectangle may be written with any two opposite corners.
                x1, x2 = sorted((left, right))
                y1, y2 = sorted((bottom, top))
                bx1, by1, bx2, by2 = (float(v) for v in appearance.get_object()["/BBox"])
                sx = (x2 - x1) / (bx2 - bx1) if bx2 != bx1 else 1
                sy = (y2 - y1) / (by2 - by1) if by2 != by1 else 1
                name = f"/FlatField{index}"
                xobjects[NameObject(name)] = appearance
                drawn.append(
                    f"q {sx:.4f} 0 0 {sy:.4f} {x1 - bx1 * sx:.4f} {y1 - by1 * sy:.4f} cm "
                    f"{name} Do Q"
                )
            page[NameObject("/Annots")] = kept
            if drawn:
                contents = page.get_contents()
                original = contents.get_data() if contents is not None else b""
                combined = DecodedStreamObject()
                combined.set_data(
                    b"q\n" + original + b"\nQ\n" + "\n".join(drawn).encode("ascii") + b"\n"
                )
                page.replace_contents(combined)


def copy_pdf(copy: DocumentCopy, source_pdf: bytes | None, *, place: str, parent: str) -> bytes:
    """The copy's unsigned PDF: the source's pages (none for an extract), then the copy form."""
    from pypdf import PdfReader, PdfWriter

    from tinhso.dossiers.pdf import html_to_pdf

    from .pdf import long_date

    source = copy.source
    paragraphs = (
        [p.strip() for p in copy.excerpt.split("\n") if p.strip()]
        if copy.kind == CopyKind.EXTRACT
        else []
    )
    html = render_to_string(
        "documents/pdf/copy.html",
        {
            "copy": copy,
            "title": copy.title,
            "agency_name": copy.agency.name,
            "parent_name": parent,
            "place_date": long_date(place, copy.copy_date),
            "recipients": [r.strip() for r in copy.recipients_text.split("\n") if r.strip()],
            "paragraphs": paragraphs,
            "source_line": f"{source.type_name} số {source.number_symbol}, "
            f"ngày {source.doc_date:%d/%m/%Y}",
        },
    )
    writer = PdfWriter()
    if copy.kind != CopyKind.EXTRACT and source_pdf:
        append_flattened(writer, source_pdf)
    for page in PdfReader(io.BytesIO(html_to_pdf(html))).pages:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _check(
    actor: Any, source: IncomingDocument | OutgoingDocument, kind: str, excerpt: str, recipients
) -> dict[str, str]:
    access = Access.of(actor)
    if not sees_document(access, source):
        raise NotFound("unknown_document", _("The document was not found."))
    if not holds(access, source.agency_id, CLERK_ROLES):
        raise PermissionDenied("forbidden", _("Only the agency's clerks make copies."))
    errors: dict[str, str] = {}
    if kind not in CopyKind.values:
        errors["kind"] = _("Choose the form of the copy.")
    if isinstance(source, OutgoingDocument) and source.state != OutgoingState.ISSUED:
        errors["source"] = _("Only an issued document can be copied.")
    if kind == CopyKind.EXTRACT and not excerpt:
        errors["excerpt"] = _("Write the part of the document to extract.")
    if len(excerpt) > EXCERPT_MAX_LENGTH:
        errors["excerpt"] = _("The extract is too long: at most 20000 characters.")
    if not recipients:
        errors["recipients_text"] = _("Write at least one recipient.")
    elif len(recipients) > 2000:
        errors["recipients_text"] = _("The recipients are too long: at most 2000 characters.")
    return errors


def copy_make(
    *,
    actor: Any,
    source: IncomingDocument | OutgoingDocument,
    kind: str,
    recipients_text: str,
    excerpt: str = "",
    now: dt.datetime | None = None,
) -> DocumentCopy:
    """Sao y / sao lục / trích sao: the agency's clerk copies a document the agency issued or
    received; numbered, rendered and signed with the organisation's signature in one
    transaction (see the module's docstring)."""
    from tinhso.signatures.organisation import sign_copy

    from .services import local_date, register_settings

    excerpt = str(excerpt or "").strip()
    recipients_text = "\n".join(
        line.strip() for line in str(recipients_text or "").splitlines() if line.strip()
    )
    errors = _check(actor, source, kind, excerpt, recipients_text)
    source_pdf = None
    if kind != CopyKind.EXTRACT and not errors:
        source_pdf = _source_pdf(source)
        if source_pdf is None:
            errors["source"] = _("The document has no PDF file to copy.")
    if errors:
        raise DomainError("invalid_copy", next(iter(errors.values())), errors=errors)
    settings_ = register_settings(source.agency)
    now = now or timezone.now()

    def apply(copy: DocumentCopy, step: Step) -> CopyApplied:
        copy.copy_date = local_date(step.now)
        copy.number_year = copy.copy_date.year
        copy.number = take_series_number(copy.agency, COPY_SERIES, copy.number_year)
        copy.number_symbol = copy_symbol(copy.number, copy.kind, settings_.symbol)
        unsigned = copy_pdf(copy, source_pdf, place=settings_.place, parent=settings_.parent_name)
        signed = sign_copy(
            unsigned,
            agency_code=copy.agency.code,
            copy_form=f"{copy.title} {copy.number_symbol}",
            agency_name=copy.agency.name,
            when=step.now,
        )
        copy.signed_at = step.now
        copy.pdf.save("ban-sao.pdf", ContentFile(signed), save=False)
        remember_file(copy.pdf.storage, copy.pdf.name)
        return CopyApplied(data={"number_symbol": copy.number_symbol})

    with transaction.atomic():
        copy = DocumentCopy.objects.create(
            agency=source.agency,
            kind=kind,
            incoming=source if isinstance(source, IncomingDocument) else None,
            outgoing=source if isinstance(source, OutgoingDocument) else None,
            excerpt=excerpt if kind == CopyKind.EXTRACT else "",
            recipients_text=recipients_text,
            made_by=actor,
            made_at=now,
        )
        return COPIES.perform(actor=actor, obj=copy, action="issue", apply=apply, now=now).obj
