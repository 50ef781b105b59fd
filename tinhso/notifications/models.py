"""Notifications to citizens and officers: one row per (event, recipient, channel).

``Notification.event_key`` names the change that caused it (the dossier's event row), so the
same change never notifies the same person twice on the same channel, whatever retries: the
unique constraint refuses the second row. Statuses follow GOV.UK Notify's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS brand-name")
    ZNS = "zns", _("Zalo ZNS")


class Event(models.TextChoices):
    DOSSIER_SUBMITTED = "dossier_submitted", _("Dossier submitted online")
    DOSSIER_RECEIVED = "dossier_received", _("Dossier received")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    FEES_REQUESTED = "fees_requested", _("Fees requested")
    RESULT_READY = "result_ready", _("Result ready")
    APPOINTMENT_CHANGED = "appointment_changed", _("Appointment changed")
    INBOX_NEW = "inbox_new", _("New dossier in the inbox")
    SUPPLEMENT_SUPPLIED = "supplement_supplied", _("Supplement supplied")
    DUE_SOON = "due_soon", _("Due within one working day")
    FEEDBACK_ANSWERED = "feedback_answered", _("Feedback answered")
    ONE_TIME_CODE = "one_time_code", _("One-time code")
    DOCUMENT_DUE = "document_due", _("Incoming document due")


class Status(models.TextChoices):
    CREATED = "created", _("Created")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    TEMPORARY_FAILURE = "temporary-failure", _("Temporary failure (will retry)")
    PERMANENT_FAILURE = "permanent-failure", _("Permanent failure")


class Receipt(models.TextChoices):
    DELIVERED = "delivered", _("Delivered to the handset")
    FAILED = "failed", _("Not delivered to the handset")


# Still owed to their recipient: not sent yet, being sent, or waiting for a retry.
PENDING_STATUSES = [Status.CREATED, Status.SENDING, Status.TEMPORARY_FAILURE]


class Template(models.Model):
    """What one event says on one channel.

    E-mail: ``subject`` and ``body`` are Django templates, edited in the admin. SMS brand-name
    and Zalo ZNS templates are registered with the provider outside the platform: the row maps
    the event to the approved ``provider_template_id`` and names the ``params`` it is sent with
    (each a key of the message context); ``body`` is the SMS text as registered.
    """

    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    provider_template_id = models.CharField(_("provider template id"), max_length=64, blank=True)
    params = models.JSONField(_("parameters"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        constraints = [
            models.UniqueConstraint(fields=["event", "channel"], name="notif_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} / {self.get_channel_display()}"


class Preference(models.Model):
    """The channels a person wants to be told on (no row: e-mail and SMS)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email = models.BooleanField(_("e-mail"), default=True)
    sms = models.BooleanField(_("SMS"), default=True)
    zns = models.BooleanField(_("Zalo ZNS"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)

    def channels(self) -> list[str]:
        return [c for c in Channel.values if getattr(self, c)]


class Notification(models.Model):
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    event_key = models.CharField(_("event key"), max_length=120)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The person as the key sees them: "user:<id>", or "email:…"/"phone:…" for someone without
    # an account (a counter applicant, a feedback reporter), so the constraint holds for both.
    recipient_key = models.CharField(_("recipient key"), max_length=254)
    address = models.CharField(_("address"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    provider_template_id = models.CharField(_("provider template id"), max_length=64, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CREATED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    provider_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The provider's delivery receipt (SMS, ZNS), by its callback: the handset got it, or not.
    receipt = models.CharField(
        _("delivery receipt"), max_length=10, choices=Receipt.choices, blank=True
    )
    receipt_at = models.DateTimeField(_("receipt at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient_key", "channel"], name="notif_once_per_event"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notif_due"),
            models.Index(fields=["channel", "provider_id"], name="notif_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.address} ({self.channel})"


class ProviderToken(models.Model):
    """A provider's OAuth tokens (Zalo: the refresh token is single use). The row is locked
    while refreshing, so two workers never spend the same refresh token."""

    provider = models.CharField(_("provider"), max_length=20, unique=True)
    access_token = models.TextField(_("access token"), blank=True)
    refresh_token = models.TextField(_("refresh token"), blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("provider token")
        verbose_name_plural = _("provider tokens")

    def __str__(self) -> str:
        return self.provider
