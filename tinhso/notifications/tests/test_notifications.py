"""Notifications of a dossier's changes, sent to a real SMTP server and the stand-in provider."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tinhso.core.models import ApplicantProfile, AuditEvent
from tinhso.dossiers import services as s
from tinhso.notifications.adapters import zns_access_token
from tinhso.notifications.models import (
    Notification,
    Preference,
    ProviderToken,
    Status,
    Template,
)
from tinhso.notifications.services import (
    dossier_change_notify,
    dossiers_due_soon_notify,
    notifications_deliver,
)
from tinhso.testing.factories import in_threads, pdf, submit_online

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(one_stop_world):
    ApplicantProfile.objects.filter(user=one_stop_world.citizen).update(email="duc@example.vn")
    one_stop_world.specialist.email = "chuyenvien@example.vn"
    one_stop_world.specialist.save()
    return one_stop_world


def submit(world):
    """An online submission whose own "submitted" notifications (tested below) are set aside,
    so that each test counts the notifications of the change it makes."""
    d = submit_online(world)
    Notification.objects.filter(event="dossier_submitted").delete()
    return d


def test_an_online_submission_mails_and_texts_the_tracking_code_and_link(
    world, providers, smtp_server, standin
):
    d = submit_online(world)
    rows = sent("dossier_submitted")
    assert set(rows) == {"email", "sms"}
    assert rows["email"].event_key == f"dossier:{d.pk}:1"

    assert notifications_deliver().delivered == 2
    to, mail = smtp_server.messages[-1]
    assert to == ["duc@example.vn"] and d.code in mail["Subject"]
    body = mail.get_content()
    assert "nộp trực tuyến" in body and f"/tra-cuu/{d.code}/" in body
    sms = standin.get()["messages"][-1]
    assert (sms["template_id"], sms["params"]["code"]) == ("TS_DA_NOP", d.code)
    assert sms["params"]["track_url"].endswith(f"/tra-cuu/{d.code}/")


def test_a_counter_submission_is_told_at_reception_only(world, providers):
    from tinhso.testing.factories import submit_at_counter

    submit_at_counter(world, applicant_phone="0987654321")
    assert not Notification.objects.filter(event="dossier_submitted").exists()


def sent(event: str) -> dict[str, Notification]:
    return {n.channel: n for n in Notification.objects.filter(event=event)}


def test_received_dossier_mails_and_texts_the_citizen_with_the_receipt_link(
    world, providers, smtp_server, standin
):
    d = s.dossier_receive(actor=world.desk, dossier=submit(world))
    rows = sent("dossier_received")
    assert set(rows) == {"email", "sms"}  # the default preferences
    assert rows["sms"].params["code"] == d.code

    report = notifications_deliver()

    assert (report.delivered, report.failed) == (2, 0)
    to, mail = smtp_server.messages[-1]
    assert to == ["duc@example.vn"]
    assert d.code in mail["Subject"]
    body = mail.get_content()
    assert f"/ho-so-cua-toi/{d.code}/bien-nhan/" in body and "mẫu 01" in body
    sms = standin.get()["messages"][-1]
    assert (sms["channel"], sms["phone"], sms["template_id"]) == (
        "sms",
        "0912345678",
        "TS_TIEP_NHAN",
    )
    assert d.code in sms["text"] and sms["params"]["receipt_url"].endswith("/bien-nhan/")
    assert {n.status for n in Notification.objects.all()} == {Status.DELIVERED}
    assert Notification.objects.get(channel="email").provider_id == mail["Message-ID"]


def test_zalo_tokens_are_refreshed_once_each_and_never_reused(world, providers, standin):
    Preference.objects.create(user=world.citizen, email=False, sms=False, zns=True)
    refreshes = standin.get()["refreshes"]
    d = s.dossier_receive(actor=world.desk, dossier=submit(world))
    assert notifications_deliver().delivered == 1
    zns = standin.get()["messages"][-1]
    assert (zns["channel"], zns["phone"], zns["params"]["code"]) == ("zns", "84912345678", d.code)
    first = ProviderToken.objects.get(provider="zalo")
    assert standin.get()["refreshes"] == refreshes + 1

    # The access token expires: the next send refreshes with the new refresh token.
    ProviderToken.objects.filter(pk=first.pk).update(expires_at=timezone.now())
    s.dossier_request_supplement(actor=world.desk, dossier=d, reason="Bổ sung bản sao CCCD")
    assert notifications_deliver().delivered == 1
    second = ProviderToken.objects.get(pk=first.pk)
    assert second.refresh_token != first.refresh_token
    assert standin.get()["refreshes"] == refreshes + 2
    assert standin.get()["messages"][-1]["template_id"] == "TS_BO_SUNG"
    # The spent refresh token is refused by the provider: single use.
    form = {"refresh_token": first.refresh_token, "app_id": "standin-app"}
    body = urllib.parse.urlencode({**form, "grant_type": "refresh_token"}).encode()
    answer = standin.post("/oauth/access_token", body, {"secret_key": "standin-secret"})
    assert answer["error"] == -14014


def test_the_scheduler_refreshes_the_zalo_token_before_it_expires(providers, standin, settings):
    """Hourly, message or not: a token expiring within two hours is refreshed (its single-use
    refresh token spent and replaced), a fresh one is left alone; without ZNS, nothing."""
    from tinhso.notifications.tasks import refresh_zns_token

    assert "zns-token-refresh" in settings.TINHSO_SCHEDULE
    ProviderToken.objects.create(
        provider="zalo",
        access_token="old",
        refresh_token=providers.TINHSO_ZNS_REFRESH_TOKEN,
        expires_at=timezone.now() + dt.timedelta(minutes=90),
    )
    refreshes = standin.get()["refreshes"]
    assert refresh_zns_token.call() == {"refreshed": True}
    row = ProviderToken.objects.get(provider="zalo")
    assert row.access_token != "old" and row.refresh_token != providers.TINHSO_ZNS_REFRESH_TOKEN
    assert row.expires_at > timezone.now() + dt.timedelta(hours=20)
    assert refresh_zns_token.call() == {"refreshed": False}  # fresh: left alone
    assert standin.get()["refreshes"] == refreshes + 1
    ProviderToken.objects.filter(pk=row.pk).update(expires_at=timezone.now())
    settings.TINHSO_ZNS_OAUTH_URL = "http://127.0.0.1:9/oauth"  # the provider unreachable
    assert "error" in refresh_zns_token.call()  # logged, tried again at the next run
    settings.TINHSO_ZNS_URL = ""
    assert refresh_zns_token.call() == {"refreshed": False}
    assert standin.get()["refreshes"] == refreshes + 1


def test_a_retried_event_notifies_once(world, providers):
    d = s.dossier_receive(actor=world.desk, dossier=submit(world))
    before = Notification.objects.count()
    seq = d.events.get(action="receive").seq
    for _ in range(2):  # the same change handled again
        dossier_change_notify(
            d, action="receive", seq=seq, changes=["status"], actor=world.desk, assignee_before=None
        )
    assert Notification.objects.count() == before == 2
    twin = Notification.objects.first()
    twin.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses it too
        twin.save()


def test_a_failed_send_is_retried_after_the_back_off(world, providers, standin):
    Preference.objects.create(user=world.citizen, email=False, sms=True, zns=False)
    s.dossier_receive(actor=world.desk, dossier=submit(world))
    standin.post("/control/fail", b'{"count": 1}', {"Content-Type": "application/json"})
    now = timezone.now()

    assert notifications_deliver(now=now).failed == 1
    n = Notification.objects.get()
    assert (n.status, n.attempts) == (Status.TEMPORARY_FAILURE, 1)
    assert n.next_attempt_at > now and "500" in n.last_error
    assert notifications_deliver(now=now).claimed == 0  # not before the back-off

    assert notifications_deliver(now=n.next_attempt_at).delivered == 1
    n.refresh_from_db()
    assert (n.status, n.attempts, n.last_error) == (Status.DELIVERED, 2, "")


def test_the_events_of_a_dossier_reach_the_citizen_and_the_officers(world, providers):
    d = s.dossier_receive(actor=world.desk, dossier=submit(world))
    d = s.dossier_transfer(actor=world.desk, dossier=d, to_user=world.specialist)
    inbox = Notification.objects.get(event="inbox_new")
    assert (inbox.recipient, inbox.channel, inbox.address) == (
        world.specialist,
        "email",
        "chuyenvien@example.vn",
    )
    assert f"/ho-so/{d.code}/" in inbox.body
    d = s.dossier_request_supplement(actor=world.specialist, dossier=d, reason="Thiếu CCCD")
    assert "Thiếu CCCD" in sent("supplement_requested")["email"].body
    d = s.dossier_supplement(actor=world.citizen, dossier=d, uploads=[(None, pdf("cccd.pdf"))])
    assert sent("supplement_supplied")["email"].recipient == world.specialist
    d = s.dossier_accept_supplement(actor=world.specialist, dossier=d)
    d = s.dossier_extend(actor=world.specialist, dossier=d, reason="Cần xác minh", extra_days=2)
    moved = sent("appointment_changed")
    assert set(moved) == {"email", "sms"}
    assert "bm04.pdf" in moved["email"].body and "xin lỗi" in moved["email"].body
    assert moved["sms"].params["appointment"] in moved["email"].body
    d = s.dossier_transfer(actor=world.specialist, dossier=d, to_user=world.leader)
    d = s.dossier_approve(actor=world.leader, dossier=d)
    assert d.code in sent("result_ready")["email"].subject
    assert not Notification.objects.filter(recipient__isnull=True).exists()


def test_fees_requested_mails_and_texts_the_citizen(world, providers, smtp_server, standin):
    d = s.dossier_receive(actor=world.desk, dossier=submit(world))
    Notification.objects.all().delete()
    d = s.dossier_transfer(actor=world.desk, dossier=d, to_user=world.specialist)
    d = s.dossier_request_fees(actor=world.specialist, dossier=d, amount_vnd=50000)
    rows = sent("fees_requested")
    assert set(rows) == {"email", "sms"}
    assert rows["sms"].provider_template_id == "TS_NOP_PHI"

    assert notifications_deliver().failed == 0
    to, mail = smtp_server.messages[-1]
    assert to == ["duc@example.vn"] and d.code in mail["Subject"]
    assert "nộp phí, lệ phí" in mail.get_content()
    sms = standin.get()["messages"][-1]
    assert (sms["template_id"], sms["params"]["code"]) == ("TS_NOP_PHI", d.code)
    assert {n.status for n in Notification.objects.filter(event="fees_requested")} == {
        Status.DELIVERED
    }


def test_a_counter_applicant_without_an_account_gets_a_text(world, providers):
    from tinhso.testing.factories import submit_at_counter

    d = submit_at_counter(world, applicant_phone="+84 987 654 321")
    s.dossier_receive(actor=world.desk, dossier=d)
    n = Notification.objects.get(event="dossier_received")
    assert (n.channel, n.address) == ("sms", "0987654321")


def test_officers_are_told_once_of_a_dossier_due_within_one_working_day(world):
    d = s.dossier_receive(actor=world.desk, dossier=submit(world))
    d = s.dossier_transfer(actor=world.desk, dossier=d, to_user=world.specialist)
    week_before = d.legal_due_at - dt.timedelta(days=7)
    assert dossiers_due_soon_notify(now=week_before) == 0
    hour_before = d.legal_due_at - dt.timedelta(hours=1)
    assert dossiers_due_soon_notify(now=hour_before) == 1
    assert dossiers_due_soon_notify(now=hour_before) == 0  # once per due time
    n = Notification.objects.get(event="due_soon")
    assert (n.recipient, n.channel) == (world.specialist, "email")
    assert d.code in n.subject


def test_the_reporter_is_told_the_answer_to_their_feedback(feedback_world):
    from tinhso.feedback import services as feedback
    from tinhso.testing.factories import DONG_HOI, category

    world = feedback_world
    world.citizen.email = "phananh@example.vn"
    world.citizen.save()
    report = feedback.report_submit(
        actor=world.citizen,
        category=category("den-duong-hong"),
        description="Đèn đường trước số 45 Quang Trung không sáng ba đêm nay.",
        latitude=DONG_HOI[0],
        longitude=DONG_HOI[1],
        address="Trước số 45 Quang Trung",
        commune=world.dong_hoi,
    )
    feedback.report_accept(actor=world.officer_dh, report=report)
    feedback.report_answer(actor=world.officer_dh, report=report, answer="Đã thay bóng đèn.")
    mail = Notification.objects.get(event="feedback_answered", channel="email")
    assert mail.address == "phananh@example.vn" and "Đã thay bóng đèn." in mail.body
    assert f"/phan-anh/{report.pk}/" in mail.body


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_refresh_the_zalo_token_once(providers, standin):
    """The refresh token is single use: under the row lock the second worker waits and then
    uses the token the first one got, instead of spending the old refresh token again."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    ProviderToken.objects.create(
        provider="zalo", refresh_token=providers.TINHSO_ZNS_REFRESH_TOKEN, expires_at=timezone.now()
    )
    refreshes = standin.get()["refreshes"]
    tokens = []
    assert in_threads(2, lambda: tokens.append(zns_access_token())) == []
    assert len(tokens) == 2 and tokens[0] == tokens[1]
    assert standin.get()["refreshes"] == refreshes + 1


