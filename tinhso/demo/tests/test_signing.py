"""The demo signs digitally (``load_demo_signing``, ``docs/signatures.md``): its leaders and clerks
get certificates from the stand-in PKI made offline, the PKI process started afterwards (as
``run-all`` does) answers for them, the registry accepts them, and the demo signing agent holding
every officer's token under their user name signs the document awaiting a leader's signature
and the clerk's seal."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from tinhso.documents import services as s
from tinhso.documents.models import OutgoingDocument, OutgoingState, RegisterSettings
from tinhso.signatures import pades, registry
from tinhso.signatures.selectors import signing_agent_url
from tinhso.testing.factories import free_port, standin_process
from tinhso.testing.pki import agent_certificate, agent_sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_pki(settings, tmp_path):
    """The demo's signing settings on this test's PKI folder and a free port for its PKI;
    trusted roots and revocation answers from that PKI."""
    pki_dir, port = tmp_path / "pki", free_port()
    settings.TINHSO_DEMO_SIGNING = True
    settings.TINHSO_PKI_DIR = pki_dir
    settings.TINHSO_PKI_PORT = port
    settings.TINHSO_SIGNING_AGENT_STANDIN_TOKENS = pki_dir / "agent-tokens.json"
    settings.TINHSO_SIGNATURE_TRUST_ROOTS = [str(pki_dir / "root.pem")]
    settings.TINHSO_REVOCATION_ALLOWLIST = [f"http://127.0.0.1:{port}/"]
    return pki_dir, port


def test_demo_officers_sign_and_seal_through_the_demo_agent(documents_world, settings, demo_pki):
    w = documents_world
    pki_dir, port = demo_pki
    call_command("load_demo_signing", province="44")
    call_command("load_demo_signing", province="44")  # again: nothing new registered
    tokens = json.loads(settings.TINHSO_SIGNING_AGENT_STANDIN_TOKENS.read_text())
    assert {w.leader.username, w.clerk.username, w.other_leader.username} <= set(tokens)
    leader_row = registry.OfficerCertificate.objects.get(user=w.leader)
    assert leader_row.agency is None and "Lê Quang Huy" in leader_row.subject
    assert leader_row.signature_image
    (clerk_row,) = registry.OfficerCertificate.objects.filter(user=w.clerk)
    assert clerk_row.agency == w.justice and "Sở Tư pháp" in clerk_row.subject
    assert registry.OfficerCertificate.objects.count() == len(tokens)
    assert not RegisterSettings.objects.filter(unsigned_approval=True).exists()
    # each leader has one document awaiting their signature, drafted by a clerk (not two)
    waiting = OutgoingDocument.objects.filter(state=OutgoingState.IN_REVIEW)
    assert sorted(waiting.values_list("signer", flat=True)) == sorted(
        [w.leader.pk, w.other_leader.pk]
    )

    # The PKI started afterwards on its port (run-all's order) answers for the same certificates.
    settings.TINHSO_TSA_URL = f"http://127.0.0.1:{port}/tinhso-demo/tsa/tsa"
    settings.TINHSO_SIGNING_AGENT_URL = "http://127.0.0.1:8796/{user}"
    agent_args = ("--tokens", str(settings.TINHSO_SIGNING_AGENT_STANDIN_TOKENS))
    with (
        standin_process("pki", "--dir", str(pki_dir), "--port", str(port)),
        standin_process("signing_agent", *agent_args) as url,
    ):
        # what a demo officer's page is given: the agent, under their user name
        assert signing_agent_url(w.leader) == f"http://127.0.0.1:8796/{w.leader.username}"
        leader_agent = f"{url}/{w.leader.username}"
        token = agent_certificate(leader_agent)
        assert registry.require_registered(w.leader, token["certificate"]) == leader_row
        doc = waiting.get(signer=w.leader)
        to_sign = s.outgoing_sign_begin(actor=w.leader, document=doc, **token)
        doc = s.outgoing_sign_finish(
            actor=w.leader,
            document=doc,
            session_id=to_sign.session.pk,
            signature=agent_sign(leader_agent, to_sign),
        )
        assert doc.state == OutgoingState.APPROVED and doc.signed_at
        clerk_agent = f"{url}/{w.clerk.username}"
        seal = agent_certificate(clerk_agent)
        assert registry.require_registered(w.clerk, seal["certificate"], agency=w.justice)
        to_seal = s.outgoing_seal_begin(actor=w.clerk, document=doc, **seal)
        doc = s.outgoing_seal_finish(
            actor=w.clerk,
            document=doc,
            session_id=to_seal.session.pk,
            signature=agent_sign(clerk_agent, to_seal),
        )
        assert doc.state == OutgoingState.ISSUED and doc.sealed_at
        checks = pades.validate_pdf(doc.pdf.open("rb").read())  # the PKI answers OCSP, CRL
    assert [c.verdict for c in checks] == [pades.Verdict.VALID] * 2, checks
    assert checks[0].signer == "Lê Quang Huy" and checks[1].signer == "Sở Tư pháp"


def test_each_demo_agency_signs_its_copies_with_its_own_organisation_key(
    documents_world, settings, demo_pki
):
    """``make run``'s organisation keys: one per demo agency issued by ``load_demo_signing``
    (subject the agency's name), named by ``TINHSO_ORGANISATION_KEYS``'s ``{code}`` path; a copy
    made by each of two agencies carries its own name and validates to the demo root."""
    from tinhso.demo.signing import ORGANISATION_LABEL
    from tinhso.documents.copies import copy_make
    from tinhso.documents.models import CopyKind
    from tinhso.standins import pki
    from tinhso.testing.factories import make_registered, pdf

    w = documents_world
    pki_dir, port = demo_pki
    # the settings' make-run default, under this test's PKI folder
    settings.TINHSO_ORGANISATION_KEYS = [f"*={pki_dir / pki.OFFICERS_DIR / ORGANISATION_LABEL}.p12"]
    settings.TINHSO_ORGANISATION_KEY_PASSWORD = pki.PFX_PASSWORD.decode()
    call_command("load_demo_signing", province="44")
    settings.TINHSO_TSA_URL = ""  # B-B: the copy's signature alone
    # the PKI answers (OCSP, CRL) while the copies are signed (the certificate checked first)
    with standin_process("pki", "--dir", str(pki_dir), "--port", str(port)):
        copies = [
            copy_make(
                actor=actor,
                source=make_registered(w, actor=actor, agency=agency, files=[pdf("scan.pdf")]),
                kind=CopyKind.FULL,
                recipients_text="Lưu: VT",
            )
            for actor, agency in ((w.clerk, w.justice), (w.other_clerk, w.construction))
        ]
        checks = [pades.validate_pdf(c.pdf.open("rb").read()) for c in copies]
    assert [[c.verdict for c in check] for check in checks] == [[pades.Verdict.VALID]] * 2, checks
    assert [check[0].signer for check in checks] == ["Sở Tư pháp", "Sở Xây dựng"]
