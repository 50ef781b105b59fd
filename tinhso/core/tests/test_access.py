"""The access rule of each scoped model, as a matrix: who × view/act, for dossiers, field reports
and questions (``Model.objects.restrict``), the object forms the pages use, and the request's
:class:`~tinhso.core.access.Access` read once per request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.core.access import ACT, VIEW, Access, request_access
from tinhso.core.models import Agency, OfficerAssignment, Role
from tinhso.core.services import officer_assign
from tinhso.dossiers import access as dossier_access
from tinhso.dossiers.models import STATE_TO_STATUS, Channel, Dossier, State
from tinhso.dossiers.tests.factories import make_user, make_world
from tinhso.feedback import access as report_access
from tinhso.feedback.models import Category, LocationSource, Report, Source
from tinhso.feedback.models import State as ReportState
from tinhso.feedback.services import can_handle
from tinhso.qna.models import Question, QuestionStatus
from tinhso.qna.selectors import may_handle

pytestmark = [pytest.mark.django_db, pytest.mark.pg]

ACTORS = (
    "owner",
    "other_citizen",
    "desk",
    "other_agency",
    "inactive_assignment",
    "inactive_agency",
    "province_admin",
    "ioc_viewer",
    "anonymous",
)
# (view, act) per actor, for a row of the committee owned by the citizen, not public.
# Whatever the model: outsiders and lapsed officers neither see nor act; the desk does both.
SHUT_OUT = dict.fromkeys(
    ("other_citizen", "other_agency", "inactive_assignment", "inactive_agency", "anonymous"),
    (False, False),
)
EXPECTED = {
    Dossier: {
        **SHUT_OUT,
        "owner": (True, True),  # supplement, withdraw, rate
        "desk": (True, True),
        "province_admin": (True, False),  # the transition table names no province role
        "ioc_viewer": (False, False),
    },
    Report: {
        **SHUT_OUT,
        "owner": (True, True),  # rate, reopen
        "desk": (True, True),
        "province_admin": (True, True),
        "ioc_viewer": (True, False),
    },
    Question: {
        **SHUT_OUT,
        "owner": (True, False),  # the asker takes no action after asking
        "desk": (True, True),
        "province_admin": (True, True),
        "ioc_viewer": (False, False),
    },
}


@pytest.fixture
def world():
    w = make_world()
    now = timezone.now()
    w.dossier = Dossier.objects.create(
        code="H44.40.01-260302-0001", procedure=w.procedure, receiving_agency=w.committee,
        deciding_agency=w.committee, current_agency=w.committee, applicant=w.citizen.applicant,
        applicant_name="Nguyễn Văn Đức", applicant_id_number="044090001234",
        submitted_by=w.citizen, channel=Channel.ONLINE, state=State.SUBMITTED,
        status=STATE_TO_STATUS[State.SUBMITTED], submitted_at=now,
    )  # fmt: skip
    category = Category.objects.create(code="den-duong", name="Đèn đường")
    w.report = Report.objects.create(
        category=category, description="Đèn đường hỏng", location_source=LocationSource.ADDRESS,
        source=Source.WEB, token="t-1", agency=w.committee, reporter=w.citizen,
        state=ReportState.NEW, submitted_at=now, updated_at=now, due_at=now + dt.timedelta(days=3),
    )  # fmt: skip
    w.question = Question.objects.create(
        agency=w.committee, asker=w.citizen, title="Khai sinh", body="Cần giấy tờ gì?",
        status=QuestionStatus.NEW,
    )  # fmt: skip
    return w


def actor(world, name: str):
    """The user playing ``name``; may change the world (an assignment or an agency closed)."""
    if name == "anonymous":
        return AnonymousUser()
    if name == "owner":
        return world.citizen
    if name == "other_citizen":
        return world.other_citizen
    if name == "desk":
        return world.desk
    if name == "other_agency":
        return world.outsider
    if name == "inactive_assignment":
        OfficerAssignment.objects.filter(user=world.desk).update(is_active=False)
        return world.desk
    if name == "inactive_agency":
        Agency.objects.filter(pk=world.committee.pk).update(is_active=False)
        return world.desk
    user = make_user(name)
    role = Role.PROVINCE_ADMIN if name == "province_admin" else Role.IOC_VIEWER
    officer_assign(actor=None, user=user, agency=world.other_committee, role=role)
    return user


def row_of(world, model):
    return {Dossier: world.dossier, Report: world.report, Question: world.question}[model]


@pytest.mark.parametrize("model", [Dossier, Report, Question], ids=lambda m: m.__name__)
@pytest.mark.parametrize("name", ACTORS)
def test_the_rule_of_each_model(world, model, name):
    user = actor(world, name)
    row = row_of(world, model)
    found = tuple(
        model.objects.restrict(user, action).filter(pk=row.pk).exists() for action in (VIEW, ACT)
    )
    assert found == EXPECTED[model][name]
    # The same answers from the request's Access as from the user.
    access = Access.of(user)
    assert found == tuple(
        model.objects.restrict(access, action).filter(pk=row.pk).exists() for action in (VIEW, ACT)
    )


@pytest.mark.parametrize("name", ACTORS)
def test_the_object_forms_agree_with_the_querysets(world, name):
    """The checks of one loaded row (buttons, the detail pages, the services' guards) give the
    answers of ``restrict``."""
    access = Access.of(actor(world, name))
    dossier, report, question = world.dossier, world.report, world.question
    for action in (VIEW, ACT):
        assert (
            dossier_access.is_applicant(access, dossier)
            or dossier_access.reaches_as_officer(access, dossier, action)
        ) == Dossier.objects.restrict(access, action).filter(pk=dossier.pk).exists()
        assert (
            (report.is_public and action == VIEW)
            or report_access.is_reporter(access, report)
            or report_access.reaches_as_officer(access, report, action)
        ) == Report.objects.restrict(access, action).filter(pk=report.pk).exists()
    assert may_handle(access, question.agency_id) == (
        Question.objects.restrict(access, ACT).filter(pk=question.pk).exists()
    )
    officer_acts = Report.objects.restrict(access, ACT).filter(pk=report.pk, reporter=None)
    report.reporter = None  # the officer's part of "act", without the reporter's own
    report.save()
    assert can_handle(access, report) == officer_acts.exists()


def test_published_rows_are_seen_by_everyone_and_changed_by_no_outsider(world):
    Report.objects.filter(pk=world.report.pk).update(state=ReportState.ASSIGNED)
    Question.objects.filter(pk=world.question.pk).update(
        status=QuestionStatus.ANSWERED,
        answer="Giấy chứng sinh.",
        is_published=True,
        public_title="Hỏi về khai sinh",
        public_body="Cần giấy tờ gì?",
    )
    for user in (AnonymousUser(), world.other_citizen, world.outsider):
        for model, row in ((Report, world.report), (Question, world.question)):
            assert model.objects.restrict(user, VIEW).filter(pk=row.pk).exists()
            assert not model.objects.restrict(user, ACT).filter(pk=row.pk).exists()


def test_unknown_action_is_refused(world):
    with pytest.raises(ValueError):
        Dossier.objects.restrict(world.desk, "delete")


def test_access_reads_roles_and_profile_in_one_query(world):
    officer_assign(actor=None, user=world.desk, agency=world.other_committee, role=Role.LEADER)
    with CaptureQueriesContext(connection) as queries:
        access = Access.of(world.desk)
    assert len(queries) == 1
    assert access.agencies_by_role == {
        Role.DESK_OFFICER: frozenset({world.committee.pk}),
        Role.LEADER: frozenset({world.other_committee.pk}),
    }
    assert access.roles_in(world.other_committee.pk) == {Role.LEADER}
    assert Access.of(world.citizen).applicant_id == world.citizen.applicant.pk
    with CaptureQueriesContext(connection) as queries:
        assert Access.of(AnonymousUser()).agencies() == frozenset()
    assert len(queries) == 0


def test_request_access_is_read_once_per_request_and_user(world):
    request = RequestFactory().get("/")
    request.user = world.desk
    first = request_access(request)
    with CaptureQueriesContext(connection) as queries:
        assert request_access(request) is first
    assert len(queries) == 0
    request.user = world.leader  # e.g. an API token checked after the middleware
    assert request_access(request).user == world.leader
    assert not hasattr(world.desk, "access")  # kept on the request, never on the user


def _assignment_reads(queries) -> int:
    return sum('"core_officerassignment"' in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("desk", "/can-bo/"),
        ("desk", "/can-bo/phan-anh/"),
        ("desk", "/can-bo/hoi-dap/"),
        ("citizen", "/ho-so-cua-toi/"),
    ],
)
def test_a_page_reads_the_roles_once(world, who, url):
    client = Client()
    client.force_login(getattr(world, who))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    assert _assignment_reads(queries) == 1


@pytest.mark.parametrize("name", ["desk", "other_agency", "inactive_agency", "ioc_viewer"])
def test_every_work_list_is_within_the_view_rule(world, name):
    """The work lists filter by role, state and the agency handling a dossier now (always its
    receiving or deciding agency), so they never show a dossier the view rule hides."""
    from tinhso.dossiers.selectors import INBOXES, inbox

    user = actor(world, name)
    Dossier.objects.filter(pk=world.dossier.pk).update(
        legal_due_at=timezone.now() - dt.timedelta(hours=1)
    )
    visible = set(Dossier.objects.restrict(user, VIEW).values_list("pk", flat=True))
    for box in INBOXES:
        assert set(inbox(user=user, box=box).values_list("pk", flat=True)) <= visible, box
    if name == "desk":
        assert inbox(user=user, box="to_receive").filter(pk=world.dossier.pk).exists()
