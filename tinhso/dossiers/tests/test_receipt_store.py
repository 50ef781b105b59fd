"""BM.01 receipt versions and the BM.02–BM.04 of an event are rendered once, in the background
after the issuing operation commits, and kept in private storage: a download reads the file and
renders nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tinhso.dossiers import pdf as forms
from tinhso.dossiers import services as s
from tinhso.dossiers import tasks
from tinhso.testing.factories import pdf
from tinhso.testing.factories import submit_online as submit

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def world(one_stop_world):
    return one_stop_world


@pytest.fixture
def renders(monkeypatch):
    """The HTML documents rendered to PDF from now on (the real renderer still runs)."""
    seen: list[str] = []
    real = forms.html_to_pdf

    def counting(html: str) -> bytes:
        seen.append(html)
        return real(html)

    monkeypatch.setattr(forms, "html_to_pdf", counting)
    return seen


def _download(world, dossier, kind="bm01", **query) -> bytes:
    client = Client()
    client.force_login(world.desk)
    url = reverse("workspace:dossier_form", args=[dossier.code, kind])
    response = client.get(url, query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_the_receipt_is_rendered_after_commit_and_downloads_read_the_stored_file(
    world, settings, django_capture_on_commit_callbacks, renders
):
    settings.TASKS = IMMEDIATE  # the worker's part, run at enqueue
    dossier = submit(world)
    with django_capture_on_commit_callbacks(execute=True):
        dossier = s.dossier_receive(actor=world.desk, dossier=dossier)
        receipt = dossier.receipts.get()
        assert not receipt.pdf  # nothing rendered inside the operation's transaction
        assert renders == []
    receipt.refresh_from_db()
    assert receipt.pdf.name.startswith("receipts/")
    assert len(renders) == 1
    with receipt.pdf.open("rb") as handle:
        stored = handle.read()
    assert stored.startswith(b"%PDF-")

    assert _download(world, dossier) == stored
    assert _download(world, dossier, version=1) == stored
    assert len(renders) == 1  # the downloads rendered nothing


def test_the_task_is_enqueued_on_commit_and_a_download_before_it_renders_once(
    world, django_capture_on_commit_callbacks, renders
):
    dossier = submit(world)
    with django_capture_on_commit_callbacks(execute=True):
        dossier = s.dossier_receive(actor=world.desk, dossier=dossier)
    receipt = dossier.receipts.get()
    queued = DBTaskResult.objects.get(task_path="tinhso.dossiers.tasks.store_form")
    assert queued.args_kwargs["args"] == ["bm01", receipt.pk]

    first = _download(world, dossier)  # before the worker ran: rendered now and kept
    assert len(renders) == 1
    receipt.refresh_from_db()
    assert receipt.pdf
    assert _download(world, dossier) == first
    assert len(renders) == 1
    # The worker then finds it kept and renders nothing.
    assert tasks.store_form.call("bm01", receipt.pk) == {
        "form": "bm01",
        "id": receipt.pk,
        "rendered": False,
    }
    assert len(renders) == 1


def test_each_version_keeps_its_own_file_and_a_lost_file_is_rendered_again(
    world, settings, django_capture_on_commit_callbacks, renders
):
    settings.TASKS = IMMEDIATE
    dossier = submit(world)
    with django_capture_on_commit_callbacks(execute=True):
        dossier = s.dossier_receive(actor=world.desk, dossier=dossier)
    first = dossier.receipts.get()
    second = s.receipt_issue(dossier, action="extend", now=first.issued_at)
    assert forms.form_store("bm01", second.pk) is True
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.pdf.name != second.pdf.name
    assert _download(world, dossier) != _download(world, dossier, version=1)

    renders.clear()
    first.pdf.storage.delete(first.pdf.name)
    again = _download(world, dossier, version=1)
    assert again.startswith(b"%PDF-")
    assert len(renders) == 1
    first.refresh_from_db()
    assert first.pdf.storage.exists(first.pdf.name)


def test_a_supplement_request_keeps_its_bm02_and_the_next_request_gets_its_own(
    world, settings, django_capture_on_commit_callbacks, renders
):
    """BM.02 belongs to its event: rendered once after the request commits, then read from
    storage (by the officer and the citizen); a later request is a new event with a new form,
    so the download never serves the earlier one."""
    settings.TASKS = IMMEDIATE
    dossier = submit(world)
    with django_capture_on_commit_callbacks(execute=True):
        dossier = s.dossier_receive(actor=world.desk, dossier=dossier)
    renders.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dossier = s.dossier_request_supplement(
            actor=world.desk, dossier=dossier, reason="Thiếu bản sao", items=["Giấy chứng sinh"]
        )
        assert renders == []  # nothing rendered inside the operation's transaction
    event = dossier.events.get(action="request_supplement")
    assert event.pdf.name.startswith("forms/") and len(renders) == 1
    assert "Giấy chứng sinh" in renders[0]
    with event.pdf.open("rb") as handle:
        stored = handle.read()
    assert _download(world, dossier, "bm02") == stored
    citizen = Client()
    citizen.force_login(world.citizen)
    mine = citizen.get(reverse("portal:dossier_form", args=[dossier.code, "bm02"]))
    assert mine.status_code == 200 and mine.content == stored
    assert len(renders) == 1  # the downloads rendered nothing

    with django_capture_on_commit_callbacks(execute=True):
        supplied = [(None, pdf())]
        dossier = s.dossier_supplement(actor=world.citizen, dossier=dossier, uploads=supplied)
        dossier = s.dossier_request_supplement(
            actor=world.desk, dossier=dossier, reason="Còn thiếu", items=["Tờ khai có chữ ký"]
        )
    assert len(renders) == 2 and "Tờ khai có chữ ký" in renders[1]
    latest = dossier.events.filter(action="request_supplement").order_by("-seq").first()
    assert latest.pk != event.pk and latest.pdf.name != event.pdf.name
    assert _download(world, dossier, "bm02") != stored
    assert len(renders) == 2
