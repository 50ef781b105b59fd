"""The newest-first dossier list merges index-ordered branches; it must equal the plain query."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from tinhso.core.models import Agency, AgencyLevel, Role
from tinhso.core.services import officer_assign
from tinhso.dossiers import selectors
from tinhso.dossiers.models import STATE_TO_STATUS, Channel, Dossier, State
from tinhso.testing.worlds import module_world

from .factories import make_user, make_world

pytestmark = [pytest.mark.django_db, pytest.mark.pg]
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def build_world():
    w = make_world()
    department = Agency.objects.create(
        code="H44.03", name="Sở Tư pháp", level=AgencyLevel.PROVINCE_DEPARTMENT, unit=w.province
    )
    w.department_officer = make_user("so-tu-phap")
    officer_assign(actor=None, user=w.department_officer, agency=department, role=Role.SPECIALIST)
    w.admin = make_user("admin-tinh")
    officer_assign(actor=None, user=w.admin, agency=department, role=Role.PROVINCE_ADMIN)
    start = dt.datetime(2026, 3, 2, 8, tzinfo=VN)
    seq = itertools.count()
    # Receiving A deciding A, receiving A deciding the department, receiving B; ties in time.
    for n in range(40):
        receiving = w.committee if n % 3 else w.other_committee
        deciding = department if n % 4 == 0 else receiving
        state = State.PROCESSING if n % 2 else State.RETURNED
        Dossier.objects.create(
            code=f"T-{next(seq):04d}", procedure=w.procedure, receiving_agency=receiving,
            deciding_agency=deciding, current_agency=deciding, applicant_name="Nguyễn Văn A",
            applicant_id_number="044090001234", submitted_by=w.desk, channel=Channel.COUNTER,
            state=state, status=STATE_TO_STATUS[state],
            submitted_at=start + dt.timedelta(hours=n // 2),
        )  # fmt: skip
    return w


_world_built, world = module_world(build_world)  # built once: the tests only read it


def plain(user, offset, limit, status=None):
    qs = selectors.dossiers_visible(user)
    if status is not None:
        qs = qs.filter(status=status)
    return [d.code for d in qs.order_by("-submitted_at", "-id")[offset : offset + limit]]


@pytest.mark.parametrize("who", ["desk", "outsider", "department_officer", "admin", "citizen"])
@pytest.mark.parametrize(("offset", "limit"), [(0, 5), (3, 7), (0, 50), (30, 20)])
@pytest.mark.parametrize("status", [None, 4])
def test_same_page_as_the_plain_query(world, who, offset, limit, status):
    user = getattr(world, who)
    merged = selectors.dossiers_newest(user=user, offset=offset, limit=limit, status=status)
    assert [d.code for d in merged] == plain(user, offset, limit, status)


def test_deep_pages_fall_back_to_the_plain_query(world, monkeypatch):
    monkeypatch.setattr(selectors, "NEWEST_MERGE_LIMIT", 10)
    merged = selectors.dossiers_newest(user=world.desk, offset=8, limit=5)
    assert [d.code for d in merged] == plain(world.desk, 8, 5)
