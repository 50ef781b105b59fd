"""Core business operations: each one transaction writing its change and its audit entry."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record
from .errors import DomainError
from .models import (
    AdministrativeUnit,
    Agency,
    CalendarOverride,
    OfficerAssignment,
    PendingUpload,
    Role,
    SuccessionKind,
    UnitKind,
    UnitLevel,
    UnitSuccession,
)
from .sync import sync_row
from .uploads import CheckedUpload

DATA_DIR = Path(__file__).resolve().parent / "data"
REFORM_DATE = dt.date(2025, 7, 1)

_KIND_FROM_PACKAGE = {
    "tỉnh": UnitKind.PROVINCE,
    "thành phố trung ương": UnitKind.CENTRAL_CITY,
    "xã": UnitKind.COMMUNE,
    "phường": UnitKind.WARD,
    "đặc khu": UnitKind.SPECIAL_ZONE,
}


@dataclass
class LoadReport:
    tally: Counter = field(default_factory=Counter)

    @property
    def created(self) -> int:
        return self.tally["created"]

    @property
    def updated(self) -> int:
        return self.tally["updated"]

    @property
    def unchanged(self) -> int:
        return self.tally["unchanged"]

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def __str__(self) -> str:
        return _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


def _package_province(code: str):
    from vietnam_provinces import Province, ProvinceCode

    try:
        return Province.from_code(ProvinceCode(int(code)))
    except (ValueError, TypeError):
        raise DomainError(
            "unknown_unit",
            _("Unknown province code “%(code)s”: the 2025 list has 34 provinces (codes 01–96).")
            % {"code": code},
        ) from None


def units_load_province(
    *, actor: Any = None, province_code: str, with_history: bool = True
) -> LoadReport:
    """Load one province and its commune-level units from the 2025 list (idempotent).

    With ``with_history``, the units merged into it on 1 Jul 2025 (when the project ships them,
    ``data/legacy_<code>.json``) are loaded with their validity dates and successions.
    """
    from vietnam_provinces import Ward

    province_code = str(province_code).strip().zfill(2)
    package_province = _package_province(province_code)
    province_code = f"{int(package_province.code):02d}"  # "044" is 44, not a second province
    report = LoadReport()
    with transaction.atomic():
        province = sync_row(
            AdministrativeUnit,
            {"level": UnitLevel.PROVINCE, "code": province_code, "valid_from": REFORM_DATE},
            {
                "name": package_province.name,
                "kind": _KIND_FROM_PACKAGE[package_province.division_type.value],
                "parent": None,
                "valid_to": None,
                "codename": package_province.codename,
            },
            report.tally,
        )
        for ward in Ward.iter_by_province(package_province.code):
            sync_row(
                AdministrativeUnit,
                {"level": UnitLevel.COMMUNE, "code": f"{int(ward.code):05d}", "valid_to": None},
                {
                    "name": ward.name,
                    "kind": _KIND_FROM_PACKAGE[ward.division_type.value],
                    "parent": province,
                    "valid_from": REFORM_DATE,
                    "codename": ward.codename,
                },
                report.tally,
            )
        legacy_file = DATA_DIR / f"legacy_{province_code}.json"
        if with_history and legacy_file.exists():
            _load_legacy(json.loads(legacy_file.read_text("utf-8")), report)
        if report.changed:
            audit_record(
                actor=actor,
                action="units.load",
                obj=province,
                after={"province": province_code, **dict(report.tally)},
            )
    return report


def _load_legacy(data: dict, report: LoadReport) -> None:
    reform = dt.date.fromisoformat(data["reform_date"])
    for item in data["provinces"]:
        valid_to = dt.date.fromisoformat(item["valid_to"])
        old = sync_row(
            AdministrativeUnit,
            {"level": UnitLevel.PROVINCE, "code": item["code"], "valid_from": None},
            {"name": item["name"], "kind": item["kind"], "parent": None, "valid_to": valid_to},
            report.tally,
        )
        successor = AdministrativeUnit.objects.get(
            level=UnitLevel.PROVINCE, code=item["successor"], valid_to__isnull=True
        )
        sync_row(
            UnitSuccession,
            {"predecessor": old, "successor": successor},
            {
                "kind": SuccessionKind.MERGE,
                "effective_on": reform,
                "legal_basis": data.get("legal_basis", ""),
            },
            report.tally,
        )
        for district in item["districts"]:
            sync_row(
                AdministrativeUnit,
                {"level": UnitLevel.DISTRICT, "code": district["code"], "valid_from": None},
                {
                    "name": district["name"],
                    "kind": district["kind"],
                    "parent": old,
                    "valid_to": valid_to,
                },
                report.tally,
            )


def calendar_override_set(
    *, actor: Any, date: dt.date, is_working_day: bool, name: str, legal_basis: str = ""
) -> CalendarOverride:
    """Enter (or change) an official day swap announced by the Government."""
    if not name.strip():
        raise DomainError("name_required", _("Describe the change (e.g. the announcement)."))
    with transaction.atomic():
        existing = CalendarOverride.objects.select_for_update().filter(date=date).first()
        before = (
            {"is_working_day": existing.is_working_day, "name": existing.name} if existing else None
        )
        override, _created = CalendarOverride.objects.update_or_create(
            date=date,
            defaults={"is_working_day": is_working_day, "name": name, "legal_basis": legal_basis},
        )
        audit_record(
            actor=actor,
            action="calendar.override_set",
            obj=override,
            before=before,
            after={"is_working_day": is_working_day, "name": name},
        )
    return override


def officer_assign(*, actor: Any, user: Any, agency: Agency, role: str) -> OfficerAssignment:
    """Give an officer a role in an agency; the role's group carries its permissions."""
    if role not in Role.values:
        raise DomainError("unknown_role", _("Unknown role “%(role)s”.") % {"role": role})
    with transaction.atomic():
        assignment, created = OfficerAssignment.objects.get_or_create(
            user=user, agency=agency, role=role, defaults={"is_active": True}
        )
        if not created and not assignment.is_active:
            assignment.is_active = True
            assignment.save(update_fields=["is_active"])
            created = True
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        if created:
            audit_record(
                actor=actor,
                action="officer.assign",
                obj=assignment,
                after={"user": user.get_username(), "agency": agency.code, "role": role},
            )
    return assignment


