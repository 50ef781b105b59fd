"""One-time codes: sent by SMS or e-mail to verify a phone or an e-mail address, or to reset a
password. Only a salted HMAC of the code is stored; a code expires and counts wrong attempts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    REGISTER = "register", _("Registration")
    RESET = "reset", _("Password reset")
    PHONE = "phone", _("New phone number")
    EMAIL = "email", _("New e-mail address")


class OneTimeCode(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="one_time_codes",
    )
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    channel = models.CharField(_("channel"), max_length=8)  # notifications.Channel
    # Where the code went: for PHONE and EMAIL, the new address it verifies (the profile keeps
    # the old one until the code comes back).
    address = models.CharField(_("address"), max_length=254)
    code_hash = models.CharField(_("code hash"), max_length=64)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["user", "purpose", "-created_at"], name="otp_latest")]

    def __str__(self) -> str:
        return f"{self.purpose} → {self.address}"
