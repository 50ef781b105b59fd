"""Period statistics: each figure against a hand-made data set, roll-ups, scope, and XLSX."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from openpyxl import load_workbook

from tinhso.core.errors import DomainError, PermissionDenied
from tinhso.core.models import (
    Agency,
    AgencyLevel,
    Role,
    UnitKind,
    UnitLevel,
)
from tinhso.core.services import officer_assign
from tinhso.dossiers import services as s
from tinhso.dossiers.models import (
    STATE_TO_STATUS,
    Channel,
    Dossier,
    DossierEvent,
    Rating,
    State,
)
from tinhso.dossiers.statistics import (
    COUNT_FIELDS,
    XLSX_COLUMNS,
    XLSX_FIRST_DATA_ROW,
    XLSX_HEADER_ROW,
    StatsRow,
    agency_period_stats,
    reception_by_unit,
    reception_stats,
    rollup,
    stats_by_unit,
    stats_to_xlsx,
)
from tinhso.dossiers.transitions import allowed_actions
from tinhso.testing.factories import make_former_unit

from .factories import PDF_BYTES, VALID_FORM, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.pg]
VN = ZoneInfo("Asia/Ho_Chi_Minh")
START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
_seq = itertools.count(1)


def at(month, day, hour=9, minute=0, year=2026):
    return dt.datetime(year, month, day, hour, minute, tzinfo=VN)


@pytest.fixture
def world(one_stop_world):
    return one_stop_world


def make_dossier(
    world, agency, *, channel=Channel.COUNTER, state=State.PROCESSING, desk=None, **times
):
    """A dossier row with explicit timestamps (no service call, so any history can be placed).

    ``agency`` decides it; ``desk`` received it (the same agency by default)."""
    received = times.get("received_at")
    return Dossier.objects.create(
        code=f"{agency.code}-TEST-{next(_seq):05d}",
        procedure=world.procedure,
        receiving_agency=desk or agency,
        deciding_agency=agency,
        current_agency=agency,
        applicant_name="Nguyễn Văn Đức",
        applicant_id_number="044090001234",
        submitted_by=world.desk,
        channel=channel,
        state=state,
        status=STATE_TO_STATUS[state],
        submitted_at=times.pop("submitted_at", None) or received or at(3, 1),
        **times,
    )


def add_event(dossier, action, when, to_state):
    DossierEvent.objects.create(
        dossier=dossier, seq=dossier.events.count() + 1, action=action, to_state=to_state, at=when
    )


def rate(dossier, score):
    Rating.objects.create(dossier=dossier, score=score)


def returned(dossier_kwargs, when):
    return {**dossier_kwargs, "returned_at": when, "closed_at": when, "state": State.RETURNED}


@pytest.fixture
def data(world):
    """Period 1–31 March 2026. Commune A (world.committee) has every case; commune B a few."""
    a, b = world.committee, world.other_committee
    mk = make_dossier
    # --- A: carried over from February --------------------------------------------------
    # C1: still open, due in February → carried over, overdue at the end.
    mk(world, a, received_at=at(2, 10), legal_due_at=at(2, 20, 17))
    # C2: finished early in March, returned 6 March, rated 3 → carried, resolved early, returned.
    c2 = mk(world, a, **returned(dict(received_at=at(2, 20), legal_due_at=at(3, 10, 17),
            finished_at=at(3, 5), timeliness="early"), at(3, 6)))  # fmt: skip
    rate(c2, 3)
    # C3: finished in February, result returned 2 March, rated 1 → not carried; returned.
    c3 = mk(world, a, **returned(dict(received_at=at(2, 15), legal_due_at=at(2, 27, 17),
            finished_at=at(2, 25), timeliness="early"), at(3, 2)))  # fmt: skip
    rate(c3, 1)
    # C4: all in January, rated → nothing (its rating is not of a dossier returned in March).
    c4 = mk(world, a, **returned(dict(received_at=at(1, 5), legal_due_at=at(1, 20, 17),
            finished_at=at(1, 20), timeliness="on_time"), at(1, 21)))  # fmt: skip
    rate(c4, 1)
    # C5: waiting for a supplement since 10 Feb, before its due time 12 Feb → carried, the
    # deadline is suspended (not yet due), waiting for supplement.
    c5 = mk(world, a, state=State.SUPPLEMENT_REQUESTED, received_at=at(2, 1),
            legal_due_at=at(2, 12, 17), clock_stopped_at=at(2, 10), supplement_count=1)  # fmt: skip
    add_event(c5, "request_supplement", at(2, 10), State.SUPPLEMENT_REQUESTED)
    # C6: supplement requested 2 March, after its due time 28 Feb → carried, overdue, waiting.
    c6 = mk(world, a, state=State.SUPPLEMENT_REQUESTED, received_at=at(2, 25),
            legal_due_at=at(2, 28, 17), clock_stopped_at=at(3, 2), supplement_count=1)  # fmt: skip
    add_event(c6, "request_supplement", at(3, 2), State.SUPPLEMENT_REQUESTED)
    # --- A: new in March --------------------------------------------------------------
    # N1: received 1 March 06:00 local (28 Feb 23:00 UTC) online, on time, returned, rated 2.
    n1 = mk(world, a, channel=Channel.ONLINE, **returned(dict(received_at=at(3, 1, 6),
            legal_due_at=at(3, 10, 17), finished_at=at(3, 10, 10), timeliness="on_time"),
            at(3, 11)))  # fmt: skip
    rate(n1, 2)
    # N2: counter, finished late on 20 March, result not yet returned.
    mk(world, a, channel=Channel.COUNTER, state=State.FINISHED, received_at=at(3, 3),
       legal_due_at=at(3, 6, 17), finished_at=at(3, 20), timeliness="late")  # fmt: skip
    # N3: post, open, due in April → not yet due.
    mk(world, a, channel=Channel.POST, received_at=at(3, 4), legal_due_at=at(4, 10, 17))
    # N4: online, supplement requested 8 March before its due time 12 March → not yet due.
    n4 = mk(world, a, channel=Channel.ONLINE, state=State.SUPPLEMENT_REQUESTED,
            received_at=at(3, 5), legal_due_at=at(3, 12, 17), clock_stopped_at=at(3, 8),
            supplement_count=1)  # fmt: skip
    add_event(n4, "request_supplement", at(3, 8), State.SUPPLEMENT_REQUESTED)
    # N5: counter, received 31 March 23:30 local (last minutes of the period) → not yet due.
    mk(world, a, channel=Channel.COUNTER, received_at=at(3, 31, 23, 30), legal_due_at=at(4, 3, 17))
    # N6: received 1 April 00:10 local (still 31 March in UTC) → outside the period.
    mk(world, a, channel=Channel.COUNTER, received_at=at(4, 1, 0, 10), legal_due_at=at(4, 6, 17))
    # N7: online, due 25 March, still processing → overdue.
    mk(world, a, channel=Channel.ONLINE, received_at=at(3, 10), legal_due_at=at(3, 25, 17))
    # N8: online, withdrawal confirmed 15 March → withdrawn.
    n8 = mk(world, a, channel=Channel.ONLINE, state=State.STOPPED, received_at=at(3, 12),
            legal_due_at=at(3, 17, 17), closed_at=at(3, 15))  # fmt: skip
    add_event(n8, "withdraw", at(3, 14), State.WITHDRAW_REQUESTED)
    add_event(n8, "confirm_withdraw", at(3, 15), State.STOPPED)
    # N9: counter, due 28 March, finished only on 2 April → overdue at the end of March.
    mk(world, a, channel=Channel.COUNTER, state=State.FINISHED, received_at=at(3, 20),
       legal_due_at=at(3, 28, 17), finished_at=at(4, 2), timeliness="late")  # fmt: skip
    # N10: counter, stopped by the leader on 18 March (status 8) → stopped.
    n10 = mk(world, a, channel=Channel.COUNTER, state=State.STOPPED, received_at=at(3, 16),
             legal_due_at=at(3, 20, 17), closed_at=at(3, 18))  # fmt: skip
    add_event(n10, "stop", at(3, 18), State.STOPPED)
    # R1: submitted online 14 March and refused at reception → refused only.
    r1 = mk(world, a, channel=Channel.ONLINE, state=State.REFUSED, submitted_at=at(3, 14),
            closed_at=at(3, 14, 10))  # fmt: skip
    add_event(r1, "refuse", at(3, 14, 10), State.REFUSED)
    # R2: refused on 1 April → outside the period.
    r2 = mk(world, a, channel=Channel.ONLINE, state=State.REFUSED, submitted_at=at(4, 1),
            closed_at=at(4, 1, 10))  # fmt: skip
    add_event(r2, "refuse", at(4, 1, 10), State.REFUSED)
    # S1: submitted, not yet received → nothing.
    mk(world, a, channel=Channel.ONLINE, state=State.SUBMITTED, submitted_at=at(3, 30))
    # --- B ------------------------------------------------------------------------------
    b1 = mk(world, b, channel=Channel.ONLINE, **returned(dict(received_at=at(3, 2),
            legal_due_at=at(3, 6, 17), finished_at=at(3, 4), timeliness="early"),
            at(3, 5)))  # fmt: skip
    rate(b1, 3)
    mk(world, b, channel=Channel.COUNTER, received_at=at(2, 1), legal_due_at=at(3, 1, 17))
    return world


# Hand-computed figures (see the comments in ``data``).
EXPECTED_A = {
    "carried_over": 4,  # C1, C2, C5, C6
    "new_online": 4,  # N1, N4, N7, N8
    "new_counter": 4,  # N2, N5, N9, N10
    "new_post": 1,  # N3
    "new_total": 9,
    "received_total": 13,
    "resolved_total": 3,  # C2, N1, N2
    "resolved_early": 1,  # C2
    "resolved_on_time": 1,  # N1
    "resolved_late": 1,  # N2
    "in_progress_not_due": 4,  # C5, N3, N4, N5
    "in_progress_overdue": 4,  # C1, C6, N7, N9
    "in_progress_total": 8,
    "waiting_supplement": 3,  # C5, C6, N4
    "returned": 3,  # C2, C3, N1
    "withdrawn": 1,  # N8
    "stopped": 1,  # N10
    "refused": 1,  # R1 (never received: outside the balance)
    "late_supplement_requests": 0,  # test_supplement_deadline counts one
    "returned_or_withdrawn": 1,  # N8
    "ratings_total": 3,  # C2 (3), C3 (1), N1 (2)
    "ratings_satisfied": 2,
}
EXPECTED_B = {
    "carried_over": 1,
    "new_online": 1,
    "new_counter": 0,
    "new_post": 0,
    "received_total": 2,
    "resolved_total": 1,
    "resolved_early": 1,
    "resolved_on_time": 0,
    "resolved_late": 0,
    "in_progress_total": 1,
    "in_progress_not_due": 0,
    "in_progress_overdue": 1,
    "waiting_supplement": 0,
    "returned": 1,
    "withdrawn": 0,
    "stopped": 0,
    "refused": 0,
    "late_supplement_requests": 0,
    "ratings_total": 1,
    "ratings_satisfied": 1,
}


def figures(row: StatsRow, keys) -> dict:
    values = row.as_dict()
    return {key: values[key] for key in keys}


@pytest.fixture
def admin(world):
    """A province administrator (assigned in commune A, yet sees every agency)."""
    user = make_user("tinh-admin")
    officer_assign(actor=None, user=user, agency=world.committee, role=Role.PROVINCE_ADMIN)
    return user


def test_every_column_of_one_agency(data, admin):
    rows = agency_period_stats(user=admin, agencies=[data.committee], start=START,
                               end=END)  # fmt: skip
    assert len(rows) == 1
    row = rows[0]
    assert (row.agency_id, row.agency_code, row.label) == (
        data.committee.pk,
        "H44.40.01",
        "UBND Phường Đồng Hới",
    )
    assert figures(row, EXPECTED_A) == EXPECTED_A
    assert row.on_time_rate == pytest.approx(2 / 3)
    assert row.satisfaction_rate == pytest.approx(2 / 3)
    # Every dossier received is resolved, withdrawn, stopped or still in progress at the end.
    assert row.received_total == (
        row.resolved_total + row.returned_or_withdrawn + row.stopped + row.in_progress_total
    )
    as_dict = row.as_dict()
    assert as_dict["on_time_rate"] == pytest.approx(2 / 3)
    assert set(COUNT_FIELDS) <= set(as_dict)


def test_all_agencies_and_second_commune(data, admin):
    rows = agency_period_stats(user=admin, agencies=None, start=START, end=END)
    by_code = {row.agency_code: row for row in rows}
    assert list(by_code) == ["H44.40.01", "H44.40.02"]
    assert figures(by_code["H44.40.02"], EXPECTED_B) == EXPECTED_B
    assert by_code["H44.40.02"].on_time_rate == 1.0
    assert by_code["H44.40.02"].satisfaction_rate == 1.0


def test_carried_over_follows_the_period(data, admin):
    """Shifting the period moves dossiers between "new" and "carried over"."""
    user = admin
    (feb,) = agency_period_stats(user=user, agencies=[data.committee],
                                 start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28))  # fmt: skip
    # Received in February: C1, C2, C3, C5, C6; C4 was finished and returned in January.
    assert (feb.carried_over, feb.new_counter) == (0, 5)
    assert (feb.resolved_total, feb.resolved_early) == (1, 1)  # C3
    # At the end of February: C1 and C6 overdue; C2 (due 10 March) and C5 (clock stopped
    # before its due time) not yet due.
    assert (feb.in_progress_overdue, feb.in_progress_not_due) == (2, 2)
    (april,) = agency_period_stats(user=user, agencies=[data.committee],
                                   start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 30))  # fmt: skip
    # Open at the start of April: C1, C5, C6, N3, N4, N5, N7 and N9 (finished 2 April).
    assert april.carried_over == 8
    assert april.new_counter == 1  # N6
    assert (april.resolved_total, april.resolved_late) == (1, 1)  # N9
    assert april.refused == 1 and april.returned == 0 and april.satisfaction_rate is None


def test_overdue_versus_not_yet_due_at_the_period_end(data, admin):
    """N3 is due 10 April 17:00: not yet due at the end of March, overdue at the end of April."""
    user = admin
    (march,) = agency_period_stats(user=user, agencies=[data.committee], start=START, end=END)
    (to_april_10,) = agency_period_stats(user=user, agencies=[data.committee], start=START,
                                         end=dt.date(2026, 4, 10))  # fmt: skip
    (to_april_11,) = agency_period_stats(user=user, agencies=[data.committee], start=START,
                                         end=dt.date(2026, 4, 11))  # fmt: skip
    assert (march.in_progress_not_due, march.in_progress_overdue) == (4, 4)
    # By 10 April: N9 finished (2 April); N5 (due 3 April) and N6 (received 1 April, due
    # 6 April) are overdue; N3 is due during the last day of the period, so overdue too.
    assert (to_april_10.in_progress_not_due, to_april_10.in_progress_overdue) == (2, 6)
    assert (to_april_11.in_progress_not_due, to_april_11.in_progress_overdue) == (2, 6)
    # Shortening the period to end on 9 April leaves N3 not yet due.
    (to_april_9,) = agency_period_stats(user=user, agencies=[data.committee], start=START,
                                        end=dt.date(2026, 4, 9))  # fmt: skip
    assert (to_april_9.in_progress_not_due, to_april_9.in_progress_overdue) == (3, 5)


def test_empty_period_and_bad_period(data, admin):
    user = admin
    (row,) = agency_period_stats(user=user, agencies=[data.committee],
                                 start=dt.date(2020, 1, 1), end=dt.date(2020, 1, 31))  # fmt: skip
    assert all(getattr(row, name) == 0 for name in COUNT_FIELDS)
    assert row.on_time_rate is None and row.satisfaction_rate is None
    with pytest.raises(DomainError):
        agency_period_stats(user=user, agencies=None, start=END, end=START)
    assert agency_period_stats(user=user, agencies=[], start=START, end=END) == []


def test_roll_up_of_two_communes_to_the_province(data, admin):
    rows = stats_by_unit(user=admin, start=START, end=END)
    assert [(row.kind, row.label) for row in rows] == [
        ("unit", "Phường Đồng Thuận"),  # 18859
        ("unit", "Phường Đồng Hới"),  # 18880
        ("total", "Tổng cộng"),
    ]
    dong_thuan, dong_hoi, total = rows
    assert figures(dong_hoi, EXPECTED_A) == EXPECTED_A
    assert figures(dong_thuan, EXPECTED_B) == EXPECTED_B
    for name in COUNT_FIELDS:
        assert getattr(total, name) == EXPECTED_A[name] + EXPECTED_B[name], name
    assert total.received_total == 15
    # (early + on time) / resolved = (2 + 1) / 4; satisfied / rated = 3 / 4.
    assert total.on_time_rate == pytest.approx(3 / 4)
    assert total.satisfaction_rate == pytest.approx(3 / 4)
    # rollup() on agency rows gives the same total.
    agency_rows = agency_period_stats(user=admin, agencies=None, start=START,
                                      end=END)  # fmt: skip
    (again,) = rollup(agency_rows, "province")
    assert again.as_dict() == total.as_dict()
    with pytest.raises(ValueError):
        rollup(agency_rows, "district")


@pytest.fixture
def history(world):
    """Pre-2025 units: old province 44 (Quảng Bình) with district Đồng Hới (no single successor:
    it rolls up through its province), and an old ward merged into today's Đồng Hới ward."""
    old_province = make_former_unit(
        "44", "Tỉnh Quảng Bình", UnitLevel.PROVINCE, UnitKind.PROVINCE,
        merged_into=world.province,
    )  # fmt: skip
    old_district = make_former_unit(
        "450", "Thành phố Đồng Hới", UnitLevel.DISTRICT, UnitKind.PROVINCIAL_CITY,
        parent=old_province,
    )  # fmt: skip
    old_ward = make_former_unit(
        "19021", "Phường Hải Thành", UnitLevel.COMMUNE, UnitKind.WARD,
        parent=old_district, merged_into=world.commune,
    )  # fmt: skip
    district_agency = Agency.objects.create(
        code="H44.05", name="UBND thành phố Đồng Hới (cũ)", level=AgencyLevel.DISTRICT_COMMITTEE,
        unit=old_district, is_active=False,
    )  # fmt: skip
    ward_agency = Agency.objects.create(
        code="H44.05.13", name="UBND phường Hải Thành (cũ)", level=AgencyLevel.COMMUNE_COMMITTEE,
        unit=old_ward, is_active=False,
    )  # fmt: skip
    department = Agency.objects.create(
        code="H44.20", name="Sở Tư pháp", level=AgencyLevel.PROVINCE_DEPARTMENT,
        unit=world.province,
    )  # fmt: skip
    idle = Agency.objects.create(
        code="H44.05.14", name="UBND xã cũ không có hồ sơ", level=AgencyLevel.COMMUNE_COMMITTEE,
        unit=old_ward, is_active=False,
    )  # fmt: skip
    return district_agency, ward_agency, department, idle