def validate_or_raise(obj: Any) -> None:
    """Run model validation and turn the first error into a DomainError."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        messages = []
        for field_name, errors in exc.message_dict.items():
            messages.extend(f"{field_name}: {message}" for message in errors)
        raise DomainError("invalid", "; ".join(messages), fields=exc.message_dict) from None


# --- pending uploads (files kept for a form that failed validation) ----------------------------


def _delete_files_after_commit(names: list[tuple[Any, str]]) -> None:
    def delete() -> None:
        for storage, name in names:
            if name:
                storage.delete(name)

    transaction.on_commit(delete)


def pending_upload_keep(*, owner: Any, checked: CheckedUpload) -> PendingUpload:
    """Store a checked file for its owner's next try of the same form; return its row (whose
    ``key`` the form carries). A file stored already (a pending one) is not stored twice."""
    if not getattr(owner, "is_authenticated", False):
        raise DomainError("unauthenticated", _("Please sign in."))
    if checked.stored_name:
        found = PendingUpload.objects.filter(owner=owner, file=checked.stored_name).first()
        if found is not None:
            return found
    record = PendingUpload(
        owner=owner,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    record.file.save(f"pending.{checked.extension}", checked.content, save=False)
    try:
        record.save()
    except BaseException:
        record.file.storage.delete(record.file.name)
        raise
    return record


def pending_upload_discard(*, owner: Any, key: str) -> bool:
    """Remove one of the owner's pending files (the form's remove button); False when it was
    gone already."""
    with transaction.atomic():
        records = list(PendingUpload.objects.select_for_update().filter(owner=owner, key=key))
        for record in records:
            record.delete()
        _delete_files_after_commit([(r.file.storage, r.file.name) for r in records])
    return bool(records)


def pending_uploads_take(*, owner: Any, keys: list[str]) -> list[PendingUpload]:
    """Inside the caller's transaction: lock and delete the owner's pending rows of ``keys``
    whose files a dossier now takes over (the stored files stay). Raises ``DomainError``
    (``upload_expired``) when one is gone (expired, or taken by an earlier request)."""
    wanted = set(keys)
    if not wanted:
        return []
    records = list(PendingUpload.objects.select_for_update().filter(owner=owner, key__in=wanted))
    if len(records) != len(wanted):
        raise DomainError(
            "upload_expired",
            _("A file kept from the previous attempt is no longer available: attach it again."),
        )
    PendingUpload.objects.filter(pk__in=[r.pk for r in records]).delete()
    return records


def pending_uploads_purge(*, older_than_hours: float | None = None) -> int:
    """Delete pending files older than ``TINHSO_PENDING_UPLOAD_HOURS`` (the scheduler, daily
    at least), rows and stored files; return how many."""
    hours = settings.TINHSO_PENDING_UPLOAD_HOURS if older_than_hours is None else older_than_hours
    limit = timezone.now() - dt.timedelta(hours=hours)
    with transaction.atomic():
        old = list(PendingUpload.objects.select_for_update().filter(created_at__lt=limit))
        if not old:
            return 0
        PendingUpload.objects.filter(pk__in=[r.pk for r in old]).delete()
        audit_record(
            actor=None,
            action="core.pending_uploads_purge",
            object_type="core.pendingupload",
            object_repr=f"{len(old)} pending uploads",
            after={"count": len(old), "older_than_hours": hours},
        )
        _delete_files_after_commit([(r.file.storage, r.file.name) for r in old])
    return len(old)


def units_load_geometry(
    *,
    actor: Any = None,
    province_code: str,
    features: list[dict[str, Any]],
    source: str,
    code_property: str = "code",
) -> LoadReport:
    """Set where the province's current units lie on the maps (core.maps), in one transaction.

    ``features``: GeoJSON features whose ``properties[code_property]`` is a current commune's
    code (or the province's own code, for its outline). A Point sets the unit's point; a Polygon
    or MultiPolygon (official boundaries) sets its outline and a label point inside it. Any
    unknown code or bad geometry refuses the whole load: nothing is written.
    """
    from .maps import GeometryError, as_decimal, clean_geometry, label_point

    province = AdministrativeUnit.objects.filter(
        level=UnitLevel.PROVINCE, code=province_code, valid_to__isnull=True
    ).first()
    if province is None:
        raise DomainError(
            "unknown_unit",
            _("Province %(code)s is not loaded: run load_units first.") % {"code": province_code},
        )
    units = {
        unit.code: unit
        for unit in AdministrativeUnit.objects.current().filter(
            parent=province, level=UnitLevel.COMMUNE
        )
    }
    units[province.code] = province
    problems: list[str] = []
    planned: dict[str, tuple[dict[str, Any], AdministrativeUnit]] = {}
    for number, feature in enumerate(features, start=1):
        properties = (feature or {}).get("properties") or {}
        raw = properties.get(code_property)
        code = str(raw).strip() if raw is not None else ""
        if code.isdigit() and len(code) < 5 and code != province.code:
            code = code.zfill(5)
        unit = units.get(code)
        if unit is None:
            problems.append(
                _("feature %(n)d: “%(code)s” is not a current unit of province %(province)s")
                % {"n": number, "code": code or "—", "province": province.code}
            )
            continue
        if code in planned:
            problems.append(
                _("feature %(n)d: %(code)s appears twice") % {"n": number, "code": code}
            )
            continue
        try:
            planned[code] = (clean_geometry(feature.get("geometry")), unit)
        except GeometryError as exc:
            problems.append(
                _("feature %(n)d (%(code)s): %(problem)s")
                % {"n": number, "code": code, "problem": str(exc)}
            )
    if not planned and not problems:
        problems.append(_("the file has no features"))
    if problems:
        raise DomainError(
            "invalid_geometry",
            _("Nothing was loaded: %(problems)s.") % {"problems": "; ".join(problems[:20])},
            problems=problems,
        )
    report = LoadReport()
    with transaction.atomic():
        for _code, (geometry, unit) in sorted(planned.items()):
            lat, lng = label_point(geometry)
            values = {
                "latitude": as_decimal(lat),
                "longitude": as_decimal(lng),
                "geometry_source": source[:300],
            }
            if geometry["type"] != "Point":
                values["outline"] = geometry
            sync_row(AdministrativeUnit, {"pk": unit.pk}, values, report.tally)
        if report.changed:
            audit_record(
                actor=actor,
                action="units.load_geometry",
                obj=province,
                after={"province": province.code, "source": source, **dict(report.tally)},
            )
    report.tally["missing"] = len(set(units) - set(planned) - {province.code})
    return report


def units_load_basemap_points(*, actor: Any = None, province_code: str) -> LoadReport:
    """The communes' approximate points from the offline base layer (core.maps), when the
    province has one and no official boundaries replace them (units_load_geometry)."""
    from .maps import basemap, basemap_points

    data = basemap(province_code)
    if data is None:
        return LoadReport()
    versions = ", ".join(source.get("version", "") for source in data["metadata"]["sources"])
    official = set(
        AdministrativeUnit.objects.current()
        .filter(parent__code=province_code, outline__isnull=False)
        .values_list("code", flat=True)
    )
    features = [f for f in basemap_points(province_code) if f["properties"]["code"] not in official]
    if not features:
        return LoadReport()
    return units_load_geometry(
        actor=actor,
        province_code=province_code,
        features=features,
        source=f"basemap_{province_code}.geojson (approximate points; {versions})",
    )
