"""The one-stop-shop: dossiers, their files, the process-control rows (BM.05), ratings, outbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.core.access import RestrictedQuerySet
from tinhso.core.models import Agency, ApplicantProfile
from tinhso.core.storage import RandomName
from tinhso.procedures.models import DeliveryMethod, Procedure, ProcedureComponent, ProcessStep


class NationalStatus(models.IntegerChoices):
    """Status codes exchanged with the national public service portal."""

    SUBMITTED = 1, _("Newly submitted")
    RECEIVED = 2, _("Received")
    REFUSED = 3, _("Not received (refused)")
    PROCESSING = 4, _("Processing")
    SUPPLEMENT = 5, _("Supplement requested")
    FEES = 6, _("Financial obligation requested")
    WITHDRAW_REQUESTED = 7, _("Applicant asked to withdraw")
    STOPPED = 8, _("Processing stopped")
    FINISHED = 9, _("Finished, result ready")
    RETURNED = 10, _("Result returned")


class State(models.TextChoices):
    """Internal states; each maps to exactly one national status (``STATE_TO_STATUS``)."""

    SUBMITTED = "submitted", _("Submitted, waiting for reception")
    RECEIVED = "received", _("Received")
    REFUSED = "refused", _("Refused at reception")
    PROCESSING = "processing", _("Processing")
    PAUSED = "paused", _("Paused")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Waiting for the applicant's supplement")
    SUPPLEMENT_SUBMITTED = "supplement_submitted", _("Supplement submitted, waiting for check")
    FEES_REQUESTED = "fees_requested", _("Waiting for payment")
    WITHDRAW_REQUESTED = "withdraw_requested", _("Withdrawal requested")
    STOPPED = "stopped", _("Stopped")
    FINISHED = "finished", _("Finished, result ready")
    RETURNED = "returned", _("Result returned")


STATE_TO_STATUS: dict[str, int] = {
    State.SUBMITTED: NationalStatus.SUBMITTED,
    State.RECEIVED: NationalStatus.RECEIVED,
    State.REFUSED: NationalStatus.REFUSED,
    State.PROCESSING: NationalStatus.PROCESSING,
    State.PAUSED: NationalStatus.PROCESSING,
    State.SUPPLEMENT_REQUESTED: NationalStatus.SUPPLEMENT,
    # The supplement arrived: the clock runs again and the portal shows processing (4) while
    # an officer checks it.
    State.SUPPLEMENT_SUBMITTED: NationalStatus.PROCESSING,
    State.FEES_REQUESTED: NationalStatus.FEES,
    State.WITHDRAW_REQUESTED: NationalStatus.WITHDRAW_REQUESTED,
    State.STOPPED: NationalStatus.STOPPED,
    State.FINISHED: NationalStatus.FINISHED,
    State.RETURNED: NationalStatus.RETURNED,
}

# States in which the legal clock does not run (the applicant owes something, or a pause).
# Not ``supplement_submitted``: the officer's check of a supplement is charged to the agency.
CLOCK_STOPPED_STATES = frozenset({State.SUPPLEMENT_REQUESTED, State.FEES_REQUESTED, State.PAUSED})
FINAL_STATES = frozenset({State.REFUSED, State.STOPPED, State.RETURNED})
# The states of the officers' work lists, as their ordered partial indexes name them.
TO_RECEIVE_STATES = (State.SUBMITTED, State.WITHDRAW_REQUESTED, State.FINISHED)
TO_PROCESS_STATES = (State.RECEIVED, State.PROCESSING)
# The open states whose legal clock runs at the agency: what the sweep marks overdue and the
# "overdue" and "due soon" lists show. A supplement supplied restarts the clock while an officer
# checks it (national status 4), so it counts too.
RUNNING_STATES = (*TO_PROCESS_STATES, State.SUPPLEMENT_SUBMITTED)


class Channel(models.IntegerChoices):
    COUNTER = 1, _("At the counter")
    ONLINE = 2, _("Online")
    POST = 3, _("Public postal service")


class Timeliness(models.TextChoices):
    EARLY = "early", _("Early")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


# The printed forms' and exports' labels (Vietnamese whatever the interface language; the pages
# show the same words through the translations of the choices above).
TIMELINESS_LABELS: dict[str, str] = {
    Timeliness.EARLY: "Trước hạn",
    Timeliness.ON_TIME: "Đúng hạn",
    Timeliness.LATE: "Quá hạn",
}


class DossierQuerySet(RestrictedQuerySet):
    access_rule = "tinhso.dossiers.access.dossier_rule"


class Dossier(models.Model):
    """Hồ sơ: one application by one applicant for one procedure."""

    code = models.CharField(_("dossier code"), max_length=60, unique=True)
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="dossiers"
    )
    # No single-column indexes on the agency and applicant keys: the (key, time) and
    # (key, state) indexes of Meta start with them and serve the same look-ups.
    receiving_agency = models.ForeignKey(
        Agency,
        verbose_name=_("receiving agency"),
        on_delete=models.PROTECT,
        related_name="received_dossiers",
        db_index=False,
    )
    deciding_agency = models.ForeignKey(
        Agency,
        verbose_name=_("deciding agency"),
        on_delete=models.PROTECT,
        related_name="decided_dossiers",
        db_index=False,
    )
    current_agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency handling now"),
        on_delete=models.PROTECT,
        related_name="current_dossiers",
        db_index=False,
    )
    applicant = models.ForeignKey(
        ApplicantProfile,
        verbose_name=_("applicant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
        db_index=False,
    )
    applicant_name = models.CharField(_("applicant name"), max_length=200)
    applicant_id_number = models.CharField(_("applicant ID number"), max_length=14)
    applicant_phone = models.CharField(_("applicant phone"), max_length=20, blank=True)
    applicant_address = models.CharField(_("applicant address"), max_length=255, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.PositiveSmallIntegerField(_("channel"), choices=Channel.choices)
    # How the applicant receives the result (one of the procedure's ``delivery_methods``), and
    # where the post takes it.
    delivery_method = models.CharField(
        _("way to receive the result"), max_length=10, choices=DeliveryMethod.choices, blank=True
    )
    delivery_address = models.CharField(_("address for the result"), max_length=255, blank=True)
    form_data = models.JSONField(_("form data"), default=dict)
    state = models.CharField(_("state"), max_length=24, choices=State.choices)
    status = models.PositiveSmallIntegerField(
        _("national status"), choices=NationalStatus.choices, db_index=True
    )
    current_step = models.ForeignKey(
        ProcessStep,
        verbose_name=_("current step"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_dossiers",
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    counting_from = models.DateTimeField(_("time counted from"), null=True, blank=True)
    # Two dates (DOMAIN.md, "Counting time"). The legal due date runs from the time counted from
    # by the procedure's time and moves only when the clock stops; it alone decides timeliness,
    # statistics, the 766 index, BM.05 and overdue. The appointment is what the applicant is told
    # (BM.01, BM.04): the legal due date, or the new date of an apology letter.
    legal_due_at = models.DateTimeField(_("legal due date"), null=True, blank=True, db_index=True)
    appointment_at = models.DateTimeField(_("appointment for the result"), null=True, blank=True)
    step_started_at = models.DateTimeField(_("step started at"), null=True, blank=True)
    step_due_at = models.DateTimeField(_("step due at"), null=True, blank=True)
    clock_stopped_at = models.DateTimeField(_("clock stopped at"), null=True, blank=True)
    stopped_seconds = models.BigIntegerField(_("working seconds the clock stood still"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    timeliness = models.CharField(
        _("timeliness"), max_length=10, choices=Timeliness.choices, blank=True
    )
    is_overdue = models.BooleanField(_("overdue"), default=False, db_index=True)
    supplement_count = models.PositiveSmallIntegerField(_("supplement requests"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("extensions"), default=0)
    fee_vnd = models.BigIntegerField(_("fees requested (VND)"), default=0)
    paid_vnd = models.BigIntegerField(_("fees paid (VND)"), default=0)
    paid_online = models.BooleanField(_("paid online"), default=False)
    state_before = models.CharField(
        _("state before the withdrawal request"), max_length=24, blank=True
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    # Facts the operations centre's indicators need, kept on the row so that daily roll-ups are
    # one grouped scan (Decision 766: dossiers digitised, electronic results, national sync).
    digitised = models.BooleanField(
        _("components held electronically"),
        default=False,
        help_text=_("Submitted online, or the desk scanned its components at reception."),
    )
    electronic_result = models.BooleanField(_("electronic result issued"), default=False)
    synced_version = models.PositiveIntegerField(
        _("last version acknowledged by the national portal"), default=0
    )
    # The dossier's version as the national portal knows it: one more for each change the
    # citizen can see (one outbox message each, keyed ``code:portal_version``, in this order).
    portal_version = models.PositiveIntegerField(
        _("version sent to the national portal"), default=0
    )
    # Until when the desk may return an insufficient dossier (supplement request) in time.
    supplement_request_due_at = models.DateTimeField(
        _("supplement request due by"), null=True, blank=True
    )
    # The entry of the receiving desk's tracking book (BM.06): a yearly sequence per receiving
    # agency, taken at reception (``BookCounter``) and printed on the receipt (BM.01).
    book_year = models.PositiveSmallIntegerField(_("tracking book year"), null=True, blank=True)
    book_number = models.PositiveIntegerField(_("tracking book entry"), null=True, blank=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="dossier_idempotency",
            ),
            models.UniqueConstraint(
                fields=["receiving_agency", "book_year", "book_number"],
                condition=Q(book_number__isnull=False),
                name="dossier_book_entry",
            ),
        ]
        indexes = [
            models.Index(fields=["current_agency", "state"], name="dossier_agency_state"),
            models.Index(fields=["receiving_agency", "submitted_at"], name="dossier_recv_time"),
            models.Index(fields=["deciding_agency", "submitted_at"], name="dossier_decid_time"),
            models.Index(fields=["submitted_at"], name="dossier_submitted_at"),
            models.Index(fields=["applicant", "submitted_at"], name="dossier_applicant_time"),
            models.Index(fields=["returned_at"], name="dossier_returned_at"),
            # Open dossiers waiting at a receiving desk (the "to receive" list at 10 M dossiers).
            models.Index(
                fields=["receiving_agency", "state"],
                condition=Q(closed_at__isnull=True),
                name="dossier_open_receiving",
            ),
            models.Index(
                fields=["current_agency", "state", "legal_due_at"],
                condition=Q(closed_at__isnull=True),
                name="dossier_open_current",
            ),
            # The work lists in their order (due first): a page reads its 25 index entries
            # instead of sorting every open dossier of the agency (bench/dossier_list.py).
            models.Index(
                fields=["receiving_agency", "legal_due_at", "submitted_at", "id"],
                condition=Q(closed_at__isnull=True, state__in=TO_RECEIVE_STATES),
                name="dossier_list_to_receive",
            ),
            models.Index(
                fields=["current_agency", "legal_due_at", "submitted_at", "id"],
                condition=Q(closed_at__isnull=True, state__in=RUNNING_STATES),
                name="dossier_list_running",
            ),
            # "Overdue now" for the operations centre, without touching closed dossiers.
            models.Index(
                fields=["deciding_agency"],
                condition=Q(is_overdue=True, finished_at__isnull=True, closed_at__isnull=True),
                name="dossier_overdue_open",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def clock_running(self) -> bool:
        return self.state not in CLOCK_STOPPED_STATES and self.received_at is not None


class FileKind(models.TextChoices):
    COMPONENT = "component", _("Dossier component")
    SUPPLEMENT = "supplement", _("Supplement")
    RESULT = "result", _("Result")
    SCAN = "scan", _("Scan made at the counter")


class DossierFile(models.Model):
    """A document attached to a dossier, stored through Django storage, never public."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="files")
    component = models.ForeignKey(
        ProcedureComponent,
        verbose_name=_("component"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=FileKind.choices)
    file = models.FileField(_("file"), upload_to=RandomName("dossiers"), max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # A result signed digitally by the leader (tinhso.signatures): the file is the signed PDF.
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("signed by"),
    )

    class Meta:
        verbose_name = _("dossier file")
        verbose_name_plural = _("dossier files")
        ordering = ["dossier", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


# The forms that belong to one event: form → the action whose event it prints.
EVENT_FORMS = {"bm02": "request_supplement", "bm03": "refuse", "bm04": "extend"}


class DossierEvent(models.Model):
    """One row of the process control slip (BM.05): who handed what to whom, when, how timely."""

    # Indexed by event_unique_seq (dossier, seq).
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    seq = models.PositiveIntegerField(_("sequence"))
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from state"), max_length=24, blank=True)
    to_state = models.CharField(_("to state"), max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("handed over by"), max_length=200, blank=True)
    actor_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_step = models.ForeignKey(
        ProcessStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_step = models.ForeignKey(
        ProcessStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("time"))
    step_due_at = models.DateTimeField(_("step due at"), null=True, blank=True)
    step_result = models.CharField(
        _("step result"), max_length=10, choices=Timeliness.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    # The form this event issues (BM.02 supplement request, BM.03 refusal, BM.04 apology) as
    # printed, rendered once in the background after the operation commits (``pdf.kept_pdf``,
    # as ``ReceiptVersion.pdf``); empty for the other events, and until then.
    pdf = models.FileField(
        _("printed PDF"), upload_to=RandomName("forms"), max_length=300, blank=True
    )

    class Meta:
        verbose_name = _("process control row")
        verbose_name_plural = _("process control rows")
        ordering = ["dossier", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "seq"], name="event_unique_seq"),
        ]
        indexes = [models.Index(fields=["action", "at"], name="event_action_at")]

    def __str__(self) -> str:
        return f"{self.dossier.code} #{self.seq} {self.action}"


class PaymentMethod(models.TextChoices):
    """How a fee was paid: recorded by an officer at the counter, confirmed by a gateway, or
    a bank transfer (VietQR) matched in the bank's transaction feed."""

    COUNTER = "counter", _("At the counter")
    GATEWAY = "gateway", _("Online payment gateway")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")


class ReceiptVersion(models.Model):
    """One issue of the BM.01 receipt and appointment slip, kept as printed.

    A new version is written at reception and each time the appointment changes; ``data`` holds
    what the receipt printed that depends on the dossier (times, files, receiver), so an earlier
    receipt renders again as it was; ``pdf`` keeps the rendered file, so a download only reads
    it.
    """

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="receipts", db_index=False
    )
    number = models.PositiveIntegerField(_("version"))
    action = models.CharField(_("issued on"), max_length=30)
    issued_at = models.DateTimeField(_("issued at"))
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # The PDF as printed, rendered once in the background after the issuing operation commits
    # (``pdf.receipt_pdf``); empty until then, when a download renders and keeps it.
    pdf = models.FileField(
        _("printed PDF"), upload_to=RandomName("receipts"), max_length=300, blank=True
    )

    class Meta:
        verbose_name = _("receipt version")
        verbose_name_plural = _("receipt versions")
        ordering = ["dossier", "number"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "number"], name="receipt_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} BM.01 v{self.number}"


class CodeCounter(models.Model):
    """Daily sequence of dossier codes per receiving agency (never reused)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="code_counter_agency_day")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.last}"


class BookCounter(models.Model):
    """Yearly sequence of the tracking book (BM.06) per receiving agency (never reused)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="book_counter_agency_year")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.year}: {self.last}"


