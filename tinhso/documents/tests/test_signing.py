"""Issue 22 point 3 and issue 21 acceptance 4 in the document system: the signer approves an
outgoing document by signing it through the signing agent, the clerk's number and date are filled
into the signed PDF and the clerk adds the agency's signature (the seal) with the agency's
certificate, the recipients on the platform receive the signed PDF and its signatures validate;
every refusal leaves the document as it was."""

from __future__ import annotations

import base64

import pytest
from django.utils import timezone

from tinhso.core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from tinhso.documents import pdf as document_pdf
from tinhso.documents import selectors
from tinhso.documents import services as s
from tinhso.documents.models import IncomingDocument, OutgoingState
from tinhso.ioc.indicators import INDICATORS
from tinhso.signatures import pades
from tinhso.signatures.models import SigningSession
from tinhso.signatures.registry import certificate_register
from tinhso.signatures.tests.test_appearance import seal_png, signature_png
from tinhso.testing.factories import (
    allow_unsigned_approval,
    client_for,
    make_draft,
    make_superuser,
)
from tinhso.testing.pki import agent_sign, announced, signing_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(documents_world, trust):
    """The justice department signs digitally (no approval on paper); its leader's personal
    certificate and, on its clerk's token, its organisation certificate are registered."""
    w = documents_world
    allow_unsigned_approval(w.justice, allowed=False)
    admin = make_superuser("quantri.vanban")
    certificate_register(
        actor=admin, user=w.leader, data=trust.pem("leader"), signature_image=signature_png()
    )
    certificate_register(
        actor=admin, user=w.clerk, data=trust.pem("agency"), signature_image=seal_png(),
        agency=w.justice,
    )  # fmt: skip
    return w


def in_review(w):
    doc = make_draft(w, render_pdf=True, recipient_agencies=[w.construction])
    return s.outgoing_submit(actor=w.specialist, document=doc)


def test_sign_number_seal_issue_and_the_receiver_gets_the_signed_pdf(world, trust):
    w = world
    doc = in_review(w)
    with pytest.raises(PermissionDenied) as paper:  # this agency approves by signing only
        s.outgoing_approve(actor=w.leader, document=doc)
    assert paper.value.code == "signature_required"
    assert s.outgoing_withheld(doc) == {"approve"}

    with signing_agent(trust, "leader") as agent:
        to_sign = s.outgoing_sign_begin(actor=w.leader, document=doc, **announced(trust, "leader"))
        doc = s.outgoing_sign_finish(
            actor=w.leader,
            document=doc,
            session_id=to_sign.session.pk,
            signature=agent_sign(agent, to_sign),
        )
    assert doc.state == OutgoingState.APPROVED and doc.signed_at == doc.approved_at
    (leader_check,) = pades.validate_pdf(doc.pdf.open("rb").read())
    assert leader_check.verdict == pades.Verdict.VALID and leader_check.signer == "Nguyễn Văn An"
    assert s.outgoing_withheld(doc) == {"approve", "issue", "number", "dispatch"}
    with pytest.raises(InvalidTransition) as unsealed:  # a signed document is issued sealed
        s.outgoing_issue(actor=w.clerk, document=doc)
    assert unsealed.value.code == "seal_required"

    with signing_agent(trust, "agency") as agent:
        to_seal = s.outgoing_seal_begin(actor=w.clerk, document=doc, **announced(trust, "agency"))
        doc.refresh_from_db()
        assert doc.state == OutgoingState.NUMBERED and doc.number_symbol.startswith("01/")
        doc = s.outgoing_seal_finish(
            actor=w.clerk,
            document=doc,
            session_id=to_seal.session.pk,
            signature=agent_sign(agent, to_seal),
        )
    assert doc.state == OutgoingState.ISSUED and doc.sealed_at is not None
    issued = doc.pdf.open("rb").read()
    personal, organisation = document_pdf.SIGNATURE_FIELDS
    checks = pades.validate_pdf(issued)
    assert [(c.field, c.verdict) for c in checks] == [
        (personal, pades.Verdict.VALID),
        (organisation, pades.Verdict.VALID),
    ], checks
    assert checks[0].modifications == "form filling"  # the number and date, then the seal
    assert document_pdf.form_fields(issued)[document_pdf.NUMBER_FIELD]["value"] == (
        doc.number_symbol
    )
    assert [e.action for e in doc.events.all()] == ["draft", "submit", "sign", "number", "dispatch"]
    downloaded = client_for(w.clerk).get(f"/can-bo/van-ban/di/{doc.pk}/van-ban.pdf")
    assert downloaded.content == issued  # the sealed file as stored, nothing added after the seal

    # The receiver on the platform gets the sealed PDF, as its first file, and sees it valid.
    copy = IncomingDocument.objects.get(agency=w.construction)
    received = list(copy.files.all())
    assert received[0].file.open("rb").read() == issued
    assert received[0].original_name == f"van-ban-01-{doc.number_year}.pdf"
    summary = selectors.file_signatures(received)
    assert [c.verdict for c in summary[received[0].pk]] == [pades.Verdict.VALID] * 2

    # The operations centre counts it among the documents signed digitally.
    month = timezone.localdate(doc.issued_at).replace(day=1)
    counts = selectors.ioc_document_counts()[(month, w.justice.pk)]
    assert (counts["documents_issued"], counts["documents_issued_signed"]) == (1, 1)
    assert INDICATORS["signed_document_share"].compute(counts).value == 1.0


