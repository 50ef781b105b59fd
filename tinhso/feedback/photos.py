"""Report photos: only JPEG/PNG, size-limited, GPS read from EXIF, then re-encoded without it.

Order of work for each upload (nothing is stored here; the service stores the result):
1. sniff the content (not the name): anything but a JPEG or PNG image is refused;
2. refuse a photo above ``TINHSO_FEEDBACK_MAX_PHOTO_BYTES`` (default 20 MB: a 48–50 MP phone
   photo is 8–15 MB);
3. read the GPS position from the EXIF data of the original bytes;
4. ``tinhso.core.uploads.check_upload`` validates and re-encodes the image (EXIF, GPS, comments
   and anything hidden are dropped) in one decode, scaling a photo wider or taller than
   ``MAX_SIDE`` down so that phones do not fill the disk with 12-megapixel pictures (a large
   JPEG is decoded at a reduced scale straight away).
"""

from __future__ import annotations

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
    return int(getattr(settings, "TINHSO_FEEDBACK_MAX_PHOTO_BYTES", 20 * 1024 * 1024))


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
        checked = check_upload(upload, max_side=MAX_SIDE)
    except DomainError as exc:
        raise DomainError(
            exc.code, _("“%(name)s”: %(error)s") % {"name": name, "error": exc}, field="photos"
        ) from None
    return ProcessedPhoto(
        content=checked.content,
        original_name=checked.original_name,
        content_type=checked.content_type,
        extension=checked.extension,
        size=checked.size,
        width=checked.width,
        height=checked.height,
        sha256=checked.sha256,
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
