"""Field feedback (phản ánh hiện trường): categories, routing and SLA rules, reports, photos.

A report is an Open311 "service request"; a leaf category is an Open311 "service". Routing rules
and SLAs are data (admin-edited), never constants in code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.core.access import RestrictedQuerySet
from tinhso.core.models import AdministrativeUnit, Agency, UnitKind
from tinhso.core.storage import RandomName


class Category(models.Model):
    """Lĩnh vực phản ánh: a node of the category tree; leaves are Open311 services."""

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Stable code, published as the Open311 service_code."),
    )
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(
        _("keywords"), max_length=255, blank=True, help_text=_("Comma separated.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("feedback category")
        verbose_name_plural = _("feedback categories")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def ancestors_and_self(self) -> list[Category]:
        """This category, its parent, …, up to the root (the tree is shallow)."""
        chain: list[Category] = []
        node: Category | None = self
        seen: set[int] = set()
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    @property
    def root(self) -> Category:
        return self.ancestors_and_self()[-1]


class AttributeType(models.TextChoices):
    """Open311 attribute data types."""

    STRING = "string", _("Short text")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Long text")
    SINGLE = "singlevaluelist", _("One choice")
    MULTI = "multivaluelist", _("Several choices")


class CategoryAttribute(models.Model):
    """An extra question asked for a category (an Open311 service-definition attribute)."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="attributes"
    )
    code = models.SlugField(_("code"), max_length=50)
    description = models.CharField(_("question"), max_length=255)
    datatype = models.CharField(_("data type"), max_length=20, choices=AttributeType.choices)
    datatype_description = models.CharField(_("format hint"), max_length=255, blank=True)
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    values = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For lists: [{"key": "small", "name": "Small"}, …].'),
    )

    class Meta:
        verbose_name = _("category attribute")
        verbose_name_plural = _("category attributes")
        ordering = ["category", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="fb_attribute_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.category.code}.{self.code}"

    @property
    def is_list(self) -> bool:
        return self.datatype in (AttributeType.SINGLE, AttributeType.MULTI)

    def value_names(self) -> dict[str, str]:
        return {str(item.get("key")): str(item.get("name")) for item in self.values or []}


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent (danger to people or property)")


class SlaRule(models.Model):
    """Thời hạn xử lý: the time to answer a report, per category (inherited) and urgency."""

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_rules",
        help_text=_("Empty: the default for every category without its own rule."),
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    days = models.DecimalField(
        _("working days"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    hours = models.DecimalField(
        _("working hours"), max_digits=6, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("handling time rule")
        verbose_name_plural = _("handling time rules")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "urgency"],
                condition=Q(category__isnull=False),
                name="fb_sla_unique_category",
            ),
            models.UniqueConstraint(
                fields=["urgency"], condition=Q(category__isnull=True), name="fb_sla_unique_default"
            ),
            models.CheckConstraint(
                condition=Q(days__isnull=False) | Q(hours__isnull=False),
                name="fb_sla_has_time",
            ),
        ]

    def __str__(self) -> str:
        what = self.category.name if self.category_id else _("default")
        return f"{what} – {self.get_urgency_display()}"


class RoutingTarget(models.TextChoices):
    COMMUNE_COMMITTEE = "commune_committee", _("The People's Committee of the report's commune")
    AGENCY = "agency", _("A given agency")


class RoutingRule(models.Model):
    """Which agency handles a report: category × commune (or kind of commune) → agency.

    The most specific matching rule wins: a rule for the very commune beats one for its kind
    (ward, commune, special zone), which beats one for any commune; then a rule for the category
    itself beats one for its parent, which beats one for any category; then the lower priority.
    """

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        help_text=_("Empty: any category. A parent category covers its children."),
    )
    commune = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    commune_kind = models.CharField(
        _("kind of commune"),
        max_length=30,
        blank=True,
        choices=[
            (UnitKind.COMMUNE, UnitKind.COMMUNE.label),
            (UnitKind.WARD, UnitKind.WARD.label),
            (UnitKind.SPECIAL_ZONE, UnitKind.SPECIAL_ZONE.label),
        ],
    )
    target = models.CharField(_("handled by"), max_length=20, choices=RoutingTarget.choices)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["category__code", "priority", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(target="agency") | Q(agency__isnull=False),
                name="fb_route_agency_given",
            ),
        ]

    def __str__(self) -> str:
        what = self.category.name if self.category_id else _("any category")
        where = self.commune.name if self.commune_id else (self.commune_kind or _("any commune"))
        who = self.agency.name if self.agency_id else self.get_target_display()
        return f"{what} @ {where} → {who}"


class State(models.TextChoices):
    NEW = "new", _("Waiting for moderation")
    REJECTED = "rejected", _("Rejected")
    ASSIGNED = "assigned", _("Accepted, sent to the agency")
    IN_PROGRESS = "in_progress", _("Being handled")
    REOPENED = "reopened", _("Reopened")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


HANDLING_STATES = frozenset({State.ASSIGNED, State.IN_PROGRESS, State.REOPENED})
# The clock runs until the agency answers (moderation counts: the citizen is waiting).
PENDING_STATES = frozenset({State.NEW, *HANDLING_STATES})
PUBLIC_STATES = frozenset({*HANDLING_STATES, State.ANSWERED, State.CLOSED})
# Open311 "closed": answered, closed, or rejected.
CLOSED_STATES = frozenset({State.ANSWERED, State.CLOSED, State.REJECTED})


