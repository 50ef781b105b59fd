"""What the adapters to outside systems keep: the provincial → national procedure code table."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NationalProcedureCodeQuerySet(models.QuerySet):
    def in_force(self, procedure_id: int, at=None) -> NationalProcedureCode | None:
        """The mapping of a procedure in force at ``at`` (now): the latest that started before."""
        return (
            self.filter(procedure_id=procedure_id, valid_from__lte=at or timezone.now())
            .order_by("-valid_from", "-pk")
            .first()
        )


class NationalProcedureCode(models.Model):
    """A provincial procedure's code in the national procedure database (MaTTHC), from a date.

    Many provincial procedures (local variants) may map to one national code, and a mapping
    changes: a new row with a later ``valid_from`` replaces the previous one, which stays as
    history (INTEGRATIONS.md)."""

    procedure = models.ForeignKey(
        "procedures.Procedure",
        verbose_name=_("procedure"),
        on_delete=models.CASCADE,
        related_name="national_codes",
    )
    national_code = models.CharField(
        _("national procedure code"),
        max_length=60,
        help_text=_("The code in the national procedure database, e.g. 1.001193."),
    )
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NationalProcedureCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("national procedure code")
        verbose_name_plural = _("national procedure codes")
        ordering = ["procedure", "-valid_from"]
        indexes = [models.Index(fields=["procedure", "valid_from"], name="natcode_in_force")]

    def __str__(self) -> str:
        return f"{self.procedure.code} → {self.national_code}"


class EnvelopeOutcome(models.TextChoices):
    IMPORTED = "imported", _("Imported")
    REFUSED = "refused", _("Kept, not imported")


class ReceivedEnvelope(models.Model):
    """One message pulled from the document exchange axis (edXML), its bytes kept unchanged.

    A repeated delivery (the same :meth:`edxml.Envelope.delivery_key` for the same receiving
    organ) is acknowledged and ignored: one row, its ``repeats`` counted. What was read wrong
    (an impossible date, an unknown element) is in ``problems``; why an envelope could not be
    imported (not edXML at all, an unknown document) in ``error``. The domain mapping is
    ``tinhso.documents.exchange``; the row links to what the message created or changed."""

    receiver_code = models.CharField(_("receiving organ"), max_length=40)
    agency = models.ForeignKey(
        "core.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    axis_id = models.CharField(_("message id on the axis"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10)  # document, status, invalid
    delivery_key = models.CharField(_("delivery key"), max_length=64)
    document_id = models.CharField(_("document identifier"), max_length=300, blank=True)
    sender_code = models.CharField(_("sender's electronic code"), max_length=100, blank=True)
    business_type = models.CharField(_("business type"), max_length=10, blank=True)
    raw = models.BinaryField(_("received bytes"))
    sha256 = models.CharField(max_length=64)
    problems = models.JSONField(_("problems found"), default=list, blank=True)
    # edxml.verify's report (lenient: a signature that does not verify is reported, not refused)
    signature = models.JSONField(_("signature check"), default=dict, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=EnvelopeOutcome.choices)
    error = models.TextField(_("why it was not imported"), blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    repeats = models.PositiveIntegerField(_("repeated deliveries ignored"), default=0)
    incoming = models.ForeignKey(
        "documents.IncomingDocument",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="envelopes",
    )
    outgoing = models.ForeignKey(
        "documents.OutgoingDocument",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="status_envelopes",
    )

    class Meta:
        verbose_name = _("received edXML envelope")
        verbose_name_plural = _("received edXML envelopes")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["receiver_code", "delivery_key"], name="received_envelope_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.document_id or self.axis_id}"
