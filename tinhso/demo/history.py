"""Synthetic one-stop-shop history for the operations centre (``manage.py generate``).

Fills ``dossiers_dossier`` (and ``dossiers_rating``) with realistic past dossiers on the agencies
and procedures already in the database, so that dashboards, roll-ups and benchmarks have years of
data to work on. What "realistic" means here:

* volume: working days only (a trickle of online submissions on days off), more in the months
  before Tết and at the end of the year, a dip right after Tết, a yearly growth; communes weighted
  by a seeded "population", procedures by a seeded popularity (a few popular ones);
* channels: online share growing linearly (30% → 70% by default), about 2% by post, the rest at
  the counter; counter-only procedures are never online;
* lifecycle: reception (15:00 cut-off), legal deadline in working time from the procedure, clock
  stopped while the applicant supplements, early / on time / late by the domain's own rule
  (:func:`tinhso.dossiers.services.classify`), lateness worse in some agencies; a few
  refused at reception, a few withdrawn or stopped; the newest still open (some overdue);
* payment, digitisation, electronic results and national-portal sync as the Decision 766
  indicators read them, the online and digital shares growing over time;
* satisfaction ratings for a share of the returned dossiers.

Agencies: a commune-level dossier goes to a commune committee whose unit was valid on the day
(dated history), or to today's committees when the database holds no agencies for the former
units (the demo province); the service centre and the departments are the procedure's own.
Only procedures in force are used. The applicant is no account (``applicant`` empty) but a
plausible name and personal ID number; the author is the inactive user ``he-thong-sinh-du-lieu``,
which also tells synthetic dossiers from real ones.

Dossier codes follow ``{agency code}-{YYMMDD}-{seq:04d}`` with the sequence per receiving agency
and local day, claimed in blocks from :class:`~tinhso.dossiers.models.CodeCounter` exactly as
:func:`~tinhso.dossiers.services.dossier_submit` claims one number, so generated and real codes
never collide and running the generator again adds more dossiers after the existing numbers.
The tracking-book entries (BM.06) of the received dossiers are claimed the same way from
:class:`~tinhso.dossiers.models.BookCounter`, per receiving agency and year.
No process-control rows (``DossierEvent``) are written: at millions of dossiers they would be
tens of millions of rows that nothing in the operations centre reads.

Everything random comes from one ``random.Random(seed)`` and the database rows read in a fixed
order: the same seed on the same database gives the same dossiers. Times are whole seconds.
Rows are written in batches, one transaction each: ``COPY`` on PostgreSQL, ``executemany`` on
SQLite. Working time is the domain's: the working calendar
(:func:`tinhso.core.selectors.work_calendar`) in its table mode
(:meth:`~tinhso.core.workcalendar.WorkCalendar.tabulated`), and the legal time of a procedure is
:func:`tinhso.dossiers.services.procedure_duration`. Inside the generator instants are whole
seconds of local wall time since the first day (Vietnam has no daylight saving time), turned into
datetimes only to ask the calendar.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import queue
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.models import Agency, AgencyLevel
from tinhso.core.validators import CCCD_PROVINCE_PREFIXES
from tinhso.core.workcalendar import WorkCalendar
from tinhso.dossiers import services as dossier_services
from tinhso.dossiers.models import (
    STATE_TO_STATUS,
    BookCounter,
    Channel,
    CodeCounter,
    Dossier,
    Rating,
    State,
    Timeliness,
)
from tinhso.procedures.models import AgencySlot, OnlineMode, Procedure, StepAgency

SYSTEM_USERNAME = "he-thong-sinh-du-lieu"
DEFAULT_BATCH = 50_000
WRITERS = 2  # PostgreSQL writer threads: two backends ingest while Python generates
DAY = 86_400
SECOND = dt.timedelta(seconds=1)
COMMUNE = object()  # a procedure slot filled by the dossier's commune committee
MAX_ONLINE = 0.97  # some applicants always come to the desk

# The columns written, in order. Any other column the model gains later gets its default.
COLUMNS: tuple[str, ...] = (
    "id",
    "code",
    "procedure_id",
    "receiving_agency_id",
    "deciding_agency_id",
    "current_agency_id",
    "applicant_id",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_address",
    "submitted_by_id",
    "channel",
    "form_data",
    "state",
    "status",
    "current_step_id",
    "assignee_id",
    "submitted_at",
    "received_at",
    "counting_from",
    "legal_due_at",
    "appointment_at",  # no apology letters in the history: the legal due date
    "step_started_at",
    "step_due_at",
    "clock_stopped_at",
    "stopped_seconds",
    "finished_at",
    "returned_at",
    "closed_at",
    "timeliness",
    "is_overdue",
    "supplement_count",
    "extension_count",
    "fee_vnd",
    "paid_vnd",
    "paid_online",
    "state_before",
    "idempotency_key",
    "version",
    "digitised",
    "electronic_result",
    "synced_version",
    "portal_version",
    "book_year",
    "book_number",
)
RATING_COLUMNS = ("dossier_id", "score", "comment", "created_at")

# --- Vietnamese names (frequencies of family names roughly as published) ----------------------

FAMILY_NAMES = (
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 5), ("Phan", 4.5),
    ("Võ", 3.9), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3),
    ("Dương", 1), ("Lý", 0.5), ("Trương", 0.8), ("Đinh", 0.6), ("Mai", 0.5), ("Cao", 0.4),
    ("Lương", 0.4), ("Hà", 0.4), ("Tạ", 0.2), ("Đoàn", 0.5), ("Lâm", 0.3), ("Thái", 0.3),
)  # fmt: skip
MALE_MIDDLE = ("Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Quang", "Thành", "Công", "Xuân",
               "Ngọc", "Anh", "Đình", "Trọng", "Quốc")  # fmt: skip
FEMALE_MIDDLE = ("Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Phương",
                 "Mỹ", "Hồng", "Bảo", "Khánh", "Diệu")  # fmt: skip
MALE_GIVEN = ("An", "Bảo", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Dương", "Giang", "Hải",
              "Hiếu", "Hòa", "Hoàng", "Hùng", "Huy", "Khánh", "Khoa", "Kiên", "Lâm", "Long",
              "Lộc", "Mạnh", "Minh", "Nam", "Nghĩa", "Nhân", "Phong", "Phúc", "Quân", "Quang",
              "Sơn", "Tài", "Tâm", "Thắng", "Thành", "Thịnh", "Toàn", "Trung", "Tuấn", "Tùng",
              "Việt", "Vinh", "Vũ")  # fmt: skip
FEMALE_GIVEN = ("An", "Anh", "Châu", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng",
                "Hiền", "Hoa", "Hồng", "Huệ", "Hương", "Lan", "Liên", "Linh", "Loan", "Mai",
                "My", "Nga", "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quyên", "Tâm", "Thảo",
                "Thu", "Thủy", "Trang", "Trinh", "Tuyết", "Uyên", "Vân", "Vy", "Yến")  # fmt: skip
PHONE_PREFIXES = ("090", "091", "093", "094", "096", "097", "098", "086", "088", "089", "032",
                  "033", "034", "035", "036", "037", "038", "039", "070", "076", "077", "078",
                  "079", "081", "082", "083", "084", "085")  # fmt: skip
COMPLAINTS = (
    "Thời gian giải quyết còn chậm.",
    "Cán bộ hướng dẫn chưa rõ ràng.",
    "Phải bổ sung hồ sơ nhiều lần.",
    "Phải đi lại nhiều lần.",
)
PRAISES = (
    "Cán bộ nhiệt tình, chu đáo.",
    "Giải quyết nhanh, đúng hẹn.",
    "Thủ tục đơn giản, thuận tiện.",
)
# Hour-of-day weights: counter submissions follow office hours; online ones the waking day.
COUNTER_HOURS = ((7.5, 8, 0.6), (8, 9, 1.2), (9, 10, 1.3), (10, 11, 1.1), (11, 11.5, 0.5),
                 (13.5, 14, 0.6), (14, 15, 1.0), (15, 16, 0.8), (16, 16.75, 0.4))  # fmt: skip
ONLINE_HOURS = (0.1, 0.05, 0.03, 0.03, 0.05, 0.2, 0.5, 1.0, 1.5, 1.6, 1.5, 1.2, 0.8, 0.9, 1.3,
                1.4, 1.3, 1.0, 0.7, 0.9, 1.1, 1.0, 0.6, 0.3)  # fmt: skip
MONTH_FACTOR = (1.15, 0.9, 1.0, 0.95, 1.0, 1.0, 0.95, 1.0, 1.0, 1.05, 1.12, 1.22)


@dataclass
class GenerateResult:
    dossiers: int = 0
    ratings: int = 0
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    batches: int = 0
    seconds: float = 0.0
    by_state: dict[str, int] = field(default_factory=dict)
    online_share_by_year: dict[int, float] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.dossiers / self.seconds if self.seconds else 0.0


# --- the inputs read from the database ----------------------------------------------------------


@dataclass
class _Commune:
    agency_id: int
    code: str
    address: str  # "<village word> {n}, <commune name>"
    valid_from: dt.date | None
    valid_to: dt.date | None
    current: bool
    population: float


@dataclass
class _Procedure:
    id: int
    online_factor: float  # 0 for counter-only procedures
    commune: bool  # the commune committee receives or decides
    receiving: tuple[int, str] | None  # (agency id, code); None: the commune committee
    deciding: int | None  # agency id; None: the commune committee
    duration: int  # legal processing time, working seconds
    fee: int
    steps: list[tuple[int, bool, float]]  # (step id, at the receiving agency, cumulative share)
    weight: float = 1.0


def _agency_valid(valid_from: dt.date | None, valid_to: dt.date | None, day: dt.date) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)


def _system_user_id() -> int:
    user_model = get_user_model()
    user = user_model.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = user_model(username=SYSTEM_USERNAME, first_name="Hệ thống sinh dữ liệu")
        user.is_active = False
        user.set_unusable_password()
        user.save()
    return user.pk


@dataclass
class _Day:
    """The shares and choices that depend on the day."""

    index: int
    working: bool
    yymmdd: str
    online_target: float
    online_multiplier: float  # × a procedure's online factor = its online probability
    post: float  # probability of the post among the dossiers not submitted online
    digitise: float
    electronic: float
    pay_online: float
    counter_pay_online: float
    rate: float
    late_trend: float
    communes: list[_Commune]
    commune_cum: list[float]
    proc_cum: list[float]


class _Plan(NamedTuple):
    """Working times are seconds of working time after the counting start."""

    work: int  # working seconds of actual work
    windows: list[tuple[int, int]]  # supplement waits
    w_finish: int
    finish: dt.datetime
    close_w: int | None  # withdrawn or stopped then (None: never)


class _Life:
    """The lifecycle facts of one dossier; instants as local seconds, ``None`` if not (yet)."""

    __slots__ = (
        "clock_stopped", "closed", "counting", "current_id", "due", "electronic", "finished",
        "last_event", "overdue", "paid", "paid_online", "rating", "received", "returned",
        "state", "state_before", "step_due", "step_id", "step_started", "stopped_seconds",
        "supplements", "timeliness", "version",
    )  # fmt: skip

    def __init__(self, current_id: int, submitted: int) -> None:
        self.state = State.SUBMITTED
        self.received = self.counting = self.due = self.step_started = self.step_due = None
        self.clock_stopped = self.finished = self.returned = self.closed = None
        self.stopped_seconds = self.overdue = self.supplements = 0
        self.paid = self.paid_online = self.electronic = 0
        self.timeliness = self.state_before = ""
        self.step_id = None
        self.current_id = current_id
        self.version = 1
        self.last_event = submitted
        self.rating: tuple[int, str, int] | None = None


# --- the generator ------------------------------------------------------------------------------


class HistoryGenerator:
    """Builds the rows; :func:`generate_history` drives it and writes them."""

    def __init__(
        self, *, total: int, first: dt.date, end: dt.date, seed: int, calendar: WorkCalendar
    ) -> None:
        self.total = total
        self.first = first
        self.end = end
        self.rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
        self.span_days = (end - first).days
        self.days_ahead = self.span_days + 3 * 366  # dossiers finish up to years after ``end``
        last = first + dt.timedelta(self.days_ahead - 1)
        self.calendar = calendar.tabulated(first, last)
        self.working = [
            calendar.is_working_day(first + dt.timedelta(i)) for i in range(self.days_ahead)
        ]
        self.length = calendar.working_day_length // SECOND
        self.base = dt.datetime.combine(first, dt.time.min, calendar.tz)
        self.now_t = self.span_days * DAY  # local midnight of ``end``: the state is as of then
        self.now = self.at(self.now_t)
        self.pg = connection.vendor == "postgresql"
        offset = calendar.tz.utcoffset(dt.datetime.combine(first, dt.time(12)))
        self.utc_offset = int(offset.total_seconds())
        suffix = "+00" if self.pg else ""
        # Day strings for UTC dates from day -1 to the end of the calendar's table.
        self.day_strings = [
            f"{first + dt.timedelta(i):%Y-%m-%d}" for i in range(-1, self.days_ahead + 1)
        ]
        self.time_suffix = suffix
        self.user_id = _system_user_id()
        self._load()
        self._agency_params()
        self._day_volumes()

    # --- setup ----------------------------------------------------------------------------------

    def _load(self) -> None:
        rng = self.rng
        agencies = Agency.objects.select_related("unit").order_by("code")
        self.agency_codes: dict[int, str] = {a.pk: a.code for a in agencies}
        centre = next((a for a in agencies if a.key == "service_centre" and a.is_active), None)
        self.communes: list[_Commune] = []
        for agency in agencies:
            if agency.level != AgencyLevel.COMMUNE_COMMITTEE:
                continue
            unit = agency.unit
            village = "Tổ dân phố" if unit.kind == "phuong" else "Thôn"
            self.communes.append(
                _Commune(
                    agency_id=agency.pk,
                    code=agency.code,
                    address=f"{village} {{n}}, {unit.name}",
                    valid_from=unit.valid_from,
                    valid_to=unit.valid_to,
                    current=agency.is_active and unit.valid_to is None,
                    population=math.exp(rng.gauss(0, 0.8)),
                )
            )
        self.procedures: list[_Procedure] = []
        queryset = (
            Procedure.objects.filter(is_active=True)
            .select_related("receiving_department", "deciding_department")
            .prefetch_related("steps")
            .order_by("code")
        )
        for proc in queryset:
            commune = AgencySlot.COMMUNE_COMMITTEE in (proc.receiving_slot, proc.deciding_slot)
            if commune and not self.communes:
                continue
            receiving = self._slot(proc.receiving_slot, proc.receiving_department, centre)
            deciding = self._slot(proc.deciding_slot, proc.deciding_department, centre)
            if receiving is None or deciding is None:
                continue  # a slot names no active agency
            duration = round(dossier_services.procedure_duration(proc, self.calendar) / SECOND)
            steps, cumulative = [], 0.0
            ordered = sorted(proc.steps.all(), key=lambda s: s.order)
            total_share = sum(float(s.share) for s in ordered) or 1.0
            for step in ordered:
                cumulative += float(step.share) / total_share
                steps.append((step.pk, step.agency == StepAgency.RECEIVING, cumulative))
            factor = {OnlineMode.FULL: 1.25, OnlineMode.PARTIAL: 0.8}.get(proc.online_mode, 0.0)
            self.procedures.append(
                _Procedure(
                    id=proc.pk,
                    online_factor=factor,
                    commune=commune,
                    receiving=None if receiving is COMMUNE else (receiving.pk, receiving.code),
                    deciding=None if deciding is COMMUNE else deciding.pk,
                    duration=duration,
                    fee=proc.fee_vnd,
                    steps=steps,
                )
            )
        if not self.procedures:
            raise ValueError(_("No active procedure can be resolved to its agencies."))
        # Popularity: a seeded Zipf law over a shuffled order; commune procedures are busier.
        order = list(range(len(self.procedures)))
        rng.shuffle(order)
        for rank, index in enumerate(order):
            proc = self.procedures[index]
            proc.weight = (1.0 / (rank + 1) ** 1.1) * (2.0 if proc.commune else 1.0)
        total = sum(p.weight for p in self.procedures)
        self.proc_cum = list(_cumulative(p.weight / total for p in self.procedures))
        online = [p.weight if p.online_factor else 0.0 for p in self.procedures]
        self.online_proc_cum = list(_cumulative(online))
        self.has_online = any(online)
        self._multipliers: dict[float, float] = {}
        self.family_cum = list(_cumulative(w for _n, w in FAMILY_NAMES))
        prefixes = sorted(CCCD_PROVINCE_PREFIXES)
        local = {"044": 60.0, "045": 30.0}
        self.prefixes = prefixes
        self.prefix_cum = list(_cumulative(local.get(p, 10.0 / len(prefixes)) for p in prefixes))
        self.counter_hours = [(a, b) for a, b, _w in COUNTER_HOURS]
        self.counter_hours_cum = list(_cumulative(w for _a, _b, w in COUNTER_HOURS))
        self.online_hours_cum = list(_cumulative(ONLINE_HOURS))
        self._commune_cache: dict[tuple[int, ...], tuple[list[_Commune], list[float]]] = {}

    @staticmethod
    def _slot(slot: str, department: Agency | None, centre: Agency | None) -> Any:
        """The agency of a slot; ``COMMUNE`` for the dossier's commune committee."""
        if slot == AgencySlot.COMMUNE_COMMITTEE:
            return COMMUNE
        if slot == AgencySlot.SERVICE_CENTRE:
            return centre
        if slot == AgencySlot.DEPARTMENT and department is not None and department.is_active:
            return department
        return None

    def _online_multiplier(self, target: float) -> float:
        """The multiplier m with sum(weight × min(MAX_ONLINE, m × factor)) = target: the
        overall online share then follows the target although some procedures cap early."""
        cached = self._multipliers.get(target)
        if cached is not None:
            return cached
        procs = self.procedures
        total = sum(p.weight for p in procs)

        def share(m: float) -> float:
            return sum(p.weight * min(MAX_ONLINE, m * p.online_factor) for p in procs) / total

        low, high = 0.0, 100.0
        for _step in range(40):
            middle = (low + high) / 2
            low, high = (middle, high) if share(middle) < target else (low, middle)
        self._multipliers[target] = high
        return high

    def _agency_params(self) -> None:
        """Per deciding agency: how often late, how satisfied its applicants are."""
        rng = self.rng
        self.late_rate: dict[int, float] = {}
        self.unhappy_rate: dict[int, float] = {}
        for agency_id in sorted(self.agency_codes):
            bad = rng.random() < 0.2
            late = rng.uniform(0.08, 0.2) if bad else rng.uniform(0.01, 0.05)
            self.late_rate[agency_id] = late
            self.unhappy_rate[agency_id] = min(0.2, rng.uniform(0.06, 0.11) + 0.3 * late)

    def _communes_on(self, day: dt.date) -> tuple[list[_Commune], list[float]]:
        valid = [c for c in self.communes if _agency_valid(c.valid_from, c.valid_to, day)]
        if not valid:  # no dated history of agencies: the current ones
            valid = [c for c in self.communes if c.current] or self.communes
        key = tuple(c.agency_id for c in valid)
        cached = self._commune_cache.get(key)
        if cached is None:
            total = sum(c.population for c in valid)
            cached = (valid, list(_cumulative(c.population / total for c in valid)))
            self._commune_cache[key] = cached
        return cached

    def _day_volumes(self) -> None:
        """How many dossiers each day gets (largest remainder: the counts add up exactly)."""
        rng = self.rng
        n = self.span_days
        tet = self._tet_days()
        weights = []
        for i in range(n):
            day = self.first + dt.timedelta(i)
            years = i / 365.25
            w = MONTH_FACTOR[day.month - 1] * 1.08**years * rng.uniform(0.85, 1.15)
            if self.working[i]:
                w *= (1.1, 1.0, 1.0, 1.0, 0.95, 1.0, 1.0)[day.weekday()]
            else:  # days off: a trickle of online submissions
                w *= 0.03 if self.has_online else 0.0
            w *= tet.get(i, 1.0)
            weights.append(w)
        total = sum(weights) or 1.0
        exact = [self.total * w / total for w in weights]
        counts = [int(x) for x in exact]
        missing = self.total - sum(counts)
        by_remainder = sorted(range(n), key=lambda i: (counts[i] - exact[i], i))
        for i in by_remainder[:missing]:
            counts[i] += 1
        self.day_counts = counts

    def _tet_days(self) -> dict[int, float]:
        """Volume factors around Tết: the longest run of days off between 10 Jan and 28 Feb."""
        factors: dict[int, float] = {}
        working, days = self.working, self.days_ahead
        for year in range(self.first.year, self.end.year + 1):
            lo = (dt.date(year, 1, 10) - self.first).days
            hi = (dt.date(year, 2, 28) - self.first).days
            best, run_start = (0, 0), None
            for i in range(max(lo, 0), min(hi, days - 1) + 1):
                if not working[i]:
                    run_start = i if run_start is None else run_start
                    if i - run_start + 1 > best[1] - best[0]:
                        best = (run_start, i + 1)
                else:
                    run_start = None
            if best[1] - best[0] < 4:
                continue
            start, stop = best
            for i in range(start, stop):
                factors[i] = 0.3
            working_before = [i for i in range(start - 40, start) if i >= 0 and working[i]]
            for i in working_before[-10:]:
                factors[i] = 1.4
            for i in working_before[-20:-10]:
                factors[i] = 1.15
            after = [i for i in range(stop, stop + 15) if i < days and working[i]]
            for i in after[:5]:
                factors[i] = 0.6
        return factors

    # --- time -----------------------------------------------------------------------------------

    def at(self, t: int) -> dt.datetime:
        """Local seconds → an aware datetime for the calendar."""
        return self.base + dt.timedelta(seconds=t)

    def seconds(self, instant: dt.datetime) -> int:
        """An aware datetime of the calendar → local seconds."""
        return (instant - self.base) // SECOND

    def after(self, start: dt.datetime, working_seconds: int) -> dt.datetime:
        """``working_seconds`` of working time after ``start`` (the calendar's rule)."""
        return self.calendar.add_working_time(start, dt.timedelta(seconds=working_seconds))

    # --- formatting -----------------------------------------------------------------------------

    def fmt(self, t: int | None) -> str | None:
        """Local seconds → the UTC timestamp text both databases store."""
        if t is None:
            return None
        day, s = divmod(t - self.utc_offset, DAY)
        return (
            f"{self.day_strings[day + 1]} {s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
            f"{self.time_suffix}"
        )

    # --- the rows -------------------------------------------------------------------------------

    def days(self) -> Iterator[tuple[int, list[list[Any]], list[tuple]]]:
        """Yield (day index, dossier rows, ratings) day by day.

        A row's ``id`` and ``code`` are filled in at write time: until then ``row[0]`` holds
        (receiving agency id, agency code, YYMMDD, sequence within the day). A rating is (row
        index in the day, score, comment, created_at as local seconds)."""
        for i, count in enumerate(self.day_counts):
            if count:
                rows, ratings = self._day(i, count)
                yield i, rows, ratings

    def _day(self, i: int, count: int) -> tuple[list[list[Any]], list[tuple]]:
        day = self.first + dt.timedelta(i)
        progress = i / max(1, self.span_days - 1)  # 0 → 1 over the period
        communes, commune_cum = self._communes_on(day)
        working = self.working[i]
        ctx = _Day(
            index=i,
            working=working,
            yymmdd=f"{day:%y%m%d}",
            online_target=0.30 + 0.40 * progress,
            online_multiplier=self._online_multiplier(round(0.30 + 0.40 * progress, 3)),
            post=min(0.5, 0.02 / max(0.05, 0.70 - 0.40 * progress)),
            digitise=0.25 + 0.6 * progress,
            electronic=0.15 + 0.6 * progress,
            pay_online=0.15 + 0.6 * progress,
            counter_pay_online=0.05 + 0.15 * progress,
            rate=0.08 + 0.22 * progress,
            late_trend=1.3 - 0.6 * progress,
            communes=communes,
            commune_cum=commune_cum,
            proc_cum=self.proc_cum if working else self.online_proc_cum,
        )
        items = [self._dossier(ctx) for _n in range(count)]
        # Sequence numbers in submission order, per receiving agency.
        items.sort(key=lambda item: item[0])
        seqs: dict[int, int] = defaultdict(int)
        rows, ratings = [], []
        for index, (_submitted, row, rating) in enumerate(items):
            agency_id, agency_code = row[0]
            seqs[agency_id] += 1
            row[0] = (agency_id, agency_code, ctx.yymmdd, seqs[agency_id])
            rows.append(row)
            if rating is not None:
                ratings.append((index, *rating))
        return rows, ratings

    def _dossier(self, ctx: _Day) -> tuple[int, list[Any], tuple | None]:
        rnd = self.rng.random
        proc = self.procedures[bisect.bisect(ctx.proc_cum, rnd() * ctx.proc_cum[-1])]
        commune = ctx.communes[bisect.bisect(ctx.commune_cum, rnd() * ctx.commune_cum[-1])]
        receiving_id, receiving_code = proc.receiving or (commune.agency_id, commune.code)
        deciding_id = proc.deciding or commune.agency_id
        online_p = min(MAX_ONLINE, ctx.online_multiplier * proc.online_factor)
        if not ctx.working or rnd() < online_p:  # days off: online only
            channel = Channel.ONLINE
        else:
            channel = Channel.POST if rnd() < ctx.post else Channel.COUNTER
        online = channel == Channel.ONLINE
        submitted = ctx.index * DAY + self._time_of_day(online)
        life = self._life(ctx, proc, receiving_id, deciding_id, channel, submitted)
        synced = life.version
        if life.last_event > self.now_t - 3 * DAY and rnd() < 0.25:
            synced = max(0, life.version - 1 - int(rnd() * 2))  # the portal lags a little
        fmt = self.fmt
        row = [
            (receiving_id, receiving_code),  # → id
            None,  # → code
            proc.id,
            receiving_id,
            deciding_id,
            life.current_id,
            None,  # applicant: none (no citizen accounts for history)
            self._name(),
            self._id_number(),
            self._phone(),
            commune.address.format(n=1 + int(rnd() * 12)),
            self.user_id,
            int(channel),
            "{}",
            str(life.state),
            int(STATE_TO_STATUS[life.state]),
            life.step_id,
            None,  # assignee
            fmt(submitted),
            fmt(life.received),
            fmt(life.counting),
            fmt(life.due),
            fmt(life.due),
            fmt(life.step_started),
            fmt(life.step_due),
            fmt(life.clock_stopped),
            life.stopped_seconds,
            fmt(life.finished),
            fmt(life.returned),
            fmt(life.closed),
            str(life.timeliness),
            life.overdue,
            life.supplements,
            0,  # extension_count
            proc.fee,
            life.paid,
            life.paid_online,
            str(life.state_before),
            "",  # idempotency_key
            life.version,
            1 if online else int(rnd() < ctx.digitise),
            life.electronic,
            synced,
            life.version,  # portal_version: one message per version in the generated history
            # The desk's tracking book (BM.06): the year now, the number at write time.
            self.at(life.received).year if life.received is not None else None,
            None,
        ]
        return submitted, row, life.rating

    def _time_of_day(self, online: bool) -> int:
        rnd = self.rng.random
        if online:
            hour = bisect.bisect(self.online_hours_cum, rnd() * self.online_hours_cum[-1])
            return hour * 3600 + int(rnd() * 3600)
        a, b = self.counter_hours[
            bisect.bisect(self.counter_hours_cum, rnd() * self.counter_hours_cum[-1])
        ]
        return int((a + (b - a) * rnd()) * 3600)

    def _life(
        self,
        ctx: _Day,
        proc: _Procedure,
        receiving_id: int,
        deciding_id: int,
        channel: int,
        submitted: int,
    ) -> _Life:
        """Everything that happened to the dossier up to the snapshot (local midnight of end)."""
        rng = self.rng
        online = channel == Channel.ONLINE
        life = _Life(receiving_id, submitted)
        if channel == Channel.COUNTER:  # received at the desk while the applicant waits
            received = submitted + 60 + int(rng.random() * 1200)
        else:
            delay = 300 + int(min(3.0, rng.expovariate(3.0)) * self.length)
            received = self.seconds(self.after(self.at(submitted), delay))
        refused = rng.random() < (0.02 if online else 0.006)
        if received > self.now_t:
            life.state = State.SUBMITTED
            return life
        if refused:
            life.state = State.REFUSED
            life.closed = life.last_event = received
            life.version = 2
            return life
        life.received = received
        counting = self.calendar.counting_start(self.at(received))
        life.counting = self.seconds(counting)
        elapsed = self.calendar.working_time_between(counting, self.now) // SECOND
        plan = self._plan(ctx, proc, deciding_id, counting)
        if proc.fee:
            life.paid = proc.fee
            share = ctx.pay_online if online else ctx.counter_pay_online
            life.paid_online = int(rng.random() < share)
        if plan.close_w is not None and plan.close_w <= elapsed:
            self._stopped(life, proc, plan, counting)
        elif plan.finish > self.now or plan.close_w is not None:
            self._open(life, proc, plan, deciding_id, counting, elapsed)
        else:
            self._resolved(ctx, life, proc, plan, deciding_id, online, counting)
        return life

    def _plan(self, ctx: _Day, proc: _Procedure, deciding_id: int, counting: dt.datetime) -> _Plan:
        """How long the work takes, when the applicant is asked to supplement, how it ends."""
        rng = self.rng
        rnd, uniform = rng.random, rng.uniform
        length = self.length
        roll = rnd()
        late = self.late_rate[deciding_id] * ctx.late_trend
        if roll < 0.004:  # stuck for a long time
            ratio = uniform(3.0, 10.0)
        elif roll < 0.004 + late:
            ratio = uniform(1.02, 1.6) if rnd() < 0.9 else uniform(1.6, 3.5)
        elif rnd() < 0.6:
            ratio = uniform(0.15, 0.8)
        else:
            ratio = uniform(0.8, 1.0)
        work = max(600, int(proc.duration * ratio))
        roll = rnd()
        supplements = 0 if roll >= 0.105 else (1 if roll < 0.08 else 2)
        windows: list[tuple[int, int]] = []  # clock stopped
        position, done = 0, 0
        for _supplement in range(supplements):
            at = max(done, int(work * uniform(0.1, 0.7)))
            position += at - done
            done = at
            wait = int(length * uniform(0.5, 8.0))
            windows.append((position, position + wait))
            position += wait
        w_finish = position + work - done
        close_w = int(work * uniform(0.1, 0.8)) if rnd() < 0.012 else None
        return _Plan(work, windows, w_finish, self.after(counting, w_finish), close_w)

    def _stopped(self, life: _Life, proc: _Procedure, plan: _Plan, counting: dt.datetime) -> None:
        """Withdrawn by the applicant (and confirmed), or stopped by the leader."""
        rnd, after, seconds = self.rng.random, self.after, self.seconds
        withdrawn = rnd() < 0.7
        request_w = max(1, plan.close_w - int(self.length * (0.05 + 0.95 * rnd())))
        if not withdrawn:
            request_w = plan.close_w
        completed = [(a, b) for a, b in plan.windows if b <= request_w]
        life.state = State.STOPPED
        life.state_before = State.PROCESSING
        life.clock_stopped = seconds(after(counting, request_w))
        life.closed = life.last_event = seconds(after(counting, plan.close_w))
        life.stopped_seconds = sum(b - a for a, b in completed)
        life.supplements = sum(1 for a, _b in plan.windows if a <= request_w)
        life.due = seconds(after(counting, proc.duration + life.stopped_seconds))
        steps_done = len(proc.steps) // 2
        life.version = 2 + steps_done + 3 * len(completed) + (2 if withdrawn else 1)

    def _open(
        self,
        life: _Life,
        proc: _Procedure,
        plan: _Plan,
        deciding_id: int,
        counting: dt.datetime,
        elapsed: int,
    ) -> None:
        """Still being processed at the snapshot: at some step, or waiting for a supplement."""
        after, seconds, duration = self.after, self.seconds, proc.duration
        completed = [(a, b) for a, b in plan.windows if b <= elapsed]
        waiting = [(a, b) for a, b in plan.windows if a <= elapsed < b]
        life.stopped_seconds = sum(b - a for a, b in completed)
        life.supplements = len(completed) + len(waiting)
        life.due = seconds(after(counting, duration + life.stopped_seconds))
        until = waiting[0][0] if waiting else elapsed
        share = (until - life.stopped_seconds) / duration if duration else 1.0
        steps, index = proc.steps, 0
        while index < len(steps) - 1 and steps[index][2] <= share:
            index += 1
        if steps:
            life.step_id, at_receiving, cumulative = steps[index]
            previous = steps[index - 1][2] if index else 0.0
            life.current_id = life.current_id if at_receiving else deciding_id
            life.step_started = (
                seconds(after(counting, max(1, int(previous * duration))))
                if index
                else life.counting
            )
            life.step_due = seconds(
                after(counting, max(1, int(cumulative * duration)) + life.stopped_seconds)
            )
        if waiting:
            life.state = State.SUPPLEMENT_REQUESTED
            life.state_before = State.PROCESSING
            life.clock_stopped = seconds(after(counting, waiting[0][0]))
        elif index == 0 and elapsed < self.length // 8:
            life.state = State.RECEIVED
        else:
            life.state = State.PROCESSING
        life.overdue = int(
            life.state in (State.RECEIVED, State.PROCESSING) and life.due < self.now_t
        )
        life.version = 2 + index + 3 * len(completed) + (1 if waiting else 0)
        life.last_event = max(life.received, life.step_started or 0, life.clock_stopped or 0)

    def _resolved(
        self,
        ctx: _Day,
        life: _Life,
        proc: _Procedure,
        plan: _Plan,
        deciding_id: int,
        online: bool,
        counting: dt.datetime,
    ) -> None:
        """Finished (early, on time or late), returned unless the return is after the snapshot,
        and perhaps rated."""
        rng = self.rng
        rnd = rng.random
        life.stopped_seconds = sum(b - a for a, b in plan.windows)
        life.supplements = len(plan.windows)
        due = self.after(counting, proc.duration + life.stopped_seconds)
        life.due = self.seconds(due)
        life.finished = life.last_event = self.seconds(plan.finish)
        life.timeliness = dossier_services.classify(plan.finish, due, supplements=life.supplements)
        life.electronic = int(rnd() < ctx.electronic * (1.15 if online else 0.9))
        if life.electronic and online:  # sent back through the portal
            back = 60 + int(self.length * 0.2 * rnd())
        else:  # the applicant comes to the desk
            back = 60 + int(min(10.0, rng.expovariate(1.0)) * self.length)
        returned = self.seconds(self.after(counting, plan.w_finish + back))
        life.version = 2 + len(proc.steps) + 3 * life.supplements
        if returned > self.now_t:
            life.state = State.FINISHED
            return
        life.state = State.RETURNED
        life.returned = life.closed = life.last_event = returned
        life.version += 1
        if rnd() >= ctx.rate * (1.3 if online else 0.8):
            return
        rated = returned + 300 + int(rnd() * rnd() * 3 * DAY)
        if rated >= self.now_t:
            return
        unhappy = self.unhappy_rate[deciding_id]
        if life.timeliness == Timeliness.LATE:
            unhappy = min(0.6, unhappy * 3)
        if rnd() < unhappy:
            score = Rating.Score.DISSATISFIED
            comment = COMPLAINTS[int(rnd() * len(COMPLAINTS))] if rnd() < 0.4 else ""
        else:
            score = Rating.Score.VERY_SATISFIED if rnd() < 0.55 else Rating.Score.SATISFIED
            comment = PRAISES[int(rnd() * len(PRAISES))] if rnd() < 0.1 else ""
        life.rating = (int(score), comment, rated)
        life.version += 1
        life.last_event = rated

    def _name(self) -> str:
        rng = self.rng
        family = FAMILY_NAMES[bisect.bisect(self.family_cum, rng.random() * self.family_cum[-1])]
        if rng.random() < 0.5:
            middle, given = rng.choice(MALE_MIDDLE), rng.choice(MALE_GIVEN)
        else:
            middle, given = rng.choice(FEMALE_MIDDLE), rng.choice(FEMALE_GIVEN)
        return f"{family[0]} {middle} {given}"

    def _id_number(self) -> str:
        rng = self.rng
        prefix = self.prefixes[bisect.bisect(self.prefix_cum, rng.random() * self.prefix_cum[-1])]
        year = 1945 + int(rng.random() * 63)
        century_sex = (0 if year < 2000 else 2) + (rng.random() < 0.5)
        return f"{prefix}{century_sex}{year % 100:02d}{int(rng.random() * 1_000_000):06d}"

    def _phone(self) -> str:
        rng = self.rng
        return (
            f"{PHONE_PREFIXES[int(rng.random() * len(PHONE_PREFIXES))]}{rng.randrange(10**7):07d}"
        )


