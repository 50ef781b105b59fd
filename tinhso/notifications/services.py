"""Notifications: which change tells whom what (``notify``), and their delivery with retries.

The dossier lifecycle's ``outbox`` hook calls :func:`dossier_change_notify` inside the change's
transaction, so the notification rows commit (or vanish) with the change; their delivery is
enqueued once the transaction commits (unless this process's last delivery task has not started
yet: it sends them), and the ``notification-delivery`` schedule entry takes again whatever is
due (a retry after ``core.leases.lease_retry_at``, a worker that died).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template import Context
from django.template import Template as DjangoTemplate
from django.urls import reverse
from django.utils import formats, timezone

from tinhso.core.audit import audit_record
from tinhso.core.background import still_queued
from tinhso.core.leases import DeliveryReport, lease_claim, lease_retry_at

from .models import (
    PENDING_STATUSES,
    Channel,
    Event,
    Notification,
    Preference,
    Receipt,
    Status,
    Template,
)

logger = logging.getLogger("tinhso.notifications")

DEFAULT_CHANNELS = [Channel.EMAIL, Channel.SMS]


class PermanentError(Exception):
    """The provider refused the message for good (bad address, unknown template): no retry."""


@dataclass(frozen=True)
class Recipient:
    """A person to tell: an account (its preferences apply) or a bare address."""

    user: Any = None
    email: str = ""
    phone: str = ""

    @property
    def key(self) -> str:
        if self.user is not None:
            return f"user:{self.user.pk}"
        return f"phone:{self.phone}" if self.phone else f"email:{self.email}"

    def channels(self) -> list[str]:
        if self.user is None:  # no account, no preferences: the channels given
            return [c for c in DEFAULT_CHANNELS if self.address(c)]
        pref = Preference.objects.filter(user=self.user).first()
        return pref.channels() if pref else list(DEFAULT_CHANNELS)

    def address(self, channel: str) -> str:
        if channel == Channel.EMAIL:
            return self.email
        if not self.phone:
            return ""
        return zns_phone(self.phone) if channel == Channel.ZNS else sms_phone(self.phone)


def sms_phone(phone: str) -> str:
    """A Vietnamese number as the SMS provider wants it: digits, a leading 0 ("+84 91…" →
    "091…")."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return "0" + digits[2:] if digits.startswith("84") and len(digits) >= 11 else digits


def zns_phone(phone: str) -> str:
    """A Vietnamese number as Zalo wants it: 84 and no leading zero."""
    return "84" + sms_phone(phone)[1:]


def render(text: str | DjangoTemplate, context: dict[str, Any]) -> str:
    template = DjangoTemplate(text) if isinstance(text, str) else text
    return template.render(Context(context, autoescape=False)).strip()


@dataclass(frozen=True)
class ActiveTemplate:
    """One channel's active template of an event, its texts compiled once."""

    subject: DjangoTemplate
    body: DjangoTemplate
    provider_template_id: str
    params: tuple[str, ...]


# event -> (monotonic time read, {channel: ActiveTemplate}); see active_templates.
_templates: dict[str, tuple[float, dict[str, ActiveTemplate]]] = {}
# ``edited``: this thread's open transaction changed a template (see templates_changed).
_local = threading.local()


def active_templates(event: str) -> dict[str, ActiveTemplate]:
    """The event's active templates by channel. Every notification reads them and an
    administrator edits them rarely, so each process keeps them, compiled, for
    ``TINHSO_NOTIFY_TEMPLATE_SECONDS`` (0: read every time): an edit in the admin is used at once
    by the process that saved it (:func:`templates_changed`) and by the others within that time.
    A transaction that changed a template reads them afresh and keeps nothing it read (it may
    be rolled back)."""
    edited = getattr(_local, "edited", False)
    if edited and transaction.get_autocommit():  # that transaction was rolled back
        _local.edited = edited = False
    ttl = 0 if edited else settings.TINHSO_NOTIFY_TEMPLATE_SECONDS
    now = time.monotonic()
    kept = _templates.get(event)
    if kept is not None and now - kept[0] < ttl:
        return kept[1]
    templates = {
        t.channel: ActiveTemplate(
            subject=DjangoTemplate(t.subject),
            body=DjangoTemplate(t.body),
            provider_template_id=t.provider_template_id,
            params=tuple(t.params),
        )
        for t in Template.objects.filter(event=event, active=True)
    }
    if ttl > 0:
        _templates[event] = (now, templates)
    return templates


