"""Copies (sao y, sao lục, trích sao): numbered in the copies' series, the copy form, signed with
the organisation's signature at the top right of page 1 (a real PKI stand-in, pyHanko)."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from tinhso.core.errors import DomainError, PermissionDenied
from tinhso.core.models import AuditEvent
from tinhso.documents import services as s
from tinhso.documents.copies import copy_make
from tinhso.documents.models import CopyEvent, CopyKind, DocumentCopy
from tinhso.signatures import pades
from tinhso.signatures.pades import SigningRefused
from tinhso.standins.pki import PFX_PASSWORD
from tinhso.testing.factories import make_approved, make_registered

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def organisation_key(settings, trust):
    settings.TINHSO_ORGANISATION_KEYS = [f"*={trust.dir / 'agency.p12'}"]
    settings.TINHSO_ORGANISATION_KEY_PASSWORD = PFX_PASSWORD.decode()
    return trust


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_certified_copy_of_an_issued_document_is_numbered_and_signed_top_right(
    documents_world, organisation_key
):
    w = documents_world
    issued = s.outgoing_issue(actor=w.clerk, document=make_approved(w, render_pdf=True))
    first = copy_make(
        actor=w.clerk, source=issued, kind=CopyKind.FULL, recipients_text="Sở Xây dựng\nLưu: VT"
    )
    second = copy_make(
        actor=w.clerk,
        source=issued,
        kind=CopyKind.EXTRACT,
        recipients_text="UBND xã A",
        excerpt="Sở Tư pháp đề nghị Sở Xây dựng góp ý.",
    )
    symbol = s.register_settings(w.justice).symbol
    assert (first.number, first.number_symbol) == (1, f"01/SY-{symbol}")
    assert (second.number, second.number_symbol) == (2, f"02/TS-{symbol}")  # one series
    assert first.state == second.state == "issued"
    with first.pdf.open("rb") as handle:
        data = handle.read()
    text = text_of(data)
    assert "SAO Y" in text and f"Số: 01/SY-{symbol}" in text and "Nơi nhận:" in text
    assert issued.number_symbol in text  # the source's number, drawn from its form field
    # ... upright: each field drawn with a positive vertical scale.
    drawn = re.findall(
        rb"q (\S+) 0 0 (\S+) \S+ \S+ cm /FlatField\d+ Do Q",
        PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data(),
    )
    assert len(drawn) == 2 and all(float(sx) > 0 and float(sy) > 0 for sx, sy in drawn)
    (check,) = pades.validate_pdf(data)  # the copy carries the organisation's signature only
    assert check.verdict == pades.Verdict.VALID
    assert "agency" in check.signer.lower() or check.signer
    # The signature sits at the top right of page 1.
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    (widget,) = [a.get_object() for a in page["/Annots"] if a.get_object().get("/FT") == "/Sig"]
    x1, y1, _x2, _y2 = (float(v) for v in widget["/Rect"])
    assert x1 > float(page.mediabox.width) / 2 and y1 > float(page.mediabox.height) * 0.8
    with second.pdf.open("rb") as handle:
        extract = text_of(handle.read())
    assert "TRÍCH SAO" in extract and "góp ý" in extract and "V/v" not in extract
    assert AuditEvent.objects.filter(action="documents.copy.issue").count() == 2
    # Each copy is a step of the source's own history, numbered after its issue.
    copies = list(issued.events.filter(action="copy").order_by("seq"))
    assert [(e.note, e.data["copy"], e.actor_id) for e in copies] == [
        (first.number_symbol, first.pk, w.clerk.pk),
        (second.number_symbol, second.pk, w.clerk.pk),
    ]
    assert copies[0].seq == issued.events.get(action="issue").seq + 1
    # ... and each copy keeps its own history: one event, the clerk's issue.
    for copy in (first, second):
        assert [(e.seq, e.action, e.actor_id) for e in copy.events.all()] == [
            (1, "issue", w.clerk.pk)
        ]
        assert copy.events.get().data == {"number_symbol": copy.number_symbol}


def test_an_incoming_scan_is_copied_and_refusals_write_nothing(
    documents_world, organisation_key, settings
):
    w = documents_world
    from tinhso.testing.factories import pdf

    doc = make_registered(w, files=[pdf("scan.pdf")])
    with pytest.raises(PermissionDenied):
        copy_make(actor=w.leader, source=doc, kind=CopyKind.FULL, recipients_text="Phòng A")
    with pytest.raises(DomainError):
        copy_make(actor=w.clerk, source=doc, kind=CopyKind.EXTRACT, recipients_text="Phòng A")
    settings.TINHSO_ORGANISATION_KEYS = []
    with pytest.raises(SigningRefused):
        copy_make(actor=w.clerk, source=doc, kind=CopyKind.FULL, recipients_text="Phòng A")
    assert not DocumentCopy.objects.exists()  # no number taken, nothing kept
    assert not doc.events.filter(action="copy").exists()  # nor a step of the source's history
    assert not CopyEvent.objects.exists()  # nor of the copy's own
    settings.TINHSO_ORGANISATION_KEYS = [f"*={organisation_key.dir / 'agency.p12'}"]
    copy = copy_make(actor=w.clerk, source=doc, kind=CopyKind.FROM_COPY, recipients_text="Phòng A")
    assert copy.number == 1 and copy.number_symbol.startswith("01/SL-")
    assert list(DocumentCopy.objects.restrict(w.other_clerk)) == []
    assert list(DocumentCopy.objects.restrict(w.clerk)) == [copy]


def test_the_page_button_makes_a_copy_listed_on_the_document_page(
    documents_world, organisation_key
):
    from django.urls import reverse

    from tinhso.testing.factories import client_for

    w = documents_world
    issued = s.outgoing_issue(actor=w.clerk, document=make_approved(w, render_pdf=True))
    page = reverse("documents:outgoing", args=[issued.pk])
    url = reverse("documents:copy_make", args=["di", issued.pk])
    clerk = client_for(w.clerk)
    assert url in clerk.get(page).content.decode()
    assert clerk.get(url).status_code == 200
    answer = clerk.post(url, {"kind": "SY", "recipients_text": "Sở Xây dựng"})
    assert answer.status_code == 302 and answer["Location"] == f"{page}?done=copied"
    copy = DocumentCopy.objects.get()
    shown = clerk.get(page).content.decode()
    assert copy.number_symbol in shown
    assert f"Đã làm bản sao: {copy.number_symbol}" in shown  # in the source's history
    # The copy's own history, labelled, under the copy in the list.
    listed = shown.split('data-testid="copies"')[1].split("</ul>")[0]
    assert 'data-testid="copy-history"' in listed
    assert f"{w.clerk.get_full_name()} · Đã cấp bản sao" in listed and "· issue" not in listed
    pdf = clerk.get(reverse("documents:copy_pdf", args=[copy.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    other = client_for(w.other_clerk)
    assert other.get(url).status_code == 404
    assert other.get(page).status_code == 404  # nor the copy's history
    assert other.get(reverse("documents:copy_pdf", args=[copy.pk])).status_code == 404
    # A refusal is the form's message, in Vietnamese.
    answer = clerk.post(url, {"kind": "TS", "recipients_text": "Sở Xây dựng"})
    assert answer.status_code == 200 and "Nhập phần nội dung" in answer.content.decode()


def test_an_agency_without_its_own_key_file_is_refused_in_vietnamese(
    documents_world, organisation_key, settings, tmp_path
):
    """A key per agency through ``{code}`` (``make run``'s way): the agency whose file is
    missing is refused with the administrator's message, in Vietnamese; nothing is numbered."""
    from django.utils import translation

    from tinhso.testing.factories import pdf

    w = documents_world
    settings.TINHSO_ORGANISATION_KEYS = [f"*={tmp_path / '{code}.p12'}"]
    (tmp_path / f"{w.justice.code}.p12").write_bytes(
        (organisation_key.dir / "agency.p12").read_bytes()
    )
    mine = make_registered(w, files=[pdf("scan.pdf")])
    theirs = make_registered(w, actor=w.other_clerk, agency=w.construction, files=[pdf("b.pdf")])
    copy = copy_make(actor=w.clerk, source=mine, kind=CopyKind.FULL, recipients_text="Lưu: VT")
    assert copy.number == 1
    with translation.override("vi"), pytest.raises(SigningRefused) as refused:
        copy_make(actor=w.other_clerk, source=theirs, kind=CopyKind.FULL, recipients_text="VT")
    assert refused.value.code == "no_organisation_key"
    assert str(refused.value) == (
        "Cơ quan chưa được cấu hình khóa ký số tổ chức: hãy liên hệ quản trị viên."
    )
    assert DocumentCopy.objects.count() == 1
    # a code that would name another folder has no key
    from tinhso.signatures.organisation import key_file

    assert key_file("../x") is None and key_file(w.justice.code).name == f"{w.justice.code}.p12"
