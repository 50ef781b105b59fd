"""Officer assignment: the role's group, staff access, idempotency, the audit entry."""

from __future__ import annotations

import pytest

from tinhso.core.errors import DomainError
from tinhso.core.models import AuditEvent, OfficerAssignment, Role
from tinhso.core.selectors import user_agency_ids, user_roles
from tinhso.core.services import officer_assign
from tinhso.testing.factories import make_agency, make_superuser, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency():
    return make_agency("H44.99")


def test_assign_adds_the_group_and_staff_access(agency):
    user = make_user("canbo1")
    assert not user.is_staff

    assignment = officer_assign(
        actor=make_superuser(), user=user, agency=agency, role=Role.DESK_OFFICER
    )

    user.refresh_from_db()
    assert user.is_staff
    assert not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [Role.DESK_OFFICER]
    assert assignment.is_active
    assert user_roles(user, agency) == {Role.DESK_OFFICER}
    assert user_agency_ids(user) == {agency.pk}
    event = AuditEvent.objects.get(action="officer.assign")
    assert event.after == {"user": "canbo1", "agency": "H44.99", "role": Role.DESK_OFFICER}


def test_assign_is_idempotent(agency):
    user = make_user()
    first = officer_assign(actor=None, user=user, agency=agency, role=Role.SPECIALIST)
    entries = AuditEvent.objects.count()

    second = officer_assign(actor=None, user=user, agency=agency, role=Role.SPECIALIST)

    assert second.pk == first.pk
    assert OfficerAssignment.objects.filter(user=user).count() == 1
    assert user.groups.count() == 1
    assert AuditEvent.objects.count() == entries
    user.refresh_from_db()
    assert user.is_staff


def test_a_second_role_adds_a_second_group(agency):
    user = make_user()
    officer_assign(actor=None, user=user, agency=agency, role=Role.SPECIALIST)
    officer_assign(actor=None, user=user, agency=agency, role=Role.LEADER)
    assert set(user.groups.values_list("name", flat=True)) == {Role.SPECIALIST, Role.LEADER}
    assert user_roles(user) == {Role.SPECIALIST, Role.LEADER}


def test_assign_reactivates_an_inactive_assignment(agency):
    user = make_user()
    assignment = officer_assign(actor=None, user=user, agency=agency, role=Role.LEADER)
    OfficerAssignment.objects.filter(pk=assignment.pk).update(is_active=False)
    entries = AuditEvent.objects.count()

    officer_assign(actor=None, user=user, agency=agency, role=Role.LEADER)

    assignment.refresh_from_db()
    assert assignment.is_active
    assert AuditEvent.objects.count() == entries + 1


def test_unknown_role_is_refused(agency):
    user = make_user()
    with pytest.raises(DomainError) as excinfo:
        officer_assign(actor=None, user=user, agency=agency, role="king")
    assert excinfo.value.code == "unknown_role"
    assert not OfficerAssignment.objects.exists()
    user.refresh_from_db()
    assert not user.is_staff
    assert not user.groups.exists()


def test_role_groups_carry_admin_permissions(db):
    from django.contrib.auth.models import Group

    desk = Group.objects.get(name=Role.DESK_OFFICER)
    assert desk.permissions.filter(codename="view_applicantprofile").exists()
    assert not desk.permissions.filter(codename="change_agency").exists()
