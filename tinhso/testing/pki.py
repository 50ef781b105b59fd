"""Signature fixtures: the stand-in PKI (root, issuing CA, OCSP, CRL, TSA), a real process made at
test time, the settings that trust it, and the stand-in signing agent on an officer's computer.

Used through the root ``conftest.py``: ``pki`` (session), ``trust`` (settings trusting the test
root, fetching from the stand-in only, timestamping there); :func:`signing_agent` runs an agent
holding one of the PKI's signers (``leader``, ``agency``, ``revoked``, ``expired``), and
:func:`agent_certificate` / :func:`agent_sign` talk to it as the page's ``signing.js`` does.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tinhso.standins.pki import PFX_PASSWORD
from tinhso.testing.factories import standin_process


@dataclass
class Pki:
    dir: Path
    url: str
    urls: dict[str, str]

    def signer(self, name: str, *, pss: bool = True):
        from pyhanko.sign import signers

        return signers.SimpleSigner.load_pkcs12(
            str(self.dir / f"{name}.p12"), passphrase=PFX_PASSWORD, prefer_pss=pss
        )

    def p12(self, name: str) -> bytes:
        return (self.dir / f"{name}.p12").read_bytes()

    def pem(self, name: str) -> bytes:
        return (self.dir / f"{name}.pem").read_bytes()

    def nss_db(self, tmp: Path) -> str:
        """An NSS database trusting the test root, for pdfsig."""
        db = tmp / "nss"
        db.mkdir(exist_ok=True)
        certutil = shutil.which("certutil") or "certutil"
        subprocess.run([certutil, "-N", "-d", f"sql:{db}", "--empty-password"], check=True)  # noqa: S603
        root = str(self.dir / "root.pem")
        add = [certutil, "-A", "-d", f"sql:{db}", "-n", "demo-root", "-t", "C,C,C", "-i", root]
        subprocess.run(add, check=True)  # noqa: S603
        return f"sql:{db}"


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pki")
    with standin_process("pki", "--dir", str(directory)) as url:
        yield Pki(directory, url, json.loads((directory / "urls.json").read_text()))


@pytest.fixture
def trust(settings, pki):
    """Settings trusting the test root, fetching from the stand-in only, timestamping there."""
    settings.TINHSO_SIGNATURE_TRUST_ROOTS = [str(pki.dir / "root.pem")]
    settings.TINHSO_REVOCATION_ALLOWLIST = [pki.url + "/"]
    settings.TINHSO_TSA_URL = pki.urls["tsa"]
    return pki


@contextmanager
def signing_agent(pki: Pki, signer: str, *extra: str) -> Iterator[str]:
    """The stand-in signing agent holding ``signer``'s key (a token on the officer's computer):
    its base URL; ``extra`` arguments as ``--origin URL`` for a browser page."""
    args = ["--p12", str(pki.dir / f"{signer}.p12"), "--password", PFX_PASSWORD.decode(), *extra]
    with standin_process("signing_agent", *args) as url:
        yield url


def agent_certificate(agent: str) -> dict:
    """What the agent announces (``GET /certificate``), decoded: the service's keyword arguments
    ``certificate``, ``chain``, ``mechanisms``."""
    with urllib.request.urlopen(agent + "/certificate", timeout=10) as answer:  # noqa: S310
        announced = json.loads(answer.read())
    return {
        "certificate": base64.b64decode(announced["certificate"]),
        "chain": [base64.b64decode(c) for c in announced["chain"]],
        "mechanisms": announced["mechanisms"],
    }


def agent_sign(agent: str, to_sign) -> bytes:
    """The agent's signature value over what the server sent (a ``ToSign``, or its JSON as a
    page received it)."""
    sent = to_sign if isinstance(to_sign, dict) else to_sign.as_json()
    payload = {k: v for k, v in sent.items() if k in ("data", "hash", "mechanism")}
    request = urllib.request.Request(  # noqa: S310
        agent + "/sign",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return base64.b64decode(json.loads(answer.read())["signature"])


def announced(pki: Pki, signer: str) -> dict:
    """What an agent holding ``signer``'s token would announce, read from its PKCS#12 file
    without running one (for the services' refusals)."""
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

    _key, cert, chain = pkcs12.load_key_and_certificates(pki.p12(signer), PFX_PASSWORD)
    return {
        "certificate": cert.public_bytes(Encoding.DER),
        "chain": [c.public_bytes(Encoding.DER) for c in chain or []],
        "mechanisms": ["rsassa_pss", "sha256_rsa"],
    }
