"""BM.06, the dossier tracking book (Sổ theo dõi hồ sơ) of a receiving desk, per period.

One entry per dossier the agency's one-stop desk received in the period, in the order of the
book's entry numbers (a yearly sequence per receiving agency taken at reception,
``Dossier.book_number``, printed on the receipt BM.01). The columns are those of DOMAIN.md:
STT; mã hồ sơ; tên thủ tục hành chính; số lượng hồ sơ (bộ); tên tổ chức, cá nhân; địa chỉ, số
điện thoại; cơ quan chủ trì giải quyết; the dates (nhận hồ sơ, hẹn trả kết quả, chuyển hồ sơ
đến cơ quan giải quyết, nhận kết quả từ cơ quan giải quyết, trả kết quả cho tổ chức, cá nhân);
ký nhận; ghi chú. Served as a page, an XLSX file and a PDF (:mod:`.pdf`), through the workspace
and the API. Who may read a book: the officers of the agency and the province-wide roles.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import NotFound, PermissionDenied
from tinhso.core.models import Agency

from .models import TIMELINESS_LABELS, Dossier, DossierEvent, State
from .statistics import Column, period_bounds, stats_scope, write_table

TRANSFER_ACTION = "transfer"
WITHDRAW_ACTION = "confirm_withdraw"
DATES = "Ngày, tháng, năm"
BOOK_COLUMNS: tuple[Column, ...] = (
    (None, "Mã hồ sơ", "code", False),
    (None, "Tên thủ tục hành chính", "procedure", False),
    (None, "Số lượng hồ sơ (bộ)", "count", False),
    (None, "Tên tổ chức, cá nhân", "applicant", False),
    (None, "Địa chỉ, số điện thoại", "contact", False),
    (None, "Cơ quan chủ trì giải quyết", "deciding_agency", False),
    (DATES, "Nhận hồ sơ", "received", False),
    (DATES, "Hẹn trả kết quả", "due", False),
    (DATES, "Chuyển hồ sơ đến cơ quan giải quyết", "transferred", False),
    (DATES, "Nhận kết quả từ cơ quan giải quyết", "result_received", False),
    (DATES, "Trả kết quả cho tổ chức, cá nhân", "returned", False),
    (None, "Ký nhận", "signature", False),
    (None, "Ghi chú", "note", False),
)


@dataclass
class BookEntry:
    """One line of the tracking book."""

    number: int | None
    year: int | None
    code: str
    procedure: str
    count: int
    applicant: str
    contact: str
    deciding_agency: str
    received_at: dt.datetime | None
    appointment_at: dt.datetime | None
    transferred_at: dt.datetime | None
    result_received_at: dt.datetime | None
    returned_at: dt.datetime | None
    note: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def printed(self) -> dict[str, Any]:
        """The entry as printed (XLSX, PDF): local ``dd/mm/yyyy HH:MM`` times."""

        def fmt(value: dt.datetime | None) -> str:
            return f"{timezone.localtime(value):%d/%m/%Y %H:%M}" if value else ""

        return {
            "label": self.number,
            "code": self.code,
            "procedure": self.procedure,
            "count": self.count,
            "applicant": self.applicant,
            "contact": self.contact,
            "deciding_agency": self.deciding_agency,
            "received": fmt(self.received_at),
            "due": fmt(self.appointment_at),
            "transferred": fmt(self.transferred_at),
            "result_received": fmt(self.result_received_at),
            "returned": fmt(self.returned_at),
            "signature": "",
            "note": self.note,
        }


def book_agencies(user: Any):
    """The agencies whose book ``user`` may read (active ones, by code)."""
    scope = stats_scope(user)
    agencies = Agency.objects.filter(is_active=True).order_by("code")
    return agencies if scope is None else agencies.filter(pk__in=scope)


def book_agency(user: Any, code: str) -> Agency:
    """The agency of code ``code`` if ``user`` may read its book (404 unknown, 403 refused)."""
    scope = stats_scope(user)
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise NotFound("unknown_agency", _("The agency does not exist."))
    if scope is not None and agency.pk not in scope:
        raise PermissionDenied("forbidden", _("You may not read this agency's tracking book."))
    return agency


def _note(dossier: Dossier) -> str:
    if dossier.state == State.STOPPED:
        return "Rút hồ sơ" if dossier.withdrawn else "Dừng xử lý"
    if dossier.state in (State.SUPPLEMENT_REQUESTED, State.SUPPLEMENT_SUBMITTED):
        return "Chờ bổ sung hồ sơ"
    return TIMELINESS_LABELS.get(dossier.timeliness, "")


def tracking_book(*, user: Any, agency: Agency, start: dt.date, end: dt.date) -> list[BookEntry]:
    """The entries of ``agency``'s book for the dossiers its desk received from ``start`` to
    ``end`` (local days, inclusive), in the order of the entry numbers."""
    scope = stats_scope(user)
    if scope is not None and agency.pk not in scope:
        raise PermissionDenied("forbidden", _("You may not read this agency's tracking book."))
    s, e = period_bounds(start, end)
    events = DossierEvent.objects.filter(dossier=OuterRef("pk"))
    dossiers = (
        Dossier.objects.filter(receiving_agency=agency, received_at__gte=s, received_at__lt=e)
        .select_related("procedure", "deciding_agency")
        .annotate(
            transferred_at=Subquery(
                events.filter(action=TRANSFER_ACTION).order_by("seq").values("at")[:1]
            ),
            withdrawn=Exists(events.filter(action=WITHDRAW_ACTION)),
        )
        .order_by("book_year", "book_number", "received_at", "pk")
    )
    return [
        BookEntry(
            number=d.book_number,
            year=d.book_year,
            code=d.code,
            procedure=d.procedure.name,
            count=1,
            applicant=d.applicant_name,
            contact=", ".join(part for part in (d.applicant_address, d.applicant_phone) if part),
            deciding_agency=d.deciding_agency.name,
            received_at=d.received_at,
            appointment_at=d.appointment_at,
            transferred_at=d.transferred_at,
            result_received_at=d.finished_at,
            returned_at=d.returned_at,
            note=_note(d),
        )
        for d in dossiers
    ]


def book_title(agency: Agency, start: dt.date, end: dt.date) -> str:
    return f"SỔ THEO DÕI HỒ SƠ – {agency.name} – từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}"


def book_to_xlsx(
    entries: list[BookEntry], *, agency: Agency, start: dt.date, end: dt.date
) -> bytes:
    """The book as an XLSX sheet: the columns of BM.06, one line per entry."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sổ theo dõi hồ sơ"
    write_table(
        sheet,
        book_title(agency, start, end),
        BOOK_COLUMNS,
        [entry.printed() for entry in entries],
        first_header="STT",
        with_total=False,
    )
    sheet.column_dimensions["A"].width = 8
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
