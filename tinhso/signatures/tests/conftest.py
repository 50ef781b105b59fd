"""The stand-in PKI (root, issuing CA, OCSP, CRL, TSA), a real process made at test time."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyhanko.sign import signers

from tinhso.standins.pki import PFX_PASSWORD
from tinhso.testing.factories import standin_process


@dataclass
class Pki:
    dir: Path
    url: str
    urls: dict[str, str]

    def signer(self, name: str, *, pss: bool = True) -> signers.SimpleSigner:
        return signers.SimpleSigner.load_pkcs12(
            str(self.dir / f"{name}.p12"), passphrase=PFX_PASSWORD, prefer_pss=pss
        )

    def p12(self, name: str) -> bytes:
        return (self.dir / f"{name}.p12").read_bytes()

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


def pdfsig(path: Path, nssdir: str | None = None) -> str:
    args = [shutil.which("pdfsig") or "pdfsig", *(["-nssdir", nssdir] if nssdir else []), str(path)]
    return subprocess.run(args, capture_output=True, text=True, check=False).stdout  # noqa: S603
