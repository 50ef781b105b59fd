"""Acceptance: the VietQR payload decodes with an independent parser from the registries (npm
``vietnam-qr-pay``, MIT, vendored under ``vendor/``) run with node, and its CRC verifies; a
corrupted payload is rejected by it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tinhso.payments.adapters import VietQRTransfer

DECODER = Path(__file__).parent / "vendor" / "decode_vietqr.js"


def decode(*payloads: str) -> list[dict]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed (scripts/system-deps.sh test installs nodejs)")
    done = subprocess.run(  # noqa: S603 (a fixed script, our own payloads)
        [node, str(DECODER)],
        input="\n".join(payloads) + "\n",
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def corrupt(payload: str, at: int) -> str:
    replacement = "7" if payload[at] != "7" else "8"
    return payload[:at] + replacement + payload[at + 1 :]


def test_the_payload_decodes_with_vietnam_qr_pay_and_a_corruption_is_rejected():
    qr = VietQRTransfer(bank_bin="970415", account="113366668888")
    payload = qr.payload(amount_vnd=1250000, purpose="TSK7M2QX9A")
    amount_at = payload.index("1250000")
    decoded, *rejected = decode(
        payload,
        corrupt(payload, amount_at),  # the amount changed
        corrupt(payload, len(payload) - 1),  # the CRC changed
        payload.replace("TSK7M2QX9A", "TSK7M2QX9B"),  # the reference changed
    )
    assert decoded == {
        "isValid": True,
        "version": "01",
        "initMethod": "12",
        "fieldId": "38",
        "guid": "A000000727",
        "service": "QRIBFTTA",
        "bankBin": "970415",
        "bankNumber": "113366668888",
        "currency": "704",
        "amount": "1250000",
        "nation": "VN",
        "purpose": "TSK7M2QX9A",
        "crc": payload[-4:],
    }
    assert [r["isValid"] for r in rejected] == [False, False, False]