def test_pre_2025_agencies_roll_up_to_todays_units(world, history):
    district_agency, ward_agency, department, _idle = history
    mk = make_dossier
    june = {"year": 2025}
    # Before the reform: the district resolves one on time and leaves one open (overdue);
    # the old ward receives one online that is still open on 31 July (not yet due: no due time).
    mk(world, district_agency, received_at=at(6, 2, **june), legal_due_at=at(6, 10, 17, **june),
       finished_at=at(6, 9, **june), timeliness="early", state=State.FINISHED)  # fmt: skip
    mk(world, district_agency, received_at=at(6, 20, **june), legal_due_at=at(6, 27, 17, **june))
    mk(world, ward_agency, channel=Channel.ONLINE, received_at=at(6, 25, **june))
    # After the reform: today's ward and the department.
    mk(world, world.committee, received_at=at(7, 3, **june), legal_due_at=at(7, 8, 17, **june),
       finished_at=at(7, 8, 10, **june), timeliness="on_time", state=State.FINISHED)  # fmt: skip
    mk(world, department, channel=Channel.POST, received_at=at(7, 15, **june),
       legal_due_at=at(8, 15, 17, **june))  # fmt: skip
    user = make_user("ioc")
    officer_assign(actor=None, user=user, agency=department, role=Role.IOC_VIEWER)

    agency_rows = agency_period_stats(user=user, agencies=None, start=dt.date(2025, 6, 1),
                                      end=dt.date(2025, 7, 31))  # fmt: skip
    codes = [row.agency_code for row in agency_rows]
    # The inactive agency without figures is left out; inactive ones with figures stay.
    assert codes == ["H44.05", "H44.05.13", "H44.20", "H44.40.01", "H44.40.02"]
    by_code = {row.agency_code: row for row in agency_rows}
    assert by_code["H44.05"].unit_id == world.province.pk  # district → old province → new 44
    assert by_code["H44.05.13"].unit_id == world.commune.pk  # old ward merged into Đồng Hới

    rows = stats_by_unit(user=user, start=dt.date(2025, 6, 1), end=dt.date(2025, 7, 31))
    assert [(row.kind, row.label) for row in rows] == [
        ("unit", "Cơ quan cấp tỉnh"),
        ("unit", "Phường Đồng Thuận"),
        ("unit", "Phường Đồng Hới"),
        ("total", "Tổng cộng"),
    ]
    province_level, dong_thuan, dong_hoi, total = rows
    # Province level: the old district's 2 + the department's 1.
    assert (province_level.new_counter, province_level.new_post) == (2, 1)
    assert (province_level.resolved_total, province_level.resolved_early) == (1, 1)
    assert (province_level.in_progress_overdue, province_level.in_progress_not_due) == (1, 1)
    # Đồng Hới: the old ward's online dossier + today's ward's counter dossier.
    assert (dong_hoi.new_online, dong_hoi.new_counter) == (1, 1)
    assert (dong_hoi.resolved_on_time, dong_hoi.in_progress_not_due) == (1, 1)
    assert dong_thuan.received_total == 0
    assert total.received_total == 5 and total.resolved_total == 2
    assert total.on_time_rate == 1.0