def templates_changed(**_kwargs: Any) -> None:
    """A template was saved or deleted (signal receiver): forget the kept ones, now and when the
    change commits (another thread may keep the committed version meanwhile)."""
    _templates.clear()
    if not transaction.get_autocommit():
        _local.edited = True
        transaction.on_commit(_templates_committed)


def _templates_committed() -> None:
    _local.edited = False
    _templates.clear()


def notify(
    event: str, *, key: str, recipients: Iterable[Recipient], context: dict[str, Any]
) -> list[Notification]:
    """Write one notification per recipient and channel they accept that has an active
    template, and return them; ``key`` names the change, and the unique ``(event_key,
    recipient_key, channel)`` lets a second call with the same key write nothing (its rows are
    returned but not stored: a caller that counts what it wrote skips known keys itself, as
    :func:`dossiers_due_soon_notify` does). Delivery is enqueued when the surrounding
    transaction commits (:func:`_enqueue_delivery`)."""
    templates = active_templates(event)
    rows = []
    for person in recipients:
        for channel in person.channels():
            template, address = templates.get(channel), person.address(channel)
            if template is None or not address:
                continue
            rows.append(
                Notification(
                    event=event,
                    event_key=key,
                    channel=channel,
                    recipient=person.user,
                    recipient_key=person.key,
                    address=address,
                    subject=render(template.subject, context)[:200],
                    body=render(template.body, context),
                    provider_template_id=template.provider_template_id,
                    params={name: str(context.get(name, "")) for name in template.params},
                )
            )
    # A replayed change, or a concurrent twin: the unique constraint keeps the first rows.
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        # A second notify() in the same change registers a second callback; it finds the task
        # the first one enqueued still waiting and adds nothing.
        transaction.on_commit(_enqueue_delivery, robust=True)
    return created


# The delivery task this process enqueued last (its result id); see _enqueue_delivery.
_last_delivery = {"id": ""}


def _enqueue_delivery() -> None:
    """Enqueue the delivery of the notifications just committed, unless the delivery task this
    process enqueued last has not started yet: that one will send them (it claims what is due
    when it starts, after this commit). Under load, one task per worker run instead of one per
    change; ``robust`` on commit: a queue that cannot take it costs the change nothing, the
    ``notification-delivery`` schedule sends the rows."""
    from .tasks import deliver_notifications

    if still_queued(deliver_notifications, _last_delivery["id"]):
        return
    _last_delivery["id"] = str(deliver_notifications.enqueue().id)


def preference_set(*, actor: Any, email: bool, sms: bool, zns: bool) -> Preference:
    """Record the channels ``actor`` wants to be told on (with its audit entry)."""
    with transaction.atomic():
        pref, _ = Preference.objects.select_for_update().get_or_create(user=actor)
        before = {c: getattr(pref, c) for c in Channel.values}
        pref.email, pref.sms, pref.zns = bool(email), bool(sms), bool(zns)
        pref.save()
        audit_record(
            actor=actor,
            action="notifications.preference",
            obj=pref,
            before=before,
            after={c: getattr(pref, c) for c in Channel.values},
        )
    return pref


# --- the dossier's events --------------------------------------------------------------------


def _when(value: dt.datetime | None) -> str:
    return formats.date_format(timezone.localtime(value), "d/m/Y H:i") if value else ""


def dossier_context(d: Any) -> dict[str, Any]:
    site = settings.SITE_URL.rstrip("/")
    return {
        "code": d.code,
        "procedure": d.procedure.name,
        "applicant": d.applicant_name,
        "agency": d.receiving_agency.name,
        "appointment": _when(d.appointment_at),
        "submitted": _when(d.submitted_at),
        "track_url": site + reverse("portal:track", args=[d.code]),
        "my_dossier_url": site + reverse("portal:my_dossier", args=[d.code]),
        "receipt_url": site + reverse("portal:receipt", args=[d.code]),
        "apology_url": f"{site}/api/dossiers/{d.code}/forms/bm04.pdf",
        "dossier_url": site + reverse("workspace:dossier", args=[d.code]),
    }


