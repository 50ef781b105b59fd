"""Uploaded files: size limit, type by content (not by name), safe names, images re-encoded."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from .errors import DomainError

# Content type sniffed → accepted file-name extensions.
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": ("pdf",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/png": ("png",),
}
IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG"}
MAX_IMAGE_PIXELS = 40_000_000
# PDF name objects that run code or carry other files: a scanned paper never needs them.
# Names may hide characters as #xx escapes (``/J#61vaScript``), so they are decoded first.
PDF_ACTIVE_NAMES = {
    b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia",
    b"SubmitForm", b"ImportData", b"GoToR",
}  # fmt: skip
_PDF_NAME = re.compile(rb"/([A-Za-z0-9#]+)")


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed :func:`check_upload`: its content to store, or, once stored (a draft's
    document), the name it has in the default storage, which the next owner takes over."""

    content: ContentFile | None
    original_name: str
    content_type: str
    extension: str
    size: int
    sha256: str
    stored_name: str = ""


def safe_filename(name: str) -> str:
    """Keep the readable Vietnamese name, drop any path, control characters and odd symbols."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = re.sub(r"[^\w.\- ]", "_", base).strip(" .")
    return (base or "file")[:200]


def max_upload_bytes() -> int:
    return int(getattr(settings, "TINHSO_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))


def check_upload(upload) -> CheckedUpload:
    """Validate an uploaded file; raise DomainError (nothing stored) when it is not acceptable.

    A file is checked once: a :class:`CheckedUpload` (checked by a form, or stored earlier) is
    returned as it is."""
    if isinstance(upload, CheckedUpload):
        return upload
    limit = max_upload_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise DomainError(
            "file_too_large",
            _("The file is larger than the %(mb)d MB limit.") % {"mb": limit // (1024 * 1024)},
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise DomainError(
            "file_too_large",
            _("The file is larger than the %(mb)d MB limit.") % {"mb": limit // (1024 * 1024)},
        )
    if not data:
        raise DomainError("file_empty", _("The file is empty."))
    name = safe_filename(getattr(upload, "name", "") or "file")
    kind = filetype.guess(data)
    content_type = kind.mime if kind else ""
    if content_type not in ALLOWED_TYPES:
        raise DomainError(
            "file_type_not_allowed",
            _("Only PDF, JPEG and PNG files are accepted; this file's content is not one of them."),
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_TYPES[content_type]:
        raise DomainError(
            "file_type_mismatch",
            _("The file name ends in “.%(ext)s” but its content is %(type)s.")
            % {"ext": extension or "?", "type": content_type},
        )
    if content_type in IMAGE_TYPES:
        data = reencode_image(data, IMAGE_TYPES[content_type])
    elif content_type == "application/pdf":
        check_pdf(data)
    return CheckedUpload(
        content=ContentFile(data),
        original_name=name,
        content_type=content_type,
        extension=ALLOWED_TYPES[content_type][0],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _pdf_names(data: bytes):
    for match in _PDF_NAME.finditer(data):
        raw = match.group(1)
        if b"#" in raw:
            try:
                raw = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
            except ValueError:
                continue
        yield raw


def check_pdf(data: bytes) -> None:
    """Refuse PDFs that are encrypted or carry active content (scripts, launches, attachments).

    The server never renders or decompresses an uploaded PDF, so a compression bomb inside one
    costs nothing here; what reaches an officer's PDF viewer must not run code.
    """
    if b"%%EOF" not in data[-2048:]:
        raise DomainError("pdf_incomplete", _("The PDF file is incomplete or damaged."))
    names = set(_pdf_names(data))
    if b"Encrypt" in names:
        raise DomainError(
            "pdf_encrypted", _("The PDF is password-protected; upload it without a password.")
        )
    if names & PDF_ACTIVE_NAMES:
        raise DomainError(
            "pdf_active_content",
            _("The PDF contains scripts or embedded files, which are not accepted."),
        )


def reencode_image(data: bytes, image_format: str) -> bytes:
    """Decode and re-encode an image: strips metadata (EXIF, GPS) and anything hidden in it."""
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise DomainError("image_too_large", _("The image has too many pixels."))
            image = ImageOps.exif_transpose(image)
            if image_format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format=image_format, quality=88)
            return out.getvalue()
    except DomainError:
        raise
    except Image.DecompressionBombError:
        raise DomainError("image_too_large", _("The image has too many pixels.")) from None
    except Exception:
        raise DomainError("image_invalid", _("The image file is damaged or unreadable.")) from None