def test_scope_officer_sees_only_own_agency(data):
    for agencies in (None, [data.committee, data.other_committee]):
        rows = agency_period_stats(user=data.desk, agencies=agencies, start=START, end=END)
        assert [row.agency_code for row in rows] == ["H44.40.01"]
        assert figures(rows[0], EXPECTED_A) == EXPECTED_A
    # The officer of commune B does not see commune A, even when asking for it.
    assert agency_period_stats(user=data.outsider, agencies=[data.committee], start=START,
                               end=END) == []  # fmt: skip
    rows = stats_by_unit(user=data.outsider, start=START, end=END)
    assert [row.label for row in rows] == ["Phường Đồng Thuận", "Tổng cộng"]
    assert figures(rows[-1], EXPECTED_B) == EXPECTED_B


def test_scope_province_wide_roles_see_everything(data, admin):
    superuser = make_user("root", is_superuser=True, is_staff=True)
    ioc = make_user("ioc-viewer")
    officer_assign(actor=None, user=ioc, agency=data.committee, role=Role.IOC_VIEWER)
    for user in (admin, superuser, ioc):
        rows = agency_period_stats(user=user, agencies=None, start=START, end=END)
        assert [row.agency_code for row in rows] == ["H44.40.01", "H44.40.02"]


def test_citizens_and_anonymous_are_refused(data):
    staff_without_role = make_user("staff", is_staff=True)
    for user in (data.citizen, AnonymousUser(), staff_without_role):
        with pytest.raises(PermissionDenied):
            agency_period_stats(user=user, agencies=None, start=START, end=END)
        with pytest.raises(PermissionDenied):
            stats_by_unit(user=user, start=START, end=END)


