"""The Decree 30 appearance, checked on the rendered page (pdftoppm): the leader's blue
signature between the position line and the name, the agency's red seal over its left third, and
the organisation's text signature at the top right of a copy, with its font embedded."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
import weasyprint
from PIL import Image

from tinhso.demo.signing import seal_png
from tinhso.demo.signing import signature_png as demo_signature_png
from tinhso.signatures import appearance, pades


def signature_png() -> bytes:
    """A blue signature image (the demo's drawing, one fixed stroke)."""
    return demo_signature_png("test")


def render(pdf: bytes, tmp_path, dpi: int = 72) -> Image.Image:
    """Page 1 as pdftoppm draws it: at 72 dpi one pixel is one point."""
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    pdftoppm = shutil.which("pdftoppm") or "pdftoppm"
    subprocess.run(  # noqa: S603
        [
            pdftoppm,
            "-r",
            str(dpi),
            "-f",
            "1",
            "-l",
            "1",
            "-png",
            "-singlefile",
            str(source),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    return Image.open(tmp_path / "page.png").convert("RGB")


def count(image: Image.Image, box, test) -> int:
    """Pixels in a PDF box (points from the bottom left) that pass ``test``."""
    x1, y1, x2, y2 = box
    height = image.height
    region = image.crop((int(x1), int(height - y2), int(x2), int(height - y1)))
    return sum(1 for pixel in region.get_flattened_data() if test(pixel))


def is_blue(p) -> bool:
    return p[2] > 150 and p[0] < 100 and p[1] < 120


def is_red(p) -> bool:
    return p[0] > 150 and p[1] < 90 and p[2] < 90


def test_the_leader_signs_and_the_agency_seals_over_the_left_third(trust, tmp_path):
    html = (
        "<div style='margin-top:180mm;margin-left:95mm;text-align:center;font-family:serif'>"
        "<b>CHỦ TỊCH</b><div style='height:30mm'></div><b>Nguyễn Văn An</b></div>"
    )
    document = weasyprint.HTML(string=html).write_pdf()
    personal_box = (330, 178, 510, 258)  # between "CHỦ TỊCH" and the name
    first = pades.sign_pdf(
        document,
        trust.signer("leader"),
        field_name="ChuKyLanhDao",
        placement=appearance.Placement(-1, personal_box),
        appearance=appearance.personal(signature_png()),
    )
    seal_box = appearance.seal_box(personal_box)
    both = pades.sign_pdf(
        first,
        trust.signer("agency"),
        field_name="ConDauCoQuan",
        placement=appearance.Placement(-1, seal_box),
        appearance=appearance.seal(seal_png()),
    )
    checks = pades.validate_pdf(both)
    assert [c.verdict for c in checks] == [pades.Verdict.VALID, pades.Verdict.VALID], checks
    page = render(both, tmp_path)
    page.save(tmp_path / "rendered.png")
    x1, y1, x2, y2 = personal_box
    left_third = (x1, y1, x1 + (x2 - x1) / 3, y2)
    right_part = (x1 + (x2 - x1) / 3, y1, x2, y2)
    assert count(page, right_part, is_blue) > 200  # the blue signature
    assert count(page, left_third, is_red) > 200  # the red seal over its left third
    assert count(page, right_part, is_red) < count(page, left_third, is_red) / 4
    # the seal has its real size: 35 mm across
    assert seal_box[2] - seal_box[0] == pytest.approx(35 * appearance.MM)
    assert count(page, (0, 600, 595, 842), lambda p: is_blue(p) or is_red(p)) == 0


def test_a_copy_carries_the_organisation_signature_at_the_top_right(trust, tmp_path):
    document = weasyprint.HTML(string="<p style='margin-top:60mm'>Bản sao điện tử</p>").write_pdf()
    when = dt.datetime(2026, 12, 5, 9, 30, 5, tzinfo=appearance.VIETNAM)
    stamp = appearance.copy_stamp(copy_form="SAO Y", agency="Ủy ban nhân dân xã Demo", when=when)
    assert list(stamp.lines) == [
        "SAO Y",
        "Ủy ban nhân dân xã Demo",
        "2026-12-05T09:30:05+07:00",
    ]
    placement = appearance.top_right_box(document)
    signed = pades.sign_pdf(
        document,
        trust.signer("agency"),
        field_name="ChuKySaoY",
        placement=placement,
        appearance=stamp.style,
    )
    (check,) = pades.validate_pdf(signed)
    assert check.verdict == pades.Verdict.VALID
    page = render(signed, tmp_path)
    _x1, _y1, x2, y2 = placement.box
    assert x2 > 595 - 80 and y2 > 842 - 60  # the top right corner
    dark = count(page, placement.box, lambda p: max(p) < 140)
    assert dark > 30  # black text drawn there
    assert count(page, (0, 0, 595, 700), lambda p: max(p) < 90) > 0  # the document's own text
    fonts = subprocess.run(  # noqa: S603
        [shutil.which("pdffonts") or "pdffonts", str(tmp_path / "doc.pdf")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    embedded = [
        line for line in fonts.splitlines() if "Liberation-Serif" in line or "Times" in line
    ]
    assert embedded and " yes yes " in embedded[0], fonts  # the copy's font, embedded