class Timeliness(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


class Source(models.TextChoices):
    WEB = "web", _("Web portal")
    OPEN311 = "open311", _("Open311 API")


class LocationSource(models.TextChoices):
    MAP = "map", _("Picked on the map")
    PHOTO = "photo", _("Read from the photo")
    ADDRESS = "address", _("Address only")


class RejectionKind(models.TextChoices):
    SPAM = "spam", _("Spam or abusive")
    DUPLICATE = "duplicate", _("Duplicate of another report")
    OUT_OF_SCOPE = "out_of_scope", _("Not a field problem (e.g. a complaint or a petition)")
    INSUFFICIENT = "insufficient", _("Not enough information to act")


class Score(models.IntegerChoices):
    DISSATISFIED = 1, _("Not satisfied")
    SATISFIED = 2, _("Satisfied")
    VERY_SATISFIED = 3, _("Very satisfied")


class Open311Client(models.Model):
    """An application allowed to create reports through Open311; only the key's SHA-256 is kept."""

    name = models.CharField(_("name"), max_length=100)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ReportQuerySet(RestrictedQuerySet):
    access_rule = "tinhso.feedback.access.report_rule"


class Report(models.Model):
    """Phản ánh: one problem reported at one place (an Open311 service request)."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="reports"
    )
    description = models.TextField(_("description"), max_length=4000)
    public_description = models.TextField(
        _("published description"),
        max_length=4000,
        blank=True,
        help_text=_("The moderated text shown to the public; empty: the description as sent."),
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    attributes = models.JSONField(_("answers to the category's questions"), default=dict)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    location_source = models.CharField(
        _("location from"), max_length=10, choices=LocationSource.choices
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    commune = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Who reported: never shown to the public.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback_reports",
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=200, blank=True)
    reporter_email = models.EmailField(_("reporter's email"), blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=30, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    api_client = models.ForeignKey(
        Open311Client,
        verbose_name=_("Open311 application"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    media_url = models.URLField(_("external media link"), max_length=500, blank=True)
    token = models.CharField(_("token"), max_length=32, unique=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True)
    # Handling.
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency responsible"),
        on_delete=models.PROTECT,
        related_name="feedback_reports",
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.NEW)
    status_notes = models.TextField(_("public status notes"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    sla_days = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    sla_hours = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), db_index=True)
    answer = models.TextField(_("public answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, db_index=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answering_agency = models.ForeignKey(
        Agency,
        verbose_name=_("answering agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    timeliness = models.CharField(
        _("timeliness"), max_length=10, choices=Timeliness.choices, blank=True
    )
    rejection_kind = models.CharField(
        _("rejection reason"), max_length=20, choices=RejectionKind.choices, blank=True
    )
    rejection_reason = models.TextField(_("rejection explanation"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    rating = models.PositiveSmallIntegerField(
        _("rating"), choices=Score.choices, null=True, blank=True
    )
    rating_comment = models.TextField(_("rating comment"), blank=True, max_length=2000)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("field report")
        verbose_name_plural = _("field reports")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="fb_report_idempotency",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="fb_report_lat_lng_together",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "state"], name="fb_report_agency_state"),
            models.Index(fields=["state", "submitted_at"], name="fb_report_state_time"),
            models.Index(fields=["commune", "submitted_at"], name="fb_report_commune_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category.name}"

    @property
    def is_public(self) -> bool:
        return self.state in PUBLIC_STATES

    @property
    def open311_status(self) -> str:
        return "closed" if self.state in CLOSED_STATES else "open"

    @property
    def shown_description(self) -> str:
        return self.public_description or self.description

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class ReportPhoto(models.Model):
    """A photo of a report, re-encoded without metadata; the GPS position read before that."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=RandomName("feedback"), max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    sha256 = models.CharField(max_length=64)
    gps_latitude = models.DecimalField(
        _("latitude in the photo"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    gps_longitude = models.DecimalField(
        _("longitude in the photo"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report photo")
        verbose_name_plural = _("report photos")
        ordering = ["report", "order", "pk"]

    def __str__(self) -> str:
        return self.original_name


ACTION_LABELS = {
    "submit": _("Report sent"),
    "accept": _("Accepted and published"),
    "reject": _("Rejected"),
    "reassign": _("Sent to another agency"),
    "note": _("Progress note"),
    "answer": _("Answer published"),
    "rate": _("Rated by the reporter"),
    "reopen": _("Reopened by the reporter"),
}


class ReportEvent(models.Model):
    """One step of a report's history: moderation, routing, notes, answer, rating, reopening."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField(_("sequence"))
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(_("from state"), max_length=12, blank=True)
    to_state = models.CharField(_("to state"), max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=200, blank=True)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    to_agency = models.ForeignKey(
        Agency,
        verbose_name=_("to agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    is_public = models.BooleanField(_("public"), default=False)
    at = models.DateTimeField(_("time"))
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["report", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["report", "seq"], name="fb_event_unique_seq")
        ]

    def __str__(self) -> str:
        return f"#{self.report_id}.{self.seq} {self.action}"

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))
