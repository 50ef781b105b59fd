"""The procedure catalogue (thủ tục hành chính): procedures, sectors, components, process."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.core.collation import vi_order
from tinhso.core.models import Agency, Role
from tinhso.core.storage import RandomName
from tinhso.core.text import normalize_search


class Sector(models.Model):
    """Lĩnh vực."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = [vi_order("name")]

    def __str__(self) -> str:
        return self.name


class OnlineMode(models.TextChoices):
    """Decree 42/2022 Art. 11."""

    FULL = "full", _("Fully online")
    PARTIAL = "partial", _("Partially online")
    COUNTER = "counter", _("At the counter only")


class AgencySlot(models.TextChoices):
    """Which agency does the work, resolved per dossier."""

    COMMUNE_COMMITTEE = "commune_committee", _("The commune People's Committee")
    SERVICE_CENTRE = "service_centre", _("The provincial public administration service centre")
    DEPARTMENT = "department", _("A provincial department")


class DeliveryMethod(models.TextChoices):
    """Cách thức nhận kết quả: how the applicant receives the result."""

    COUNTER = "counter", _("At the one-stop desk")
    POST = "post", _("By public postal service (BCCI)")
    ONLINE = "online", _("Online (electronic result)")


def default_delivery_methods() -> list[str]:
    return [DeliveryMethod.COUNTER.value]


def delivery_label(procedure: Procedure, method: str) -> str:
    """The label of the way to receive the result, or of the procedure's default way."""
    choices = procedure.delivery_choices
    return dict(choices).get(method) or choices[0][1]


class Procedure(models.Model):
    """Thủ tục hành chính."""

    code = models.CharField(
        _("procedure code"),
        max_length=60,
        unique=True,
        help_text=_("National code, e.g. 1.001193; local variants append the agency code."),
    )
    name = models.CharField(_("name"), max_length=500)
    search_text = models.CharField(max_length=800, editable=False, db_index=True, default="")
    sector = models.ForeignKey(
        Sector, verbose_name=_("sector"), on_delete=models.PROTECT, related_name="procedures"
    )
    at_province = models.BooleanField(_("province level"), default=False)
    at_commune = models.BooleanField(_("commune level"), default=False)
    receiving_slot = models.CharField(
        _("receiving agency"), max_length=20, choices=AgencySlot.choices
    )
    receiving_department = models.ForeignKey(
        Agency,
        verbose_name=_("receiving department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deciding_slot = models.CharField(
        _("deciding agency"), max_length=20, choices=AgencySlot.choices
    )
    deciding_department = models.ForeignKey(
        Agency,
        verbose_name=_("deciding department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Online submission needs a VNeID sign-in at this level of assurance (0: any account).
    min_assurance_level = models.PositiveSmallIntegerField(
        _("minimum level of assurance"),
        choices=[(0, _("None")), (1, _("Level 1")), (2, _("Level 2"))],
        default=0,
        help_text=_("Online submission needs a VNeID sign-in at this level."),
    )
    processing_days = models.DecimalField(
        _("processing time (working days)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    processing_hours = models.DecimalField(
        _("processing time (working hours)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    fee_vnd = models.BigIntegerField(_("fee (VND)"), default=0, validators=[MinValueValidator(0)])
    fee_note = models.CharField(_("fee note"), max_length=500, blank=True)
    online_mode = models.CharField(
        _("online mode"), max_length=10, choices=OnlineMode.choices, default=OnlineMode.PARTIAL
    )
    legal_basis = models.TextField(_("legal basis"), blank=True)
    results = models.JSONField(_("result documents"), default=list, blank=True)
    delivery_methods = models.JSONField(
        _("ways to receive the result"),
        default=default_delivery_methods,
        blank=True,
        help_text=_(
            "The ways the applicant may choose: counter, post (public postal service), online."
        ),
    )
    form_schema = models.JSONField(_("application form (JSON Schema)"), default=dict, blank=True)
    is_active = models.BooleanField(_("in force"), default=True)
    code_verified = models.BooleanField(
        _("code verified"),
        default=True,
        help_text=_("Unticked while the code has not been checked against the national database."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = [vi_order("name")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(processing_days__isnull=False) & Q(processing_hours__isnull=True))
                | (Q(processing_days__isnull=True) & Q(processing_hours__isnull=False)),
                name="procedure_one_time_unit",
            ),
            models.CheckConstraint(
                condition=Q(at_province=True) | Q(at_commune=True), name="procedure_has_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def save(self, *args, **kwargs) -> None:
        self.search_text = normalize_search(f"{self.name} {self.code}")[:800]
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @property
    def delivery_choices(self) -> list[tuple[str, str]]:
        """The ways to receive the result the procedure offers, as (value, label), in the
        order of :class:`DeliveryMethod`; the one-stop desk when none is announced."""
        offered = set(self.delivery_methods or ()) or {DeliveryMethod.COUNTER}
        return [(value, label) for value, label in DeliveryMethod.choices if value in offered]

    @property
    def is_hour_based(self) -> bool:
        return self.processing_hours is not None

    @property
    def levels(self) -> list[str]:
        """The levels at which the procedure is carried out: ``["province", "commune"]``."""
        return [
            level
            for level, flag in (("province", self.at_province), ("commune", self.at_commune))
            if flag
        ]


class ComponentKind(models.TextChoices):
    ORIGINAL = "original", _("Original")
    COPY = "copy", _("Copy")
    CERTIFIED_COPY = "certified_copy", _("Certified copy")


class ProcedureComponent(models.Model):
    """Thành phần hồ sơ: a document the applicant provides."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="components", verbose_name=_("procedure")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=500)
    kind = models.CharField(_("kind"), max_length=20, choices=ComponentKind.choices)
    count = models.PositiveSmallIntegerField(_("number of copies"), default=1)
    required = models.BooleanField(_("required"), default=True)
    # Mẫu đơn, tờ khai: the blank form to fill in, public (served by the portal's view).
    blank_form = models.FileField(
        _("blank form"), upload_to=RandomName("forms"), max_length=300, blank=True
    )
    blank_form_name = models.CharField(_("blank form file name"), max_length=255, blank=True)
    blank_form_type = models.CharField(_("blank form content type"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("dossier component")
        verbose_name_plural = _("dossier components")
        ordering = ["procedure", "order"]

    def __str__(self) -> str:
        return self.name


class StepAgency(models.TextChoices):
    RECEIVING = "receiving", _("The receiving agency")
    DECIDING = "deciding", _("The deciding agency")


class ProcessStep(models.Model):
    """A step of the internal process (quy trình nội bộ) with its share of the legal time."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="steps", verbose_name=_("procedure")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=300)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    agency = models.CharField(_("agency"), max_length=10, choices=StepAgency.choices)
    share = models.DecimalField(
        _("share of the time (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("process step")
        verbose_name_plural = _("process steps")
        ordering = ["procedure", "order"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "order"], name="step_unique_order")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"
