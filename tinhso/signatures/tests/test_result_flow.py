"""The leader signs a dossier's result through the signing agent on their own computer; the
applicant downloads the signed result, which validates; only the leader at the signing step, with
a certificate registered to them, may sign."""

from __future__ import annotations

import base64
import io
import json
import urllib.request

import pytest
import weasyprint
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tinhso.core.errors import NotFound, PermissionDenied
from tinhso.dossiers import services as s
from tinhso.dossiers.tests.factories import VALID_FORM
from tinhso.signatures import pades
from tinhso.signatures.registry import certificate_register, expiring_certificates
from tinhso.testing.factories import make_superuser
from tinhso.testing.pki import agent_certificate, agent_sign, signing_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(one_stop_world):
    return one_stop_world


@pytest.fixture(scope="module")
def agent(pki):
    with signing_agent(pki, "leader") as url:
        yield url


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310
        return json.loads(answer.read())


def signature_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (500, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line(
        [(20, 150), (120, 40), (220, 160), (480, 60)], fill=(20, 40, 200, 255), width=12
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def at_signing_step_with_a_result(world):
    d = s.dossier_submit(actor=world.citizen, procedure=world.procedure, form_data=VALID_FORM)
    d = s.dossier_receive(actor=world.desk, dossier=d)
    d = s.dossier_transfer(actor=world.desk, dossier=d, to_user=world.specialist)
    pdf = weasyprint.HTML(string="<h1>GIẤY KHAI SINH</h1><p>Nguyễn Văn Đức</p>").write_pdf()
    upload = SimpleUploadedFile("giay-khai-sinh.pdf", pdf, content_type="application/pdf")
    record = s.dossier_attach_result(actor=world.specialist, dossier=d, upload=upload)
    d = s.dossier_transfer(actor=world.specialist, dossier=d, to_user=world.leader)
    return d, record


def test_the_leader_signs_and_the_applicant_downloads_the_signed_result(trust, agent, world):
    d, record = at_signing_step_with_a_result(world)
    admin = make_superuser("quantri.ky")
    cert = (trust.dir / "leader.pem").read_bytes()
    certificate_register(actor=admin, user=world.leader, data=cert, signature_image=signature_png())
    to_sign = s.dossier_result_sign_begin(
        actor=world.leader, dossier=d, file_id=record.pk, **agent_certificate(agent)
    )
    value = agent_sign(agent, to_sign)
    signed = s.dossier_result_sign_finish(
        actor=world.leader,
        dossier=d,
        file_id=record.pk,
        session_id=to_sign.session.pk,
        signature=value,
    )
    assert signed.signed_by == world.leader and signed.signed_at is not None
    client = Client()
    client.force_login(world.citizen)
    response = client.get(f"/ho-so-cua-toi/{d.code}/tep/{record.pk}/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    (check,) = pades.validate_pdf(body)
    assert check.verdict == pades.Verdict.VALID and check.signer == "Nguyễn Văn An", check
    assert check.field == "ChuKyLanhDao"
    # Returned, it counts in the operations centre's "results signed digitally".
    from tinhso.ioc import rollup
    from tinhso.ioc.models import DailyStat

    d = s.dossier_approve(actor=world.leader, dossier=d)
    s.dossier_return_result(actor=world.desk, dossier=d)
    rollup.rebuild()
    totals = [(r.returned, r.returned_signed) for r in DailyStat.objects.filter(returned__gt=0)]
    assert totals == [(1, 1)]


def test_only_the_leader_with_a_registered_certificate_signs(trust, agent, world):
    d, record = at_signing_step_with_a_result(world)
    with pytest.raises(PermissionDenied) as unregistered:
        s.dossier_result_sign_begin(
            actor=world.leader, dossier=d, file_id=record.pk, **agent_certificate(agent)
        )
    assert unregistered.value.code == "certificate_not_registered"
    certificate_register(
        actor=make_superuser("quantri.ky2"),
        user=world.specialist,
        data=(trust.dir / "leader.pem").read_bytes(),
    )
    with pytest.raises(PermissionDenied):  # not the signing step's leader
        s.dossier_result_sign_begin(
            actor=world.specialist, dossier=d, file_id=record.pk, **agent_certificate(agent)
        )
    with pytest.raises(NotFound):  # another agency's officer: no such dossier
        s.dossier_result_sign_begin(
            actor=world.outsider, dossier=d, file_id=record.pk, **agent_certificate(agent)
        )
    with pytest.raises(PermissionDenied):  # the applicant acts on their dossier, never signs it
        s.dossier_result_sign_begin(
            actor=world.citizen, dossier=d, file_id=record.pk, **agent_certificate(agent)
        )


def test_certificates_expiring_soon_are_listed(trust, world):
    admin = make_superuser("quantri.ky3")
    expired = certificate_register(
        actor=admin, user=world.leader, data=(trust.dir / "expired.pem").read_bytes()
    )
    certificate_register(
        actor=admin, user=world.leader, data=(trust.dir / "leader.pem").read_bytes()
    )
    assert expiring_certificates(world.leader) == [expired]


def test_the_pages_json_steps_as_the_browser_makes_them(trust, agent, world):
    """What signing.js does: agent certificate → begin → agent sign → finish; then the page shows
    the signed badge, and a wrong body gets the API's error shape."""
    d, record = at_signing_step_with_a_result(world)
    certificate_register(
        actor=make_superuser("quantri.ky4"),
        user=world.leader,
        data=(trust.dir / "leader.pem").read_bytes(),
    )
    client = Client()
    client.force_login(world.leader)
    base = f"/can-bo/ho-so/{d.code}/tep/{record.pk}/ky-so"
    page = client.get(f"/can-bo/ho-so/{d.code}/").content.decode()
    assert f"{base}/bat-dau/" in page and "js/signing.js" in page
    announced = _get(agent + "/certificate")
    begun = client.post(f"{base}/bat-dau/", announced, content_type="application/json")
    assert begun.status_code == 200, begun.content
    to_sign = begun.json()
    value = agent_sign(agent, to_sign)
    done = client.post(
        f"{base}/hoan-tat/",
        {"session": to_sign["session"], "signature": base64.b64encode(value).decode()},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json() == {"signed": True}
    assert 'data-testid="signed-badge"' in client.get(f"/can-bo/ho-so/{d.code}/").content.decode()
    bad = client.post(f"{base}/bat-dau/", {"certificate": "%%%"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_request"
