"""After every migrate: the audit chain head and the role groups with their permissions."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import Group, Permission

from .models import AuditChainHead, Role

# What each role may do in the Django admin (the workspace pages check roles themselves).
ROLE_ADMIN_PERMISSIONS: dict[str, list[str]] = {
    Role.PROVINCE_ADMIN: ["core.*", "procedures.*", "auth.view_user", "auth.add_user",
                          "auth.change_user"],
    Role.AGENCY_ADMIN: ["core.view_agency", "core.change_agency", "core.view_officerassignment",
                        "core.add_officerassignment", "core.change_officerassignment",
                        "core.view_administrativeunit", "core.view_calendaroverride"],
    Role.DESK_OFFICER: ["core.view_agency", "core.view_administrativeunit",
                        "core.view_applicantprofile", "core.view_calendaroverride"],
    Role.SPECIALIST: ["core.view_agency", "core.view_administrativeunit"],
    Role.LEADER: ["core.view_agency", "core.view_administrativeunit"],
    Role.IOC_VIEWER: ["core.view_agency", "core.view_administrativeunit"],
}  # fmt: skip


def _permissions(patterns: list[str]):
    for pattern in patterns:
        app_label, codename = pattern.split(".", 1)
        qs = Permission.objects.filter(content_type__app_label=app_label)
        if codename != "*":
            qs = qs.filter(codename=codename)
        yield from qs


def ensure_core_rows(sender, **kwargs) -> None:
    """Once per ``migrate`` or ``flush``: Django sends ``post_migrate`` once per app with models
    (each app's permissions are created at its own), so the rows are ensured at the last app's,
    after every permission exists (ensuring them at each of the 19 took ~0.6 s per flush, a
    test with committed data ends with one)."""
    if sender is not [config for config in apps.get_app_configs() if config.models_module][-1]:
        return
    AuditChainHead.objects.get_or_create(id=1)
    for role, patterns in ROLE_ADMIN_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = {perm.pk for perm in _permissions(patterns)}
        current = set(group.permissions.values_list("pk", flat=True))
        if wanted != current:
            group.permissions.set(wanted)
