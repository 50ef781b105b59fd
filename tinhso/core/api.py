"""Core API: administrative units and agencies (public reference data)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Router, Schema

from .errors import NotFound
from .models import AdministrativeUnit
from .selectors import agencies_visible, units_current

router = Router(tags=["core"])


class UnitOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None


class AgencyOut(Schema):
    code: str
    name: str
    level: str
    unit_code: str
    parent_code: str | None


def _unit_out(unit: AdministrativeUnit) -> UnitOut:
    return UnitOut(
        code=unit.code,
        name=unit.name,
        level=unit.level,
        kind=unit.kind,
        parent_code=unit.parent.code if unit.parent_id else None,
        valid_from=unit.valid_from,
        valid_to=unit.valid_to,
    )


@router.get("/units", response=list[UnitOut], auth=None)
def list_units(request, province: str | None = None):
    """Current administrative units, optionally the communes of one province."""
    return [_unit_out(unit) for unit in units_current(province_code=province)]


@router.get("/units/{code}", response=UnitOut, auth=None)
def get_unit(request, code: str):
    unit = units_current().filter(code=code).first()
    if unit is None:
        message = _("Unknown administrative unit “%(code)s”.") % {"code": code}
        raise NotFound("unknown_unit", message)
    return _unit_out(unit)


@router.get("/agencies", response=list[AgencyOut], auth=None)
def list_agencies(request):
    return [
        AgencyOut(
            code=agency.code,
            name=agency.name,
            level=agency.level,
            unit_code=agency.unit.code,
            parent_code=agency.parent.code if agency.parent_id else None,
        )
        for agency in agencies_visible(request.user)
    ]
