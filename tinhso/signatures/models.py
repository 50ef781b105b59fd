"""Signatures: interrupted signing sessions (the server prepares, a signing agent on the signer's
own computer signs, the server finishes)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SigningSession(models.Model):
    """One interrupted signature, between the two requests (``docs/signatures.md``).

    Kept: the prepared PDF (with the room reserved for the signature), the digest and the reserved
    region, the signed attributes the agent signs, the certificate the agent announced. A session
    lives a few minutes (``TINHSO_SIGNING_SESSION_SECONDS``) and is used once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the signing agent")
        DONE = "done", _("signed")
        FAILED = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=40)  # e.g. "dossier-result"
    reference = models.CharField(max_length=100)  # what is signed, e.g. a dossier code
    field_name = models.CharField(max_length=100)
    level = models.CharField(max_length=8)
    mechanism = models.CharField(max_length=20)  # "rsassa_pss", "sha256_rsa", "sha256_ecdsa"
    certificate = models.BinaryField()  # DER
    chain = models.JSONField(default=list)  # base64 DER of the intermediate certificates
    prepared_pdf = models.BinaryField()
    document_digest = models.BinaryField()
    reserved_start = models.PositiveBigIntegerField()
    reserved_end = models.PositiveBigIntegerField()
    signed_attrs = models.BinaryField()  # DER: what the agent signs
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "expires_at"], name="signing_session_pending")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.reference} ({self.status})"


class OfficerCertificate(models.Model):
    """A signing certificate registered to an officer (by an administrator): what the officer's
    token or signing agent may sign with, and the images of the signature's appearance."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="signing_certificates",
        verbose_name=_("officer"),
    )
    certificate = models.BinaryField(_("certificate (DER)"))
    sha256 = models.CharField(max_length=64, unique=True)  # of the DER: how it is found
    subject = models.CharField(_("certificate subject"), max_length=500)
    issuer = models.CharField(_("issuer"), max_length=500)
    serial = models.CharField(_("serial number"), max_length=100)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"), db_index=True)
    signature_image = models.BinaryField(_("signature image (PNG)"), blank=True, default=b"")
    # Set: the organisation's certificate (its digital seal) of this agency, on the token the
    # officer (a clerk) keeps; its image is the seal. Empty: the officer's personal certificate.
    agency = models.ForeignKey(
        "core.Agency",
        verbose_name=_("organisation's certificate of"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Only for the agency's own certificate (the seal), kept by its clerk."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("officer's signing certificate")
        verbose_name_plural = _("officers' signing certificates")
        ordering = ["user", "-not_after"]

    def __str__(self) -> str:
        return f"{self.subject} ({self.serial})"
