"""How a signature looks on the page (Decree 30/2020, Appendix I; ``../shared/DOCUMENTS.md``).

- **personal** (:func:`personal`): the signer's handwritten signature, a blue image with a
  transparent background, centred in the field placed between the position line and the full name;
- **organisation** (:func:`seal`): the agency's seal, a red image at the seal's real size, in a
  field overlapping about the left third of the personal signature (:func:`seal_box`);
- **copies and attachments in a separate file** (:func:`copy_stamp`): the organisation's signature
  at the top right of page 1 (:func:`top_right_box`), no image, the text: the copy form (or number
  and symbol), the agency, the signing time in ISO 8601 with the Vietnam offset; Times New Roman
  10 pt regular black, or the metric-compatible Liberation Serif (Debian's ``fonts-liberation2``),
  embedded with the Vietnamese glyphs used.

Boxes are in PDF points from the page's bottom-left corner: ``(x1, y1, x2, y2)``.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass
from html import escape
from zoneinfo import ZoneInfo

from PIL import Image
from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.layout import (
    AxisAlignment,
    BoxConstraints,
    InnerScaling,
    Margins,
    SimpleBoxLayoutRule,
)
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.stamp import StaticStampStyle
from pypdf import PdfReader

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MM = 72 / 25.4  # points per millimetre
COPY_SIZE_MM = (62.0, 14.0)

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Placement:
    """Where a signature field goes: a page (0-based; -1 the last) and a box."""

    page: int
    box: Box


# The content fills the field edge to edge: images shrink to fit (centred), the copy text is
# drawn at its size (10 pt).
IMAGE_LAYOUT = SimpleBoxLayoutRule(
    x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MID, margins=Margins()
)
TEXT_LAYOUT = SimpleBoxLayoutRule(
    x_align=AxisAlignment.ALIGN_MIN,
    y_align=AxisAlignment.ALIGN_MAX,
    margins=Margins(),
    inner_content_scaling=InnerScaling.NO_SCALING,
)


def _image(png: bytes) -> PdfImage:
    image = Image.open(io.BytesIO(png))
    image.load()
    return PdfImage(image.convert("RGBA"))


def personal(signature_png: bytes) -> StaticStampStyle:
    """The personal signature: the signer's image (blue, transparent), nothing else."""
    return StaticStampStyle(
        background=_image(signature_png), background_layout=IMAGE_LAYOUT, border_width=0
    )


def seal(seal_png: bytes) -> StaticStampStyle:
    """The organisation's signature: the seal image (red, transparent)."""
    return StaticStampStyle(
        background=_image(seal_png), background_layout=IMAGE_LAYOUT, border_width=0
    )


def seal_box(personal_box: Box, diameter_mm: float = 35) -> Box:
    """The seal's field: its real size, its right edge on the first third of the personal
    signature's box, vertically centred on it (so that it covers the signature's left third)."""
    x1, y1, x2, y2 = personal_box
    size = diameter_mm * MM
    right, cy = x1 + (x2 - x1) / 3, (y1 + y2) / 2
    return (right - size, cy - size / 2, right, cy + size / 2)


@dataclass(frozen=True)
class CopyStamp:
    style: StaticStampStyle
    lines: tuple[str, ...]  # what it says


class PdfPageContent(PdfContent):
    """The first page of a small PDF (given as bytes) drawn as the appearance's content."""

    def __init__(self, pdf: bytes) -> None:
        self.pdf = pdf
        super().__init__()

    def render(self) -> bytes:
        xobj = self._ensure_writer.import_page_as_xobject(
            PdfFileReader(io.BytesIO(self.pdf), strict=False), page_ix=0
        )
        name = "/Copy" + uuid.uuid4().hex
        self.resources.xobject[name] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name.encode("ascii") + b" Do"


def copy_stamp(
    *,
    copy_form: str,
    agency: str,
    when: dt.datetime | None = None,
    size_mm: tuple[float, float] = COPY_SIZE_MM,
) -> CopyStamp:
    """The organisation's signature on a copy or a separate attachment: three lines of text
    (Times New Roman 10 pt, or Liberation Serif; drawn by WeasyPrint, which embeds the glyphs)."""
    when = (when or dt.datetime.now(VIETNAM)).astimezone(VIETNAM).replace(microsecond=0)
    lines = (copy_form, agency, when.isoformat())
    width, height = size_mm
    html = (
        f"<style>@page {{ size: {width}mm {height}mm; margin: 0 }}"
        "body { margin: 0; font: 10pt/1.2 'Times New Roman', 'Liberation Serif', serif;"
        " color: #000 }</style>" + "".join(f"<div>{escape(line)}</div>" for line in lines)
    )
    from weasyprint import HTML  # imported when drawn: it costs every process ~1 s to load

    background = PdfPageContent(HTML(string=html).write_pdf())
    style = StaticStampStyle(background=background, background_layout=TEXT_LAYOUT, border_width=0)
    return CopyStamp(style, lines)


def top_right_box(
    pdf: bytes, *, size_mm: tuple[float, float] = COPY_SIZE_MM, top_mm: float = 15
) -> Placement:
    """The top right corner of page 1, inside a 20 mm right and ``top_mm`` (15 mm) top margin."""
    width, height = size_mm[0] * MM, size_mm[1] * MM
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    right, top = float(box.right) - 20 * MM, float(box.top) - top_mm * MM
    return Placement(0, (right - width, top - height, right, top))
