"""Business operations on the procedure catalogue: form validation, catalogue import and export.

The catalogue travels as flat rows (see :mod:`tinhso.procedures.catalogue_io` for the columns).
An import validates every row, writes what is new or different (idempotent: the same file twice
writes nothing the second time) and appends one audit entry.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, NamedTuple

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError
from tinhso.core.lifecycle import files_rollback, remember_file
from tinhso.core.models import Agency, Role
from tinhso.core.sync import sync_row
from tinhso.core.uploads import CheckedUpload, check_upload
from tinhso.core.validators import validate_agency_code

from . import forms_schema
from .catalogue_io import COLUMNS, read_csv, read_xlsx, write_csv, write_xlsx
from .models import (
    AgencySlot,
    ComponentKind,
    DeliveryMethod,
    OnlineMode,
    Procedure,
    ProcedureComponent,
    ProcessStep,
    Sector,
    StepAgency,
)

__all__ = [
    "COLUMNS",
    "ImportReport",
    "RejectedRow",
    "catalogue_export_rows",
    "catalogue_import",
    "component_attach_blank_form",
    "procedure_check_schema",
    "procedure_validate_draft",
    "procedure_validate_form",
    "read_csv",
    "read_xlsx",
    "write_csv",
    "write_xlsx",
]

ImportMode = Literal["all_or_nothing", "per_row"]
LEVELS = ("province", "commune")
PROCEDURE_CODE = re.compile(r"^(?P<national>[1-9]\.[0-9]{6})(?:\.(?P<agency>.+))?$")
SHARE_TOTAL = Decimal(100)
_TWO_PLACES = Decimal("0.01")


# --- Blank forms (mẫu đơn, tờ khai) ---------------------------------------------------------


def store_blank_form(component: ProcedureComponent, checked: CheckedUpload) -> str:
    """Put a checked file on ``component`` as its blank form (not saved: the caller saves);
    returns the name of the file it replaces, for the caller to delete after the commit."""
    previous = component.blank_form.name or ""
    component.blank_form.save(checked.original_name, checked.content, save=False)
    remember_file(component.blank_form.storage, component.blank_form.name)
    component.blank_form_name = checked.original_name[:255]
    component.blank_form_type = checked.content_type
    return previous


def _delete_after_commit(storage: Any, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def component_attach_blank_form(
    *, actor: Any, component: ProcedureComponent, upload: Any
) -> ProcedureComponent:
    """Give a dossier component its blank form to download (mẫu đơn, tờ khai): a PDF or an
    image, checked as every upload is (:func:`tinhso.core.uploads.check_upload`); it replaces
    the previous one. Raises ``DomainError`` (nothing stored) for an unacceptable file."""
    checked = check_upload(upload)
    with files_rollback(), transaction.atomic():
        locked = ProcedureComponent.objects.select_for_update().get(pk=component.pk)
        previous = store_blank_form(locked, checked)
        locked.save(update_fields=["blank_form", "blank_form_name", "blank_form_type"])
        Procedure.objects.filter(pk=locked.procedure_id).update(updated_at=timezone.now())
        audit_record(
            actor=actor,
            action="procedure.blank_form",
            obj=locked.procedure,
            after={
                "component": locked.pk,
                "file": locked.blank_form_name,
                "sha256": checked.sha256,
            },
        )
        _delete_after_commit(locked.blank_form.storage, previous)
    return locked


# --- Forms -----------------------------------------------------------------------------------


def procedure_check_schema(schema: Any) -> None:
    """Raise ``DomainError("invalid_schema")`` unless ``schema`` is a usable form schema."""
    forms_schema.check_schema(schema)


def procedure_validate_form(*, procedure: Procedure, data: dict) -> dict:
    """Check application data against the procedure's form; list every error at once.

    Raises ``DomainError("invalid_form", message, errors=[{"field": ..., "message": ...}])``.
    """
    return forms_schema.validate_form(procedure.form_schema or {}, data)


def procedure_validate_draft(*, procedure: Procedure, data: dict) -> dict:
    """Check the application data of a draft (maybe incomplete): no key outside the form, no
    string or array over its cap. Raises ``DomainError("invalid_form", ...)`` as above."""
    return forms_schema.validate_size(procedure.form_schema or {}, data)


# --- Import report ---------------------------------------------------------------------------


class RejectedRow(NamedTuple):
    row: int
    code: str
    reasons: list[str]


@dataclass
class ImportReport:
    mode: str
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    sectors: Counter = field(default_factory=Counter)
    created_codes: list[str] = field(default_factory=list)
    updated_codes: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.rejected

    def __str__(self) -> str:
        text = _(
            "%(total)d row(s): %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(rejected)d rejected"
        ) % {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
        }
        if self.rejected and not self.written:
            text += " " + _("(nothing was written)")
        return text

    def rejection_lines(self) -> list[str]:
        return [
            _("Row %(row)d (%(code)s): %(reasons)s")
            % {"row": item.row, "code": item.code or "?", "reasons": "; ".join(item.reasons)}
            for item in self.rejected
        ]


# --- Parsing one row -------------------------------------------------------------------------


@dataclass
class ProcedureSpec:
    """A validated catalogue row, ready to be compared with (and written to) the database."""

    code: str
    sector_code: str
    sector_name: str
    values: dict[str, Any]
    components: list[dict[str, Any]]
    steps: list[dict[str, Any]]


class _AgencyIndex:
    """Agencies by key and by code, loaded once per import."""

    def __init__(self) -> None:
        self.by_key: dict[str, list[Agency]] = {}
        self.by_code: dict[str, Agency] = {}
        for agency in Agency.objects.filter(is_active=True).only("id", "code", "key", "name"):
            self.by_code[agency.code] = agency
            if agency.key:
                self.by_key.setdefault(agency.key, []).append(agency)

    def resolve(self, ref: str) -> tuple[str, Agency | None, str | None]:
        """(slot, department, error) for a receiving/deciding cell."""
        if ref in (AgencySlot.COMMUNE_COMMITTEE, AgencySlot.SERVICE_CENTRE):
            return ref, None, None
        if not ref:
            return "", None, _("the agency is missing")
        if ref == AgencySlot.DEPARTMENT:
            return "", None, _("name the department by its key (e.g. so_tu_phap), not “department”")
        found = self.by_key.get(ref, [])
        if len(found) > 1:
            return "", None, _("the agency key “%(key)s” is ambiguous") % {"key": ref}
        agency = found[0] if found else self.by_code.get(ref)
        if agency is None:
            return "", None, _("unknown agency “%(ref)s”") % {"ref": ref}
        return AgencySlot.DEPARTMENT, agency, None


def _decimal(text: str) -> Decimal | None:
    text = text.strip().replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _bool(text: str, default: bool) -> bool | None:
    text = text.strip().lower()
    if not text:
        return default
    if text in {"1", "true", "yes", "x", "có", "co"}:
        return True
    if text in {"0", "false", "no", "không", "khong"}:
        return False
    return None


def _json_cell(text: str, empty: Any, label: str, reasons: list[str]) -> Any:
    if not text.strip():
        return empty
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        reasons.append(
            _("%(column)s is not valid JSON (line %(line)d, column %(col)d)")
            % {"column": label, "line": exc.lineno, "col": exc.colno}
        )
        return None


def _parse_processing(row: dict, reasons: list[str]) -> tuple[Decimal | None, Decimal | None]:
    days_text = str(row.get("processing_days") or "").strip()
    hours_text = str(row.get("processing_hours") or "").strip()
    if bool(days_text) == bool(hours_text):
        reasons.append(_("give exactly one of processing_days and processing_hours"))
        return None, None
    text = days_text or hours_text
    value = _decimal(text)
    if value is None:
        reasons.append(_("the processing time “%(value)s” is not a number") % {"value": text})
        return None, None
    if value < Decimal("0.5") or value > Decimal("9999.99"):
        reasons.append(_("the processing time must be between 0.5 and 9999.99"))
        return None, None
    if value != value.quantize(_TWO_PLACES):
        reasons.append(_("the processing time has more than two decimal places"))
        return None, None
    return (value, None) if days_text else (None, value)


def _parse_fee(text: str, reasons: list[str]) -> int:
    text = text.strip()
    if not text:
        return 0
    if not re.fullmatch(r"[0-9]+", text):
        reasons.append(
            _("the fee “%(value)s” must be a whole number of đồng, without separators")
            % {"value": text}
        )
        return 0
    return int(text)


def default_delivery(online_mode: str) -> list[str]:
    """The ways to receive the result when a catalogue row names none: the one-stop desk and
    the public postal service, and online too for a fully online procedure (Decree 42/2022
    Art. 11: its result is returned online or by post)."""
    methods = [DeliveryMethod.COUNTER, DeliveryMethod.POST]
    if online_mode == OnlineMode.FULL:
        methods.append(DeliveryMethod.ONLINE)
    return [str(method) for method in methods]


def _parse_delivery(text: str, online_mode: str, reasons: list[str]) -> list[str]:
    """``counter;post;online`` (any of them, in any order) or empty (:func:`default_delivery`)."""
    named = [item.strip() for item in re.split(r"[;,]", text) if item.strip()]
    if not named:
        return default_delivery(online_mode)
    unknown = [item for item in named if item not in DeliveryMethod.values]
    if unknown:
        reasons.append(
            _("unknown way to receive the result “%(value)s” (use %(choices)s)")
            % {"value": ", ".join(unknown), "choices": ", ".join(DeliveryMethod.values)}
        )
        return []
    return [value for value in DeliveryMethod.values if value in named]


def _parse_components(text: str, reasons: list[str]) -> list[dict[str, Any]]:
    data = _json_cell(text, [], "components", reasons)
    if data is None:
        return []
    if not isinstance(data, list):
        reasons.append(_("components must be a JSON list"))
        return []
    components = []
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            reasons.append(_("component %(n)d is not an object") % {"n": index})
            continue
        name = str(item.get("name") or "").strip()
        kind = item.get("kind", ComponentKind.ORIGINAL)
        count = item.get("count", 1)
        required = item.get("required", True)
        if not name or len(name) > 500:
            reasons.append(
                _("component %(n)d needs a name (at most 500 characters)") % {"n": index}
            )
        if kind not in ComponentKind.values:
            reasons.append(
                _("component %(n)d: unknown kind “%(kind)s” (use %(choices)s)")
                % {"n": index, "kind": kind, "choices": ", ".join(ComponentKind.values)}
            )
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 100:
            reasons.append(
                _("component %(n)d: the number of copies must be a whole number from 1 to 100")
                % {"n": index}
            )
        if not isinstance(required, bool):
            reasons.append(_("component %(n)d: “required” must be true or false") % {"n": index})
        components.append(
            {"order": index, "name": name, "kind": kind, "count": count, "required": required}
        )
    return components


def _parse_steps(text: str, reasons: list[str]) -> list[dict[str, Any]]:
    data = _json_cell(text, [], "process", reasons)
    if data is None:
        return []
    if not isinstance(data, list) or not data:
        reasons.append(_("process must be a non-empty JSON list of steps"))
        return []
    steps = []
    total = Decimal(0)
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            reasons.append(_("step %(n)d is not an object") % {"n": index})
            continue
        name = str(item.get("name") or "").strip()
        role = item.get("role")
        agency = item.get("agency")
        share = _decimal(str(item.get("share", "")))
        if not name or len(name) > 300:
            reasons.append(_("step %(n)d needs a name (at most 300 characters)") % {"n": index})
        if role not in Role.values:
            reasons.append(
                _("step %(n)d: unknown role “%(role)s” (use %(choices)s)")
                % {"n": index, "role": role, "choices": ", ".join(Role.values)}
            )
        if agency not in StepAgency.values:
            reasons.append(
                _("step %(n)d: the agency must be “receiving” or “deciding”, not “%(agency)s”")
                % {"n": index, "agency": agency}
            )
        if (
            share is None
            or share < 0
            or share > SHARE_TOTAL
            or share != share.quantize(_TWO_PLACES)
        ):
            reasons.append(
                _("step %(n)d: the share must be a number from 0 to 100 (two decimals at most)")
                % {"n": index}
            )
            share = Decimal(0)
        total += share
        steps.append({"order": index, "name": name, "role": role, "agency": agency, "share": share})
    if steps and total != SHARE_TOTAL:
        reasons.append(
            _("the shares of the process steps add up to %(total)s%%, not 100%%")
            % {"total": f"{total.normalize():f}"}
        )
    return steps


def parse_row(row: dict[str, Any], agencies: _AgencyIndex) -> tuple[ProcedureSpec | None, list]:
    """Validate one flat row; return the spec (or ``None``) and the reasons it was refused."""
    reasons: list[str] = []
    text = {
        name: str(row.get(name) if row.get(name) is not None else "").strip() for name in COLUMNS
    }

    code = text["code"]
    match = PROCEDURE_CODE.match(code)
    if not match:
        reasons.append(
            _("the code “%(code)s” is not a procedure code (e.g. 1.001193 or 2.000908.H44.03)")
            % {"code": code}
        )
    elif match.group("agency"):
        try:
            validate_agency_code(match.group("agency"))
        except DjangoValidationError:
            reasons.append(
                _("the code “%(code)s” ends with an invalid agency code") % {"code": code}
            )
    if len(code) > 60:
        reasons.append(_("the code is longer than 60 characters"))

    name = text["name"]
    if not name or len(name) > 500:
        reasons.append(_("the name is missing or longer than 500 characters"))
    if not text["sector_code"] or len(text["sector_code"]) > 40:
        reasons.append(_("the sector code is missing or longer than 40 characters"))
    if not text["sector_name"] or len(text["sector_name"]) > 200:
        reasons.append(_("the sector name is missing or longer than 200 characters"))

    levels = [level.strip() for level in re.split(r"[;,]", text["levels"]) if level.strip()]
    unknown_levels = [level for level in levels if level not in LEVELS]
    if not levels or unknown_levels:
        reasons.append(
            _("levels must be “province”, “commune” or “province;commune”, not “%(value)s”")
            % {"value": text["levels"]}
        )

    receiving_slot, receiving_department, error = agencies.resolve(text["receiving_agency"])
    if error:
        reasons.append(_("receiving agency: %(error)s") % {"error": error})
    deciding_slot, deciding_department, error = agencies.resolve(text["deciding_agency"])
    if error:
        reasons.append(_("deciding agency: %(error)s") % {"error": error})

    processing_days, processing_hours = _parse_processing(text, reasons)
    fee_vnd = _parse_fee(text["fee_vnd"], reasons)
    if len(text["fee_note"]) > 500:
        reasons.append(_("the fee note is longer than 500 characters"))
    online_mode = text["online_mode"]
    if online_mode not in OnlineMode.values:
        reasons.append(
            _("unknown online mode “%(mode)s” (use %(choices)s)")
            % {"mode": online_mode, "choices": ", ".join(OnlineMode.values)}
        )
    code_verified = _bool(text["code_verified"], default=True)
    if code_verified is None:
        reasons.append(_("code_verified must be 1 or 0"))

    results = [item.strip() for item in text["results"].split("|") if item.strip()]
    delivery = _parse_delivery(text["delivery"], online_mode, reasons)
    components = _parse_components(text["components"], reasons)
    form = _json_cell(text["form"], {}, "form", reasons)
    if form is not None:
        try:
            forms_schema.check_schema(form)
            form = forms_schema.with_field_order(form)
        except DomainError as exc:
            reasons.append(str(exc.message))
    steps = _parse_steps(text["process"], reasons)

    if reasons:
        return None, reasons
    values = {
        "name": name,
        "at_province": "province" in levels,
        "at_commune": "commune" in levels,
        "receiving_slot": receiving_slot,
        "receiving_department": receiving_department,
        "deciding_slot": deciding_slot,
        "deciding_department": deciding_department,
        "processing_days": processing_days,
        "processing_hours": processing_hours,
        "fee_vnd": fee_vnd,
        "fee_note": text["fee_note"],
        "online_mode": online_mode,
        "legal_basis": text["legal_basis"],
        "results": results,
        "delivery_methods": delivery,
        "form_schema": form,
        "code_verified": code_verified,
    }
    return (
        ProcedureSpec(
            code=code,
            sector_code=text["sector_code"],
            sector_name=text["sector_name"],
            values=values,
            components=components,
            steps=steps,
        ),
        [],
    )


# --- Writing ---------------------------------------------------------------------------------


_FOREIGN_KEYS = frozenset({"sector", "receiving_department", "deciding_department"})
_PARKED_ORDER = 30000


def _differs(obj: Any, values: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in values.items():
        if name in _FOREIGN_KEYS:
            if getattr(obj, f"{name}_id") != (value.pk if value is not None else None):
                changed.append(name)
        elif getattr(obj, name) != value:
            changed.append(name)
    return changed


def _sync_children(
    manager: Any, model: type, wanted: list[dict[str, Any]], procedure: Procedure
) -> bool:
    """Bring the ordered children to ``wanted`` in place (keeping ids other rows point to)."""
    existing = list(manager.order_by("order"))
    changed = False
    if any(obj.order != index for index, obj in enumerate(existing, start=1)):
        # ``order`` is unique per procedure (steps): park the rows out of the way first.
        for index, obj in enumerate(existing):
            obj.order = _PARKED_ORDER + index
            model.objects.filter(pk=obj.pk).update(order=obj.order)
    for index, item in enumerate(wanted):
        if index < len(existing):
            obj = existing[index]
            fields = _differs(obj, item)
            if fields:
                for name in fields:
                    setattr(obj, name, item[name])
                obj.save(update_fields=fields)
                changed = True
        else:
            model.objects.create(procedure=procedure, **item)
            changed = True
    for obj in existing[len(wanted) :]:
        obj.delete()
        changed = True
    return changed


def _write(spec: ProcedureSpec, report: ImportReport) -> str:
    sector = sync_row(
        Sector, {"code": spec.sector_code}, {"name": spec.sector_name}, report.sectors
    )
    values = {**spec.values, "sector": sector}
    procedure = Procedure.objects.select_for_update().filter(code=spec.code).first()
    if procedure is None:
        procedure = Procedure.objects.create(code=spec.code, **values)
        ProcedureComponent.objects.bulk_create(
            ProcedureComponent(procedure=procedure, **item) for item in spec.components
        )
        ProcessStep.objects.bulk_create(
            ProcessStep(procedure=procedure, **item) for item in spec.steps
        )
        return "created"
    changed = _differs(procedure, values)
    if changed:
        for name in changed:
            setattr(procedure, name, values[name])
        procedure.save(update_fields=changed)
    children_changed = _sync_children(
        procedure.components, ProcedureComponent, spec.components, procedure
    )
    children_changed |= _sync_children(procedure.steps, ProcessStep, spec.steps, procedure)
    if children_changed and not changed:
        procedure.save(update_fields=["updated_at"])
    return "updated" if changed or children_changed else "unchanged"


def catalogue_import(
    *,
    actor: Any,
    rows: Iterable[dict[str, Any]],
    mode: ImportMode = "all_or_nothing",
    progress: Callable[[int, int], None] | None = None,
    first_row_number: int = 2,
    source: str = "",
) -> ImportReport:
    """Import catalogue rows (nhập danh mục thủ tục hành chính).

    ``all_or_nothing``: one transaction; any refused row and nothing is written, every refused
    row is reported. ``per_row``: every good row is written (each in its own savepoint), refused
    rows are reported. Rows are numbered as in a spreadsheet with one header row (the first data
    row is row 2) unless ``first_row_number`` says otherwise.
    """
    if mode not in ("all_or_nothing", "per_row"):
        raise DomainError("invalid_mode", _("Unknown import mode “%(mode)s”.") % {"mode": mode})
    rows = list(rows)
    report = ImportReport(mode=mode, total=len(rows))
    seen_codes: dict[str, int] = {}
    sector_names: dict[str, tuple[str, int]] = {}
    with transaction.atomic():
        agencies = _AgencyIndex()
        for index, row in enumerate(rows):
            number = first_row_number + index
            spec, reasons = parse_row(row, agencies)
            code = str(row.get("code") or "").strip()
            if code in seen_codes:
                reasons.append(
                    _("the code appears twice in this file (first at row %(row)d)")
                    % {"row": seen_codes[code]}
                )
            elif code:
                seen_codes[code] = number
            if spec is not None:
                first = sector_names.setdefault(spec.sector_code, (spec.sector_name, number))
                if first[0] != spec.sector_name:
                    reasons.append(
                        _("sector %(code)s is named differently at row %(row)d")
                        % {"code": spec.sector_code, "row": first[1]}
                    )
            if reasons:
                report.rejected.append(RejectedRow(number, code, reasons))
            elif not (mode == "all_or_nothing" and report.rejected):
                try:
                    with transaction.atomic():
                        outcome = _write(spec, report)
                except (IntegrityError, DjangoValidationError) as exc:
                    report.rejected.append(
                        RejectedRow(
                            number,
                            code,
                            [_("the database refused the row: %(error)s") % {"error": exc}],
                        )
                    )
                else:
                    setattr(report, outcome, getattr(report, outcome) + 1)
                    if outcome == "created":
                        report.created_codes.append(code)
                    elif outcome == "updated":
                        report.updated_codes.append(code)
            if progress is not None:
                progress(index + 1, len(rows))
        if mode == "all_or_nothing" and report.rejected:
            transaction.set_rollback(True)
            report.created = report.updated = report.unchanged = 0
            report.created_codes, report.updated_codes = [], []
            report.sectors.clear()
            return report
        sectors_changed = report.sectors.get("created", 0) or report.sectors.get("updated", 0)
        if not (report.created or report.updated or report.rejected or sectors_changed):
            return report  # nothing written: a repeated import leaves no trace to audit
        audit_record(
            actor=actor,
            action="catalogue.import",
            object_type="procedures.catalogue",
            object_id=source[:64],
            object_repr=_("Procedure catalogue import"),
            after={
                "mode": mode,
                "source": source,
                "rows": report.total,
                "created": report.created_codes,
                "updated": report.updated_codes,
                "unchanged": report.unchanged,
                "rejected": [item.row for item in report.rejected],
                "sectors": dict(report.sectors),
            },
        )
        report.written = True
    return report


# --- Export ----------------------------------------------------------------------------------


def _agency_cell(slot: str, department: Agency | None) -> str:
    if slot == AgencySlot.DEPARTMENT and department is not None:
        return department.key or department.code
    return slot


def _number_cell(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}"


def _share_value(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def procedure_to_row(procedure: Procedure) -> dict[str, str]:
    """One procedure as a flat catalogue row (the inverse of :func:`parse_row`)."""
    components = [
        {"name": item.name, "kind": item.kind, "count": item.count, "required": item.required}
        for item in sorted(procedure.components.all(), key=lambda c: c.order)
    ]
    steps = [
        {
            "name": step.name,
            "role": step.role,
            "agency": step.agency,
            "share": _share_value(step.share),
        }
        for step in sorted(procedure.steps.all(), key=lambda s: s.order)
    ]
    return {
        "code": procedure.code,
        "name": procedure.name,
        "sector_code": procedure.sector.code,
        "sector_name": procedure.sector.name,
        "levels": ";".join(procedure.levels),
        "receiving_agency": _agency_cell(procedure.receiving_slot, procedure.receiving_department),
        "deciding_agency": _agency_cell(procedure.deciding_slot, procedure.deciding_department),
        "processing_days": _number_cell(procedure.processing_days),
        "processing_hours": _number_cell(procedure.processing_hours),
        "fee_vnd": str(procedure.fee_vnd),
        "fee_note": procedure.fee_note,
        "online_mode": procedure.online_mode,
        "legal_basis": procedure.legal_basis,
        "results": "|".join(procedure.results or []),
        "delivery": ";".join(procedure.delivery_methods or []),
        "components": json.dumps(components, ensure_ascii=False) if components else "",
        "form": json.dumps(procedure.form_schema, ensure_ascii=False)
        if procedure.form_schema
        else "",
        "process": json.dumps(steps, ensure_ascii=False) if steps else "",
        "code_verified": "1" if procedure.code_verified else "0",
    }


def catalogue_export_rows(queryset: QuerySet[Procedure] | None = None) -> list[dict[str, str]]:
    """The catalogue (or the given procedures) as flat rows, ordered by code."""
    if queryset is None:
        queryset = Procedure.objects.all()
    queryset = (
        queryset.select_related("sector", "receiving_department", "deciding_department")
        .prefetch_related("components", "steps")
        .order_by("code")
    )
    return [procedure_to_row(procedure) for procedure in queryset]
