"""The document management and executive system (quản lý văn bản và điều hành, QLVB&ĐH).

- :class:`IncomingDocument` (văn bản đến): registered in the receiving agency's incoming
  register with an arrival number per year; acknowledged to the sender; distributed to a leader,
  who assigns officers (:class:`Assignment`: lead, coordinate, for information) with a deadline;
  processed (opinions are :class:`IncomingEvent` rows); done, or returned to the sender.
- :class:`OutgoingDocument` (văn bản đi): drafted from the Decree 30 layout, reviewed, approved
  by its signer, numbered at issue (:func:`tinhso.core.numbering.take_series_number`), sent to its
  recipients (:class:`Recipient`; an agency on the platform gets it in its incoming register);
  revoked, updated or replaced by a later document (``related``, ``business_type``).
- :class:`FileList` / :class:`FileListEntry` (danh mục hồ sơ) and :class:`WorkRecord` (hồ sơ công
  việc): the yearly file list, records opened per task, documents attached, closed, archived.

Every document carries a stable ``document_id`` in the shape of edXML's DocumentId
(``<OrganId>,<YYYY/MM/DD>,<số>/<ký hiệu>``) and the sender's and receivers' electronic codes, so
the exchange in edXML (QCVN 102:2016) can be added without changing these tables.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core.access import RestrictedQuerySet
from tinhso.core.models import Agency
from tinhso.core.storage import RandomName
from tinhso.core.text import normalize_search

from .kinds import TYPE_CHOICES, type_abbreviation, type_name

SUMMARY_MAX_LENGTH = 500
NUMBER_SYMBOL_MAX_LENGTH = 60


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent (Khẩn)")
    VERY_URGENT = "very_urgent", _("Very urgent (Thượng khẩn)")
    FLASH = "flash", _("Flash (Hỏa tốc)")


class Secrecy(models.TextChoices):
    NORMAL = "normal", _("Not classified")
    CONFIDENTIAL = "confidential", _("Confidential (Mật)")
    SECRET = "secret", _("Secret (Tối mật)")
    TOP_SECRET = "top_secret", _("Top secret (Tuyệt mật)")


class Channel(models.TextChoices):
    PAPER = "paper", _("Paper (scanned)")
    ELECTRONIC = "electronic", _("Electronic (e-mail, exchange axis)")
    PLATFORM = "platform", _("From an agency on the platform")


class BusinessType(models.IntegerChoices):
    """edXML's BussinessDocType: what a document does to an earlier one."""

    NEW = 0, _("New document")
    REVOCATION = 1, _("Revocation")
    UPDATE = 2, _("Update")
    REPLACEMENT = 3, _("Replacement")


class StatusCode(models.TextChoices):
    """Status messages of the exchange (verify against QCVN 102's table); kept per recipient."""

    ARRIVED = "01", _("Arrived")
    REJECTED = "02", _("Rejected")
    ACCEPTED = "03", _("Accepted")
    ASSIGNED = "04", _("Assigned")
    PROCESSING = "05", _("Processing")
    DONE = "06", _("Done")
    RECALLED = "13", _("Recalled or cancelled")
    CHANGE_ACCEPTED = "15", _("Change accepted")
    CHANGE_REJECTED = "16", _("Change rejected")


def document_id(organ_code: str, date, number_symbol: str) -> str:
    """The stable identifier, edXML's DocumentId: ``<OrganId>,<YYYY/MM/DD>,<số>/<ký hiệu>``."""
    return f"{organ_code},{date:%Y/%m/%d},{number_symbol}"


def search_text_of(*parts: str) -> str:
    """The accent-free shadow text a register search reads (:func:`normalize_search`)."""
    return normalize_search(" ".join(part for part in parts if part))


