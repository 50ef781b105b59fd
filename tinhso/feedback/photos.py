"""Report photos: only JPEG/PNG, size-limited, GPS read from EXIF, then re-encoded without it.

Order of work for each upload (nothing is stored here; the service stores the result):
1. sniff the content (not the name): anything but a JPEG or PNG image is refused;
2. refuse a photo above ``TINHSO_FEEDBACK_MAX_PHOTO_BYTES`` (default 8 MB);
3. read the GPS position from the EXIF data of the original bytes;
4. ``tinhso.core.uploads.check_upload`` validates and re-encodes the image (EXIF, GPS, comments
   and anything hidden are dropped), then a photo wider or taller than ``MAX_SIDE`` is scaled
   down so that phones do not fill the disk with 12-megapixel pictures.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.core.uploads import IMAGE_TYPES, check_upload

MAX_PHOTOS = 5
MAX_SIDE = 2560
GPS_IFD = 0x8825
_SIX = Decimal("0.000001")


@dataclass(frozen=True)
class ProcessedPhoto:
    content: ContentFile
    original_name: str
    content_type: str
    extension: str
    size: int
    width: int
    height: int
    sha256: str
    gps: tuple[Decimal, Decimal] | None


def max_photo_bytes() -> int:
    return int(getattr(settings, "TINHSO_FEEDBACK_MAX_PHOTO_BYTES", 8 * 1024 * 1024))


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value >= 1 else f"{value:.1f}"


def read_exif_gps(data: bytes) -> tuple[Decimal, Decimal] | None:
    """(latitude, longitude) from the EXIF GPS block, or None when absent or unreadable."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            gps = image.getexif().get_ifd(GPS_IFD)
    except Exception:
        return None
    try:
        lat = _dms(gps[2], gps.get(1, "N"))
        lng = _dms(gps[4], gps.get(3, "E"))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or (lat == 0 and lng == 0):
        return None
    return lat, lng


def _dms(value: Any, ref: Any) -> Decimal:
    degrees, minutes, seconds = (Decimal(str(float(part))) for part in value)
    result = degrees + minutes / 60 + seconds / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    if str(ref).strip().upper() in {"S", "W"}:
        result = -result
    return result.quantize(_SIX, rounding=ROUND_HALF_UP)


def process_photo(upload: Any) -> ProcessedPhoto:
    """Validate and clean one uploaded photo; raise DomainError with a message naming the file."""
    from PIL import Image

    name = getattr(upload, "name", "") or _("photo")
    limit = max_photo_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _too_large(name, limit)
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large(name, limit)
    kind = filetype.guess(data[:8192]) if data else None
    if kind is None or kind.mime not in IMAGE_TYPES:
        raise DomainError(
            "photo_not_image",
            _("“%(name)s” is not a photo: only JPEG and PNG images are accepted.") % {"name": name},
            field="photos",
        )
    gps = read_exif_gps(data)
    upload.seek(0)
    try:
        checked = check_upload(upload)
    except DomainError as exc:
        raise DomainError(
            exc.code, _("“%(name)s”: %(error)s") % {"name": name, "error": exc}, field="photos"
        ) from None
    clean = checked.content.read()
    with Image.open(io.BytesIO(clean)) as image:
        width, height = image.size
        if max(width, height) > MAX_SIDE:
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, format=IMAGE_TYPES[checked.content_type], quality=85)
            clean = out.getvalue()
            width, height = image.size
    return ProcessedPhoto(
        content=ContentFile(clean),
        original_name=checked.original_name,
        content_type=checked.content_type,
        extension=checked.extension,
        size=len(clean),
        width=width,
        height=height,
        sha256=hashlib.sha256(clean).hexdigest(),
        gps=gps,
    )


def _too_large(name: str, limit: int) -> DomainError:
    return DomainError(
        "photo_too_large",
        _("“%(name)s” is larger than the %(mb)s MB limit for a photo.")
        % {"name": name, "mb": _megabytes(limit)},
        field="photos",
    )


def process_photos(uploads: list[Any]) -> list[ProcessedPhoto]:
    uploads = [upload for upload in uploads or [] if upload]
    if len(uploads) > MAX_PHOTOS:
        raise DomainError(
            "too_many_photos",
            _("At most %(n)d photos can be attached.") % {"n": MAX_PHOTOS},
            field="photos",
        )
    return [process_photo(upload) for upload in uploads]
