"""Display helpers of the operations-centre pages: formatted figures, traffic-light labels, the
period picker's choices, chart and map data.

The selectors return plain numbers (shares as fractions 0–1, counts, days); the pages show them
the Vietnamese way (``85,3%``, ``12.345``, ``2,5``) and never convey anything by colour alone.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from tinhso.core.text import vi_sort_key

from .indicators import COUNT, INDICATORS, PERCENT, RATIO
from .scoring import AMBER, GREEN, GREY, RED

# The pages' tables (``ioc/_table.html``): per table, its columns as (header, CSS class of the
# column: "num" for figures, aligned right).
NUM = "num"
COLUMNS: dict[str, tuple[tuple[Any, str], ...]] = {
    "targets": (
        (gettext_lazy("Target"), ""),
        (gettext_lazy("Level"), ""),
        (gettext_lazy("Target value"), NUM),
        (gettext_lazy("Actual"), NUM),
        (gettext_lazy("Status"), ""),
    ),
    "tasks": (
        (gettext_lazy("Task"), ""),
        (gettext_lazy("Agency"), ""),
        (pgettext_lazy("plan task", "Due"), ""),
        (pgettext_lazy("plan task", "Progress"), ""),
        (gettext_lazy("Status"), ""),
    ),
    "ranking": (
        (gettext_lazy("Rank"), NUM),
        (gettext_lazy("Agency"), ""),
        (gettext_lazy("Points (of 100)"), NUM),
        (gettext_lazy("Share of the points measured"), NUM),
        (gettext_lazy("Dossiers received"), NUM),
        (gettext_lazy("Resolved early or on time"), NUM),
    ),
    "groups": (
        (gettext_lazy("Group"), ""),
        (gettext_lazy("Points"), NUM),
        (gettext_lazy("Points measured"), NUM),
        (gettext_lazy("Maximum"), NUM),
    ),
    "communes": (
        (gettext_lazy("Commune"), ""),
        (gettext_lazy("Dossiers received"), NUM),
        (gettext_lazy("Submitted online"), NUM),
        (gettext_lazy("Resolved early or on time"), NUM),
        (gettext_lazy("Overdue now"), NUM),
        (gettext_lazy("On the map"), ""),
    ),
    "index": (
        (gettext_lazy("Code"), ""),
        (gettext_lazy("Indicator"), ""),
        (gettext_lazy("Value"), NUM),
        (gettext_lazy("Points"), NUM),
        (gettext_lazy("Maximum"), NUM),
        (gettext_lazy("Note"), ""),
    ),
    "trend": (
        (gettext_lazy("Month"), ""),
        (gettext_lazy("Dossiers received"), NUM),
        (gettext_lazy("Online"), NUM),
        (gettext_lazy("At the counter"), NUM),
        (gettext_lazy("By post"), NUM),
        (gettext_lazy("Resolved early or on time"), NUM),
        (gettext_lazy("Submitted online"), NUM),
        (gettext_lazy("Satisfied applicants"), NUM),
    ),
    "procedures": (
        (gettext_lazy("Code"), ""),
        (gettext_lazy("Procedure"), ""),
        (gettext_lazy("Dossiers received"), NUM),
        (gettext_lazy("Online"), NUM),
        (gettext_lazy("Submitted online"), NUM),
    ),
    "documents": (
        (gettext_lazy("Level or agency"), ""),
        (gettext_lazy("Documents exchanged electronically between agencies"), NUM),
        (gettext_lazy("Incoming documents processed on time"), NUM),
        (gettext_lazy("Work records processed online"), NUM),
    ),
    "agencies": (
        (gettext_lazy("Agency"), ""),
        (gettext_lazy("Unit served"), ""),
        (gettext_lazy("Valid"), ""),
        (gettext_lazy("Dossiers received"), NUM),
        (gettext_lazy("Resolved early or on time"), NUM),
        (gettext_lazy("Points (of 100)"), NUM),
    ),
}

# Traffic light → (CSS modifier of .badge, text label). The label always goes with the colour.
LIGHT_CLASSES = {GREEN: "ok", AMBER: "warn", RED: "bad", GREY: ""}


def light_label(light: str) -> str:
    labels = {
        GREEN: pgettext("traffic light", "Met"),
        AMBER: pgettext("traffic light", "Close"),
        RED: pgettext("traffic light", "Not met"),
        GREY: pgettext("traffic light", "Not measured"),
    }
    return labels.get(light, labels[GREY])


def task_label(light: str) -> str:
    labels = {
        GREEN: pgettext("plan task", "Done"),
        AMBER: pgettext("plan task", "In progress"),
        RED: pgettext("plan task", "Late"),
    }
    return labels.get(light, labels[AMBER])


def no_data() -> str:
    return _("No data yet")


def kind_of(key: str) -> str:
    indicator = INDICATORS.get(key)
    return indicator.kind if indicator else PERCENT


def fmt(value: float | None, kind: str) -> str:
    """One figure: a share as ``85,3%``, a count as ``12.345``, days as ``2,5``."""
    if value is None:
        return no_data()
    if kind in (PERCENT, RATIO):
        return f"{_decimal(value * 100)}%"
    if kind == COUNT:
        return number_format(round(value), decimal_pos=0, force_grouping=True)
    return _decimal(value)


def _decimal(value: float) -> str:
    # number_format truncates the digits it drops: round first (66.666… → 66,7).
    return number_format(round(value, 1), decimal_pos=1, force_grouping=True)


def fmt_count(value: float | None) -> str:
    return fmt(value, COUNT)


def fmt_points(value: float | None) -> str:
    return "–" if value is None else _decimal(value)


def tiles(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The headline indicators with their display text and, for shares, what they count."""
    found = []
    for item in data["tiles"]:
        detail = ""
        if item["kind"] in (PERCENT, RATIO) and item["denominator"]:
            detail = _("%(numerator)s of %(denominator)s") % {
                "numerator": fmt_count(item["numerator"]),
                "denominator": fmt_count(item["denominator"]),
            }
        indicator = INDICATORS.get(item["key"])
        found.append(
            {
                **item,
                "display": fmt(item["value"], item["kind"]),
                "detail": detail,
                "help": str(indicator.help) if indicator and indicator.help else "",
            }
        )
    return found