def test_queries_do_not_grow_with_dossiers(data, admin, django_assert_max_num_queries):
    user = admin
    with django_assert_max_num_queries(7):  # roles + 4 aggregates + agencies (+ savepoints)
        agency_period_stats(user=user, agencies=None, start=START, end=END)


def test_xlsx_holds_the_same_numbers(data, admin):
    rows = stats_by_unit(user=admin, start=START, end=END)
    content = stats_to_xlsx(rows, start=START, end=END)
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["A1"].value == "Thống kê tình hình giải quyết hồ sơ từ 01/03/2026 đến 31/03/2026"
    headers = [sheet.cell(XLSX_HEADER_ROW, c).value for c in range(2, 2 + len(XLSX_COLUMNS))]
    assert headers[:4] == [
        "Kỳ trước chuyển qua",
        "Mới tiếp nhận trực tuyến",
        "Mới tiếp nhận trực tiếp",
        "Mới tiếp nhận qua bưu chính",
    ]
    assert sheet["A2"].value == "Đơn vị"
    assert {"Tổng tiếp nhận", "Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn", "Trong hạn",
            "Trong đó chờ bổ sung", "Trả lại/rút", "Dừng xử lý", "Từ chối tiếp nhận",
            "Tỷ lệ đúng hạn", "Tỷ lệ hài lòng"} <= set(
        headers + [sheet.cell(2, c).value for c in range(2, 2 + len(XLSX_COLUMNS))]
    )  # fmt: skip
    names = [name for _g, _h, name, _r in XLSX_COLUMNS]
    for offset, row in enumerate(rows):
        line = XLSX_FIRST_DATA_ROW + offset
        assert sheet.cell(line, 1).value == row.label
        values = [sheet.cell(line, c).value for c in range(2, 2 + len(names))]
        assert values == [getattr(row, name) for name in names]
    total_line = XLSX_FIRST_DATA_ROW + len(rows) - 1
    assert sheet.cell(total_line, 1).value == "Tổng cộng"
    assert sheet.cell(total_line, 1).font.b
    values = dict(
        zip(names, (sheet.cell(total_line, c).value for c in range(2, 2 + len(names))), strict=True)
    )
    assert values["received_total"] == 15 and values["returned_or_withdrawn"] == 1
    assert values["stopped"] == 1 and values["in_progress_total"] == 9
    rate_cell = sheet.cell(total_line, 2 + names.index("on_time_rate"))
    assert rate_cell.value == pytest.approx(0.75) and rate_cell.number_format == "0.0%"
    assert sheet.max_row == total_line