def _cumulative(weights) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


# --- writing ------------------------------------------------------------------------------------


def _extra_columns() -> tuple[list[str], list[Any]]:
    """Columns the model has beyond :data:`COLUMNS`, written with their default value."""
    fields = {f.attname: f for f in Dossier._meta.concrete_fields}
    unknown = [name for name in COLUMNS if name not in fields]
    if unknown:
        raise RuntimeError(f"Dossier has no column {unknown}: update tinhso.demo.history.")
    names, values = [], []
    for name, f in fields.items():
        if name in COLUMNS:
            continue
        if f.has_default() or f.null:
            value = f.get_default()
        elif f.blank and isinstance(f, models.CharField | models.TextField):
            value = ""  # a text left blank, as a form would leave it
        else:
            raise RuntimeError(f"Dossier.{name} has no default: update tinhso.demo.history.")
        if isinstance(value, bool):
            value = int(value)
        elif isinstance(value, dict | list):
            import json

            value = json.dumps(value)
        names.append(f.column)
        values.append(value)
    return names, values


class _Writer:
    """Claims codes and ids, then writes one batch of rows in the current transaction."""

    def __init__(self) -> None:
        self.pg = connection.vendor == "postgresql"
        self.extra_names, self.extra_values = _extra_columns()
        column_of = {f.attname: f.column for f in Dossier._meta.concrete_fields}
        self.columns = [column_of[name] for name in COLUMNS] + self.extra_names
        self.table = Dossier._meta.db_table
        self.rating_table = Rating._meta.db_table
        self.counter_table = CodeCounter._meta.db_table
        self.book_table = BookCounter._meta.db_table
        self.agency_index = COLUMNS.index("receiving_agency_id")
        self.book_year_index = COLUMNS.index("book_year")
        self.book_number_index = COLUMNS.index("book_number")

    def claim(
        self, blocks: dict[tuple[int, Any], int], table: str = "", key: str = "day"
    ) -> dict[tuple[int, Any], int]:
        """Reserve ``n`` numbers per (agency, day) of the code counter (or per (agency, year) of
        the book counter: ``table``, ``key="year"``); returns the number before each block."""
        table = table or self.counter_table
        sql_type = "date" if key == "day" else "integer"
        keys = sorted(blocks)
        bases: dict[tuple[int, Any], int] = {}
        with connection.cursor() as cursor:
            if self.pg:
                cursor.execute(
                    f"INSERT INTO {table} (agency_id, {key}, last) "  # noqa: S608
                    f"SELECT * FROM unnest(%s::bigint[], %s::{sql_type}[], %s::integer[]) "
                    f"ON CONFLICT (agency_id, {key}) DO UPDATE SET last = {table}.last + "
                    f"EXCLUDED.last RETURNING agency_id, {key}, last",
                    [[k[0] for k in keys], [k[1] for k in keys], [blocks[k] for k in keys]],
                )
                for agency_id, value, last in cursor.fetchall():
                    bases[(agency_id, value)] = last - blocks[(agency_id, value)]
            else:
                for k in keys:
                    value = k[1].isoformat() if key == "day" else k[1]
                    cursor.execute(
                        f"INSERT INTO {table} (agency_id, {key}, last) VALUES (%s, %s, %s) "  # noqa: S608
                        f"ON CONFLICT (agency_id, {key}) DO UPDATE SET last = {table}.last + "
                        "excluded.last RETURNING last",
                        [k[0], value, blocks[k]],
                    )
                    bases[k] = cursor.fetchone()[0] - blocks[k]
        return bases

    def number_book(self, rows: list[list[Any]]) -> None:
        """The tracking-book entries of the received rows, in the order of the rows (days in
        order, each day in submission order), claimed per (receiving agency, year)."""
        agency_at, year_at, number_at = (
            self.agency_index,
            self.book_year_index,
            self.book_number_index,
        )
        blocks: dict[tuple[int, int], int] = defaultdict(int)
        for row in rows:
            if row[year_at] is not None:
                blocks[(row[agency_at], row[year_at])] += 1
        if not blocks:
            return
        bases = self.claim(blocks, self.book_table, "year")
        for row in rows:
            if row[year_at] is not None:
                key = (row[agency_at], row[year_at])
                bases[key] += 1
                row[number_at] = bases[key]

    def ids(self, n: int) -> list[int]:
        with connection.cursor() as cursor:
            if self.pg:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.table, n],
                )
                return [r[0] for r in cursor.fetchall()]
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.table}")  # noqa: S608
            start = cursor.fetchone()[0] + 1
            return list(range(start, start + n))

    def write(self, gen: HistoryGenerator, rows: list[list[Any]], ratings: list[tuple]) -> None:
        blocks: dict[tuple[int, dt.date], int] = defaultdict(int)
        days: dict[str, dt.date] = {}
        for row in rows:
            agency_id, _code, yymmdd, _seq = row[0]
            day = days.get(yymmdd)
            if day is None:
                day = days[yymmdd] = dt.datetime.strptime(yymmdd, "%y%m%d").date()
            blocks[(agency_id, day)] += 1
        bases = self.claim(blocks)
        self.number_book(rows)
        ids = self.ids(len(rows))
        extra = self.extra_values
        for row, pk in zip(rows, ids, strict=True):
            agency_id, code, yymmdd, seq = row[0]
            base = bases[(agency_id, days[yymmdd])]
            row[0] = pk
            row[1] = f"{code}-{yymmdd}-{base + seq:04d}"
            if extra:
                row.extend(extra)
        rating_rows = [
            (rows[index][0], score, comment, gen.fmt(created))
            for index, score, comment, created in ratings
        ]
        if self.pg:
            raw = connection.connection
            with raw.cursor() as cursor:
                columns = ", ".join(self.columns)
                with cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                if rating_rows:
                    with cursor.copy(
                        f"COPY {self.rating_table} ({', '.join(RATING_COLUMNS)}) FROM STDIN"
                    ) as copy:
                        for row in rating_rows:
                            copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(self.columns))
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {self.table} ({', '.join(self.columns)}) "  # noqa: S608
                    f"VALUES ({marks})",
                    rows,
                )
                if rating_rows:
                    cursor.executemany(
                        f"INSERT INTO {self.rating_table} ({', '.join(RATING_COLUMNS)}) "  # noqa: S608
                        "VALUES (%s, %s, %s, %s)",
                        rating_rows,
                    )


