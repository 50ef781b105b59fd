"""Uploaded files: size limit, type by content (not by name), safe names, images re-encoded."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import re
import threading
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
# Image decoding is bounded (docs/benchmarks.md, bench/uploads.py): at most MAX_IMAGE_PIXELS
# decoded pixels (4 bytes each at most); a JPEG up to MAX_JPEG_PIXELS is decoded at a reduced
# scale to fit; a decode above LARGE_DECODE_PIXELS takes the process's one turn (_LARGE_DECODE).
MAX_IMAGE_PIXELS = 40_000_000
MAX_JPEG_PIXELS = 4 * MAX_IMAGE_PIXELS
LARGE_DECODE_PIXELS = 8_000_000
_LARGE_DECODE = threading.Lock()
# What a scanned paper or a printed form never needs: code, actions that open programs or other
# files or send data, attached files and media. Dictionary keys that carry it, and the values of
# /S (an action's type), /Type and /Subtype that name it; each with its kind for the message.
PDF_ACTIVE_KEYS = {
    "/JS": "javascript", "/JavaScript": "javascript", "/XFA": "javascript",
    "/EmbeddedFiles": "embedded_file", "/EF": "embedded_file",
}  # fmt: skip
PDF_ACTIVE_VALUES = {
    "/JavaScript": "javascript",
    "/Launch": "launch", "/GoToR": "launch", "/GoToE": "launch", "/SubmitForm": "launch",
    "/ImportData": "launch",
    "/EmbeddedFile": "embedded_file", "/FileAttachment": "embedded_file",
    "/RichMedia": "embedded_file", "/3D": "embedded_file",
}  # fmt: skip
_PDF_TYPE_KEYS = ("/S", "/Type", "/Subtype")
# The byte scan's names: the same, wherever they stand. Names may hide characters as #xx escapes
# (``/J#61vaScript``), so they are decoded first.
PDF_ACTIVE_NAMES = {
    name[1:].encode(): kind for name, kind in (PDF_ACTIVE_KEYS | PDF_ACTIVE_VALUES).items()
}
# Bounds on the work of parsing a PDF (pure Python, about 1 MB of object syntax per second on
# the project's machine): objects, and bytes decompressed (its cross-reference and object
# streams; page contents and images are never decoded), per stream and in all for the object
# streams. An ordinary 260-page text PDF has 660 objects and 65 KB of object streams.
PDF_MAX_OBJECTS = 20_000
PDF_MAX_STREAM_BYTES = 4 * 1024 * 1024
PDF_MAX_OBJECT_STREAM_BYTES = 4 * 1024 * 1024
_PDF_NAME = re.compile(rb"/([A-Za-z0-9#]+)")
_PDF_STREAM_MARK = re.compile(rb"endstream|stream(?:\r\n|\r|\n)")


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
    width: int = 0  # an image's size as stored (0 for a PDF)
    height: int = 0


def safe_filename(name: str) -> str:
    """Keep the readable Vietnamese name, drop any path, control characters and odd symbols."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = re.sub(r"[^\w.\- ]", "_", base).strip(" .")
    return (base or "file")[:200]


