"""Issue 18, point 9: the scans chosen at the counter survive a validation error (kept as the
officer's pending uploads), can be removed, are taken over by the dossier, and expire."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tinhso.core.models import PendingUpload
from tinhso.core.services import pending_upload_keep, pending_uploads_purge
from tinhso.core.uploads import check_upload
from tinhso.dossiers.models import Dossier, FileKind, State
from tinhso.testing.factories import pdf

from .test_views import pending_files, reception_post, stored_files

pytestmark = pytest.mark.django_db


def url(world) -> str:
    return reverse("workspace:reception") + f"?procedure={world.procedure.code}"


def kept_keys(html: str, component) -> list[str]:
    return re.findall(rf'name="component_{component.pk}_kept" value="([0-9a-f]+)"', html)


def test_a_scan_survives_a_validation_error_and_is_taken_over(world, login, settings):
    client = login(world.desk)
    component = world.procedure.components.first()
    first = client.post(url(world), reception_post(world, applicant_id_number="12345"))
    html = first.content.decode()
    assert first.status_code == 200 and 'id="id_applicant_id_number_error"' in html
    keys = kept_keys(html, component)
    assert len(keys) == 1
    record = PendingUpload.objects.get(key=keys[0])
    assert record.owner == world.desk and record.original_name.endswith(".pdf")
    assert f">{record.original_name}<" in html  # listed by name, with a remove button
    assert f'name="discard_pending" value="{record.key}"' in html
    assert Dossier.objects.count() == 0
    # Corrected, without choosing the scan again: received with the kept file.
    data = reception_post(world, **{f"component_{component.pk}": None})
    data[f"component_{component.pk}_kept"] = keys[0]
    done = client.post(url(world), data)
    assert done.status_code == 302, done.content.decode()[:2000]
    dossier = Dossier.objects.get()
    assert dossier.state == State.RECEIVED
    file = dossier.files.get()
    assert (file.component, file.kind, file.file.name) == (
        component,
        FileKind.COMPONENT,
        record.file.name,
    )
    assert file.sha256 == record.sha256
    assert not PendingUpload.objects.exists()
    assert len(stored_files(settings)) == 1  # the one file, now the dossier's
    # A replay of the same request (same key) gets the dossier, stores nothing.
    again = client.post(url(world), data)
    assert again.status_code == 302 and Dossier.objects.count() == 1


def test_remove_drops_a_kept_scan_and_its_file(
    world, login, settings, django_capture_on_commit_callbacks
):
    client = login(world.desk)
    component = world.procedure.components.first()
    first = client.post(url(world), reception_post(world, applicant_name=" "))
    key = kept_keys(first.content.decode(), component)[0]
    data = reception_post(world, **{f"component_{component.pk}": None})
    data |= {f"component_{component.pk}_kept": key, "discard_pending": key}
    with django_capture_on_commit_callbacks(execute=True):
        removed = client.post(url(world), data)
    html = removed.content.decode()
    assert removed.status_code == 200 and Dossier.objects.count() == 0
    assert kept_keys(html, component) == []
    assert f'id="id_component_{component.pk}_error"' in html  # the scan is required again
    assert not PendingUpload.objects.exists() and stored_files(settings) == []


def test_a_key_of_another_officer_or_an_expired_one_is_refused(world, login, settings):
    component = world.procedure.components.first()
    someone_elses = pending_upload_keep(owner=world.specialist, checked=check_upload(pdf()))
    client = login(world.desk)
    data = reception_post(world, **{f"component_{component.pk}": None})
    data[f"component_{component.pk}_kept"] = someone_elses.key
    response = client.post(url(world), data)
    html = response.content.decode()
    assert response.status_code == 200 and Dossier.objects.count() == 0
    assert f'id="id_component_{component.pk}_error"' in html
    assert PendingUpload.objects.filter(pk=someone_elses.pk).exists()  # untouched


def test_the_purge_deletes_kept_scans_after_a_day(
    world, settings, django_capture_on_commit_callbacks
):
    old = pending_upload_keep(owner=world.desk, checked=check_upload(pdf()))
    fresh = pending_upload_keep(owner=world.desk, checked=check_upload(pdf()))
    PendingUpload.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=settings.TINHSO_PENDING_UPLOAD_HOURS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert pending_uploads_purge() == 1
    assert list(PendingUpload.objects.all()) == [fresh]
    assert sorted(stored_files(settings)) == pending_files(settings)


def test_no_internal_unit_or_agency_code_is_shown(world, login):
    """Issue 18 point 9: people see names, not codes ("Phường Đồng Hới", not "(18880)")."""
    client = login(world.desk)
    pages = [
        client.get(url(world)).content.decode(),
        client.post(url(world), reception_post(world, applicant_name=" ")).content.decode(),
        client.get(reverse("workspace:tracking_book")).content.decode(),
    ]
    for html in pages:
        assert world.commune.name in html or world.committee.name in html
        for code in (world.commune.code, world.committee.code, world.province.code):
            assert f"({code})" not in html, code
        assert f">{world.committee.name} (" not in html