def applicant_recipient(d: Any, *, user: Any = None) -> Recipient | None:
    """The applicant of ``d`` to tell (``user``: their account when the caller has it)."""
    profile = d.applicant
    if profile is not None and profile.user_id:
        user = user if user is not None and user.pk == profile.user_id else profile.user
        return Recipient(
            user=user, email=profile.email or user.email, phone=profile.phone or d.applicant_phone
        )
    return Recipient(phone=d.applicant_phone) if d.applicant_phone else None


def officer(user: Any) -> Recipient:
    return Recipient(user=user, email=user.email)


def dossier_submitted_notify(d: Any, *, actor: Any = None) -> None:
    """Tell the applicant that their dossier submitted online has arrived, with its code and the
    tracking link, in the submission's transaction (its key is the submission's event, seq 1);
    ``actor``: who submitted (the applicant's own account, online: no query to find it)."""
    citizen = applicant_recipient(d, user=actor)
    if citizen is not None:
        notify(
            Event.DOSSIER_SUBMITTED,
            key=f"dossier:{d.pk}:1",
            recipients=[citizen],
            context=dossier_context(d),
        )


# action -> the citizen's event
CITIZEN_EVENTS = {
    "receive": Event.DOSSIER_RECEIVED,
    "request_supplement": Event.SUPPLEMENT_REQUESTED,
    "request_fees": Event.FEES_REQUESTED,
    "finish": Event.RESULT_READY,
    "approve": Event.RESULT_READY,
}


def dossier_change_notify(
    d: Any,
    *,
    action: str,
    seq: int,
    changes: list[str],
    actor: Any,
    assignee_before: Any,
    note: str = "",
) -> None:
    """Notify the applicant and the officers of one change of dossier ``d`` (its event ``seq``),
    in the change's transaction."""
    context = {**dossier_context(d), "note": note}
    event = CITIZEN_EVENTS.get(action)
    if event is None and "appointment" in changes and d.appointment_at is not None:
        event = Event.APPOINTMENT_CHANGED
    citizen = applicant_recipient(d)
    if event is not None and citizen is not None:
        notify(event, key=f"dossier:{d.pk}:{seq}", recipients=[citizen], context=context)
    officers: list[tuple[str, Any]] = []
    if d.assignee_id and d.assignee_id != assignee_before and d.assignee != actor:
        officers.append((Event.INBOX_NEW, d.assignee))
    if action == "supplement" and d.assignee_id and d.assignee != actor:
        officers.append((Event.SUPPLEMENT_SUPPLIED, d.assignee))
    for officer_event, user in officers:
        notify(
            officer_event,
            key=f"dossier:{d.pk}:{seq}",
            recipients=[officer(user)],
            context=context,
        )


def dossiers_due_soon_notify(*, now: dt.datetime | None = None) -> int:
    """Tell each assigned officer of the open dossiers whose legal due time falls within the
    next working day (once per dossier and due time); return how many were written."""
    from tinhso.core.selectors import work_calendar
    from tinhso.dossiers.models import Dossier
    from tinhso.dossiers.transitions import OPEN_STATES

    now = now or timezone.now()
    horizon = work_calendar().add_working_days(now, 1)
    due = (
        Dossier.objects.filter(state__in=OPEN_STATES, assignee__isnull=False)
        .filter(legal_due_at__gt=now, legal_due_at__lte=horizon, clock_stopped_at__isnull=True)
        .select_related("procedure", "receiving_agency", "applicant", "assignee")
    )
    keys = {d.pk: f"dossier:{d.pk}:due:{d.legal_due_at.isoformat()}" for d in due}
    # Once per dossier and due time: what an earlier run wrote is not counted again.
    done = set(
        Notification.objects.filter(event_key__in=keys.values()).values_list(
            "event_key", "recipient_key", "channel"
        )
    )
    written = 0
    for d in due:
        key = keys[d.pk]
        context = {**dossier_context(d), "due": _when(d.legal_due_at)}
        recipients = [officer(d.assignee)]
        with transaction.atomic():
            rows = notify(Event.DUE_SOON, key=key, recipients=recipients, context=context)
        written += sum((n.event_key, n.recipient_key, n.channel) not in done for n in rows)
    return written