def test_the_email_templates_are_edited_in_the_admin(admin_client):
    template = Template.objects.get(event="dossier_received", channel="email")
    page = admin_client.get(f"/admin/notifications/template/{template.pk}/change/")
    assert page.status_code == 200
    assert "Hồ sơ {{ code }} đã được tiếp nhận" in page.content.decode()
    listing = admin_client.get("/admin/notifications/template/")
    assert "mã mẫu tại nhà cung cấp" in listing.content.decode().lower()


def test_a_citizen_chooses_their_channels_and_sees_what_they_were_sent(world, client):
    s.dossier_receive(actor=world.desk, dossier=submit(world))
    client.force_login(world.citizen)
    assert "Kênh nhận thông báo" in client.get("/ho-so-cua-toi/").content.decode()
    page = client.get("/thong-bao/").content.decode()
    assert "Hồ sơ" in page and "đã được tiếp nhận" in page  # the e-mail's subject, listed
    answer = client.post("/thong-bao/", {"sms": "on", "zns": "on"})
    assert answer.status_code == 302
    pref = Preference.objects.get(user=world.citizen)
    assert (pref.email, pref.sms, pref.zns) == (False, True, True)
    assert AuditEvent.objects.filter(action="notifications.preference").exists()
    d = s.dossier_receive(actor=world.desk, dossier=submit(world))
    channels = set(Notification.objects.filter(event_key__startswith=f"dossier:{d.pk}:"))
    assert {n.channel for n in channels} == {"sms", "zns"}
