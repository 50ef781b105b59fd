"""Each indicator against a small hand-built province, computed by hand (see the table below)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tinhso.core.errors import DomainError, NotFound, PermissionDenied
from tinhso.core.models import (
    AdministrativeUnit,
    Agency,
    AgencyLevel,
    Role,
    UnitKind,
    UnitLevel,
)
from tinhso.core.periods import Period
from tinhso.core.services import officer_assign
from tinhso.dossiers.models import STATE_TO_STATUS, Channel, Dossier, Rating, State
from tinhso.dossiers.tests.factories import make_procedure, make_user, make_world
from tinhso.ioc import rollup
from tinhso.ioc.models import DailyStat, Plan, PlanTarget
from tinhso.ioc.selectors.overviews import agency_overview, commune_overview, province_overview
from tinhso.procedures.models import AgencySlot, OnlineMode
from tinhso.testing.factories import make_former_unit

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
Q1 = Period.quarter(2026, 1)
_seq = itertools.count(1)


def at(month, day, hour=9, year=2026):
    return dt.datetime(year, month, day, hour, 0, tzinfo=VN)


class Province:
    """Commune A (with a former commune F merged into it on 1 July 2025), commune B, and a
    department D. Dossiers of the first quarter of 2026 (dig. = digitised; e-res. = electronic
    result):

    1. A, online, P1 (full), dig., synced: received 2/3 10h, finished 4/3 (2 days, due 5/3:
       early), returned 5/3 with an e-res., rated 3.
    2. A, counter, P1, dig. (scan), not synced: received 3/3, finished 10/3 (7 days, due 6/3:
       late), returned 11/3 on paper, rated 1.
    3. A, counter, P1, synced: refused 4/3.
    4. A, online, P1, dig., not synced: processing, overdue now.
    5. D, post, P2 (fee), synced: paid online, 1 day (due 10/3: on time), returned 4/3, e-res.
    6. D, counter, P2 (fee), not synced: paid in cash, processing.
    9. B, online, P1, dig., synced: submitted 10/3.
    8. A, online, P1: April, outside the quarter.
    7. F, counter, P1, synced: 2025, finished on time (before the merger).
    """

    def __init__(self):
        w = make_world()
        self.world = w
        self.commune_a, self.commune_b = w.commune, AdministrativeUnit.objects.get(code="18859")
        self.a, self.b = w.committee, w.other_committee
        self.p1 = w.procedure  # commune level, fully online, no fee
        self.d = Agency.objects.create(
            code="H44.03", name="Sở Tư pháp", level=AgencyLevel.PROVINCE_DEPARTMENT,
            unit=w.province, key="so_tu_phap",
        )  # fmt: skip
        self.p2 = make_procedure(code="2.000001", fee=50000, online_mode=OnlineMode.PARTIAL)
        self.p2.at_commune, self.p2.at_province = False, True
        self.p2.deciding_slot = AgencySlot.DEPARTMENT
        self.p2.deciding_department = self.d
        self.p2.save()
        former = make_former_unit(
            "19000", "Xã Cũ", UnitLevel.COMMUNE, UnitKind.COMMUNE, parent=w.province,
            merged_into=self.commune_a, valid_from=dt.date(2008, 1, 1),
        )  # fmt: skip
        self.f = Agency.objects.create(
            code="H44.40.09", name="UBND Xã Cũ", level=AgencyLevel.COMMUNE_COMMITTEE,
            unit=former, is_active=False,
        )  # fmt: skip
        self.viewer = make_user("ioc-viewer")
        officer_assign(actor=None, user=self.viewer, agency=self.d, role=Role.IOC_VIEWER)

        self.n1 = self.dossier(
            self.a, Channel.ONLINE, submitted_at=at(3, 2), received_at=at(3, 2, 10),
            legal_due_at=at(3, 5, 10), finished_at=at(3, 4, 10), returned_at=at(3, 5),
            closed_at=at(3, 5), state=State.RETURNED, timeliness="early", digitised=True,
            electronic_result=True, synced=True,
        )  # fmt: skip
        self.n2 = self.dossier(
            self.a, Channel.COUNTER, submitted_at=at(3, 3), received_at=at(3, 3),
            legal_due_at=at(3, 6), finished_at=at(3, 10), returned_at=at(3, 11),
            closed_at=at(3, 11),
            state=State.RETURNED, timeliness="late", digitised=True, is_overdue=True,
        )  # fmt: skip
        self.dossier(
            self.a, Channel.COUNTER, submitted_at=at(3, 4), closed_at=at(3, 4, 10),
            state=State.REFUSED, synced=True,
        )  # fmt: skip
        self.dossier(
            self.a, Channel.ONLINE, submitted_at=at(3, 5), received_at=at(3, 5),
            legal_due_at=at(3, 9),
            state=State.PROCESSING, digitised=True, is_overdue=True,
        )  # fmt: skip
        self.dossier(
            self.d, Channel.POST, procedure=self.p2, submitted_at=at(3, 2), received_at=at(3, 2),
            legal_due_at=at(3, 10), finished_at=at(3, 3), returned_at=at(3, 4), closed_at=at(3, 4),
            state=State.RETURNED, timeliness="on_time", fee_vnd=50000, paid_vnd=50000,
            paid_online=True, electronic_result=True, synced=True,
        )  # fmt: skip
        self.dossier(
            self.d, Channel.COUNTER, procedure=self.p2, submitted_at=at(3, 6),
            received_at=at(3, 6), legal_due_at=at(3, 20), state=State.PROCESSING, fee_vnd=50000,
            paid_vnd=50000,
        )  # fmt: skip
        self.dossier(
            self.b, Channel.ONLINE, submitted_at=at(3, 10), state=State.SUBMITTED,
            digitised=True, synced=True,
        )  # fmt: skip
        self.dossier(
            self.a, Channel.ONLINE, submitted_at=at(4, 2), received_at=at(4, 2),
            legal_due_at=at(4, 6), finished_at=at(4, 3), state=State.FINISHED, timeliness="early",
            digitised=True, synced=True,
        )  # fmt: skip
        self.dossier(
            self.f, Channel.COUNTER, submitted_at=at(3, 3, year=2025),
            received_at=at(3, 3, year=2025), legal_due_at=at(3, 6, year=2025),
            finished_at=at(3, 5, year=2025), returned_at=at(3, 5, year=2025),
            closed_at=at(3, 5, year=2025), state=State.RETURNED, timeliness="on_time",
            synced=True,
        )  # fmt: skip
        Rating.objects.create(dossier=self.n1, score=3)
        Rating.objects.create(dossier=self.n2, score=1)
        Rating.objects.filter(dossier=self.n1).update(created_at=at(3, 5, 15))
        Rating.objects.filter(dossier=self.n2).update(created_at=at(3, 11, 15))

    def dossier(self, agency, channel, *, procedure=None, synced=False, **fields):
        state = fields.pop("state")
        version = 3
        return Dossier.objects.create(
            code=f"{agency.code}-TEST-{next(_seq):05d}",
            procedure=procedure or self.p1,
            receiving_agency=agency,
            deciding_agency=agency,
            current_agency=agency,
            applicant_name="Nguyễn Văn Đức",
            applicant_id_number="044090001234",
            submitted_by=self.world.desk,
            channel=channel,
            state=state,
            status=STATE_TO_STATUS[state],
            version=version,
            portal_version=version,
            synced_version=version if synced else 1,
            **fields,
        )


@pytest.fixture
def province(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    p = Province()
    rollup.rebuild()
    return p


def values(data):
    return {key: item["value"] for key, item in data["indicators"].items()}


def test_province_indicators_match_hand_computed_values(province):
    v = values(province_overview(user=province.viewer, period=Q1))
    assert v["received_total"] == 7
    assert (v["received_online"], v["received_counter"], v["received_post"]) == (3, 3, 1)
    assert v["online_share"] == pytest.approx(3 / 7)
    assert v["fully_online_share"] == pytest.approx(3 / 7)  # the online ones are all P1 (full)
    assert v["resolved_total"] == 3
    assert v["on_time_rate"] == pytest.approx(2 / 3)
    assert v["early_rate"] == pytest.approx(1 / 3)
    assert v["late_rate"] == pytest.approx(1 / 3)
    assert v["avg_processing_days"] == pytest.approx((2 + 7 + 1) / 3)
    assert v["time_used_ratio"] == pytest.approx(10 / (3 + 3 + 8))
    assert v["digitised_share"] == pytest.approx(4 / 7)
    assert v["electronic_result_share"] == pytest.approx(2 / 3)
    assert v["online_payment_share"] == pytest.approx(1 / 2)
    assert v["satisfaction_rate"] == pytest.approx(1 / 2)
    assert v["synced_share"] == pytest.approx(4 / 7)
    assert v["overdue_now"] == 1  # #2 was late but is finished; only #4 is overdue now
    # Catalogue: P1 full, P2 partial with a fee; only P1 received online dossiers.
    assert v["fully_online_procedures_share"] == pytest.approx(1 / 2)
    assert v["online_procedures_share"] == 1
    assert v["procedures_used_online_share"] == pytest.approx(1 / 2)
    assert v["fee_procedures_online_share"] == 1
    assert v["feedback_on_time_rate"] is None  # no field feedback: no data, not zero


def test_agency_and_commune_scopes(province):
    a = values(agency_overview(user=province.viewer, agency_id=province.a.pk, period=Q1))
    assert a["received_total"] == 4
    assert a["online_share"] == pytest.approx(2 / 4)
    assert a["on_time_rate"] == pytest.approx(1 / 2)
    assert a["procedures_used_online_share"] == 1
    assert a["fee_procedures_online_share"] is None  # commune A decides no fee-bearing procedure
    d = values(agency_overview(user=province.viewer, agency_id=province.d.pk, period=Q1))
    assert (d["received_total"], d["online_payment_share"], d["on_time_rate"]) == (2, 0.5, 1)
    assert d["procedures_used_online_share"] == 0
    b = values(commune_overview(user=province.viewer, unit_id=province.commune_b.pk, period=Q1))
    assert (b["received_total"], b["resolved_total"], b["online_share"]) == (1, 0, 1)


def test_former_commune_rolls_up_to_todays_commune_with_dated_history(province):
    year_2025 = Period.year(2025)
    data = commune_overview(user=province.viewer, unit_id=province.commune_a.pk, period=year_2025)
    assert values(data)["received_total"] == 1
    assert values(data)["on_time_rate"] == 1
    former = [row for row in data["agencies"] if row["id"] == province.f.pk]
    assert former and former[0]["valid_to"] == dt.date(2025, 6, 30)
    assert [h["name"] for h in data["history"]] == ["Xã Cũ"]
    overview = province_overview(user=province.viewer, period=year_2025)
    assert values(overview)["received_total"] == 1
    commune_rows = {row["id"]: row for row in overview["communes"]}
    assert commune_rows[province.commune_a.pk]["received"] == 1
    assert province.f.pk not in {row["id"] for row in overview["agencies"]}  # commune level


def test_province_equals_sum_of_its_parts(province):
    overview = province_overview(user=province.viewer, period=Q1)
    by_commune = sum(row["received"] for row in overview["communes"])
    by_province_agencies = sum(row["received"] for row in overview["agencies"])
    assert by_commune + by_province_agencies == values(overview)["received_total"]


def test_index_766_points_from_the_data(province):
    index = province_overview(user=province.viewer, period=Q1)["index_766"]
    rows = {row["code"]: row for row in index["indicators"]}
    assert rows["1.1"]["measured"] is False and rows["1.1"]["points"] is None
    assert rows["1.2"]["points"] == pytest.approx(9 * 4 / 7, abs=0.01)  # synced, no threshold
    assert rows["2.1"]["points"] == pytest.approx(10 * 2 / 3, abs=0.01)
    assert rows["2.2"]["points"] == 10  # 10 days used of 14 allowed: within the legal time
    assert rows["3.1"]["points"] == 4  # 100% online ≥ 80%
    assert rows["3.3"]["points"] == pytest.approx(6 * (3 / 7) / 0.5, abs=0.01)  # below 50%
    assert rows["4.2"]["points"] == pytest.approx(6 * (4 / 7) / 0.8, abs=0.01)
    assert rows["5.1"]["points"] is None  # no field feedback handled: no value to score
    measured = [r for r in index["indicators"] if r["points"] is not None]
    assert index["points"] == pytest.approx(sum(r["points"] for r in measured), abs=0.02)
    assert index["max"] == 100


def test_plan_targets_get_traffic_lights(province):
    plan = Plan.objects.create(name="Kế hoạch thử", year=2026)
    PlanTarget.objects.create(
        plan=plan, title="Hài lòng", indicator="satisfaction_rate", year=2026, value=Decimal("0.5")
    )
    PlanTarget.objects.create(
        plan=plan, title="Đúng hạn", indicator="on_time_rate", year=2026, value=Decimal("0.7")
    )
    PlanTarget.objects.create(
        plan=plan, title="Trực tuyến cấp tỉnh", indicator="online_share", year=2026,
        level="province", value=Decimal("0.8"),
    )  # fmt: skip
    PlanTarget.objects.create(
        plan=plan, title="Xác thực", indicator="e_authenticated_share", year=2026, value=1
    )
    data = province_overview(user=province.viewer, period=Q1)
    lights = {t["title"]: (t["light"], t["actual"]) for t in data["plans"][0]["targets"]}
    assert lights["Hài lòng"] == ("green", 0.5)
    assert lights["Đúng hạn"][0] == "amber"  # 66.7% against 70%: within 10% of the target
    assert lights["Trực tuyến cấp tỉnh"] == ("red", 0)  # department D: post + counter only
    assert lights["Xác thực"] == ("grey", None)


def test_only_the_operations_centre_reads_it(province):
    with pytest.raises(PermissionDenied):
        province_overview(user=province.world.desk, period=Q1)
    with pytest.raises(PermissionDenied):
        province_overview(user=province.world.citizen, period=Q1)
    with pytest.raises(NotFound):
        agency_overview(user=province.viewer, agency_id=10**9, period=Q1)
    with pytest.raises(NotFound):
        commune_overview(user=province.viewer, unit_id=province.world.province.pk, period=Q1)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("2024-q4", dt.date(2024, 10, 1), dt.date(2024, 12, 31)),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ],
)
def test_periods(text, start, end):
    period = Period.parse(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["2026-13", "26", "2026-Q5", "abcd", "1999", "2026-00"])
def test_bad_periods(text):
    with pytest.raises(DomainError):
        Period.parse(text)


def test_rebuild_is_idempotent(province):
    before = list(DailyStat.objects.order_by("day", "agency_id").values())
    rollup.rebuild()
    after = list(DailyStat.objects.order_by("day", "agency_id").values())
    strip = [{k: v for k, v in row.items() if k != "id"} for row in before]
    assert strip == [{k: v for k, v in row.items() if k != "id"} for row in after]
