"""The operations centre: daily roll-ups of the one-stop-shop, the Decision 766 index as data,
and digital-transformation plans with targets and tasks."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.core.models import Agency, HashedToken
from tinhso.procedures.models import Procedure

# --- roll-ups ----------------------------------------------------------------------------------


class Counters(models.Model):
    """The one-stop-shop counters shared by the daily and monthly roll-ups."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    # Intake (day of submission)
    received_counter = models.PositiveIntegerField(default=0)
    received_online = models.PositiveIntegerField(default=0)
    received_post = models.PositiveIntegerField(default=0)
    received_fully_online = models.PositiveIntegerField(default=0)
    digitised = models.PositiveIntegerField(default=0)
    synced = models.PositiveIntegerField(default=0)
    fee_bearing = models.PositiveIntegerField(default=0)
    paid_online = models.PositiveIntegerField(default=0)
    # Resolution (day finished)
    resolved_early = models.PositiveIntegerField(default=0)
    resolved_on_time = models.PositiveIntegerField(default=0)
    resolved_late = models.PositiveIntegerField(default=0)
    processing_seconds = models.BigIntegerField(default=0)  # received → finished, summed
    allowed_seconds = models.BigIntegerField(default=0)  # received → due, summed
    # Closing (day returned or refused)
    returned = models.PositiveIntegerField(default=0)
    returned_electronic = models.PositiveIntegerField(default=0)
    returned_signed = models.PositiveIntegerField(default=0)  # with a digitally signed result
    refused = models.PositiveIntegerField(default=0)
    # Satisfaction (day rated)
    ratings = models.PositiveIntegerField(default=0)
    ratings_satisfied = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyStat(Counters):
    """One agency's one-stop-shop facts on one local day (Asia/Ho_Chi_Minh).

    The agency is the dossier's deciding agency (cơ quan giải quyết), the one Decision 766 scores.
    Each counter belongs to the day its event happened: intake facts to the day of submission,
    resolution facts to the day the dossier was finished, returns to the day of return, ratings to
    the day of rating. Rows are recomputed from the dossiers, never incremented, so a refresh can
    run twice without counting twice (see :mod:`tinhso.ioc.rollup`).
    """

    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("daily statistics row")
        verbose_name_plural = _("daily statistics")
        constraints = [
            models.UniqueConstraint(fields=["day", "agency"], name="dailystat_unique_cell")
        ]
        indexes = [models.Index(fields=["agency", "day"], name="dailystat_agency_day")]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.agency_id}"


class MonthlyStat(Counters):
    """The same counters summed per local month (``month`` is its first day): what the pages
    read for a year, a quarter or a month, recomputed from :class:`DailyStat`."""

    month = models.DateField(_("month"))

    class Meta:
        verbose_name = _("monthly statistics row")
        verbose_name_plural = _("monthly statistics")
        constraints = [
            models.UniqueConstraint(fields=["month", "agency"], name="monthlystat_unique_cell")
        ]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.agency_id}"


class MonthlyProcedureStat(models.Model):
    """Dossiers per deciding agency, procedure and month (first day of the local month): enough to
    tell which procedures offered online actually received dossiers."""

    month = models.DateField(_("month"))
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+")
    received = models.PositiveIntegerField(default=0)
    received_online = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("monthly procedure statistics row")
        verbose_name_plural = _("monthly procedure statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "agency", "procedure"], name="monthlyproc_unique_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.agency_id} {self.procedure_id}"


class MonthlyDocumentStat(models.Model):
    """The document system's counters per agency and local month (``month`` is its first day),
    recomputed from the documents and work records (``documents.selectors.ioc_document_counts``,
    where each counter is defined): what the indicators ``documents_electronic_share``,
    ``documents_on_time_share``, ``work_records_online_share`` and ``signed_document_share``
    read."""

    month = models.DateField(_("month"))
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    documents_received = models.PositiveIntegerField(default=0)
    documents_received_electronic = models.PositiveIntegerField(default=0)
    documents_due = models.PositiveIntegerField(default=0)
    documents_due_on_time = models.PositiveIntegerField(default=0)
    work_records = models.PositiveIntegerField(default=0)
    work_records_online = models.PositiveIntegerField(default=0)
    documents_issued = models.PositiveIntegerField(default=0)
    documents_issued_signed = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("monthly document statistics row")
        verbose_name_plural = _("monthly document statistics")
        constraints = [
            models.UniqueConstraint(fields=["month", "agency"], name="monthlydoc_unique_cell")
        ]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.agency_id}"