def _row_figures(row: dict[str, Any]) -> dict[str, str]:
    values = row.get("values", {})
    return {key: fmt(values.get(key), kind_of(key)) for key in values}


def ranking(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Agencies by their Decision 766 points, with the share of the points they could earn on
    the indicators the platform measures for them (``index_766_measured_max``; "–" when the
    selector does not give it)."""
    rows = []
    for rank, row in enumerate(data["ranking"], start=1):
        measured_max = row.get("index_766_measured_max")
        rows.append(
            {
                **row,
                "rank": rank,
                "points_display": fmt_points(row["index_766"]),
                "share_display": fmt(row["index_766"] / measured_max, PERCENT)
                if measured_max
                else "–",
                "figures": _row_figures(row),
            }
        )
    return rows


def documents(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The document system's shares: the levels first, then each agency; each figure with what
    it counts (``12 of 15``)."""
    pairs = {
        "documents_electronic_share": ("documents_received_electronic", "documents_received"),
        "documents_on_time_share": ("documents_due_on_time", "documents_due"),
        "work_records_online_share": ("work_records_online", "work_records"),
        "signed_document_share": ("documents_issued_signed", "documents_issued"),
    }
    block = data.get("documents") or {"levels": [], "agencies": []}
    rows = []
    for kind, items in (("level", block["levels"]), ("agency", block["agencies"])):
        for item in items:
            cells = []
            for key, (numerator, denominator) in pairs.items():
                counts = item["counts"]
                detail = ""
                if counts.get(denominator):
                    detail = _("%(numerator)s of %(denominator)s") % {
                        "numerator": fmt_count(counts.get(numerator)),
                        "denominator": fmt_count(counts.get(denominator)),
                    }
                cells.append(
                    {"key": key, "display": fmt(item["values"][key], PERCENT), "detail": detail}
                )
            name = item["label"] if kind == "level" else item["name"]
            rows.append({**item, "kind": kind, "name": name, "cells": cells})
    return rows


def commune_centres() -> dict[str, tuple[float, float]]:
    """The communes' points by code (core.maps: approximate centres from the offline base layer,
    or the label points of the official boundaries once loaded)."""
    from tinhso.core.maps import unit_points

    return unit_points()


def communes(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The communes in Vietnamese alphabetical order (Xã Ái Tử before Xã Bắc Gianh)."""
    centres = commune_centres()
    rows = sorted(data["communes"], key=lambda row: (vi_sort_key(row["name"]), row["code"]))
    return [
        {
            **row,
            "figures": _row_figures(row),
            "received_display": fmt_count(row["received"]),
            "overdue_display": fmt_count(row["overdue_now"]),
            "has_point": row["code"] in centres,
        }
        for row in rows
    ]


def map_markers(rows: list[dict[str, Any]], url_of) -> list[dict[str, Any]]:
    """Circle markers for the communes that have a centre point: size by dossiers received,
    colour (and a word) by dossiers overdue now."""
    centres = commune_centres()
    markers = []
    for row in rows:
        point = centres.get(row["code"])
        if point is None:
            continue
        overdue = int(row["overdue_now"] or 0)
        markers.append(
            {
                "id": row["id"],
                "name": row["name"],
                "lat": point[0],
                "lng": point[1],
                "received": int(row["received"] or 0),
                "overdue": overdue,
                "text": _("%(received)s received, %(overdue)s overdue now")
                % {"received": fmt_count(row["received"]), "overdue": fmt_count(overdue)},
                "url": url_of(row["id"]),
            }
        )
    return markers


def index_rows(index: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for row in index["indicators"]:
        kind = kind_of(row["measure"]) if row["measure"] else PERCENT
        if not row["measured"]:
            value, points = pgettext("traffic light", "Not measured"), ""
        else:
            value = fmt(row["value"], kind)
            points = fmt_points(row["points"]) if row["points"] is not None else no_data()
        rows.append(
            {
                **row,
                "value_display": value,
                "points_display": points,
                "max_display": fmt_points(row["max_points"]),
            }
        )
    return rows


def index_summary(index: dict[str, Any]) -> dict[str, Any]:
    return {
        "points": fmt_points(index["points"]),
        "max": fmt_points(index["max"]),
        "measured_max": fmt_points(index["measured_max"]),
        "share": fmt(index["percent_of_measured"], PERCENT),
        "groups": [
            {
                **group,
                "points_display": fmt_points(group["points"]),
                "measured_max_display": fmt_points(group["measured_max"]),
                "max_display": fmt_points(group["max"]),
            }
            for group in index["groups"]
        ],
    }


def plans(data: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for plan in data.get("plans", []):
        targets = []
        for target in plan["targets"]:
            sign = "≥" if target["comparison"] == "at_least" else "≤"
            targets.append(
                {
                    **target,
                    "target_display": f"{sign} {fmt(target['target'], target['kind'])}",
                    "actual_display": fmt(target["actual"], target["kind"])
                    if target["measured"]
                    else pgettext("traffic light", "Not measured"),
                    "light_label": light_label(target["light"]),
                    "light_class": LIGHT_CLASSES.get(target["light"], ""),
                }
            )
        tasks = [
            {
                **task,
                "light_label": task_label(task["light"]),
                "light_class": LIGHT_CLASSES.get(task["light"], ""),
            }
            for task in plan["tasks"]
        ]
        found.append({**plan, "targets": targets, "tasks": tasks})
    return found


def trend_rows(trend: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The charts' data as table rows (the text alternative of the charts)."""
    return [
        {
            **month,
            "received_display": fmt_count(
                month["received_online"] + month["received_counter"] + month["received_post"]
            ),
            "online_display": fmt_count(month["received_online"]),
            "counter_display": fmt_count(month["received_counter"]),
            "post_display": fmt_count(month["received_post"]),
            "on_time_display": fmt(month["on_time_rate"], PERCENT),
            "online_share_display": fmt(month["online_share"], PERCENT),
            "satisfaction_display": fmt(month["satisfaction_rate"], PERCENT),
        }
        for month in trend
    ]


def trend_json(trend: list[dict[str, Any]]) -> str:
    """The charts' data and series names, for the ``data-trend`` attribute."""
    return json.dumps(
        {
            "months": [m["month"] for m in trend],
            "online": [m["received_online"] for m in trend],
            "counter": [m["received_counter"] for m in trend],
            "post": [m["received_post"] for m in trend],
            "on_time": [m["on_time_rate"] for m in trend],
            "online_share": [m["online_share"] for m in trend],
            "labels": {
                "online": _("Online"),
                "counter": _("At the counter"),
                "post": _("By post"),
                "on_time": _("Resolved early or on time"),
                "online_share": _("Submitted online"),
                "dossiers": _("Dossiers"),
            },
        },
        ensure_ascii=False,
    )


def visible_trend(trend: list[dict[str, Any]], today: dt.date) -> list[dict[str, Any]]:
    """The trend without the months still to come (a year's view in November ends with
    November, not with an empty December)."""
    current = (today.year, today.month)
    return [m for m in trend if (int(m["month"][3:]), int(m["month"][:2])) <= current]


def trend_summary(trend: list[dict[str, Any]]) -> str:
    """A sentence for screen readers: the months' total and the latest month's rates."""
    if not trend:
        return ""
    received = sum(m["received_online"] + m["received_counter"] + m["received_post"] for m in trend)
    text = _("From %(first)s to %(last)s: %(received)s dossiers received.") % {
        "first": trend[0]["month"],
        "last": trend[-1]["month"],
        "received": fmt_count(received),
    }
    last = trend[-1]
    figures = []
    if last["on_time_rate"] is not None:
        figures.append(
            _("%(value)s resolved early or on time") % {"value": fmt(last["on_time_rate"], PERCENT)}
        )
    if last["online_share"] is not None:
        figures.append(
            _("%(value)s submitted online") % {"value": fmt(last["online_share"], PERCENT)}
        )
    if figures:
        text += " " + _("In %(month)s: %(figures)s.") % {
            "month": last["month"],
            "figures": ", ".join(figures),
        }
    return text


def procedures(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **row,
            "received_display": fmt_count(row["received"]),
            "online_display": fmt_count(row["received_online"]),
            "share_display": fmt(
                row["received_online"] / row["received"] if row["received"] else None, PERCENT
            ),
        }
        for row in rows
    ]
