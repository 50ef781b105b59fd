"""Open311 GeoReport v2 representations: services, service definitions, service requests, errors.

One function builds each document as plain Python data; :func:`render` writes it as JSON or as
the XML the specification shows (``<services><service>…``, ``<service_requests><request>…``,
``<errors><error>…``). Dates are ISO 8601 with the local offset (``2026-01-15T08:30:00+07:00``).
Reporters are never named: only the fields of the specification are published.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring  # writing only, never parsing

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.text import normalize_search, xml_safe

from .models import AttributeType, Category, Report
from .routing import Sla

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The date of the last change to this implementation of the API (discovery "changeset").
API_CHANGESET = "2026-11-23T00:00:00+07:00"
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# XML element name of the items of each list.
LIST_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


def iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


# --- documents ----------------------------------------------------------------------------


def discovery(request) -> dict[str, Any]:
    url = request.build_absolute_uri(reverse("feedback:open311_root")).rstrip("/")
    contact = getattr(
        settings,
        "TINHSO_OPEN311_CONTACT",
        _("The province's intelligent operations centre (IOC) answers questions on this API."),
    )
    key_service = getattr(
        settings,
        "TINHSO_OPEN311_KEY_SERVICE",
        _("Ask the province's operations centre for an API key to create service requests."),
    )
    return {
        "changeset": API_CHANGESET,
        "contact": str(contact),
        "key_service": str(key_service),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": API_CHANGESET,
                "type": "test" if settings.DEBUG else "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def service(category: Category) -> dict[str, Any]:
    group = category.parent.name if category.parent_id else category.name
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.name,
        "metadata": any(True for _a in category.attributes.all()),
        "type": "realtime",
        "keywords": category.keywords or None,
        "group": group,
    }


def service_definition(category: Category) -> dict[str, Any]:
    attributes = []
    for attribute in category.attributes.all():
        values = (
            [{"key": str(v.get("key")), "name": str(v.get("name"))} for v in attribute.values]
            if attribute.datatype in (AttributeType.SINGLE, AttributeType.MULTI)
            else []
        )
        attributes.append(
            {
                "variable": True,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": attribute.datatype_description or None,
                "order": attribute.order,
                "description": attribute.description,
                "values": values,
            }
        )
    return {"service_code": category.code, "attributes": attributes}


def service_notice(report: Report) -> str:
    sla = Sla(days=report.sla_days, hours=report.sla_hours)
    return _("Handled by %(agency)s within %(time)s after moderation.") % {
        "agency": report.agency.name,
        "time": sla.label(),
    }


def service_request(report: Report, request) -> dict[str, Any]:
    photos = list(report.photos.all())
    if photos:
        media_url = request.build_absolute_uri(
            reverse("feedback:photo", args=[report.pk, photos[0].pk])
        )
    else:
        media_url = report.media_url or None
    address = report.address
    if report.commune_id:
        address = f"{address}, {report.commune.name}" if address else report.commune.name
    return {
        "service_request_id": str(report.pk),
        "status": report.open311_status,
        "status_notes": report.status_notes or None,
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": report.shown_description,
        "agency_responsible": report.agency.name,
        "service_notice": service_notice(report),
        "requested_datetime": iso(report.submitted_at),
        "updated_datetime": iso(report.updated_at),
        "expected_datetime": iso(report.due_at),
        "address": address or None,
        "address_id": report.commune.code if report.commune_id else None,
        "zipcode": None,
        "lat": float(report.latitude) if report.latitude is not None else None,
        "long": float(report.longitude) if report.longitude is not None else None,
        "media_url": media_url,
    }


def error(code: int, description: str) -> list[dict[str, Any]]:
    return [{"code": code, "description": str(description)}]


# --- output -------------------------------------------------------------------------------


def _fill(element: Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(SubElement(element, key), item)
    elif isinstance(value, list):
        item_tag = LIST_ITEMS[element.tag]
        for item in value:
            _fill(SubElement(element, item_tag), item)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = xml_safe(str(value))  # rows stored before input was cleaned too


def to_xml(root: str, data: Any) -> bytes:
    element = Element(root)
    _fill(element, data)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(element, encoding="utf-8")


def render(data: Any, fmt: str, *, root: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = to_xml(root, data)
    else:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt], status=status)
    # Public, read-only data: any web page may read it (the POST needs an API key).
    response["Access-Control-Allow-Origin"] = "*"
    return response


def render_error(code: int, description: str, fmt: str) -> HttpResponse:
    return render(error(code, description), fmt, root="errors", status=code)


# --- input helpers ------------------------------------------------------------------------


def guess_commune(address: str, communes) -> Any:
    """The commune whose name appears in a free-text address (the longest name wins)."""
    text = " {} ".format(normalize_search(re.sub(r"[,;.()/-]", " ", address or "")))
    best, best_length = None, 0
    for commune in communes:
        name = normalize_search(commune.name)
        if f" {name} " in text and len(name) > best_length:
            best, best_length = commune, len(name)
    return best
