"""What each notification shares: the templates each process keeps (``services.active_templates``)
and the delivery runs (``services._enqueue_delivery``, ``tasks.deliver_notifications``)."""

from __future__ import annotations

import pytest

from tinhso.core.models import ApplicantProfile
from tinhso.notifications import services
from tinhso.notifications.models import Notification, Template
from tinhso.notifications.services import active_templates
from tinhso.testing.factories import submit_online

pytestmark = pytest.mark.django_db


def test_templates_are_kept_and_an_edit_is_used_at_once(
    one_stop_world, settings, monkeypatch, django_assert_num_queries
):
    settings.TINHSO_NOTIFY_TEMPLATE_SECONDS = 60
    monkeypatch.setattr(services._local, "edited", False, raising=False)  # an earlier test's edit
    world = one_stop_world
    ApplicantProfile.objects.filter(user=world.citizen).update(email="duc@example.vn")
    first = submit_online(world)  # reads and keeps the "submitted online" templates
    assert set(
        Notification.objects.filter(event_key=f"dossier:{first.pk}:1").values_list(
            "channel", flat=True
        )
    ) == {"email", "sms"}
    with django_assert_num_queries(0):
        assert set(active_templates("dossier_submitted")) == {"email", "sms", "zns"}
    email = Template.objects.get(event="dossier_submitted", channel="email")
    email.subject = "Đã nhận hồ sơ {{ code }}"
    email.save()  # as the admin saves it
    Template.objects.get(event="dossier_submitted", channel="sms").delete()
    d = submit_online(world)
    told = {n.channel: n for n in Notification.objects.filter(event_key=f"dossier:{d.pk}:1")}
    assert set(told) == {"email"}
    assert told["email"].subject == f"Đã nhận hồ sơ {d.code}"


def test_templates_can_be_read_every_time(settings, django_assert_num_queries):
    settings.TINHSO_NOTIFY_TEMPLATE_SECONDS = 0
    active_templates("dossier_received")
    with django_assert_num_queries(1):
        assert set(active_templates("dossier_received")) == {"email", "sms", "zns"}


def test_a_delivery_run_that_fills_its_batch_enqueues_the_next(one_stop_world, providers):
    """One delivery task sends what several changes wrote (services._enqueue_delivery): when
    it claims a full batch, more may wait, and it enqueues the next run."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from tinhso.notifications.tasks import deliver_notifications

    providers.TINHSO_OUTBOX_BATCH = 2
    ApplicantProfile.objects.filter(user=one_stop_world.citizen).update(email="duc@example.vn")
    submit_online(one_stop_world)  # an e-mail and an SMS
    submit_online(one_stop_world)
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    before = waiting.count()
    assert deliver_notifications.call()["delivered"] == 2  # a full batch
    assert waiting.count() == before + 1
    assert deliver_notifications.call()["delivered"] == 2
    assert waiting.count() == before + 2
    assert deliver_notifications.call()["claimed"] == 0  # all sent: no next run
    assert waiting.count() == before + 2
