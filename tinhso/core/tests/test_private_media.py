"""Issue 17, point 2: no private file is under a public URL, and stored names are not guessable.

The attack: with DEBUG on (``make run``), ``/media/`` served dossier files to anyone, and the first
file of a dossier was named after its sequential code (``/media/dossiers/2026/12/
H44.40.03-261205-0002.jpg`` → 200). Each test runs with DEBUG on and off: the URL configuration is
built again under the setting, as the server builds it at start.
"""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import clear_url_caches, get_resolver, reverse
from django.views.static import serve

from tinhso.core.auth import token_create
from tinhso.core.storage import PrivateFileSystemStorage, RandomName, rename_stored_files
from tinhso.dossiers.models import DossierFile
from tinhso.dossiers.services import dossier_submit
from tinhso.dossiers.tests.factories import PDF_BYTES, VALID_FORM
from tinhso.dossiers.tests.factories import make_world as make_dossier_world
from tinhso.feedback import services as feedback_services
from tinhso.testing.factories import DONG_HOI, category, make_feedback_world, photo

pytestmark = pytest.mark.django_db
RANDOM_NAME = re.compile(
    r"(dossiers|feedback|drafts|receipts|forms)/\d{4}/\d{2}/[0-9a-f]{32}\.[a-z0-9]+"
)


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def debug(request, settings):
    """The whole URL configuration as the server builds it with DEBUG on, or off."""
    import tinhso.urls

    settings.DEBUG = request.param
    importlib.reload(tinhso.urls)
    clear_url_caches()
    yield request.param
    settings.DEBUG = False
    importlib.reload(tinhso.urls)
    clear_url_caches()


def media_urls(name: str) -> list[str]:
    """Every address a file server could answer for a stored name."""
    return [f"/media/{name}", f"/{name}", f"/media/{name.rsplit('/', 1)[-1]}", "/media/"]


def assert_not_public(name: str, *clients: Client) -> None:
    for client in clients:
        for url in media_urls(name):
            response = client.get(url)
            assert response.status_code == 404, url
            assert not (
                getattr(response, "streaming", False) or PDF_BYTES[:8] in response.content
            ), url


def test_no_url_pattern_serves_files_from_storage(debug):
    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns)
            else:
                yield pattern

    assert not [p for p in walk(get_resolver().url_patterns) if p.callback is serve]


def test_every_uploaded_file_is_private_under_a_random_name():
    fields = [
        field
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]
    assert {f"{f.model.__name__}.{f.name}" for f in fields} == {
        "DossierFile.file", "ReportPhoto.image", "DraftFile.file", "PendingUpload.file",
        "ReceiptVersion.pdf", "DossierEvent.pdf", "Attachment.file", "OutgoingDocument.pdf",
        "DocumentCopy.pdf",
        "ProcedureComponent.blank_form",
    }  # fmt: skip
    for field in fields:
        assert isinstance(field.upload_to, RandomName)
        assert isinstance(field.storage, PrivateFileSystemStorage)


def test_a_dossier_file_is_only_reachable_through_the_views_that_check_access(debug):
    world = make_dossier_world()
    token = token_create(user=world.citizen, name="t")
    owner = Client(headers={"Authorization": f"Bearer {token}"})
    code = owner.post(
        "/api/dossiers",
        {"procedure_code": "1.001193", "form_data": VALID_FORM},
        content_type="application/json",
    ).json()["code"]
    upload = SimpleUploadedFile("giấy chứng sinh.pdf", PDF_BYTES, "application/pdf")
    assert owner.post(f"/api/dossiers/{code}/files", {"files": [upload]}).status_code == 201
    record = DossierFile.objects.get(dossier__code=code)
    name = record.file.name

    # The stored name says nothing about the dossier, and no two are alike.
    assert RANDOM_NAME.fullmatch(name), name
    assert code not in name and "giay" not in name and "chung" not in name
    assert record.file.storage.exists(name)
    with pytest.raises(ValueError, match="private"):
        record.file.url  # noqa: B018

    anonymous, other, owner_page, officer_page = Client(), Client(), Client(), Client()
    other.force_login(world.other_citizen)
    owner_page.force_login(world.citizen)
    officer_page.force_login(world.desk)
    assert_not_public(name, anonymous, other, owner_page, owner)

    # The owner and the dossier's officer download through the views; nobody else does.
    for client, url in [
        (owner, f"/api/dossiers/{code}/files/{record.pk}"),
        (owner_page, reverse("portal:dossier_file", args=[code, record.pk])),
        (officer_page, reverse("workspace:dossier_file", args=[code, record.pk])),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.getvalue() == PDF_BYTES
    assert other.get(reverse("portal:dossier_file", args=[code, record.pk])).status_code == 404
    assert anonymous.get(f"/api/dossiers/{code}/files/{record.pk}").status_code == 401
    outsider = Client()
    outsider.force_login(world.outsider)
    assert outsider.get(reverse("workspace:dossier_file", args=[code, record.pk])).status_code in (
        403,
        404,
    )


def test_a_published_reports_photo_is_public_an_unmoderated_ones_is_not(debug):
    world = make_feedback_world()

    def report():
        return feedback_services.report_submit(
            actor=world.citizen, category=category("den-duong-hong"),
            description="Đèn đường trước số 45 Quang Trung không sáng ba đêm nay.",
            latitude=DONG_HOI[0], longitude=DONG_HOI[1], address="Trước số 45 Quang Trung",
            commune=world.dong_hoi, require_commune=True, photos=[photo()],
        )  # fmt: skip

    published, waiting = report(), report()
    feedback_services.report_accept(actor=world.officer_dh, report=published)
    reporter, other = Client(), Client()
    reporter.force_login(world.citizen)
    other.force_login(world.citizen2)
    for item in (published, waiting):
        stored = item.photos.get()
        assert RANDOM_NAME.fullmatch(stored.image.name), stored.image.name
        assert f"{item.pk}-" not in stored.image.name.rsplit("/", 1)[-1]
        assert_not_public(stored.image.name, Client(), other, reporter)

    shown = reverse("feedback:photo", args=[published.pk, published.photos.get().pk])
    response = Client().get(shown)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=300"
    hidden = reverse("feedback:photo", args=[waiting.pk, waiting.photos.get().pk])
    assert Client().get(hidden).status_code == 404
    assert other.get(hidden).status_code == 404
    assert reporter.get(hidden).status_code == 200


def test_the_migration_renames_files_stored_under_a_dossier_code(tmp_path):
    world = make_dossier_world()
    dossier = dossier_submit(
        actor=world.citizen, procedure=world.procedure, form_data=dict(VALID_FORM),
        commune=world.commune,
    )  # fmt: skip
    storage = PrivateFileSystemStorage()
    old = storage.save(f"dossiers/2026/12/{dossier.code}.pdf", SimpleUploadedFile("x", PDF_BYTES))
    record = DossierFile.objects.create(
        dossier=dossier, kind="component", file=old, original_name="giấy.pdf",
        content_type="application/pdf", size=len(PDF_BYTES), sha256="0" * 64,
        uploaded_by=world.citizen,
    )  # fmt: skip
    rename_stored_files(DossierFile, "file")
    record.refresh_from_db()
    assert RANDOM_NAME.fullmatch(record.file.name) and dossier.code not in record.file.name
    assert not storage.exists(old)
    with record.file.open("rb") as handle:
        assert handle.read() == PDF_BYTES
