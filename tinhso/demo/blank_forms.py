"""Demo blank forms (mẫu đơn, tờ khai) for a few components of the demo catalogue.

Generated when the demo catalogue is loaded, with the PDF renderer the receipts use
(:func:`tinhso.dossiers.pdf.html_to_pdf`): nothing is downloaded. Each form lists the fields of
its procedure's online form as lines to fill in. They are stored through the service an
administrator's upload goes through (``procedures.services.component_attach_blank_form``).
Idempotent: a component that has a blank form keeps it.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.utils.text import slugify

from tinhso.core.text import normalize_search
from tinhso.procedures.models import AgencySlot, Procedure, ProcedureComponent
from tinhso.procedures.services import component_attach_blank_form

# A few popular procedures whose application form ("Tờ khai …", "Đơn …") gets a demo blank form.
DEMO_PROCEDURES = ("1.001193", "1.000894", "1.000656", "1.004873", "1.009972")
FORM_NAME = re.compile(r"^(Tờ khai|Đơn)\b")
TITLE_TAIL = re.compile(r"\s*(\(.*\)|theo mẫu.*|theo Mẫu.*)$")
MAX_FIELDS = 14


def _title(component_name: str) -> str:
    return TITLE_TAIL.sub("", component_name).strip()


def _fields(procedure: Procedure) -> tuple[str, ...]:
    properties = (procedure.form_schema or {}).get("properties") or {}
    labels = [spec.get("title") or key for key, spec in properties.items()]
    return tuple(labels[:MAX_FIELDS]) or ("Họ, chữ đệm, tên người yêu cầu", "Nội dung đề nghị")


def _addressee(procedure: Procedure) -> str:
    if procedure.receiving_slot == AgencySlot.COMMUNE_COMMITTEE:
        return "Ủy ban nhân dân xã/phường/đặc khu ……………………"
    if procedure.receiving_department is not None:
        return procedure.receiving_department.name
    return "Trung tâm Phục vụ hành chính công tỉnh"


@functools.lru_cache(maxsize=32)
def _render(code: str, title: str, addressee: str, fields: tuple[str, ...]) -> bytes:
    from tinhso.dossiers.pdf import html_to_pdf

    html = render_to_string(
        "demo/blank_form.html",
        {"procedure": {"code": code}, "title": title, "addressee": addressee, "fields": fields},
    )
    return html_to_pdf(html)


def blank_form_pdf(component: ProcedureComponent) -> bytes:
    """The demo blank form of a component, as PDF bytes (rendered once per process)."""
    procedure = component.procedure
    return _render(
        procedure.code, _title(component.name), _addressee(procedure), _fields(procedure)
    )


def load_demo_blank_forms(*, actor: Any = None) -> int:
    """Give the application-form components of :data:`DEMO_PROCEDURES` a blank form; returns
    how many were stored (0 when they all have one)."""
    stored = 0
    components = (
        ProcedureComponent.objects.filter(procedure__code__in=DEMO_PROCEDURES)
        .select_related("procedure", "procedure__receiving_department")
        .order_by("procedure__code", "order")
    )
    for component in components:
        if not FORM_NAME.match(component.name):
            continue
        if component.blank_form and component.blank_form.storage.exists(component.blank_form.name):
            continue
        name = slugify(normalize_search(_title(component.name)))[:80] or "mau-don"
        upload = SimpleUploadedFile(f"{name}.pdf", blank_form_pdf(component), "application/pdf")
        component_attach_blank_form(actor=actor, component=component, upload=upload)
        stored += 1
    return stored