def _unchanged(doc, state=OutgoingState.IN_REVIEW):
    doc.refresh_from_db()
    assert doc.state == state and doc.signed_at is None and doc.number is None


def test_refused_certificates_and_signers_change_nothing(world, trust):
    w = world
    doc = in_review(w)
    refusals = [
        # (officer, certificate on the token, error, code)
        (w.leader, "agency", PermissionDenied, "certificate_not_registered"),  # the clerk's
        (w.clerk, "agency", PermissionDenied, "forbidden"),  # not the signer
        (w.other_leader, "leader", NotFound, "unknown_document"),  # another agency
    ]
    admin = make_superuser("quantri.vanban2")
    for name in ("revoked", "expired"):
        certificate_register(actor=admin, user=w.leader, data=trust.pem(name))
        refusals.append((w.leader, name, pades.SigningRefused, f"certificate_{name}"))
    for officer, token, error, code in refusals:
        with pytest.raises(error) as refused:
            s.outgoing_sign_begin(actor=officer, document=doc, **announced(trust, token))
        assert refused.value.code == code, (officer, token)
        assert str(refused.value.message)
    _unchanged(doc)
    assert not SigningSession.objects.exists()

    # Through the page (what signing.js posts): the refusal in Vietnamese, in the API's shape.
    token = announced(trust, "revoked")
    answer = client_for(w.leader).post(
        f"/can-bo/van-ban/di/{doc.pk}/ky-so/bat-dau/",
        {
            "certificate": base64.b64encode(token["certificate"]).decode(),
            "chain": [base64.b64encode(c).decode() for c in token["chain"]],
            "mechanisms": token["mechanisms"],
        },
        content_type="application/json",
    )
    assert answer.status_code == 409, answer.content
    error = answer.json()["error"]
    assert error["code"] == "certificate_revoked" and "đã bị thu hồi" in error["message"]
    _unchanged(doc)

    # A value the agent did not make with that key: nothing is signed.
    to_sign = s.outgoing_sign_begin(actor=w.leader, document=doc, **announced(trust, "leader"))
    with pytest.raises(DomainError) as wrong:
        s.outgoing_sign_finish(
            actor=w.leader, document=doc, session_id=to_sign.session.pk, signature=b"\0" * 256
        )
    assert wrong.value.code == "bad_signature_value"
    _unchanged(doc)
    with pytest.raises(NotFound):  # another officer's session does not exist for them
        s.outgoing_sign_finish(
            actor=w.other_leader, document=doc, session_id=to_sign.session.pk, signature=b"x"
        )


def test_the_seal_needs_the_agencys_certificate_before_a_number_is_taken(world, trust):
    w = world
    doc = in_review(w)
    with signing_agent(trust, "leader") as agent:
        to_sign = s.outgoing_sign_begin(actor=w.leader, document=doc, **announced(trust, "leader"))
        value = agent_sign(agent, to_sign)
    doc = s.outgoing_sign_finish(
        actor=w.leader, document=doc, session_id=to_sign.session.pk, signature=value
    )
    # The clerk's own personal certificate is not the agency's; nor is the leader's.
    certificate_register(
        actor=make_superuser("quantri.vanban3"), user=w.clerk, data=trust.pem("expired")
    )
    for token, code in (("expired", "certificate_not_organisation"), ("leader", None)):
        with pytest.raises(PermissionDenied) as refused:
            s.outgoing_seal_begin(actor=w.clerk, document=doc, **announced(trust, token))
        assert refused.value.code == (code or "certificate_not_registered")
    with pytest.raises(PermissionDenied):  # the leader does not issue
        s.outgoing_seal_begin(actor=w.leader, document=doc, **announced(trust, "agency"))
    doc.refresh_from_db()
    assert doc.state == OutgoingState.APPROVED and doc.number is None

    # Sent back, the signature goes: the draft is rendered again, unsigned.
    doc = s.outgoing_send_back(actor=w.leader, document=doc, note="Sửa lại trích yếu.")
    assert doc.state == OutgoingState.DRAFT and doc.signed_at is None
    assert pades.validate_pdf(doc.pdf.open("rb").read()) == []


def test_an_agency_on_paper_approves_without_signing(world, trust):
    w = world
    allow_unsigned_approval(w.justice)
    doc = s.outgoing_approve(actor=w.leader, document=in_review(w))
    assert doc.state == OutgoingState.APPROVED and doc.signed_at is None
    with pytest.raises(InvalidTransition) as not_signed:
        s.outgoing_seal_begin(actor=w.clerk, document=doc, **announced(trust, "agency"))
    assert not_signed.value.code == "not_signed"
    doc = s.outgoing_issue(actor=w.clerk, document=doc)
    assert doc.state == OutgoingState.ISSUED
    copy = IncomingDocument.objects.get(agency=w.construction)
    assert list(copy.files.all()) == []  # signed on paper: no electronic original to send
    month = timezone.localdate(doc.issued_at).replace(day=1)
    counts = selectors.ioc_document_counts()[(month, w.justice.pk)]
    assert (counts["documents_issued"], counts["documents_issued_signed"]) == (1, 0)
