"""The submission draft: open, save, attach, detach, submit (idempotent), purge."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError, NotFound, PermissionDenied
from tinhso.core.models import AuditEvent
from tinhso.dossiers.models import Dossier, DossierFile, State
from tinhso.dossiers.services import dossier_submit
from tinhso.dossiers.tests.factories import VALID_FORM
from tinhso.portal import services
from tinhso.portal.models import DraftFile, SubmissionDraft
from tinhso.procedures.models import OnlineMode, ProcedureComponent
from tinhso.testing.factories import pdf

pytestmark = pytest.mark.django_db


def _ready_draft(world) -> SubmissionDraft:
    draft = services.draft_open(actor=world.citizen, procedure=world.procedure)
    services.draft_save(
        actor=world.citizen, draft=draft, form_data=VALID_FORM, commune=world.commune
    )
    component = world.procedure.components.get(order=1)
    services.draft_attach(actor=world.citizen, draft=draft, component=component, upload=pdf())
    return draft


def test_open_creates_one_prefilled_draft_per_procedure(world):
    draft = services.draft_open(actor=world.citizen, procedure=world.procedure)
    again = services.draft_open(actor=world.citizen, procedure=world.procedure)
    assert draft.pk == again.pk
    assert draft.commune == world.commune  # the commune of residence from the profile
    assert len(draft.idempotency_key) == 32
    assert AuditEvent.objects.filter(action="portal.draft_open").count() == 1


def test_officers_and_counter_procedures_cannot_open_a_draft(world):
    with pytest.raises(PermissionDenied) as excinfo:
        services.draft_open(actor=world.desk, procedure=world.procedure)
    assert excinfo.value.code == "officer_cannot_submit"
    world.procedure.online_mode = OnlineMode.COUNTER
    world.procedure.save()
    with pytest.raises(DomainError) as excinfo:
        services.draft_open(actor=world.citizen, procedure=world.procedure)
    assert excinfo.value.code == "not_online"
    assert not SubmissionDraft.objects.exists()


def test_a_bad_upload_stores_nothing(world):
    draft = services.draft_open(actor=world.citizen, procedure=world.procedure)
    component = world.procedure.components.get()
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(DomainError) as excinfo:
        services.draft_attach(actor=world.citizen, draft=draft, component=component, upload=fake)
    assert excinfo.value.code == "file_type_not_allowed"
    assert not DraftFile.objects.exists()


def test_attach_replaces_and_detach_removes_the_file(world, django_capture_on_commit_callbacks):
    draft = services.draft_open(actor=world.citizen, procedure=world.procedure)
    component = world.procedure.components.get()
    first = services.draft_attach(
        actor=world.citizen, draft=draft, component=component, upload=pdf("a.pdf")
    )
    first_name = first.file.name
    assert default_storage.exists(first_name)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.draft_attach(
            actor=world.citizen, draft=draft, component=component, upload=pdf("b.pdf")
        )
    assert list(DraftFile.objects.values_list("original_name", flat=True)) == ["b.pdf"]
    assert not default_storage.exists(first_name)
    with django_capture_on_commit_callbacks(execute=True):
        services.draft_detach(actor=world.citizen, draft=draft, component=component)
    assert not DraftFile.objects.exists()
    assert not default_storage.exists(second.file.name)
    with pytest.raises(NotFound):
        services.draft_detach(actor=world.citizen, draft=draft, component=component)


def test_a_component_of_another_procedure_is_refused(world):
    from tinhso.dossiers.tests.factories import make_procedure

    other = make_procedure(code="1.000001")
    draft = services.draft_open(actor=world.citizen, procedure=world.procedure)
    with pytest.raises(DomainError) as excinfo:
        services.draft_attach(
            actor=world.citizen, draft=draft, component=other.components.get(), upload=pdf()
        )
    assert excinfo.value.code == "unknown_component"
    assert not DraftFile.objects.exists()


def test_another_citizen_cannot_touch_the_draft(world):
    draft = services.draft_open(actor=world.citizen, procedure=world.procedure)
    with pytest.raises(NotFound):
        services.draft_save(actor=world.other_citizen, draft=draft, form_data={})
    with pytest.raises(NotFound):
        services.draft_submit(actor=world.other_citizen, draft=draft)


def test_submit_makes_one_dossier_and_deletes_the_draft(
    world, settings, django_capture_on_commit_callbacks
):
    draft = _ready_draft(world)
    key = draft.idempotency_key
    draft_file = DraftFile.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        dossier = services.draft_submit(actor=world.citizen, draft=draft, idempotency_key=key)
    assert dossier.state == State.SUBMITTED
    assert dossier.receiving_agency == world.committee
    assert dossier.form_data == VALID_FORM
    assert dossier.idempotency_key == key
    record = DossierFile.objects.get(dossier=dossier)
    assert record.original_name == "giay-chung-sinh.pdf"
    assert record.component == world.procedure.components.get()
    assert not SubmissionDraft.objects.exists()
    # Checked and written once, at upload: the dossier took the stored file over.
    assert (record.file.name, record.sha256) == (draft_file.file.name, draft_file.sha256)
    assert default_storage.exists(record.file.name)
    assert len([p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]) == 1
    # A double click or a refresh posts the same key again: the same dossier comes back.
    again = services.draft_submit(actor=world.citizen, draft=draft.pk, idempotency_key=key)
    assert again.pk == dossier.pk and again.replayed
    assert Dossier.objects.count() == 1


def test_submit_refuses_an_incomplete_draft_and_writes_nothing(world):
    draft = services.draft_open(actor=world.citizen, procedure=world.procedure)
    services.draft_save(
        actor=world.citizen, draft=draft, form_data=VALID_FORM, commune=world.commune
    )
    with pytest.raises(DomainError) as excinfo:
        services.draft_submit(actor=world.citizen, draft=draft)
    assert excinfo.value.code == "components_missing"
    component = world.procedure.components.get()
    services.draft_attach(actor=world.citizen, draft=draft, component=component, upload=pdf())
    services.draft_save(actor=world.citizen, draft=draft, form_data={"sex": "X"}, commune=None)
    with pytest.raises(DomainError) as excinfo:
        services.draft_submit(actor=world.citizen, draft=draft)
    assert excinfo.value.code == "commune_required"
    services.draft_save(
        actor=world.citizen, draft=draft, form_data={"sex": "X"}, commune=world.commune
    )
    with pytest.raises(DomainError) as excinfo:
        services.draft_submit(actor=world.citizen, draft=draft)
    assert excinfo.value.code == "invalid_form"
    assert not Dossier.objects.exists()
    assert not DossierFile.objects.exists()
    assert SubmissionDraft.objects.filter(pk=draft.pk).exists()


def test_optional_components_may_stay_empty(world):
    ProcedureComponent.objects.create(
        procedure=world.procedure, order=2, name="Văn bản ủy quyền", kind="original", required=False
    )
    draft = _ready_draft(world)
    dossier = services.draft_submit(actor=world.citizen, draft=draft)
    assert dossier.files.count() == 1


def test_a_stale_review_page_is_refused(world):
    draft = _ready_draft(world)
    with pytest.raises(DomainError) as excinfo:
        services.draft_submit(actor=world.citizen, draft=draft, idempotency_key="old-page")
    assert excinfo.value.code == "stale_form"
    assert not Dossier.objects.exists()


def test_a_key_used_by_an_earlier_submission_returns_that_dossier(world):
    earlier = dossier_submit(
        actor=world.citizen,
        procedure=world.procedure,
        form_data=VALID_FORM,
        idempotency_key="k-1",
    )
    draft = _ready_draft(world)
    assert services.draft_submit(actor=world.citizen, draft=draft, idempotency_key="k-1") == earlier
    assert SubmissionDraft.objects.filter(pk=draft.pk).exists()


def test_purge_deletes_old_drafts_only(world, django_capture_on_commit_callbacks):
    old = _ready_draft(world)
    name = DraftFile.objects.get().file.name
    SubmissionDraft.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=100)
    )
    from tinhso.dossiers.tests.factories import make_procedure

    fresh = services.draft_open(actor=world.citizen, procedure=make_procedure(code="1.000002"))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.drafts_purge(older_than_days=90) == 1
    assert list(SubmissionDraft.objects.all()) == [fresh]
    assert not default_storage.exists(name)
    with pytest.raises(DomainError):
        services.drafts_purge(older_than_days=0)


def test_purge_command(world):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    _ready_draft(world)
    out = StringIO()
    call_command("purge_drafts", "--days", "30", stdout=out)
    assert SubmissionDraft.objects.count() == 1  # still fresh
    assert out.getvalue().strip() == _("%(count)d draft(s) deleted.") % {"count": 0}
    with pytest.raises(CommandError):
        call_command("purge_drafts", "--days", "0")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_double_click_makes_one_dossier_under_concurrency():
    import threading

    from django.db import connection, connections

    from tinhso.dossiers.tests.factories import make_world

    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is exercised on PostgreSQL (make test runs it there)")
    world = make_world()
    draft = _ready_draft(world)
    barrier = threading.Barrier(4)
    results, errors, lock = [], [], threading.Lock()

    def click() -> None:
        try:
            barrier.wait()
            dossier = services.draft_submit(
                actor=world.citizen, draft=draft.pk, idempotency_key=draft.idempotency_key
            )
            with lock:
                results.append(dossier.code)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 4 and len(set(results)) == 1
    assert Dossier.objects.count() == 1
    assert DossierFile.objects.count() == 1
    assert not SubmissionDraft.objects.exists()