def test_xlsx_of_agency_rows_adds_the_total(data):
    rows = agency_period_stats(user=data.desk, agencies=None, start=START, end=END)
    sheet = load_workbook(io.BytesIO(stats_to_xlsx(rows, start=START, end=END))).active
    names = [name for _g, _h, name, _r in XLSX_COLUMNS]
    agency_line, total_line = XLSX_FIRST_DATA_ROW, XLSX_FIRST_DATA_ROW + 1
    assert sheet.cell(agency_line, 1).value == "UBND Phường Đồng Hới"
    assert sheet.cell(total_line, 1).value == "Tổng cộng"
    for line in (agency_line, total_line):
        received = sheet.cell(line, 2 + names.index("received_total")).value
        assert received == EXPECTED_A["received_total"]
    # An empty period: the rates are empty cells, not errors.
    (empty,) = agency_period_stats(user=data.desk, agencies=None, start=dt.date(2020, 1, 1),
                                   end=dt.date(2020, 1, 2))  # fmt: skip
    sheet = load_workbook(io.BytesIO(stats_to_xlsx([empty], start=START, end=END))).active
    assert sheet.cell(XLSX_FIRST_DATA_ROW, 2 + names.index("on_time_rate")).value is None


def test_figures_from_real_transitions(world, monkeypatch):
    """Walk dossiers through the services (times set by patching the clock) and count them."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    def now_is(moment):
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)

    def submit():
        upload = SimpleUploadedFile("gcs.pdf", PDF_BYTES, content_type="application/pdf")
        component = world.procedure.components.first()
        return s.dossier_submit(
            actor=world.citizen,
            procedure=world.procedure,
            form_data=dict(VALID_FORM),
            uploads=[(component, upload)],
        )

    # Received 2 March (Monday) 08:00, 3 working days: resolved 3 March → early; returned, rated.
    now_is(at(3, 2, 8))
    d1 = s.dossier_receive(actor=world.desk, dossier=submit())
    d1 = s.dossier_transfer(actor=world.desk, dossier=d1, to_user=world.specialist)
    now_is(at(3, 3, 9))
    d1 = s.dossier_transfer(actor=world.specialist, dossier=d1, to_user=world.leader)
    d1 = s.dossier_approve(actor=world.leader, dossier=d1)
    assert d1.timeliness == "early"
    d1 = s.dossier_return_result(actor=world.desk, dossier=d1)
    s.dossier_rate(actor=world.citizen, dossier=d1, score=1)
    # Refused at reception on 4 March.
    now_is(at(3, 4, 8))
    s.dossier_refuse(actor=world.desk, dossier=submit(), reason="Thiếu giấy tờ")
    # Withdrawn on 5 March.
    d3 = s.dossier_receive(actor=world.desk, dossier=submit())
    now_is(at(3, 5, 8))
    d3 = s.dossier_withdraw(actor=world.citizen, dossier=d3, reason="Nộp nhầm")
    s.dossier_confirm_withdraw(actor=world.desk, dossier=d3)
    # Waiting for a supplement since 6 March, due ~9 March; still open at the end.
    now_is(at(3, 6, 8))
    d4 = s.dossier_receive(actor=world.desk, dossier=submit())
    s.dossier_request_supplement(actor=world.desk, dossier=d4, reason="Bổ sung CCCD",
                                 items=["CCCD"])  # fmt: skip

    (row,) = agency_period_stats(user=world.leader, agencies=None, start=START, end=END)
    assert figures(row, [
        "new_online", "resolved_total", "resolved_early", "returned", "refused", "withdrawn",
        "waiting_supplement", "in_progress_not_due", "in_progress_overdue", "ratings_total",
        "ratings_satisfied",
    ]) == {
        "new_online": 3, "resolved_total": 1, "resolved_early": 1, "returned": 1, "refused": 1,
        "withdrawn": 1, "waiting_supplement": 1, "in_progress_not_due": 1,
        "in_progress_overdue": 0, "ratings_total": 1, "ratings_satisfied": 0,
    }  # fmt: skip
    assert row.satisfaction_rate == 0.0


# --- the balance, over random histories ------------------------------------------------------

# Who takes each action (the first candidate the guard accepts); "officers" are the agency's.
BALANCE_ACTIONS = {
    "receive": ("desk",),
    "refuse": ("desk",),
    "transfer": ("desk", "specialist", "leader"),
    "request_supplement": ("desk", "specialist"),
    "supplement": ("citizen",),
    "accept_supplement": ("desk",),
    "pause": ("leader",),
    "resume": ("leader",),
    "approve": ("leader",),
    "extend": ("leader",),
    "return_result": ("desk",),
    "withdraw": ("citizen",),
    "confirm_withdraw": ("desk",),
    "stop": ("leader",),
}
# Drawn four times as often as the other actions, so that histories get far.
MAIN_PATH = {"receive", "transfer", "approve", "return_result", "accept_supplement", "resume"}
HISTORY_START = at(3, 2, 8)  # Monday 2 March 2026, 08:00


def _act(world, action, officer, dossier):
    from django.core.files.uploadedfile import SimpleUploadedFile

    for role in BALANCE_ACTIONS[action]:
        actor = world.citizen if role == "citizen" else officer[role]
        try:
            if action == "supplement":
                pdf = SimpleUploadedFile("bo-sung.pdf", PDF_BYTES, content_type="application/pdf")
                return s.dossier_supplement(actor=actor, dossier=dossier, uploads=[(None, pdf)])
            if action in ("refuse", "request_supplement", "pause", "withdraw", "stop"):
                method = getattr(s, f"dossier_{action}")
                return method(actor=actor, dossier=dossier, reason="Lý do")
            if action == "extend":
                return s.dossier_extend(
                    actor=actor, dossier=dossier, reason="Xin lỗi", extra_days=1
                )
            return getattr(s, f"dossier_{action}")(actor=actor, dossier=dossier)
        except DomainError:
            continue
    return None


def assert_balances(row):
    assert row.received_total == (
        row.resolved_total + row.returned_or_withdrawn + row.stopped + row.in_progress_total
    ), row.as_dict()
    assert row.resolved_total == row.resolved_early + row.resolved_on_time + row.resolved_late
    assert row.in_progress_total == row.in_progress_not_due + row.in_progress_overdue
    assert 0 <= row.waiting_supplement <= row.in_progress_total


@pytest.fixture
def balance_admin(world):
    user = make_user("tinh-admin-balance")
    officer_assign(actor=None, user=user, agency=world.committee, role=Role.PROVINCE_ADMIN)
    return user


def _history():
    from hypothesis import strategies as st

    step = st.tuples(
        st.integers(0, 3),  # which dossier
        st.integers(0, 20),  # which of the actions the dossier's state allows
        st.integers(0, 3 * 24 * 60),  # minutes after the previous step
    )
    return st.tuples(
        st.lists(st.booleans(), min_size=2, max_size=4),  # per dossier: in the other commune?
        st.lists(step, min_size=16, max_size=40),
        st.integers(0, 40),  # the day that splits the two periods, from the start
    )


def test_statistics_balance_over_random_histories(world, balance_admin, monkeypatch):
    """For random histories walked through the services, every row of two adjacent periods
    balances, and what is in progress at the end of the first is carried over into the second."""
    from django.db import transaction
    from hypothesis import HealthCheck, given, settings

    officers = {
        False: {"desk": world.desk, "specialist": world.specialist, "leader": world.leader},
        True: dict.fromkeys(("desk", "specialist", "leader"), world.outsider),
    }

    @settings(
        max_examples=8,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(history=_history())
    def run(history):
        communes, steps, split = history
        clock = [HISTORY_START]
        monkeypatch.setattr("django.utils.timezone.now", lambda: clock[0])
        with transaction.atomic():
            dossiers = [
                s.dossier_submit(
                    actor=world.citizen,
                    procedure=world.procedure,
                    form_data=dict(VALID_FORM),
                    commune=world.other_committee.unit if other else None,
                )
                for other in communes
            ]
            for index, choice, minutes in steps:
                clock[0] += dt.timedelta(minutes=minutes)
                if index >= len(dossiers):
                    continue
                dossier = dossiers[index]
                dossier.refresh_from_db()
                allowed = [
                    action
                    for action in allowed_actions(dossier.state)
                    if action in BALANCE_ACTIONS
                    for _weight in range(4 if action in MAIN_PATH else 1)
                ]
                if allowed:
                    action = allowed[choice % len(allowed)]
                    _act(world, action, officers[communes[index]], dossier)
            first_day = HISTORY_START.date() - dt.timedelta(days=1)
            split_day = HISTORY_START.date() + dt.timedelta(days=split)
            last_day = max(split_day, timezone_local(clock[0]).date()) + dt.timedelta(days=1)
            periods = [(first_day, split_day), (split_day + dt.timedelta(days=1), last_day)]
            tables = [
                stats_by_unit(user=balance_admin, start=start, end=end) for start, end in periods
            ]
            for table in tables:
                for row in table:
                    assert_balances(row)
            for before, after in zip(tables[0], tables[1], strict=True):
                assert before.label == after.label
                assert before.in_progress_total == after.carried_over
            # The first period starts before any dossier: nothing is carried into it.
            assert tables[0][-1].carried_over == 0
            assert tables[0][-1].received_total + tables[1][-1].new_total == sum(
                d.received_at is not None
                for d in Dossier.objects.filter(pk__in=[d.pk for d in dossiers])
            )
            transaction.set_rollback(True)

    run()


def timezone_local(instant):
    return instant.astimezone(VN)


def test_a_dossier_counts_for_its_deciding_agency_and_its_desk_for_reception(world, admin):
    """Received at commune B's desk, decided by commune A: the statistics (and the IOC) count it
    for A; the reception workload for B's desk."""
    a, b = world.committee, world.other_committee
    mk = make_dossier
    mk(world, a, desk=b, channel=Channel.ONLINE, received_at=at(3, 3), legal_due_at=at(3, 20, 17))
    refused = mk(world, a, desk=b, channel=Channel.ONLINE, state=State.REFUSED,
                 submitted_at=at(3, 4), closed_at=at(3, 4, 10))  # fmt: skip
    add_event(refused, "refuse", at(3, 4, 10), State.REFUSED)
    mk(world, a, desk=b, channel=Channel.COUNTER, state=State.RETURNED, received_at=at(3, 5),
       legal_due_at=at(3, 9, 17), finished_at=at(3, 6), timeliness="early", returned_at=at(3, 7),
       closed_at=at(3, 7))  # fmt: skip
    by_code = {r.agency_code: r for r in agency_period_stats(user=admin, agencies=None,
                                                             start=START, end=END)}  # fmt: skip
    assert (by_code[a.code].new_online, by_code[a.code].new_counter) == (1, 1)
    assert by_code[a.code].refused == 1 and by_code[a.code].resolved_early == 1
    assert by_code[b.code].received_total == 0 and by_code[b.code].refused == 0
    assert_balances(by_code[a.code])
    desks = {r.agency_code: r for r in reception_stats(user=admin, start=START, end=END)}
    assert (desks[b.code].new_online, desks[b.code].new_counter, desks[b.code].new_total) == (
        1,
        1,
        2,
    )
    assert (desks[b.code].refused, desks[b.code].returned) == (1, 1)
    assert desks[a.code].new_total == 0 and desks[a.code].refused == 0
    # B's officers see B's desk, not A's figures.
    assert [r.agency_code for r in reception_stats(user=world.outsider, start=START,
                                                   end=END)] == [b.code]  # fmt: skip
    rows = reception_by_unit(user=admin, start=START, end=END)
    assert rows[-1].kind == "total" and rows[-1].new_total == 2 and rows[-1].refused == 1
    # The XLSX carries the reception on its second sheet.
    workbook = load_workbook(
        io.BytesIO(
            stats_to_xlsx(
                stats_by_unit(user=admin, start=START, end=END),
                start=START,
                end=END,
                reception=rows,
            )
        )
    )
    assert workbook.sheetnames == ["Thống kê", "Tiếp nhận"]
    sheet = workbook["Tiếp nhận"]
    total_line = XLSX_FIRST_DATA_ROW + len(rows) - 1
    assert sheet.cell(total_line, 1).value == "Tổng cộng"
    assert [sheet.cell(total_line, c).value for c in range(2, 8)] == [1, 1, 0, 2, 1, 1]
