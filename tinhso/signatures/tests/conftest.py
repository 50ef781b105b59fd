"""The signature tests' helpers; the stand-in PKI fixtures (``pki``, ``trust``) are shared, in
``tinhso/testing/pki.py``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def pdfsig(path: Path, nssdir: str | None = None) -> str:
    args = [shutil.which("pdfsig") or "pdfsig", *(["-nssdir", nssdir] if nssdir else []), str(path)]
    return subprocess.run(args, capture_output=True, text=True, check=False).stdout  # noqa: S603
