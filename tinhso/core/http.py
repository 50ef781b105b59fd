"""Small HTTP helpers the apps' views share."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _


def download_response(
    content: bytes, content_type: str, filename: str, *, inline: bool = False
) -> HttpResponse:
    """``content`` made on request (a workbook, a printed form) saved as ``filename``, or shown
    by the browser (``inline``)."""
    response = HttpResponse(content, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def stored_file_response(record: Any) -> FileResponse:
    """``record`` (with ``file``, ``original_name`` and ``content_type``) as an attachment.

    The browser is told not to guess another type; a file gone from the storage is a 404.
    """
    try:
        handle = record.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("File not found.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=record.original_name,
        content_type=record.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request for a fragment (not htmx restoring a page of its history: that wants all)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