class RollupState(models.Model):
    """Where the incremental refresh stopped: the last dossier event and outbox delivery seen,
    the last incoming-document event, work record and outgoing-document event seen."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_event_id = models.BigIntegerField(default=0)
    last_document_event_id = models.BigIntegerField(default=0)
    last_record_id = models.BigIntegerField(default=0)
    last_outgoing_event_id = models.BigIntegerField(default=0)
    last_delivery_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("roll-up state")
        verbose_name_plural = _("roll-up state")

    def __str__(self) -> str:
        return f"event #{self.last_event_id}"


# --- Decision 766 ------------------------------------------------------------------------------


class IndexGroup(models.TextChoices):
    PUBLICITY = "publicity", _("Publicity and transparency")
    PROGRESS = "progress", _("Progress and results")
    ONLINE = "online", _("Online services")
    DIGITISATION = "digitisation", _("Digitization")
    SATISFACTION = "satisfaction", _("Satisfaction")


class Scoring(models.TextChoices):
    RATE = "rate", _("Rate: full points at the threshold, proportional below")
    AT_MOST = "at_most", _("Value at most the threshold: full points, less above")


class ServiceIndexIndicator(models.Model):
    """One indicator of the Decision 766/QĐ-TTg service index, with its points as data.

    ``measure`` names a computed indicator (:mod:`tinhso.ioc.indicators`); blank means the
    platform cannot measure it yet and it is shown as not measured, never given points.
    """

    code = models.CharField(_("code"), max_length=20, unique=True)
    group = models.CharField(_("group"), max_length=20, choices=IndexGroup.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=300)
    max_points = models.DecimalField(_("maximum points"), max_digits=5, decimal_places=2)
    scoring = models.CharField(
        _("scoring"), max_length=10, choices=Scoring.choices, default=Scoring.RATE
    )
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=8,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_(
            "For a rate: the rate that earns full points (0.8 = 80%); empty means 100%. "
            "For 'at most': the largest value that earns full points."
        ),
    )
    measure = models.CharField(_("computed indicator"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("service index indicator")
        verbose_name_plural = _("service index indicators (Decision 766)")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# --- digital-transformation plans ---------------------------------------------------------------


class Plan(models.Model):
    """Kế hoạch chuyển đổi số: a plan with targets per indicator, year and level, and tasks."""

    name = models.CharField(_("name"), max_length=300)
    year = models.PositiveSmallIntegerField(_("year"))
    legal_basis = models.CharField(_("issued by"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("digital-transformation plan")
        verbose_name_plural = _("digital-transformation plans")
        ordering = ["-year", "name"]

    def __str__(self) -> str:
        return self.name


class TargetLevel(models.TextChoices):
    ALL = "all", _("Whole province")
    PROVINCE = "province", _("Province-level agencies")
    COMMUNE = "commune", _("Commune level")


class Comparison(models.TextChoices):
    AT_LEAST = "at_least", _("At least")
    AT_MOST = "at_most", _("At most")


class PlanTarget(models.Model):
    """A numeric target of a plan. Rates are fractions (0.85 = 85%)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("target"), max_length=300)
    indicator = models.CharField(
        _("computed indicator"),
        max_length=60,
        blank=True,
        help_text=_("Leave empty when the platform cannot measure it yet."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(
        _("level"), max_length=10, choices=TargetLevel.choices, default=TargetLevel.ALL
    )
    comparison = models.CharField(
        _("comparison"), max_length=10, choices=Comparison.choices, default=Comparison.AT_LEAST
    )
    value = models.DecimalField(_("target value"), max_digits=14, decimal_places=4)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")
        ordering = ["plan", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"


class PlanTask(models.Model):
    """A task of a plan assigned to a unit, with a due date and its progress."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("task"), max_length=500)
    agency = models.ForeignKey(
        Agency, verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("due on"))
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("plan task")
        verbose_name_plural = _("plan tasks")
        ordering = ["plan", "due_on", "order"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="plantask_progress_max_100"
            )
        ]

    def __str__(self) -> str:
        return self.title


class DisplayToken(HashedToken):
    """A read-only token of a wall display (kiosk): it opens the operations-centre wall and its
    refreshed fragment, nothing else, with no login session and no expiry (a wall runs for
    months). Created and revoked by ``tinhso ioc-display-token`` (each audited)."""

    class Meta:
        verbose_name = _("wall display token")
        verbose_name_plural = _("wall display tokens")
