"""Signing with a key that stays on a PKCS#11 token: SoftHSM (Debian's softhsm2), a token made at
test time with the leader's key imported, the leader's registered certificate given."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import weasyprint
from asn1crypto import pem, x509

from tinhso.signatures import pades

LIBRARY = "/usr/lib/softhsm/libsofthsm2.so"


def _run(*args: str, env: dict) -> None:
    subprocess.run(list(args), env=env, check=True, capture_output=True)  # noqa: S603


@pytest.fixture(scope="module")
def token(pki, tmp_path_factory):
    if not os.path.exists(LIBRARY):
        pytest.fail("SoftHSM is not installed: run scripts/system-deps.sh test", pytrace=False)
    home = tmp_path_factory.mktemp("softhsm")
    (home / "tokens").mkdir()
    conf = home / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {home / 'tokens'}\nobjectstore.backend = file\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    util = shutil.which("softhsm2-util") or "softhsm2-util"
    openssl = shutil.which("openssl") or "openssl"
    _run(
        util,
        "--init-token",
        "--free",
        "--label",
        "tinhso",
        "--pin",
        "1234",
        "--so-pin",
        "000000",
        env=env,
    )
    key = home / "leader.key"
    _run(
        openssl,
        "pkcs12",
        "-in",
        str(pki.dir / "leader.p12"),
        "-passin",
        "pass:tinhso-demo",
        "-nocerts",
        "-nodes",
        "-out",
        str(home / "raw.pem"),
        env=env,
    )
    _run(
        openssl,
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        str(home / "raw.pem"),
        "-out",
        str(key),
        env=env,
    )
    _run(
        util,
        "--import",
        str(key),
        "--token",
        "tinhso",
        "--label",
        "leader",
        "--id",
        "01",
        "--pin",
        "1234",
        env=env,
    )
    key.unlink()
    (home / "raw.pem").unlink()
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    yield
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


def _cert(path) -> x509.Certificate:
    _, _, der = pem.unarmor(path.read_bytes())
    return x509.Certificate.load(der)


def test_a_pdf_signed_on_the_token_validates(trust, token):
    document = weasyprint.HTML(string="<p>Kết quả giải quyết thủ tục hành chính</p>").write_pdf()
    with pades.pkcs11_signer(
        library=LIBRARY,
        token_label="tinhso",
        pin="1234",
        key_label="leader",
        certificate=_cert(trust.dir / "leader.pem"),
        chain=[_cert(trust.dir / "interm.pem")],
    ) as signer:
        signed = pades.sign_pdf(document, signer, field_name="ChuKyLanhDao")
    (check,) = pades.validate_pdf(signed)
    assert check.verdict == pades.Verdict.VALID, check
    assert check.signer == "Nguyễn Văn An" and check.mechanism == "rsassa_pss"


def test_a_wrong_pin_is_refused_clearly(trust, token):
    with (
        pytest.raises(pades.SigningRefused) as refused,
        pades.pkcs11_signer(
            library=LIBRARY,
            token_label="tinhso",
            pin="9999",
            key_label="leader",
            certificate=_cert(trust.dir / "leader.pem"),
        ),
    ):
        pass
    assert refused.value.code == "token_unavailable"
