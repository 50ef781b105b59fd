"""The public signature validation page: anyone uploads a PDF and sees each signature."""

from __future__ import annotations

from django.shortcuts import render

from tinhso.core.errors import DomainError
from tinhso.core.ratelimit import client_address

from . import selectors


def validate(request):
    if request.method != "POST":
        return render(request, "signatures/validate.html", {})
    try:
        if selectors.too_large(request):
            raise selectors.size_error()
        upload = request.FILES.get("file")
        checks = selectors.signature_report(upload, address=client_address(request))
    except DomainError as exc:
        status = 413 if exc.code == "file_too_large" else exc.status
        response = render(
            request, "signatures/validate.html", {"error": exc.message}, status=status
        )
        return exc.annotate(response)
    return render(request, "signatures/validate.html", {"checks": checks, "filename": upload.name})
