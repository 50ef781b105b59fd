"""The indicators the operations centre computes, and how each is derived from summed counters.

An indicator is a ratio (a share, shown as a percentage), a count, or a number of days. Each is
computed from totals that add up across agencies, communes and days (the counters of
:class:`~tinhso.ioc.models.DailyStat`, catalogue counts, live counts), so that the province
figure is exactly the figure of its parts put together. An indicator with no denominator in a
scope has no value (``None``), which the pages show as "no data", distinct from "not measured"
(an indicator the platform has no source for, see :data:`NOT_MEASURED`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

PERCENT = "percent"
COUNT = "count"
DAYS = "days"
RATIO = "ratio"

Totals = Mapping[str, int | float]


@dataclass(frozen=True)
class Indicator:
    key: str
    label: Any
    kind: str
    numerator: Callable[[Totals], float]
    denominator: Callable[[Totals], float] | None = None
    higher_is_better: bool = True
    help: Any = ""

    def compute(self, totals: Totals) -> IndicatorValue:
        num = self.numerator(totals)
        if self.denominator is None:
            return IndicatorValue(self, num, num, None)
        den = self.denominator(totals)
        value = None if not den else num / den
        return IndicatorValue(self, value, num, den)


@dataclass(frozen=True)
class IndicatorValue:
    indicator: Indicator
    value: float | None
    numerator: float
    denominator: float | None

    def as_dict(self) -> dict[str, Any]:
        value = self.value
        if value is not None and self.indicator.kind in {PERCENT, RATIO, DAYS}:
            value = round(value, 6)
        return {
            "key": self.indicator.key,
            "label": str(self.indicator.label),
            "kind": self.indicator.kind,
            "value": value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "measured": True,
        }


def _get(name: str) -> Callable[[Totals], float]:
    return lambda t: t.get(name, 0) or 0


def _sum(*names: str) -> Callable[[Totals], float]:
    return lambda t: sum(t.get(name, 0) or 0 for name in names)


RECEIVED = _sum("received_counter", "received_online", "received_post")
RESOLVED = _sum("resolved_early", "resolved_on_time", "resolved_late")

INDICATORS: dict[str, Indicator] = {
    ind.key: ind
    for ind in [
        Indicator("received_total", _("Dossiers received"), COUNT, RECEIVED),
        Indicator("received_online", _("Received online"), COUNT, _get("received_online")),
        Indicator(
            "received_counter", _("Received at the counter"), COUNT, _get("received_counter")
        ),
        Indicator("received_post", _("Received by post"), COUNT, _get("received_post")),
        Indicator(
            "online_share",
            _("Dossiers submitted online"),
            PERCENT,
            _get("received_online"),
            RECEIVED,
            help=_("Dossiers submitted online among all dossiers received."),
        ),
        Indicator(
            "fully_online_share",
            _("Dossiers handled fully online"),
            PERCENT,
            _get("received_fully_online"),
            RECEIVED,
            help=_("Online dossiers of fully-online procedures among all dossiers received."),
        ),
        Indicator(
            "fully_online_procedures_share",
            _("Procedures offered fully online"),
            PERCENT,
            _get("procedures_full"),
            _get("procedures"),
        ),
        Indicator(
            "online_procedures_share",
            _("Procedures offered online"),
            PERCENT,
            _get("procedures_online"),
            _get("procedures"),
            help=_("Procedures offered fully or partly online among procedures in force."),
        ),
        Indicator(
            "procedures_used_online_share",
            _("Online procedures that received online dossiers"),
            PERCENT,
            _get("procedures_used_online"),
            _get("procedures_online"),
        ),
        Indicator(
            "fee_procedures_online_share",
            _("Fee-bearing procedures payable online"),
            PERCENT,
            _get("procedures_fee_online"),
            _get("procedures_fee"),
        ),
        Indicator("resolved_total", _("Dossiers resolved"), COUNT, RESOLVED),
        Indicator(
            "on_time_rate",
            _("Resolved early or on time"),
            PERCENT,
            _sum("resolved_early", "resolved_on_time"),
            RESOLVED,
        ),
        Indicator("early_rate", _("Resolved early"), PERCENT, _get("resolved_early"), RESOLVED),
        Indicator(
            "late_rate",
            _("Resolved late"),
            PERCENT,
            _get("resolved_late"),
            RESOLVED,
            higher_is_better=False,
        ),
        Indicator(
            "avg_processing_days",
            _("Average processing time (days)"),
            DAYS,
            lambda t: (t.get("processing_seconds", 0) or 0) / 86400,
            RESOLVED,
            higher_is_better=False,
            help=_("Calendar days from reception to the result, averaged over resolved dossiers."),
        ),
        Indicator(
            "time_used_ratio",
            _("Time used of the legal time"),
            PERCENT,
            _get("processing_seconds"),
            _get("allowed_seconds"),
            higher_is_better=False,
            help=_("Time taken from reception to the result, against the time the law allowed."),
        ),
        Indicator(
            "digitised_share",
            _("Dossiers digitised"),
            PERCENT,
            _get("digitised"),
            RECEIVED,
            help=_("Dossiers whose components are held electronically (online, or scanned)."),
        ),
        Indicator(
            "electronic_result_share",
            _("Electronic results issued"),
            PERCENT,
            _get("returned_electronic"),
            _get("returned"),
        ),
        Indicator(
            "signed_result_share",
            _("Results signed digitally"),
            PERCENT,
            _get("returned_signed"),
            _get("returned"),
            help=_("Dossiers returned with a result signed digitally by the competent leader."),
        ),
        Indicator(
            "online_payment_share",
            _("Fees paid online"),
            PERCENT,
            _get("paid_online"),
            _get("fee_bearing"),
            help=_(
                "Fee-bearing dossiers whose payment an online payment gateway confirmed, among "
                "fee-bearing dossiers received (counter payments and bank transfers do not count)."
            ),
        ),
        Indicator(
            "satisfaction_rate",
            _("Satisfied applicants"),
            PERCENT,
            _get("ratings_satisfied"),
            _get("ratings"),
            help=_("Ratings 'satisfied' or 'very satisfied' among all ratings."),
        ),
        Indicator(
            "synced_share",
            _("Dossiers synced to the national portal"),
            PERCENT,
            _get("synced"),
            RECEIVED,
            help=_("Dossiers whose latest status the national portal has acknowledged."),
        ),
        Indicator(
            "overdue_now",
            _("Overdue now"),
            COUNT,
            _get("overdue_now"),
            higher_is_better=False,
        ),
        Indicator(
            "documents_electronic_share",
            _("Documents exchanged electronically between agencies"),
            PERCENT,
            _get("documents_received_electronic"),
            _get("documents_received"),
            help=_(
                "Documents that arrived from the platform or the exchange, of all that arrived."
            ),
        ),
        Indicator(
            "documents_on_time_share",
            _("Incoming documents processed on time"),
            PERCENT,
            _get("documents_due_on_time"),
            _get("documents_due"),
            help=_(
                "Incoming documents due in the period (deadline passed, or finished) that their "
                "lead officer finished by the deadline."
            ),
        ),
        Indicator(
            "signed_document_share",
            _("Documents signed digitally"),
            PERCENT,
            _get("documents_issued_signed"),
            _get("documents_issued"),
            help=_(
                "Outgoing documents issued in the period that their signer signed digitally, of "
                "all issued."
            ),
        ),
        Indicator(
            "work_records_online_share",
            _("Work records processed online"),
            PERCENT,
            _get("work_records_online"),
            _get("work_records"),
            help=_("Work records opened in the period that were processed in the system."),
        ),
        Indicator(
            "feedback_on_time_rate",
            _("Field feedback handled on time"),
            PERCENT,
            _get("feedback_handled_on_time"),
            _get("feedback_handled"),
        ),
    ]
}

# Indicators that plans set and the platform has no source for yet (shown as "not measured").
NOT_MEASURED: dict[str, Any] = {
    "e_authenticated_share": _("Transactions electronically authenticated"),
    "data_reused_share": _("Digitised data reused"),
    "complaint_rate": _("Complaints about procedures"),
}

# The indicators shown as tiles on the overview, in order.
HEADLINE = (
    "received_total",
    "online_share",
    "fully_online_share",
    "on_time_rate",
    "avg_processing_days",
    "digitised_share",
    "online_payment_share",
    "satisfaction_rate",
    "synced_share",
    "overdue_now",
)


def indicator_choices() -> list[tuple[str, str]]:
    return [(key, str(ind.label)) for key, ind in INDICATORS.items()] + [
        (key, str(label)) for key, label in NOT_MEASURED.items()
    ]


def compute_all(totals: Totals) -> dict[str, IndicatorValue]:
    return {key: ind.compute(totals) for key, ind in INDICATORS.items()}


def label_of(key: str) -> str:
    if key in INDICATORS:
        return str(INDICATORS[key].label)
    return str(NOT_MEASURED.get(key, key))
