"""``manage.py generate``: synthetic history that is consistent with the dossier model."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from tinhso.core.models import Agency, ApplicantProfile
from tinhso.core.selectors import work_calendar
from tinhso.core.validators import validate_personal_id
from tinhso.core.workcalendar import DEFAULT_TZ as LOCAL_TZ
from tinhso.demo.history import SYSTEM_USERNAME, generate_history
from tinhso.dossiers import services
from tinhso.dossiers.models import (
    STATE_TO_STATUS,
    BookCounter,
    Channel,
    CodeCounter,
    Dossier,
    DossierEvent,
    Rating,
    State,
)
from tinhso.procedures.models import Procedure
from tinhso.testing.worlds import module_world

pytestmark = [pytest.mark.django_db, pytest.mark.pg]

END = dt.date(2026, 3, 1)  # three years back reaches before the 1 July 2025 merger
CODE = re.compile(r"^(?P<agency>[A-Z0-9.]+)-(?P<day>\d{6})-(?P<seq>\d{4,})$")


def _demo_province() -> None:
    call_command("load_demo", "--quiet-accounts", verbosity=0, stdout=StringIO())


# The demo province without its own synthetic history (module worlds are built without it), loaded
# once for the module; each test generates its own history in its savepoint.
_demo_built, demo = module_world(_demo_province, "demo")


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value, LOCAL_TZ)


def _generation_moment(end: dt.date) -> dt.datetime:
    return dt.datetime.combine(end, dt.time(), tzinfo=LOCAL_TZ)


def _code_groups() -> dict[tuple[int, dt.date], list[int]]:
    groups: dict[tuple[int, dt.date], list[int]] = defaultdict(list)
    for code, agency_id in Dossier.objects.values_list("code", "receiving_agency_id"):
        match = CODE.match(code)
        day = dt.datetime.strptime(match["day"], "%y%m%d").date()
        groups[(agency_id, day)].append(int(match["seq"]))
    return groups


# --- one generation, checked field by field ----------------------------------------------------


def test_generated_history_is_consistent(demo):
    result = generate_history(dossiers=3000, years=3, seed=11, end=END, batch_size=1000)
    assert result.dossiers == Dossier.objects.count() == 3000
    assert result.batches >= 3
    assert DossierEvent.objects.count() == 0  # none by design
    snapshot = _generation_moment(END)
    first = _generation_moment(dt.date(2023, 3, 1))
    calendar = work_calendar()
    system = get_user_model().objects.get(username=SYSTEM_USERNAME)
    assert not system.is_active
    agency_codes = dict(Agency.objects.values_list("pk", "code"))
    procedures = {p.pk: p for p in Procedure.objects.all()}
    channels: Counter = Counter()
    online_by_year: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    states: Counter = Counter()
    for d in Dossier.objects.all():
        states[d.state] += 1
        channels[d.channel] += 1
        year = _local(d.submitted_at).year
        online_by_year[year][0] += 1
        online_by_year[year][1] += d.channel == Channel.ONLINE
        # Code: receiving agency, local day of submission, sequence.
        match = CODE.match(d.code)
        assert match, d.code
        assert match["agency"] == agency_codes[d.receiving_agency_id]
        assert match["day"] == f"{_local(d.submitted_at):%y%m%d}"
        assert first <= d.submitted_at < snapshot
        # The applicant and the author.
        assert d.applicant_id is None and d.submitted_by_id == system.pk
        validate_personal_id(d.applicant_id_number)
        assert len(d.applicant_name.split()) >= 3 and d.form_data == {}
        # Status and lifecycle.
        assert d.status == STATE_TO_STATUS[d.state]
        assert d.version >= 1 and d.synced_version <= d.version
        procedure = procedures[d.procedure_id]
        assert procedure.is_active and d.fee_vnd == procedure.fee_vnd
        if d.channel == Channel.ONLINE:
            assert d.digitised and procedure.online_mode != "counter"
        if d.state in (State.SUBMITTED, State.REFUSED):
            assert d.received_at is None and d.legal_due_at is None and d.paid_vnd == 0
            assert (d.closed_at is not None) == (d.state == State.REFUSED)
            continue
        assert d.submitted_at <= d.received_at < snapshot
        assert d.paid_vnd == d.fee_vnd
        assert d.counting_from == calendar.counting_start(d.received_at)
        allowed = services.procedure_duration(procedure, calendar)
        stopped = dt.timedelta(seconds=d.stopped_seconds)
        assert d.legal_due_at == calendar.add_working_time(d.counting_from, allowed + stopped)
        assert d.legal_due_at > d.counting_from
        assert d.appointment_at == d.legal_due_at  # the history has no apology letters
        if d.state in (State.FINISHED, State.RETURNED):
            assert d.received_at < d.finished_at < snapshot
            assert d.timeliness == services.classify(
                d.finished_at, d.legal_due_at, supplements=d.supplement_count
            )
            assert not d.is_overdue and d.current_step_id is None
            assert d.current_agency_id == d.receiving_agency_id
        else:
            assert d.finished_at is None and d.timeliness == ""
            assert not d.electronic_result
        if d.state == State.RETURNED:
            assert d.finished_at < d.returned_at == d.closed_at < snapshot
        elif d.state == State.STOPPED:
            assert d.closed_at < snapshot and d.clock_stopped_at <= d.closed_at
            assert d.state_before == State.PROCESSING
        elif d.state != State.FINISHED:  # still open
            assert d.closed_at is None and d.current_step_id is not None
            assert d.current_agency_id in (d.receiving_agency_id, d.deciding_agency_id)
            assert d.is_overdue == (
                d.state in (State.RECEIVED, State.PROCESSING) and d.legal_due_at < snapshot
            )
            if d.state == State.SUPPLEMENT_REQUESTED:
                assert d.clock_stopped_at is not None and d.supplement_count >= 1
    # A realistic mix.
    assert states[State.RETURNED] > 0.85 * 3000
    for state in (State.REFUSED, State.STOPPED, State.PROCESSING):
        assert states[state] > 0, state
    assert Dossier.objects.filter(is_overdue=True).exists()
    assert 0.003 < channels[Channel.POST] / 3000 < 0.05
    shares = [online / n for _year, (n, online) in sorted(online_by_year.items())]
    assert shares[0] < 0.4 and shares[-1] > 0.55 and shares == sorted(shares)
    assert Dossier.objects.filter(supplement_count=2).exists()
    assert set(Dossier.objects.values_list("timeliness", flat=True)) == {
        "", "early", "on_time", "late"
    }  # fmt: skip
    # Weekends and holidays: very few (online only).
    days_off = [
        d for d in Dossier.objects.values_list("submitted_at", "channel")
        if not calendar.is_working_day(_local(d[0]).date())
    ]  # fmt: skip
    assert len(days_off) < 0.03 * 3000
    assert all(channel == Channel.ONLINE for _at, channel in days_off)
    # Ratings: after the return, before the snapshot, mostly satisfied.
    ratings = list(Rating.objects.select_related("dossier"))
    assert 0.05 * 3000 < len(ratings) < 0.4 * 3000
    for rating in ratings:
        assert rating.dossier.state == State.RETURNED
        assert rating.dossier.returned_at < rating.created_at < snapshot
    satisfied = sum(r.score >= 2 for r in ratings) / len(ratings)
    assert 0.8 < satisfied < 0.96
    # Counters: one per (agency, day), equal to the highest sequence, no gap.
    groups = _code_groups()
    counters = {(c.agency_id, c.day): c.last for c in CodeCounter.objects.all()}
    assert counters == {key: max(seqs) for key, seqs in groups.items()}
    for seqs in groups.values():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
    # The tracking book: every received dossier has an entry, numbered per desk and local
    # year without gap; the counters hold the last number.
    books: dict[tuple[int, int], list[int]] = defaultdict(list)
    for agency_id, received, year, number in Dossier.objects.values_list(
        "receiving_agency_id", "received_at", "book_year", "book_number"
    ):
        assert (received is None) == (number is None)
        if received is not None:
            assert year == received.astimezone(LOCAL_TZ).year
            books[(agency_id, year)].append(number)
    assert books
    for numbers in books.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    book_counters = {(c.agency_id, c.year): c.last for c in BookCounter.objects.all()}
    assert book_counters == {key: len(numbers) for key, numbers in books.items()}


def test_same_seed_same_history(demo):
    def run(seed: int) -> list[tuple]:
        generate_history(dossiers=400, years=1, seed=seed, end=END)
        rows = list(
            Dossier.objects.order_by("code").values_list(
                "code", "procedure_id", "applicant_name", "submitted_at", "state", "legal_due_at"
            )
        )
        Dossier.objects.all().delete()
        CodeCounter.objects.all().delete()
        return rows

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_a_second_run_adds_more_and_real_submissions_get_fresh_codes(demo, monkeypatch):
    generate_history(dossiers=800, years=1, seed=1, end=END)
    generate_history(dossiers=800, years=1, seed=1, end=END)
    assert Dossier.objects.count() == 1600
    assert Dossier.objects.values("code").distinct().count() == 1600
    groups = _code_groups()
    counters = {(c.agency_id, c.day): c.last for c in CodeCounter.objects.all()}
    assert counters == {key: max(seqs) for key, seqs in groups.items()}
    # A citizen submits on a day the generator filled: the next number, never a taken one.
    citizen = get_user_model().objects.get(username="congdan1")
    profile = ApplicantProfile.objects.get(user=citizen)
    agency = Agency.objects.get(key=f"commune_{profile.unit.code}")
    counter = CodeCounter.objects.filter(agency=agency).order_by("-last", "day").first()
    assert counter is not None
    moment = dt.datetime.combine(counter.day, dt.time(9, 30), tzinfo=LOCAL_TZ)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    procedure = Procedure.objects.get(code="1.001193")
    schema = procedure.form_schema.get("properties", {})
    form = {name: _example(schema[name]) for name in procedure.form_schema.get("required", [])}
    dossier = services.dossier_submit(actor=citizen, procedure=procedure, form_data=form)
    assert dossier.code == f"{agency.code}-{counter.day:%y%m%d}-{counter.last + 1:04d}"
    assert Dossier.objects.filter(code=dossier.code).count() == 1


def _example(spec: dict):
    if "enum" in spec:
        return spec["enum"][0]
    if spec.get("format") == "date":
        return "2025-01-02"
    if spec.get("pattern") == "^[0-9]{12}$":
        return "044090001234"
    if spec.get("type") in ("integer", "number"):
        return max(1, spec.get("minimum", 1))
    if spec.get("type") == "boolean":
        return True
    return "Nguyễn Văn An"


# --- the command --------------------------------------------------------------------------------


def test_command_prints_a_summary(demo):
    out, err = StringIO(), StringIO()
    call_command(
        "generate", "--dossiers", "300", "--years", "1", "--end", "2026-01-15",
        stdout=out, stderr=err,
    )  # fmt: skip
    assert Dossier.objects.count() == 300
    assert "300" in out.getvalue()
    assert "300/300" in err.getvalue()  # the progress bar ends full


def test_command_refuses_a_future_end(demo):
    tomorrow = timezone.localdate() + dt.timedelta(days=2)
    with pytest.raises(CommandError):
        call_command("generate", "--dossiers", "10", "--end", tomorrow.isoformat())


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_pipelined_writers_on_postgresql(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the pipelined writers run on PostgreSQL only")
    settings.TINHSO_DEMO_HISTORY = 0
    call_command("load_demo", "--quiet-accounts", verbosity=0, stdout=StringIO())
    result = generate_history(dossiers=5000, years=2, seed=3, end=END, batch_size=1000)
    assert result.batches >= 5
    assert Dossier.objects.count() == 5000
    assert Dossier.objects.values("code").distinct().count() == 5000
    assert Rating.objects.count() == result.ratings > 0
    groups = _code_groups()
    counters = {(c.agency_id, c.day): c.last for c in CodeCounter.objects.all()}
    assert counters == {key: max(seqs) for key, seqs in groups.items()}
