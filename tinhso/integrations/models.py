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
