"""Core of a province: administrative units, agencies, officers, applicants, calendar, audit log."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .storage import RandomName
from .validators import (
    AGENCY_CODE_MAX_LENGTH,
    validate_agency_code,
    validate_personal_id,
    validate_tax_code,
)


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Province level")
    DISTRICT = "district", _("District level (before 1 July 2025)")
    COMMUNE = "commune", _("Commune level")


class UnitKind(models.TextChoices):
    """Loại đơn vị hành chính."""

    PROVINCE = "tinh", _("Province")
    CENTRAL_CITY = "thanh_pho_trung_uong", _("Centrally governed city")
    RURAL_DISTRICT = "huyen", _("Rural district")
    URBAN_DISTRICT = "quan", _("Urban district")
    TOWN = "thi_xa", _("Town")
    PROVINCIAL_CITY = "thanh_pho", _("Provincial city")
    COMMUNE = "xa", _("Commune")
    WARD = "phuong", _("Ward")
    TOWNSHIP = "thi_tran", _("Township")
    SPECIAL_ZONE = "dac_khu", _("Special zone")


class AdministrativeUnitQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date) -> AdministrativeUnitQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def current(self) -> AdministrativeUnitQuerySet:
        return self.filter(valid_to__isnull=True)


class AdministrativeUnit(models.Model):
    """Đơn vị hành chính, with dated validity.

    A code can be reused across eras (province 44 was Quảng Bình until 30 Jun 2025 and is the new
    Quảng Trị since 1 Jul 2025), so one row is one unit during one validity interval; successions
    (merges, renames, upgrades) link the rows so that older statistics roll up to today's units.
    """

    code = models.CharField(_("code"), max_length=10, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=10, choices=UnitLevel.choices)
    kind = models.CharField(_("kind"), max_length=30, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    codename = models.SlugField(_("code name"), max_length=100, blank=True)
    # Where the unit lies on the maps (WGS 84), set by ``manage.py load_boundaries`` (core.maps):
    # a point for its marker and label, and its outline (a GeoJSON Polygon or MultiPolygon, or
    # null) when the province has loaded its official boundaries.
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    outline = models.JSONField(_("outline (GeoJSON)"), null=True, blank=True)
    geometry_source = models.CharField(
        _("source of the point and outline"), max_length=300, blank=True
    )

    objects = AdministrativeUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "code"],
                condition=Q(valid_to__isnull=True),
                name="unit_one_current_per_code",
            ),
            models.UniqueConstraint(
                fields=["level", "code", "valid_from"], name="unit_unique_code_era"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_interval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class SuccessionKind(models.TextChoices):
    MERGE = "merge", _("Merged into")
    RENAME = "rename", _("Renamed to")
    SPLIT = "split", _("Split into")
    RECLASSIFY = "reclassify", _("Reclassified as")
    DISSOLVE = "dissolve", _("Dissolved, territory passed to")


class UnitSuccession(models.Model):
    """A predecessor unit whose territory (all or part) passed to a successor on a date."""

    predecessor = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("predecessor"),
        on_delete=models.CASCADE,
        related_name="successions",
    )
    successor = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("successor"),
        on_delete=models.CASCADE,
        related_name="predecessions",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=SuccessionKind.choices)
    effective_on = models.DateField(_("effective on"))
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("unit succession")
        verbose_name_plural = _("unit successions")
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="succession_unique_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.effective_on:%d/%m/%Y})"


class AgencyLevel(models.TextChoices):
    PROVINCE_COMMITTEE = "province_committee", _("Provincial People's Committee")
    PROVINCE_DEPARTMENT = "province_department", _("Provincial department")
    SERVICE_CENTRE = "service_centre", _("Provincial public administration service centre")
    DISTRICT_COMMITTEE = "district_committee", _("District People's Committee (before 2025)")
    COMMUNE_COMMITTEE = "commune_committee", _("Commune People's Committee")
    ONE_STOP_DESK = "one_stop_desk", _("One-stop desk")
    OTHER = "other", _("Other unit")


class Agency(models.Model):
    """Cơ quan, đơn vị: an agency with its electronic code (Decision 20/2020)."""

    code = models.CharField(
        _("electronic code"),
        max_length=AGENCY_CODE_MAX_LENGTH,
        unique=True,
        validators=[validate_agency_code],
        help_text=_("Per Decision 20/2020/QĐ-TTg, e.g. H44.01 or 000.00.00.H44."),
    )
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=24, choices=AgencyLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("administrative unit served"),
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    key = models.SlugField(
        _("key"),
        max_length=60,
        blank=True,
        help_text=_("A stable key for the agency's role in the province, e.g. so_tu_phap."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def descendants_and_self(self) -> list[Agency]:
        """This agency and every agency below it (the hierarchy is shallow: a few levels)."""
        found = [self]
        frontier = [self.pk]
        while frontier:
            children = list(Agency.objects.filter(parent_id__in=frontier))
            found.extend(children)
            frontier = [child.pk for child in children]
        return found


class Role(models.TextChoices):
    """Officer roles; each is also a Django group of the same name holding its permissions."""

    DESK_OFFICER = "desk_officer", _("One-stop desk officer")
    SPECIALIST = "specialist", _("Specialist")
    LEADER = "leader", _("Leader / signer")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")
    PROVINCE_ADMIN = "province_admin", _("Province administrator")
    IOC_VIEWER = "ioc_viewer", _("Operations centre viewer")


class OfficerAssignment(models.Model):
    """Cán bộ, công chức: an officer serving an agency in a role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("officer assignment")
        verbose_name_plural = _("officer assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="assignment_unique_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.agency.name}"


class ApplicantKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    BUSINESS = "business", _("Business or organisation")


class ApplicantProfile(models.Model):
    """Người nộp hồ sơ: the account of a citizen (personal ID) or a business (tax code)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="applicant",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ApplicantKind.choices)
    full_name = models.CharField(_("full name"), max_length=200)
    personal_id = models.CharField(
        _("personal ID number"),
        max_length=12,
        blank=True,
        validators=[validate_personal_id],
        help_text=_("12-digit citizen identity number (CCCD)."),
    )
    tax_code = models.CharField(
        _("tax code"), max_length=14, blank=True, validators=[validate_tax_code]
    )
    # A self-registered ID number is declared, not proven: it meets no level of assurance and
    # never blocks the real owner, whose national-SSO sign-in takes the number over.
    personal_id_declared = models.BooleanField(_("personal ID declared"), default=False)
    # The level of assurance the national SSO proved at this account's latest VNeID sign-in
    # (0: never signed in through it); the API's submissions are checked against it.
    assurance_level = models.PositiveSmallIntegerField(_("level of assurance"), default=0)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone_verified = models.BooleanField(_("phone verified"), default=False)
    email = models.EmailField(_("email"), blank=True)
    email_verified = models.BooleanField(_("email verified"), default=False)
    address = models.CharField(_("address"), max_length=255, blank=True)
    unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("commune of residence"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        constraints = [
            models.UniqueConstraint(
                fields=["personal_id"],
                condition=~Q(personal_id="") & Q(personal_id_declared=False),
                name="applicant_unique_personal_id",
            ),
            models.UniqueConstraint(
                fields=["phone"], condition=Q(phone_verified=True), name="applicant_unique_phone"
            ),
            models.UniqueConstraint(
                fields=["tax_code"], condition=~Q(tax_code=""), name="applicant_unique_tax_code"
            ),
            # A declared number the SSO owner took over is blanked (the account keeps its
            # history): the one citizen row without an ID number.
            models.CheckConstraint(
                condition=(Q(kind="citizen") & (~Q(personal_id="") | Q(personal_id_declared=True)))
                | (Q(kind="business") & ~Q(tax_code="")),
                name="applicant_has_identifier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.personal_id or self.tax_code})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.kind == ApplicantKind.CITIZEN and not (
            self.personal_id or self.personal_id_declared
        ):
            raise ValidationError(
                {"personal_id": _("A citizen needs a personal ID number.")},
                code="personal_id_required",
            )
        if self.kind == ApplicantKind.BUSINESS and not self.tax_code:
            raise ValidationError(
                {"tax_code": _("A business needs a tax code.")}, code="tax_code_required"
            )


class CalendarOverride(models.Model):
    """Official day swaps the Government announces each year (hoán đổi ngày làm việc).

    A row either gives a day off that the holiday law does not (e.g. the Monday bridging a
    weekend and a holiday) or makes a weekend day a working day (the make-up Saturday).
    """

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"),
        help_text=_("Ticked: a make-up working day. Unticked: an extra day off."),
    )
    name = models.CharField(_("description"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("working-calendar change")
        verbose_name_plural = _("working-calendar changes")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} – {self.name}"


class AuditEvent(models.Model):
    """Nhật ký: one append-only entry of a hash chain.

    ``seq`` is gapless (assigned under the lock of :class:`AuditChainHead`), and ``hash`` covers
    every field plus the previous entry's hash, so ``tinhso audit verify`` detects an edited,
    deleted or reordered entry.
    """

    seq = models.BigIntegerField(_("sequence"), unique=True)
    created_at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        related_name="+",
    )
    actor_repr = models.CharField(_("actor name"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("Audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries are append-only")


class AuditChainHead(models.Model):
    """The single row holding the chain's last sequence and hash; locked to append."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"


