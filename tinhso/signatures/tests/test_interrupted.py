"""Interrupted signing end to end with the stand-in signing agent (a real process holding the
leader's key as a token on the leader's own computer would): the server prepares, the agent signs
the signed attributes, the server embeds; the result validates with pyHanko and pdfsig."""

from __future__ import annotations

import base64
import json
import urllib.request

import pytest
import weasyprint

from tinhso.core.errors import DomainError, InvalidTransition, NotFound
from tinhso.signatures import pades, services
from tinhso.signatures.models import SigningSession
from tinhso.testing.factories import make_user
from tinhso.testing.pki import agent_sign, signing_agent

from .conftest import pdfsig

pytestmark = pytest.mark.django_db


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310
        return json.loads(answer.read())


@pytest.fixture(scope="module")
def document() -> bytes:
    return weasyprint.HTML(string="<h1>Giấy chứng nhận</h1><p>Kết quả TTHC</p>").write_pdf()


def _begin(officer, document, announced: dict, **extra):
    return services.signing_begin(
        actor=officer,
        pdf=document,
        certificate=base64.b64decode(announced["certificate"]),
        chain=[base64.b64decode(c) for c in announced["chain"]],
        mechanisms=announced["mechanisms"],
        purpose="dossier-result",
        reference="H44.40.01-261205-0001",
        field_name="ChuKyLanhDao",
        **extra,
    )


@pytest.mark.parametrize("mechanisms", ["rsassa_pss,sha256_rsa", "sha256_rsa"])
def test_the_agent_signs_and_the_server_embeds(trust, document, tmp_path, mechanisms):
    officer = make_user("lanhdao.thu")
    with signing_agent(trust, "leader", "--mechanisms", mechanisms) as agent:
        announced = _get(agent + "/certificate")
        to_sign = _begin(officer, document, announced)
        expected = "rsassa_pss" if mechanisms.startswith("rsassa_pss") else "sha256_rsa"
        assert to_sign.mechanism == expected
        value = agent_sign(agent, to_sign)
        assert _get(agent + "/_signed")["signed"] == [base64.b64encode(to_sign.data).decode()]
    signed = services.signing_finish(actor=officer, session_id=to_sign.session.pk, signature=value)
    (check,) = pades.validate_pdf(signed)
    assert check.verdict == pades.Verdict.VALID and check.mechanism == expected, check
    assert check.timestamp_time is not None  # B-T: the timestamp was added at the end
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    out = pdfsig(path, trust.nss_db(tmp_path))
    assert "Signature is Valid." in out and "Certificate is Trusted." in out, out
    session = SigningSession.objects.get(pk=to_sign.session.pk)
    assert session.status == "done" and bytes(session.prepared_pdf) == b""
    with pytest.raises(InvalidTransition):  # used once
        services.signing_finish(actor=officer, session_id=session.pk, signature=value)


def test_a_wrong_signature_value_or_another_officer_changes_nothing(trust, document):
    officer, other = make_user("lanhdao.a"), make_user("lanhdao.b")
    with signing_agent(trust, "leader") as agent:
        to_sign = _begin(officer, document, _get(agent + "/certificate"))
        value = agent_sign(agent, to_sign)
    with pytest.raises(NotFound):
        services.signing_finish(actor=other, session_id=to_sign.session.pk, signature=value)
    with pytest.raises(DomainError) as bad:
        services.signing_finish(
            actor=officer, session_id=to_sign.session.pk, signature=value[:-1] + b"\0"
        )
    assert bad.value.code == "bad_signature_value"
    assert SigningSession.objects.get(pk=to_sign.session.pk).status == "pending"
    with pytest.raises(NotFound):
        services.signing_finish(actor=officer, session_id="not-a-uuid", signature=value)


def test_a_revoked_certificate_announced_by_the_agent_is_refused(trust, document):
    with signing_agent(trust, "revoked") as agent, pytest.raises(pades.SigningRefused) as refused:
        _begin(make_user("lanhdao.c"), document, _get(agent + "/certificate"))
    assert refused.value.code == "certificate_revoked"
    assert not SigningSession.objects.exists()


def test_an_expired_session_fails(trust, document, settings):
    import datetime as dt

    from django.utils import timezone

    officer = make_user("lanhdao.d")
    with signing_agent(trust, "leader") as agent:
        to_sign = _begin(officer, document, _get(agent + "/certificate"))
        value = agent_sign(agent, to_sign)
    later = timezone.now() + dt.timedelta(seconds=settings.TINHSO_SIGNING_SESSION_SECONDS + 1)
    with pytest.raises(DomainError) as expired:
        services.signing_finish(
            actor=officer, session_id=to_sign.session.pk, signature=value, now=later
        )
    assert expired.value.code == "signing_session_expired"
    assert SigningSession.objects.get(pk=to_sign.session.pk).status == "failed"
