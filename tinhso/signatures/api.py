"""Signatures API: the public validation of a PDF's signatures (nothing is stored)."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema

from tinhso.core.ratelimit import client_address

from . import selectors

router = Router(tags=["signatures"])


class SignatureOut(Schema):
    field: str
    signer: str
    signer_dn: str
    signing_time: dt.datetime | None
    timestamp_time: dt.datetime | None
    verdict: str
    intact: bool
    valid: bool
    trusted: bool
    chain: list[str]
    revoked: bool
    revocation_checked: bool
    mechanism: str
    digest: str
    coverage: str
    modifications: str
    problems: list[str]


@router.post(
    "/signatures/validate",
    response=list[SignatureOut],
    auth=None,
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                }
            }
        }
    },
)
def validate(request):
    """Each signature of the uploaded PDF (multipart field ``file``): signer, times, integrity,
    the chain to the trust roots, revocation, and what changed after signing."""
    if selectors.too_large(request):
        raise selectors.size_error()
    checks = selectors.signature_report(request.FILES.get("file"), address=client_address(request))
    return [SignatureOut(**{**check.__dict__, "verdict": check.verdict.value}) for check in checks]
