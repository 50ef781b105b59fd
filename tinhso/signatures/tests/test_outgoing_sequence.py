"""Issue 22, point 3, on the document system's own PDFs: the leader signs the outgoing
document's draft in its personal signature field, the number and date are then filled into the
template's form fields, and the clerk adds the organisation's signature (the seal): both
signatures stay valid, and pyHanko's difference analysis reports only form filling after the
leader's signature; pdfsig agrees. Stamping the number as page text instead breaks it."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter

from tinhso.documents import pdf as document_pdf
from tinhso.documents import services as ds
from tinhso.signatures import appearance, pades
from tinhso.testing.factories import make_approved

from .conftest import pdfsig
from .test_appearance import seal_png, signature_png

pytestmark = pytest.mark.django_db


def test_leader_then_number_and_date_then_seal(trust, documents_world, tmp_path):
    w = documents_world
    doc = make_approved(w)
    draft = document_pdf.render_outgoing(doc)
    personal_field, organisation_field = document_pdf.SIGNATURE_FIELDS
    # 1. the leader signs the draft in the template's personal signature field
    signed = pades.sign_pdf(
        draft,
        trust.signer("leader"),
        field_name=personal_field,
        appearance=appearance.personal(signature_png()),
    )
    # 2. the clerk issues it: the number and date go into their form fields (an update)
    issued = ds.outgoing_issue(actor=w.clerk, document=doc)
    filled = document_pdf.filled_pdf(signed, issued)
    assert filled.startswith(signed)  # the signed bytes are kept as they were
    values = document_pdf.form_fields(filled)
    assert values[document_pdf.NUMBER_FIELD]["value"] == issued.number_symbol
    # 3. the clerk adds the organisation's signature (the seal)
    sealed = pades.sign_pdf(
        filled,
        trust.signer("agency"),
        field_name=organisation_field,
        appearance=appearance.seal(seal_png()),
    )
    checks = pades.validate_pdf(sealed)
    assert [(c.field, c.verdict) for c in checks] == [
        (personal_field, pades.Verdict.VALID),
        (organisation_field, pades.Verdict.VALID),
    ], checks
    assert checks[0].modifications == "form filling"  # only the fields were filled after it
    path = tmp_path / "issued.pdf"
    path.write_bytes(sealed)
    out = pdfsig(path, trust.nss_db(tmp_path))
    assert out.count("Signature is Valid.") == 2 and out.count("Certificate is Trusted.") == 2, out


def test_stamping_the_number_into_the_page_breaks_the_signature(trust, documents_world):
    w = documents_world
    doc = make_approved(w)
    personal_field = document_pdf.SIGNATURE_FIELDS[0]
    signed = pades.sign_pdf(
        document_pdf.render_outgoing(doc), trust.signer("leader"), field_name=personal_field
    )
    writer = PdfWriter(PdfReader(io.BytesIO(signed)), incremental=True)
    page = writer.pages[0]
    contents = page.get_contents()
    contents.set_data(contents.get_data() + b"\nBT /F1 12 Tf 72 800 Td (So 01/STP) Tj ET\n")
    page.replace_contents(contents)
    out = io.BytesIO()
    writer.write(out)
    (check,) = pades.validate_pdf(out.getvalue())
    assert check.intact  # the signed bytes are unchanged...
    assert check.verdict == pades.Verdict.INVALID  # ...but the page was changed after signing
    assert check.modifications == "other"
