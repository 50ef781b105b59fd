"""Decision 766 scoring and plan traffic lights: pure functions over computed values."""

from __future__ import annotations

from decimal import Decimal

GREEN = "green"
AMBER = "amber"
RED = "red"
GREY = "grey"
# A target missed by less than this share of its value is amber rather than red.
AMBER_MARGIN = 0.1


def index_points(
    *, value: float | None, max_points: Decimal | float, scoring: str, threshold: Decimal | None
) -> float | None:
    """Points of one 766 indicator; ``None`` when there is no value to score.

    ``rate``: full points at or above the threshold (100% when none), ``rate × max ÷ threshold``
    below it. ``at_most``: full points at or below the threshold, ``max × threshold ÷ value``
    above it.
    """
    if value is None:
        return None
    top = float(max_points)
    if scoring == "at_most":
        limit = float(threshold if threshold is not None else 1)
        if value <= limit:
            return top
        return top * limit / value
    limit = float(threshold) if threshold else 1.0
    if value >= limit:
        return top
    return max(0.0, value) * top / limit


def traffic_light(*, actual: float | None, target: float, at_least: bool) -> str:
    """Green when the target is met, amber when missed by less than 10% of it, red beyond,
    grey when there is nothing to compare."""
    if actual is None:
        return GREY
    if at_least:
        if actual >= target:
            return GREEN
        return AMBER if actual >= target * (1 - AMBER_MARGIN) else RED
    if actual <= target:
        return GREEN
    return AMBER if actual <= target * (1 + AMBER_MARGIN) else RED
