"""Questions and answers (hỏi đáp): a citizen asks about a procedure, the agency answers.

Published answers are public and searchable; the asker's identity never is (only a masked name
and the commune are shown). ``search_title`` and ``search_text`` are the accent-free shadow
columns that the search reads (see :func:`tinhso.core.text.normalize_search`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core.access import RestrictedQuerySet
from tinhso.core.models import AdministrativeUnit, Agency, ApplicantKind
from tinhso.core.text import normalize_search
from tinhso.procedures.models import Procedure

TITLE_MIN_LENGTH = 10
TITLE_MAX_LENGTH = 200
BODY_MIN_LENGTH = 20
BODY_MAX_LENGTH = 4000
ANSWER_MIN_LENGTH = 20
ANSWER_MAX_LENGTH = 10000
REASON_MIN_LENGTH = 10
REASON_MAX_LENGTH = 500


class QuestionStatus(models.TextChoices):
    NEW = "new", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")
    REJECTED = "rejected", _("Rejected")


class QuestionQuerySet(RestrictedQuerySet):
    access_rule = "tinhso.qna.access.question_rule"


class Question(models.Model):
    """Câu hỏi: one question of a citizen or business, with the agency's answer."""

    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("procedure"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questions",
        help_text=_("Empty for a general question."),
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("responsible agency"),
        on_delete=models.PROTECT,
        related_name="questions",
    )
    commune = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("asker's commune"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
    )
    asker_kind = models.CharField(
        _("asker kind"), max_length=10, choices=ApplicantKind.choices, default=ApplicantKind.CITIZEN
    )
    asker_masked = models.CharField(
        _("asker (masked)"),
        max_length=120,
        blank=True,
        help_text=_("The asker's name as shown in public, e.g. N*** V*** A."),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    body = models.TextField(_("question"), max_length=BODY_MAX_LENGTH)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=QuestionStatus.choices, default=QuestionStatus.NEW
    )
    answer = models.TextField(_("answer"), max_length=ANSWER_MAX_LENGTH, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    reject_reason = models.CharField(
        _("reason for rejection"), max_length=REASON_MAX_LENGTH, blank=True
    )
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rejected by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    # What the portal shows: the question as the officer published it, ID numbers, phone numbers
    # and e-mail addresses masked (services.question_publish). The asker's own words stay above.
    public_title = models.CharField(_("public title"), max_length=TITLE_MAX_LENGTH, blank=True)
    public_body = models.TextField(_("public question"), max_length=BODY_MAX_LENGTH, blank=True)
    search_title = models.CharField(max_length=TITLE_MAX_LENGTH, editable=False, default="")
    search_text = models.TextField(editable=False, default="")

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["is_published", "-answered_at"], name="qna_published_idx"),
            models.Index(fields=["agency", "status", "created_at"], name="qna_agency_status_idx"),
            models.Index(fields=["asker", "-created_at"], name="qna_asker_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_published=False) | Q(status="answered"),
                name="qna_published_is_answered",
            ),
            models.CheckConstraint(
                condition=~Q(status="answered") | ~Q(answer=""),
                name="qna_answered_has_answer",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="qna_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(is_published=False) | ~Q(public_title="") & ~Q(public_body=""),
                name="qna_published_has_public_text",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def save(self, *args, **kwargs) -> None:
        # Once there is a public text, search finds only that: a search for a phone number the
        # asker typed must not find their published question.
        title = self.public_title or self.title
        body = self.public_body or self.body
        self.search_title = normalize_search(title)[:TITLE_MAX_LENGTH]
        self.search_text = normalize_search(f"{title} {body} {self.answer}")
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_title", "search_text"}
        super().save(*args, **kwargs)

    @property
    def is_answered(self) -> bool:
        return self.status == QuestionStatus.ANSWERED
