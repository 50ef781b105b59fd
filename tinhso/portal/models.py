"""Server-side drafts of online submissions (bản nháp hồ sơ trực tuyến).

A citizen fills in the application form and uploads the documents over several requests (and
possibly several days). The draft keeps what they entered and the files they uploaded, each file
checked and written once at upload time, so nothing is uploaded twice between the form, the review
and the submission, and the citizen can resume later. Submitting turns the draft into a dossier
(through ``tinhso.dossiers.services.dossier_submit``), which takes the stored files over, and
deletes the draft.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.core.models import AdministrativeUnit
from tinhso.core.storage import RandomName
from tinhso.core.uploads import CheckedUpload
from tinhso.procedures.models import DeliveryMethod, Procedure, ProcedureComponent


def _new_key() -> str:
    return uuid.uuid4().hex


class SubmissionDraft(models.Model):
    """One citizen's application for one procedure, before it is submitted."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="submission_drafts",
    )
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.CASCADE, related_name="+"
    )
    commune = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    form_data = models.JSONField(_("form data"), default=dict, blank=True)
    delivery_method = models.CharField(
        _("way to receive the result"), max_length=10, choices=DeliveryMethod.choices, blank=True
    )
    delivery_address = models.CharField(_("address for the result"), max_length=255, blank=True)
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=100, default=_new_key, unique=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("submission draft")
        verbose_name_plural = _("submission drafts")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "procedure"], name="draft_one_per_procedure"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} – {self.procedure.code}"


class DraftFile(models.Model):
    """A document uploaded for one component of a draft (one file per component)."""

    draft = models.ForeignKey(SubmissionDraft, on_delete=models.CASCADE, related_name="files")
    component = models.ForeignKey(
        ProcedureComponent,
        verbose_name=_("component"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Where dossier files live: the dossier takes the file over when the draft is submitted.
    file = models.FileField(_("file"), upload_to=RandomName("dossiers"), max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("draft file")
        verbose_name_plural = _("draft files")
        ordering = ["draft", "component__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "component"], name="draft_file_one_per_component"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    def as_checked(self) -> CheckedUpload:
        """The stored document as a checked upload (it was checked when it was uploaded)."""
        return CheckedUpload(
            content=None,
            original_name=self.original_name,
            content_type=self.content_type,
            extension=self.file.name.rsplit(".", 1)[-1],
            size=self.size,
            sha256=self.sha256,
            stored_name=self.file.name,
        )
