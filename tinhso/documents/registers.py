"""The registers of Decree 30/2020, Appendix IV, printed (PDF) and exported (XLSX).

The incoming register (sổ đăng ký văn bản đến) and the outgoing register (sổ đăng ký văn bản đi)
of one agency and year, with all the columns of the appendix forms
(:data:`selectors.INCOMING_REGISTER_COLUMNS`, :data:`selectors.OUTGOING_REGISTER_COLUMNS`). The
headers are legal wording printed in Vietnamese only. XLSX through the project's one table
writer (:func:`tinhso.dossiers.statistics.write_table`), PDF through its one renderer.
"""

from __future__ import annotations

import io
from typing import Any

from django.template.loader import render_to_string

from . import selectors

KINDS = ("den", "di")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def columns(kind: str) -> tuple[tuple[str, str], ...]:
    if kind == "den":
        return selectors.INCOMING_REGISTER_COLUMNS
    return selectors.OUTGOING_REGISTER_COLUMNS


def rows(kind: str, *, user: Any, agency, filters: selectors.Filters) -> list[dict[str, Any]]:
    if kind == "den":
        return selectors.incoming_register(user=user, agency=agency, filters=filters)
    return selectors.outgoing_register(user=user, agency=agency, filters=filters)


def cells(kind: str, lines: list[dict[str, Any]]) -> list[list[Any]]:
    """Each line's values in the order of the register's columns."""
    keys = [key for _header, key in columns(kind)]
    return [[line[key] for key in keys] for line in lines]


def title(kind: str, agency, year: int | None) -> str:
    name = "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" if kind == "den" else "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
    parts = [name]
    if agency is not None:
        parts.append(agency.name)
    if year:
        parts.append(f"Năm {year}")
    return " – ".join(parts)


def to_xlsx(kind: str, lines: list[dict[str, Any]], *, title: str) -> bytes:
    from openpyxl import Workbook

    from tinhso.dossiers.statistics import write_table

    # The first column of write_table is the row's label: the register's first column.
    first_header, first_key = columns(kind)[0]
    rest = tuple((None, header, key, False) for header, key in columns(kind)[1:])
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sổ đăng ký"
    write_table(
        sheet,
        title,
        rest,
        [{**line, "label": line[first_key]} for line in lines],
        first_header=first_header,
        with_total=False,
    )
    sheet.column_dimensions["A"].width = 16
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_pdf(kind: str, lines: list[dict[str, Any]], *, title: str) -> bytes:
    from tinhso.dossiers.pdf import html_to_pdf

    html = render_to_string(
        "documents/pdf/register.html",
        {"title": title, "columns": columns(kind), "rows": cells(kind, lines)},
    )
    return html_to_pdf(html)