def _optional_user(**kwargs) -> models.ForeignKey:
    """A user who may be gone (deleted accounts keep their rows): nullable, set null, no reverse."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        **kwargs,
    )


class Searchable(models.Model):
    """A row with an accent-free ``search_text`` rebuilt from :meth:`search_parts` at each save."""

    search_text = models.TextField(editable=False, default="")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self.search_text = search_text_of(*self.search_parts())
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def search_parts(self) -> tuple[str, ...]:
        raise NotImplementedError


class Document(Searchable):
    """The fields an incoming and an outgoing document share (register columns, edXML header)."""

    doc_type = models.CharField(_("type"), max_length=4, choices=TYPE_CHOICES)
    summary = models.CharField(_("summary"), max_length=SUMMARY_MAX_LENGTH)
    urgency = models.CharField(
        _("urgency"), max_length=12, choices=Urgency.choices, default=Urgency.NORMAL
    )
    secrecy = models.CharField(
        _("secrecy"), max_length=12, choices=Secrecy.choices, default=Secrecy.NORMAL
    )
    pages = models.PositiveIntegerField(_("pages"), default=1)
    document_id = models.CharField(_("document identifier"), max_length=160, blank=True)

    class Meta:
        abstract = True

    @property
    def type_name(self) -> str:
        return type_name(self.doc_type)


class DocumentEvent(models.Model):
    """One step of a history: a document's, a work record's or a copy's. The concrete model adds
    the foreign key to what the history is of (named :attr:`parent_field`, ``related_name``
    ``"events"``) and its Meta (ordering and :meth:`unique_seq` on that key)."""

    parent_field: ClassVar[str] = "document"

    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=30)
    actor = _optional_user()
    actor_name = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["document", "seq"]

    def __str__(self) -> str:
        return f"{getattr(self, self.parent_field + '_id')}#{self.seq} {self.action}"

    @staticmethod
    def unique_seq(kind: str, parent: str = "document") -> models.UniqueConstraint:
        """One ``seq`` per parent (the constraint keeps its ``<kind>_event_unique_seq`` name)."""
        return models.UniqueConstraint(fields=[parent, "seq"], name=f"{kind}_event_unique_seq")


class RegisterSettings(models.Model):
    """How an agency numbers its outgoing documents and prints its header (set by its head)."""

    agency = models.OneToOneField(
        Agency, on_delete=models.CASCADE, related_name="document_settings"
    )
    symbol = models.CharField(
        _("agency symbol"),
        max_length=20,
        help_text=_("The agency's part of every symbol, e.g. UBND or STP."),
    )
    series_per_type = models.BooleanField(
        _("one number series per document type"),
        default=False,
        help_text=_("Off: one series for every administrative document."),
    )
    parent_name = models.CharField(
        _("governing body"),
        max_length=200,
        blank=True,
        help_text=_("The first line of the header, e.g. UBND TỈNH QUẢNG TRỊ (may be empty)."),
    )
    place = models.CharField(
        _("place name"), max_length=100, help_text=_("Printed before the date, e.g. Đồng Hới.")
    )
    unsigned_approval = models.BooleanField(
        _("leaders may approve without a digital signature"),
        default=False,
        help_text=_(
            "Off (the default): the signer approves an outgoing document by signing it "
            "digitally. On only while an agency still signs on paper."
        ),
    )

    class Meta:
        verbose_name = _("register settings")
        verbose_name_plural = _("register settings")

    def __str__(self) -> str:
        return f"{self.agency} ({self.symbol})"


# --- incoming documents ----------------------------------------------------------------------


class IncomingState(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    DISTRIBUTED = "distributed", _("Waiting for the leader's direction")
    ASSIGNED = "assigned", _("Being processed")
    DONE = "done", _("Done")
    RETURNED = "returned", _("Returned to the sender")
    REVOKED = "revoked", _("Revoked by the sender")


OPEN_INCOMING = frozenset(
    {IncomingState.REGISTERED, IncomingState.DISTRIBUTED, IncomingState.ASSIGNED}
)


class IncomingQuerySet(RestrictedQuerySet):
    access_rule = "tinhso.documents.access.incoming_rule"


class IncomingDocument(Document):
    """Văn bản đến: one document received by an agency, one line of its incoming register."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("receiving agency"), on_delete=models.PROTECT, related_name="+"
    )
    arrival_year = models.PositiveSmallIntegerField(_("register year"))
    arrival_number = models.PositiveIntegerField(_("arrival number"))
    received_at = models.DateTimeField(_("arrived at"), default=timezone.now, db_index=True)
    channel = models.CharField(
        _("received as"), max_length=12, choices=Channel.choices, default=Channel.PAPER
    )
    sender_agency = models.ForeignKey(
        Agency,
        verbose_name=_("sender on the platform"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sender_name = models.CharField(_("sender"), max_length=255)
    sender_code = models.CharField(_("sender's electronic code"), max_length=40, blank=True)
    number_symbol = models.CharField(_("number and symbol"), max_length=NUMBER_SYMBOL_MAX_LENGTH)
    doc_date = models.DateField(_("document date"))
    state = models.CharField(
        _("status"), max_length=12, choices=IncomingState.choices, default=IncomingState.REGISTERED
    )
    acknowledged_at = models.DateTimeField(_("receipt acknowledged at"), null=True, blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    direction = models.TextField(_("leader's direction"), max_length=2000, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    return_reason = models.CharField(_("reason for return"), max_length=500, blank=True)
    recipient = models.OneToOneField(
        "Recipient",
        verbose_name=_("delivered from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incoming",
        help_text=_("The outgoing document's recipient line this arrival answers (platform)."),
    )
    registered_by = _optional_user()
    # An arrival through the exchange axis (``documents/exchange.py``): the edXML header as
    # received (every field and trace, in order), the manifest and each attachment's edXML
    # fields, its business type; with the attachments' bytes (``files``) the envelope can be
    # rebuilt equal to the received one. Empty for paper and platform arrivals.
    exchange = models.JSONField(_("edXML envelope data"), default=dict, blank=True)

    objects = IncomingQuerySet.as_manager()

    class Meta:
        verbose_name = _("incoming document")
        verbose_name_plural = _("incoming documents")
        ordering = ["-arrival_year", "-arrival_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "arrival_year", "arrival_number"], name="incoming_unique_number"
            ),
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(return_reason=""),
                name="incoming_returned_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "state", "deadline"], name="incoming_agency_state_idx"),
            models.Index(fields=["agency", "received_at"], name="incoming_agency_received_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.arrival_number}/{self.arrival_year} – {self.number_symbol}"

    def search_parts(self) -> tuple[str, ...]:
        return (self.number_symbol, self.summary, self.sender_name, self.type_name)


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead (chủ trì)")
    COORDINATE = "coordinate", _("Coordinate (phối hợp)")
    INFORM = "inform", _("For information (để biết)")


class Assignment(models.Model):
    """Who the leader gave an incoming document to, in which role, until when."""

    document = models.ForeignKey(
        IncomingDocument, on_delete=models.CASCADE, related_name="assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("officer"), on_delete=models.PROTECT
    )
    role = models.CharField(_("role"), max_length=12, choices=AssignmentRole.choices)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    reminded_on = models.DateField(_("last reminded on"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["document", "role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["document", "user"], name="assignment_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.user_id} ({self.role})"


class IncomingEvent(DocumentEvent):
    """One step of an incoming document's history: registration, acknowledgement, direction,
    an officer's processing opinion, completion, return."""

    document = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, related_name="events")

    class Meta(DocumentEvent.Meta):
        constraints = [DocumentEvent.unique_seq("incoming")]


# --- outgoing documents ----------------------------------------------------------------------


class OutgoingState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved by the signer")
    NUMBERED = "numbered", _("Numbered, being issued")
    ISSUED = "issued", _("Issued")
    CANCELLED = "cancelled", _("Cancelled")
    REVOKED = "revoked", _("Revoked")


class OutgoingQuerySet(RestrictedQuerySet):
    access_rule = "tinhso.documents.access.outgoing_rule"


class OutgoingDocument(Document):
    """Văn bản đi: a document an agency drafts, approves, numbers and issues."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("issuing agency"), on_delete=models.PROTECT, related_name="+"
    )
    is_normative = models.BooleanField(
        _("legal normative document"),
        default=False,
        help_text=_("Numbered in its own series, with the year in the symbol."),
    )
    drafting_unit = models.CharField(
        _("drafting unit's symbol"),
        max_length=20,
        blank=True,
        help_text=_("For official letters: 123/UBND-VX has VX."),
    )
    body = models.TextField(_("content"), max_length=50000)
    recipients_text = models.TextField(
        _("recipients (Nơi nhận)"),
        max_length=2000,
        help_text=_("One recipient a line, as printed at the bottom left."),
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    signer_position = models.CharField(
        _("signer's position"),
        max_length=120,
        help_text=_("As printed, e.g. CHỦ TỊCH, or KT. CHỦ TỊCH / PHÓ CHỦ TỊCH on two lines."),
    )
    signer_name = models.CharField(_("signer's name"), max_length=120)
    copies = models.PositiveIntegerField(_("copies"), default=1)
    state = models.CharField(
        _("status"), max_length=12, choices=OutgoingState.choices, default=OutgoingState.DRAFT
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("drafted at"), default=timezone.now)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # The signer's digital signature (approval by signing) and the organisation's (the seal):
    # the PDF (``pdf``) is then the signed file, never rendered again.
    signed_at = models.DateTimeField(_("signed digitally at"), null=True, blank=True)
    sealed_at = models.DateTimeField(_("organisation's signature at"), null=True, blank=True)
    # Given at issue (numbering), never at drafting; kept when an issue is abandoned.
    series = models.CharField(_("number series"), max_length=64, blank=True)
    number_year = models.PositiveSmallIntegerField(_("series year"), null=True, blank=True)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    number_symbol = models.CharField(
        _("number and symbol"), max_length=NUMBER_SYMBOL_MAX_LENGTH, blank=True
    )
    doc_date = models.DateField(_("document date"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancellation"), max_length=500, blank=True)
    business_type = models.PositiveSmallIntegerField(
        _("relation to an earlier document"),
        choices=BusinessType.choices,
        default=BusinessType.NEW,
    )
    related = models.ForeignKey(
        "self",
        verbose_name=_("earlier document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followers",
    )
    pdf = models.FileField(
        _("draft PDF"), upload_to=RandomName("documents"), max_length=300, blank=True
    )

    objects = OutgoingQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing document")
        verbose_name_plural = _("outgoing documents")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "series", "number_year", "number"],
                condition=Q(number__isnull=False),
                name="outgoing_unique_number",
            ),
            models.CheckConstraint(
                condition=Q(number__isnull=True)
                | Q(number_year__isnull=False) & ~Q(series="") & ~Q(number_symbol=""),
                name="outgoing_number_complete",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "in_review", "approved"])
                | Q(number__isnull=False)
                | Q(state="cancelled"),
                name="outgoing_issued_has_number",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "state"], name="outgoing_agency_state_idx"),
            models.Index(fields=["agency", "number_year", "number"], name="outgoing_register_idx"),
        ]

    def __str__(self) -> str:
        return self.number_symbol or f"#{self.pk} {self.summary[:40]}"

    def search_parts(self) -> tuple[str, ...]:
        return (self.number_symbol, self.summary, self.type_name, self.recipients_text)

    @property
    def type_abbreviation(self) -> str:
        return type_abbreviation(self.doc_type)


class Recipient(models.Model):
    """One recipient of an outgoing document: an agency on the platform (delivered into its
    incoming register) or outside it (by its electronic code, later through the exchange axis)."""

    document = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, related_name="recipients"
    )
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("recipient"), max_length=255)
    code = models.CharField(_("electronic code"), max_length=40, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    status = models.CharField(
        _("last status"), max_length=2, choices=StatusCode.choices, blank=True
    )
    status_at = models.DateTimeField(_("last status at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["document", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_internal(self) -> bool:
        return self.agency_id is not None

    @property
    def through_axis(self) -> bool:
        """Reached through the exchange axis: outside the platform, by its electronic code (its
        ``sent_at`` is when the axis accepted the envelope)."""
        return self.agency_id is None and bool(self.code)


class RecipientStatus(models.Model):
    """A status message about one recipient's copy (arrived, accepted, assigned, done …)."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="statuses")
    code = models.CharField(max_length=2, choices=StatusCode.choices)
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["recipient", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.code}"


class OutgoingEvent(DocumentEvent):
    """One step of an outgoing document's history (drafted, submitted, approved, numbered …)."""

    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="events")

    class Meta(DocumentEvent.Meta):
        constraints = [DocumentEvent.unique_seq("outgoing")]


class Attachment(models.Model):
    """A file of a document (the scan of an incoming paper, an attachment of either kind), kept
    as received: a signed PDF is never rewritten."""

    incoming = models.ForeignKey(
        IncomingDocument, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    outgoing = models.ForeignKey(
        OutgoingDocument, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(upload_to=RandomName("documents"), max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = _optional_user()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(incoming__isnull=True) ^ Q(outgoing__isnull=True),
                name="attachment_one_document",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


# --- work records ----------------------------------------------------------------------------


class FileListQuerySet(RestrictedQuerySet):
    access_rule = "tinhso.documents.access.agency_rule"


class FileList(models.Model):
    """Danh mục hồ sơ: the agency's list of the records it will keep in a year."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = _optional_user()

    objects = FileListQuerySet.as_manager()

    class Meta:
        verbose_name = _("file list")
        verbose_name_plural = _("file lists")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="file_list_unique_year")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.year}"


PERMANENT = 0  # retention in years; 0 means kept permanently (vĩnh viễn)


class FileListEntry(models.Model):
    """One heading of the file list: the record's code, title, retention and keeper."""

    file_list = models.ForeignKey(FileList, on_delete=models.CASCADE, related_name="entries")
    code = models.CharField(_("record code"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    retention_years = models.PositiveSmallIntegerField(
        _("retention (years)"), default=10, help_text=_("0: kept permanently.")
    )
    keeper = _optional_user(verbose_name=_("keeper"))

    class Meta:
        verbose_name = _("file list entry")
        verbose_name_plural = _("file list entries")
        ordering = ["file_list", "code"]
        constraints = [
            models.UniqueConstraint(fields=["file_list", "code"], name="file_list_entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class RecordState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Handed to the archive")


class WorkRecordQuerySet(RestrictedQuerySet):
    access_rule = "tinhso.documents.access.agency_rule"


class WorkRecord(Searchable):
    """Hồ sơ công việc: the record of one task, its documents attached, closed and archived."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(
        FileListEntry,
        verbose_name=_("file list entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    code = models.CharField(_("record code"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    retention_years = models.PositiveSmallIntegerField(_("retention (years)"), default=10)
    is_electronic = models.BooleanField(
        _("processed online"),
        default=True,
        help_text=_("The task was processed in the system (counts for the online share)."),
    )
    state = models.CharField(
        _("status"), max_length=10, choices=RecordState.choices, default=RecordState.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("handed to the archive at"), null=True, blank=True)
    archive_due = models.DateField(_("to hand to the archive by"), null=True, blank=True)

    objects = WorkRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("work record")
        verbose_name_plural = _("work records")
        ordering = ["-year", "code"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "code"], name="work_record_unique")
        ]
        indexes = [models.Index(fields=["agency", "year", "state"], name="work_record_state_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def search_parts(self) -> tuple[str, ...]:
        return (self.code, self.title)


class RecordEvent(DocumentEvent):
    """One step of a work record's history (Decree 30 makes the record accountable): opened, a
    document attached, closed, reopened, handed to the archive."""

    parent_field = "record"
    record = models.ForeignKey(WorkRecord, on_delete=models.CASCADE, related_name="events")

    class Meta(DocumentEvent.Meta):
        ordering = ["record", "seq"]
        constraints = [DocumentEvent.unique_seq("record", "record")]


class RecordItem(models.Model):
    """A document attached to a work record."""

    record = models.ForeignKey(WorkRecord, on_delete=models.CASCADE, related_name="items")
    incoming = models.ForeignKey(
        IncomingDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outgoing = models.ForeignKey(
        OutgoingDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["record", "added_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(incoming__isnull=True) ^ Q(outgoing__isnull=True),
                name="record_item_one_document",
            ),
            models.UniqueConstraint(
                fields=["record", "incoming"],
                condition=Q(incoming__isnull=False),
                name="record_item_unique_incoming",
            ),
            models.UniqueConstraint(
                fields=["record", "outgoing"],
                condition=Q(outgoing__isnull=False),
                name="record_item_unique_outgoing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id}: {self.incoming_id or self.outgoing_id}"


# --- copies (sao y, sao lục, trích sao) -------------------------------------------------------


class CopyKind(models.TextChoices):
    """The three forms of copy (Decree 30/2020, Art. 25) with their abbreviations (Appendix III)."""

    FULL = "SY", _("Certified copy (sao y)")
    FROM_COPY = "SL", _("Copy of a copy (sao lục)")
    EXTRACT = "TS", _("Extract (trích sao)")


COPY_TITLES = {CopyKind.FULL: "SAO Y", CopyKind.FROM_COPY: "SAO LỤC", CopyKind.EXTRACT: "TRÍCH SAO"}


class CopyState(models.TextChoices):
    PENDING = "pending", _("Being made")
    ISSUED = "issued", _("Issued")


class CopyQuerySet(RestrictedQuerySet):
    access_rule = "tinhso.documents.access.copy_rule"


class DocumentCopy(Searchable):
    """Bản sao: a copy an agency makes of a document it issued or received, numbered in the
    agency's yearly series of copies (one series for the three forms), signed with the
    organisation's signature at the top right of page 1."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("copying agency"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("form of copy"), max_length=2, choices=CopyKind.choices)
    incoming = models.ForeignKey(
        IncomingDocument,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="document_copies",
    )
    outgoing = models.ForeignKey(
        OutgoingDocument,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="document_copies",
    )
    excerpt = models.TextField(_("extract"), max_length=20000, blank=True)
    recipients_text = models.TextField(
        _("recipients (Nơi nhận)"), max_length=2000, help_text=_("One recipient a line.")
    )
    state = models.CharField(
        _("status"), max_length=10, choices=CopyState.choices, default=CopyState.PENDING
    )
    number_year = models.PositiveSmallIntegerField(_("series year"), null=True, blank=True)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    number_symbol = models.CharField(
        _("number and symbol"), max_length=NUMBER_SYMBOL_MAX_LENGTH, blank=True
    )
    copy_date = models.DateField(_("date of the copy"), null=True, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField(_("made at"), default=timezone.now)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    pdf = models.FileField(
        _("signed copy"), upload_to=RandomName("documents"), max_length=300, blank=True
    )

    objects = CopyQuerySet.as_manager()

    class Meta:
        verbose_name = _("copy of a document")
        verbose_name_plural = _("copies of documents")
        ordering = ["-number_year", "-number", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(incoming__isnull=True) ^ Q(outgoing__isnull=True),
                name="copy_one_source",
            ),
            models.UniqueConstraint(
                fields=["agency", "number_year", "number"],
                condition=Q(number__isnull=False),
                name="copy_unique_number",
            ),
        ]

    def __str__(self) -> str:
        return self.number_symbol or f"#{self.pk}"

    def search_parts(self) -> tuple[str, ...]:
        source = self.source
        return (self.number_symbol, source.number_symbol if source else "", self.recipients_text)

    @property
    def source(self) -> IncomingDocument | OutgoingDocument | None:
        return self.incoming or self.outgoing

    @property
    def title(self) -> str:
        return COPY_TITLES[CopyKind(self.kind)]


class CopyEvent(DocumentEvent):
    """One step of a copy's own history (issued: numbered and signed). Making a copy is also a
    ``copy`` step of its source's history (:class:`IncomingEvent` / :class:`OutgoingEvent`)."""

    parent_field = "copy"
    copy = models.ForeignKey(DocumentCopy, on_delete=models.CASCADE, related_name="events")

    class Meta(DocumentEvent.Meta):
        ordering = ["copy", "seq"]
        constraints = [DocumentEvent.unique_seq("copy", "copy")]