def max_upload_bytes() -> int:
    return int(getattr(settings, "TINHSO_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def check_upload(upload, *, max_side: int | None = None) -> CheckedUpload:
    """Validate an uploaded file; raise DomainError (nothing stored) when it is not acceptable.

    Every upload path calls it (API, portal, counter, supplements, field-feedback photos). An
    image is re-encoded (:func:`reencode_image`; ``max_side`` scales it down to fit), a PDF is
    parsed and refused when it carries active content (:func:`check_pdf`), and kept as it is.
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
    width = height = 0
    if content_type in IMAGE_TYPES:
        image = reencode_image(data, IMAGE_TYPES[content_type], max_side=max_side)
        data, width, height = image.data, image.width, image.height
    elif content_type == "application/pdf":
        check_pdf(data)
    return CheckedUpload(
        content=ContentFile(data),
        original_name=name,
        content_type=content_type,
        extension=ALLOWED_TYPES[content_type][0],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
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


def _pdf_active_in_bytes(data: bytes) -> str | None:
    """The kind of active content named in the file's bytes outside its streams (whose
    compressed or binary bodies would match names by chance), or None."""
    text = _outside_streams(data)
    return next((PDF_ACTIVE_NAMES[n] for n in _pdf_names(text) if n in PDF_ACTIVE_NAMES), None)


def _outside_streams(data: bytes) -> bytes:
    """``data`` without the bodies of its streams (in one pass: a body is skipped from
    ``stream`` to the next ``endstream``; an unclosed one is kept)."""
    parts, start, opened = [], 0, -1
    for mark in _PDF_STREAM_MARK.finditer(data):
        if mark.group() == b"endstream":
            if opened >= 0:
                start, opened = mark.end(), -1
        elif opened < 0:
            parts.append(data[start : mark.start()])
            opened = mark.start()
    parts.append(data[opened if opened >= 0 else start :])
    return b" ".join(parts)


def _pdf_active_in_objects(reader) -> str | None:
    """The kind of active content in any object of the parsed document, or None.

    Every object the cross-reference lists is read, reachable or not, with those packed in
    compressed object streams, and every dictionary in it (a stream's too) is inspected: its keys
    and its /S, /Type and /Subtype values. References are not followed: each object is visited
    once, as itself."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    refs = [(number, gen) for gen, table in reader.xref.items() for number in table]
    refs += [(number, 0) for number in reader.xref_objStm]
    if len(refs) > PDF_MAX_OBJECTS:
        raise DomainError("pdf_too_complex", _pdf_too_complex())
    budget = PDF_MAX_OBJECT_STREAM_BYTES
    for number in sorted({stream for stream, _index in reader.xref_objStm.values()}):
        budget -= len(reader.get_object(IndirectObject(number, 0, reader)).get_data())
        if budget < 0:
            raise DomainError("pdf_too_complex", _pdf_too_complex())
    pending = [reader.trailer] + [reader.get_object(IndirectObject(n, g, reader)) for n, g in refs]
    while pending:
        obj = pending.pop()
        if isinstance(obj, DictionaryObject):
            for key, value in obj.items():
                kind = PDF_ACTIVE_KEYS.get(key)
                if kind is None and key in _PDF_TYPE_KEYS and isinstance(value, str):
                    kind = PDF_ACTIVE_VALUES.get(value)
                if kind:
                    return kind
                if isinstance(value, (DictionaryObject, ArrayObject)):
                    pending.append(value)
        elif isinstance(obj, ArrayObject):
            pending.extend(v for v in obj if isinstance(v, (DictionaryObject, ArrayObject)))
    return None


def _pdf_too_complex() -> str:
    return _(
        "The PDF is too complex to be checked. Print it to a new PDF or scan the paper, "
        "and upload that file."
    )


def _pdf_active_message(kind: str) -> str:
    advice = _("Print it to a new PDF or scan the paper, and upload that file.")
    found = {
        "javascript": _("The PDF contains JavaScript (scripts), which is not accepted."),
        "launch": _(
            "The PDF contains actions that open programs or other files or send data, "
            "which are not accepted."
        ),
        "embedded_file": _("The PDF contains attached files or media, which are not accepted."),
    }[kind]
    return f"{found} {advice}"


def check_pdf(data: bytes) -> None:
    """Refuse a PDF that is damaged, encrypted or carries active content (scripts, actions that
    launch programs or open other files, attached files): a DomainError with a clear message and
    a stable code (``pdf_active_content`` with ``found`` = ``javascript``, ``launch`` or
    ``embedded_file``). An accepted PDF is stored as it is.

    The document is parsed (pypdf) and every object in it is inspected
    (:func:`_pdf_active_in_objects`), those inside compressed object streams too; the bytes
    outside streams are scanned as well, for objects a viewer could recover that the parser
    does not list. Page contents and images are never decompressed, and the decompression that
    parsing needs is bounded (``PDF_MAX_STREAM_BYTES``, ``PDF_MAX_OBJECT_STREAM_BYTES``). A
    file the parser cannot read is refused, never a server error.
    """
    if b"%%EOF" not in data[-2048:]:
        raise DomainError("pdf_incomplete", _("The PDF file is incomplete or damaged."))
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError

    limit = PDF_MAX_STREAM_BYTES
    try:
        with apply_configuration(
            zlib_maximum_output_length=limit,
            zlib_maximum_recovery_input_length=256 * 1024,
            lzw_maximum_output_length=limit,
            run_length_maximum_output_length=limit,
            brotli_maximum_output_length=limit,
            array_based_stream_maximum_output_length=limit,
        ):
            reader = PdfReader(
                io.BytesIO(data), strict=False, xref_stream_maximum_entries=PDF_MAX_OBJECTS
            )
            if reader.is_encrypted:
                raise DomainError(
                    "pdf_encrypted",
                    _("The PDF is password-protected; upload it without a password."),
                )
            kind = _pdf_active_in_objects(reader) or _pdf_active_in_bytes(data)
    except DomainError:
        raise
    except LimitReachedError:
        raise DomainError("pdf_too_complex", _pdf_too_complex()) from None
    except Exception:
        raise DomainError("pdf_incomplete", _("The PDF file is incomplete or damaged.")) from None
    if kind:
        raise DomainError("pdf_active_content", _pdf_active_message(kind), found=kind)


@dataclass(frozen=True)
class Reencoded:
    data: bytes
    width: int
    height: int


def _jpeg_scale(width: int, height: int, max_side: int | None) -> int:
    """The JPEG decoder's reduction (1, 2, 4 or 8) for an image of ``width`` × ``height``: the
    least that brings it within :data:`MAX_IMAGE_PIXELS`, or more while its longer side stays at
    least ``max_side``. 0 when even 1/8 is too many pixels."""
    for scale in (1, 2, 4, 8):
        if -(-width // scale) * -(-height // scale) <= MAX_IMAGE_PIXELS:
            break
    else:
        return 0
    if max_side:
        while scale < 8 and -(-max(width, height) // (scale * 2)) >= max_side:
            scale *= 2
    return scale


def reencode_image(data: bytes, image_format: str, *, max_side: int | None = None) -> Reencoded:
    """Decode and re-encode an image: strips metadata (EXIF, GPS) and anything hidden in it,
    turns it upright (EXIF orientation), and, with ``max_side``, scales it down to fit.

    The size is read from the header before anything is decoded. At most
    :data:`MAX_IMAGE_PIXELS` are ever decoded: a larger JPEG (a 48–50 MP phone photo) is decoded
    at 1/2, 1/4 or 1/8 scale by the JPEG decoder itself (``draft``), a larger PNG is refused. A
    decode of more than :data:`LARGE_DECODE_PIXELS` waits for the process's previous one to
    finish: a worker's threads never hold several large images at once (docs/benchmarks.md).
    """
    from PIL import Image

    _pillow_whole_blocks()
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size  # from the header: nothing is decoded yet
            if image_format == "JPEG" and width * height <= MAX_JPEG_PIXELS:
                scale = _jpeg_scale(width, height, max_side)
                if scale > 1:
                    image.draft(None, (max(1, width // scale), max(1, height // scale)))
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise DomainError("image_too_large", _("The image has too many pixels."))
            large = image.width * image.height > LARGE_DECODE_PIXELS
            with _LARGE_DECODE if large else contextlib.nullcontext():
                try:
                    return _reencode(image, image_format, max_side)
                finally:
                    image.close()  # its pixels are freed before the next large decode starts
    except DomainError:
        raise
    except Image.DecompressionBombError:
        raise DomainError("image_too_large", _("The image has too many pixels.")) from None
    except Exception:
        raise DomainError("image_invalid", _("The image file is damaged or unreadable.")) from None


@functools.cache
def _pillow_whole_blocks() -> None:
    """Let Pillow hold an image's pixels in one block up to the cap (not 16 MB blocks).

    glibc serves blocks under 32 MB from per-thread arenas and keeps them once freed, so each
    thread that had decoded a large image kept up to a block or two of it; a larger block is
    mapped and unmapped as a whole and goes back to the system as soon as the image is freed."""
    from PIL import Image

    Image.core.set_block_size(max(Image.core.get_block_size(), 256 * 1024 * 1024))


def _reencode(image, image_format: str, max_side: int | None) -> Reencoded:
    """Decode ``image`` (opened, not yet decoded) and encode it again, holding as few copies of
    its pixels as possible: one, or two while it is turned upright or converted."""
    from PIL import ImageOps

    ImageOps.exif_transpose(image, in_place=True)
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    if max_side:
        image.thumbnail((max_side, max_side))
    out = io.BytesIO()
    image.save(out, format=image_format, quality=88)
    return Reencoded(out.getvalue(), image.width, image.height)
