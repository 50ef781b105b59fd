"""Hostile uploads: archives and bombs, disguised types, active PDFs, metadata, path tricks.

Every case goes through :func:`tinhso.core.uploads.check_upload`, which every upload path (API,
portal, counter, supplements, field feedback) calls before anything is stored.
"""

from __future__ import annotations

import io
import struct
import tarfile
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from tinhso.core.errors import DomainError
from tinhso.core.uploads import check_upload, safe_filename
from tinhso.testing.factories import minimal_pdf

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


def png_header_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A tiny PNG that claims 3.6 billion pixels: decoding it would take gigabytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + chunk(b"IEND", b"")
    )


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
        check_upload(SimpleUploadedFile("to-khai.pdf", minimal_pdf(snippet)))
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