# --- the entry point ----------------------------------------------------------------------------


def default_end() -> dt.date:
    """Today in Vietnam: by default the history stops yesterday."""
    return timezone.localdate(timezone.now())


def generate_history(
    *,
    dossiers: int,
    years: int = 3,
    seed: int = 1,
    end: dt.date | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> GenerateResult:
    """Write ``dossiers`` synthetic dossiers on the days from ``end`` minus ``years`` years to
    the day before ``end`` (default: today in Vietnam). Returns counts and timings.

    One transaction per batch. On PostgreSQL, outside a transaction, a second thread (with its
    own connection) writes each batch while the next one is generated."""
    from tinhso.core.selectors import work_calendar

    today = default_end()
    end = end or today
    if end > today:
        raise ValueError(_("The history must end today at the latest (--end)."))
    if dossiers < 0 or years < 1:
        raise ValueError(_("Give a positive number of dossiers and of years."))
    try:
        first = end.replace(year=end.year - years)
    except ValueError:  # 29 February
        first = end.replace(year=end.year - years, day=28)
    began = time.perf_counter()
    result = GenerateResult(first_day=first, last_day=end - dt.timedelta(days=1))
    if dossiers == 0:
        return result
    calendar = work_calendar(years=range(first.year, end.year + 5))
    gen = HistoryGenerator(total=dossiers, first=first, end=end, seed=seed, calendar=calendar)
    writer = _Writer()
    batches = _batches(gen, batch_size, result)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        _write_pipelined(gen, writer, batches, result, progress)
    else:
        for rows, ratings in batches:
            with transaction.atomic():
                writer.write(gen, rows, ratings)
            result.batches += 1
            if progress:
                progress(result.dossiers, dossiers)
    result.seconds = time.perf_counter() - began
    from tinhso.core.audit import audit_record

    with transaction.atomic():
        audit_record(
            actor=None,
            action="ioc.generate",
            object_type="dossiers",
            object_repr=f"{result.dossiers} synthetic dossiers",
            after={
                "dossiers": result.dossiers,
                "ratings": result.ratings,
                "seed": seed,
                "from": first.isoformat(),
                "to": result.last_day.isoformat(),
            },
        )
    return result


def _batches(
    gen: HistoryGenerator, batch_size: int, result: GenerateResult
) -> Iterator[tuple[list[list[Any]], list[tuple]]]:
    """Whole days of rows, at least ``batch_size`` rows a batch; tallies ``result``."""
    by_state: dict[str, int] = defaultdict(int)
    online_by_year: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    state_index, channel_index = COLUMNS.index("state"), COLUMNS.index("channel")
    rows: list[list[Any]] = []
    ratings: list[tuple] = []
    for i, day_rows, day_ratings in gen.days():
        tally = online_by_year[(gen.first + dt.timedelta(i)).year]
        for row in day_rows:
            by_state[row[state_index]] += 1
            tally[0] += 1
            tally[1] += row[channel_index] == Channel.ONLINE
        offset = len(rows)
        rows.extend(day_rows)
        ratings.extend((index + offset, *rest) for index, *rest in day_ratings)
        if len(rows) >= batch_size:
            result.dossiers += len(rows)
            result.ratings += len(ratings)
            yield rows, ratings
            rows, ratings = [], []
    if rows:
        result.dossiers += len(rows)
        result.ratings += len(ratings)
        yield rows, ratings
    result.by_state = dict(sorted(by_state.items()))
    result.online_share_by_year = {
        year: round(online / n, 3) for year, (n, online) in sorted(online_by_year.items())
    }


def _write_pipelined(
    gen: HistoryGenerator,
    writer: _Writer,
    batches: Iterator[tuple[list[list[Any]], list[tuple]]],
    result: GenerateResult,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Generate in this thread while another thread writes (PostgreSQL works meanwhile)."""
    pending: queue.Queue = queue.Queue(maxsize=1)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while (batch := pending.get()) is not None:
                if errors:
                    continue  # drain until the end marker
                try:
                    with transaction.atomic():
                        writer.write(gen, *batch)
                except BaseException as exc:
                    errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, name=f"generate-writer-{n}", daemon=True)
        for n in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    try:
        for batch in batches:
            if errors:
                break
            pending.put(batch)
            result.batches += 1
            if progress:
                progress(result.dossiers, gen.total)
    finally:
        for _thread in threads:
            pending.put(None)
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]


def rebuild_rollups() -> float | None:
    """Run ``tinhso.ioc.rollup.rebuild()`` when it exists; returns its duration in seconds."""
    try:
        from tinhso.ioc import rollup
    except ImportError:
        return None
    rebuild = getattr(rollup, "rebuild", None)
    if rebuild is None:
        return None
    began = time.perf_counter()
    rebuild()
    return time.perf_counter() - began


def analyze() -> None:
    """Refresh the planner's statistics after a bulk load (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Dossier, Rating, CodeCounter, BookCounter):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