class HashedToken(models.Model):
    """A secret key given once and kept only as its SHA-256 (``core.auth.token_hash``), with
    the first characters after its prefix to tell it apart (API tokens, wall display tokens)."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ApiToken(HashedToken):
    """A bearer token for the API. ``revoked_at`` is set, with ``is_active`` off, by the
    admin's action or ``tinhso revoke-token``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Refused after this time (``TINHSO_API_TOKEN_TTL_DAYS`` from creation).
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")


class RateCounter(models.Model):
    """One rate limit's counter for one key in its current fixed window (``core.ratelimit``).

    Shared by every worker process through the database; ``window_start`` and ``expires_at`` are
    Unix seconds. Rows whose window has passed are deleted from time to time.
    """

    key = models.CharField(max_length=200, primary_key=True)
    window_start = models.BigIntegerField()
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"


class ScheduleEntry(models.Model):
    """One periodic task of ``settings.TINHSO_SCHEDULE``: when it is next due and what the
    scheduler last enqueued. Moving ``next_run_at`` forward with a conditional UPDATE is the lease
    that lets two schedulers run side by side without enqueuing a task twice
    (``tinhso.core.background``)."""

    name = models.CharField(max_length=60, unique=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("scheduled task")
        verbose_name_plural = _("scheduled tasks")

    def __str__(self) -> str:
        return self.name


class SeriesCounter(models.Model):
    """A named, yearly number series of an agency (receipts, document registers, …).

    Taken through :func:`tinhso.core.numbering.take_series_number`, never written otherwise.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    series = models.CharField(max_length=64)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "series", "year"], name="series_counter_agency_series_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.series} {self.year}: {self.last}"


def _pending_key() -> str:
    import uuid

    return uuid.uuid4().hex


class PendingUpload(models.Model):
    """A file checked and stored for a form that failed validation, so that its owner does not
    choose it again: the re-rendered form lists it (hidden ``key``); the successful submission
    takes the stored file over (:meth:`as_checked`, as a draft's file) and deletes this row in
    its transaction. Rows left behind are deleted with their files after
    ``TINHSO_PENDING_UPLOAD_HOURS`` (the scheduler's ``pending-uploads-purge``)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_uploads"
    )
    # 128 random bits: the form carries it; only its owner's requests find the row.
    key = models.CharField(max_length=32, unique=True, default=_pending_key)
    # Where dossier files live: the dossier takes the file over as it is.
    file = models.FileField(_("file"), upload_to=RandomName("dossiers"), max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("pending upload")
        verbose_name_plural = _("pending uploads")

    def __str__(self) -> str:
        return self.original_name

    def as_checked(self):
        """The stored file as a checked upload (it was checked when it was uploaded)."""
        from .uploads import CheckedUpload

        return CheckedUpload(
            content=None,
            original_name=self.original_name,
            content_type=self.content_type,
            extension=self.file.name.rsplit(".", 1)[-1],
            size=self.size,
            sha256=self.sha256,
            stored_name=self.file.name,
        )
