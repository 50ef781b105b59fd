"""The officers' work lists read a page in two steps; they must equal the plain ordered query,
count what their tabs count, and cost the same number of queries whatever the page size."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tinhso.core.auth import token_create
from tinhso.dossiers import selectors
from tinhso.dossiers.models import STATE_TO_STATUS, Dossier, State
from tinhso.procedures.models import ProcessStep
from tinhso.testing.worlds import module_world

from .factories import make_world

pytestmark = [pytest.mark.django_db, pytest.mark.pg]
VN = ZoneInfo("Asia/Ho_Chi_Minh")
STATES = [
    State.SUBMITTED,
    State.RECEIVED,
    State.PROCESSING,
    State.FINISHED,
    State.SUPPLEMENT_REQUESTED,
    State.RETURNED,
]


def build_world():
    w = make_world()
    steps = list(ProcessStep.objects.filter(procedure=w.procedure).order_by("order"))
    start = dt.datetime(2026, 3, 2, 8, tzinfo=VN)
    now = dt.datetime.now(tz=VN)
    seq = itertools.count()
    # Several states, steps of every role, due times in the past and future, ties in time.
    for n in range(60):
        state = STATES[n % len(STATES)]
        received = state != State.SUBMITTED
        Dossier.objects.create(
            code=f"W-{next(seq):04d}", procedure=w.procedure, receiving_agency=w.committee,
            deciding_agency=w.committee, current_agency=w.committee,
            current_step=steps[n % len(steps)] if received else None,
            applicant_name=f"Nguyễn Văn {n % 7}", applicant_id_number="044090001234",
            submitted_by=w.desk, channel=1, state=state, status=STATE_TO_STATUS[state],
            submitted_at=start + dt.timedelta(hours=n // 3),
            legal_due_at=now + dt.timedelta(hours=(n % 5) * 20 - 30) if received else None,
            closed_at=now if state == State.RETURNED else None,
        )  # fmt: skip
    return w


_world_built, world = module_world(build_world)  # built once: the tests only read it


def plain(user, box):
    """The list as one ordered query over the steps' roles (what the two steps replace)."""
    qs = selectors.inbox(user=user, box=box)
    return [d.code for d in qs]


@pytest.mark.parametrize("who", ["desk", "specialist", "leader", "outsider"])
@pytest.mark.parametrize("box", selectors.INBOXES)
def test_pages_equal_the_ordered_list_and_the_tab_count(world, who, box):
    user = getattr(world, who)
    everything = plain(user, box)
    counts = selectors.inbox_counts(user=user)
    assert counts[box] == len(everything)
    listed = selectors.DossierPage(selectors.inbox(user=user, box=box))
    assert listed.count() == len(everything)
    pages = [d.code for start in range(0, 70, 7) for d in listed[start : start + 7]]
    assert pages == everything
    # By the steps' roles, as the lists were defined before the steps became ids.
    if box == "to_process" and everything:
        roles = {role for _agency, role in selectors._assignments(user)}
        assert (
            set(
                Dossier.objects.filter(code__in=everything).values_list(
                    "current_step__role", flat=True
                )
            )
            <= roles
        )


def test_the_inbox_page_counts_once_and_its_api_has_no_query_per_dossier(world):
    client = Client()
    client.force_login(world.desk)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/can-bo/?box=to_receive").status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    counts = [s for s in sql if "COUNT(" in s and 'FROM "dossiers_dossier"' in s]
    assert len(counts) == 1, counts  # the tabs' one query; the paginator reuses it

    token = token_create(user=world.specialist, name="t")
    api = Client(headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/dossiers?box=to_process").status_code == 200  # stamps the token's use
    sizes = {}
    for limit in (2, 20):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"/api/dossiers?box=to_process&limit={limit}")
        assert response.status_code == 200
        sizes[limit] = (len(response.json()), len(queries.captured_queries))
    assert sizes[20][0] > sizes[2][0] == 2
    assert sizes[20][1] == sizes[2][1], sizes