class Rating(models.Model):
    """Đánh giá sự hài lòng: one per dossier, by its applicant, after the result is returned."""

    class Score(models.IntegerChoices):
        DISSATISFIED = 1, _("Not satisfied")
        SATISFIED = 2, _("Satisfied")
        VERY_SATISFIED = 3, _("Very satisfied")

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField(_("score"), choices=Score.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")

    def __str__(self) -> str:
        return f"{self.dossier.code}: {self.get_score_display()}"


class OutboxMessage(models.Model):
    """An event another system must receive (national portal sync), written in the same
    transaction as the change and delivered, retried and deduplicated by a worker."""

    topic = models.CharField(max_length=50)  # indexed by outbox_unique_key (topic, key)
    key = models.CharField(max_length=120)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Delivery bookkeeping (tinhso.dossiers.outbox): a worker that claims the message reserves it
    # until ``claimed_until`` (a killed worker's claim expires); a failed attempt sets
    # ``next_attempt_at`` after a growing, jittered delay.
    claimed_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Messages of one ``stream`` (a dossier's code) are delivered in ``pk`` order: one is never
    # claimed while an earlier one of its stream is undelivered and not discarded.
    stream = models.CharField(max_length=100, blank=True, default="")
    # Held: the adapter cannot send it yet (e.g. no national procedure code); retried later,
    # never failed. Dead: failed for good; it blocks its stream until an administrator resends
    # or discards it.
    held_reason = models.CharField(max_length=300, blank=True, default="")
    dead_at = models.DateTimeField(null=True, blank=True)
    discarded_at = models.DateTimeField(null=True, blank=True)
    # Superseded: a full-state message (a coalesced topic, ``outbox.register_handler``) that a
    # newer one of its stream replaced before it was sent; never sent, not owed any more.
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        constraints = [
            models.UniqueConstraint(fields=["topic", "key"], name="outbox_unique_key"),
        ]
        indexes = [models.Index(fields=["stream", "id"], name="outbox_stream_order")]

    def __str__(self) -> str:
        return f"{self.topic} {self.key}"
