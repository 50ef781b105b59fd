"""The operations centre's figures as an XLSX workbook (one sheet per table of the dashboard)."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

from .indicators import COUNT, DAYS, HEADLINE, INDICATORS, label_of

PERCENT_FORMAT = "0.0%"
DAYS_FORMAT = "0.0"


def _format(kind: str) -> str:
    if kind == COUNT:
        return "#,##0"
    return DAYS_FORMAT if kind == DAYS else PERCENT_FORMAT


def _sheet(wb: Workbook, title: str, header: list[str], first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title[:31]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    return ws


def overview_to_xlsx(data: dict[str, Any]) -> bytes:
    wb = Workbook()
    ws = _sheet(
        wb,
        _("Indicators"),
        [_("Indicator"), _("Value"), _("Numerator"), _("Denominator")],
        first=True,
    )
    for item in data["indicators"].values():
        ws.append([item["label"], item["value"], item["numerator"], item["denominator"]])
        ws.cell(ws.max_row, 2).number_format = _format(item["kind"])
    ws.column_dimensions["A"].width = 55

    ws = _sheet(
        wb,
        _("Decision 766 index"),
        [_("Code"), _("Indicator"), _("Maximum points"), _("Value"), _("Points"), _("Note")],
    )
    for row in data["index_766"]["indicators"]:
        ws.append(
            [
                row["code"],
                row["name"],
                row["max_points"],
                row["value"],
                row["points"] if row["measured"] else _("Not measured"),
                row["note"],
            ]
        )
        ws.cell(ws.max_row, 4).number_format = PERCENT_FORMAT
    ws.append(["", _("Total"), data["index_766"]["max"], None, data["index_766"]["points"], ""])
    ws.column_dimensions["B"].width = 60

    headline = [label_of(key) for key in HEADLINE]
    for title, rows, name, extra in (
        (_("Agencies"), data.get("ranking", []), _("Agency"), [_("Decision 766 index")]),
        (_("Communes"), data.get("communes", []), _("Commune"), []),
    ):
        ws = _sheet(wb, title, [_("Code"), name, *headline, *extra])
        for row in rows:
            values = [row["values"].get(key) for key in HEADLINE]
            ws.append([row["code"], row["name"], *values, *([row["index_766"]] if extra else [])])
            for offset, key in enumerate(HEADLINE):
                ws.cell(ws.max_row, 3 + offset).number_format = _format(INDICATORS[key].kind)
        ws.column_dimensions["B"].width = 45

    ws = _sheet(
        wb,
        _("Plan targets"),
        [
            _("Plan"),
            _("Target"),
            _("Level"),
            _("Year"),
            _("Target value"),
            _("Actual"),
            _("Status"),
        ],
    )
    lights = {
        "green": pgettext("traffic light", "Met"),
        "amber": pgettext("traffic light", "Close"),
        "red": pgettext("traffic light", "Not met"),
        "grey": pgettext("traffic light", "Not measured"),
    }
    for plan in data.get("plans", []):
        for target in plan["targets"]:
            ws.append(
                [
                    plan["name"],
                    target["title"],
                    target["level_label"] if "level_label" in target else target["level"],
                    target["year"],
                    target["target"],
                    target["actual"],
                    lights[target["light"]],
                ]
            )
            ws.cell(ws.max_row, 5).number_format = _format(target["kind"])
            ws.cell(ws.max_row, 6).number_format = _format(target["kind"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
