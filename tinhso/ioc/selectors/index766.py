"""The Decision 766 index scored from computed indicator values (points per indicator, per
group and in total), with the pure scoring rules of :mod:`tinhso.ioc.scoring`."""

from __future__ import annotations

from typing import Any

from .. import scoring
from ..indicators import IndicatorValue
from ..models import IndexGroup, ServiceIndexIndicator


def index_766(
    values: dict[str, IndicatorValue] | dict[str, dict],
    index_rows: list[ServiceIndexIndicator] | None = None,
) -> dict[str, Any]:
    """The 766 index from computed values: per indicator points, per group and total."""
    rows, groups = [], {}
    total = measured_max = 0.0
    full_max = 0.0
    if index_rows is None:
        index_rows = list(ServiceIndexIndicator.objects.all())
    for item in index_rows:
        value = values.get(item.measure) if item.measure else None
        number = value["value"] if isinstance(value, dict) else getattr(value, "value", None)
        measured = bool(item.measure)
        points = (
            scoring.index_points(
                value=number,
                max_points=item.max_points,
                scoring=item.scoring,
                threshold=item.threshold,
            )
            if measured
            else None
        )
        group = groups.setdefault(
            item.group,
            {
                "group": item.group,
                "label": str(IndexGroup(item.group).label),
                "max": 0.0,
                "measured_max": 0.0,
                "points": 0.0,
            },
        )
        group["max"] += float(item.max_points)
        full_max += float(item.max_points)
        if measured and points is not None:
            group["measured_max"] += float(item.max_points)
            group["points"] += points
            measured_max += float(item.max_points)
            total += points
        rows.append(
            {
                "code": item.code,
                "group": item.group,
                "name": item.name,
                "max_points": float(item.max_points),
                "measure": item.measure,
                "measured": measured,
                "value": number,
                "points": None if points is None else round(points, 2),
                "note": item.note,
            }
        )
    return {
        "indicators": rows,
        "groups": [{**g, "points": round(g["points"], 2)} for g in groups.values()],
        "points": round(total, 2),
        "measured_max": measured_max,
        "max": full_max,
        "percent_of_measured": (total / measured_max) if measured_max else None,
    }


def index_total(values: dict[str, IndicatorValue], index_rows: list) -> tuple[float, float]:
    """The 766 total and the points it was measured on (an indicator with no value in this
    scope is left out of both), without labels: cheap enough for hundreds of agencies."""
    total = measured_max = 0.0
    for item in index_rows:
        if item.measure:
            points = scoring.index_points(
                value=values[item.measure].value,
                max_points=item.max_points,
                scoring=item.scoring,
                threshold=item.threshold,
            )
            if points is not None:
                total += points
                measured_max += float(item.max_points)
    return round(total, 2), measured_max