def report_answered_notify(r: Any, *, seq: int) -> None:
    """Tell the reporter of feedback ``r`` its answer (event ``seq``), in the answer's
    transaction."""
    user = r.reporter if r.reporter_id else None
    person = Recipient(
        user=user,
        email=r.reporter_email or (user.email if user else ""),
        phone=r.reporter_phone,
    )
    if not (person.user or person.email or person.phone):
        return
    site = settings.SITE_URL.rstrip("/")
    context = {
        "report": r.pk,
        "answer": r.answer,
        "report_url": site + reverse("feedback:detail", args=[r.pk]),
        "agency": r.agency.name,
    }
    notify(
        Event.FEEDBACK_ANSWERED, key=f"report:{r.pk}:{seq}", recipients=[person], context=context
    )


# --- delivery --------------------------------------------------------------------------------


def notifications_claim(*, limit: int, now: dt.datetime, channels: list[str]) -> list[Notification]:
    """Reserve up to ``limit`` due notifications for the lease (``FOR UPDATE SKIP LOCKED``),
    counting the attempt."""
    candidates = Notification.objects.filter(channel__in=channels, status__in=PENDING_STATUSES)
    return lease_claim(candidates, limit=limit, now=now, status=Status.SENDING)


def notifications_deliver(
    *, limit: int | None = None, now: dt.datetime | None = None, rng: random.Random | None = None
) -> DeliveryReport:
    """Send each due notification through its channel's adapter; a failure is retried after
    the back-off, up to ``TINHSO_NOTIFY_MAX_ATTEMPTS`` attempts."""
    from .adapters import SENDERS, configured_channels

    now = now or timezone.now()
    batch = notifications_claim(
        limit=limit or settings.TINHSO_OUTBOX_BATCH, now=now, channels=configured_channels()
    )
    delivered = failed = 0
    for n in batch:
        try:
            provider_id = SENDERS[n.channel](n)
        except Exception as exc:
            failed += 1
            final = isinstance(exc, PermanentError) or (
                n.attempts >= settings.TINHSO_NOTIFY_MAX_ATTEMPTS
            )
            Notification.objects.filter(pk=n.pk).update(
                status=Status.PERMANENT_FAILURE if final else Status.TEMPORARY_FAILURE,
                claimed_until=None,
                next_attempt_at=None if final else lease_retry_at(n.attempts, now=now, rng=rng),
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
            )
            logger.warning("notification %s: attempt %d failed: %s", n.pk, n.attempts, exc)
        else:
            delivered += 1
            Notification.objects.filter(pk=n.pk).update(
                status=Status.DELIVERED,
                claimed_until=None,
                sent_at=timezone.now(),
                provider_id=str(provider_id or "")[:100],
                last_error="",
            )
    return DeliveryReport(claimed=len(batch), delivered=delivered, failed=failed)


def notification_receipt(
    *, channel: str, provider_id: str, receipt: str, error: str = "", now: dt.datetime | None = None
) -> Notification | None:
    """Record the provider's delivery receipt of the message it knows as ``provider_id`` on
    ``channel``: delivered to the handset, or not (the notification becomes a permanent failure,
    the provider's reason kept). Returns the notification, ``None`` when no message has that id.
    The first receipt counts; a repeated one changes nothing."""
    if not provider_id:
        return None
    with transaction.atomic():
        n = (
            Notification.objects.select_for_update()
            .filter(channel=channel, provider_id=provider_id)
            .first()
        )
        if n is None or n.receipt:
            return n
        n.receipt, n.receipt_at = receipt, now or timezone.now()
        fields = ["receipt", "receipt_at"]
        if receipt == Receipt.FAILED:
            n.status = Status.PERMANENT_FAILURE
            n.last_error = f"receipt: {error or 'not delivered'}"[:2000]
            fields += ["status", "last_error"]
        n.save(update_fields=fields)
    logger.info("notification %s: receipt %s %s", n.pk, receipt, error)
    return n
