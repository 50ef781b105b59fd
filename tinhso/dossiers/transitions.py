"""The table of allowed transitions: which action, from which states, to which state, by whom.

``APPLICANT`` is the dossier's own applicant; the other actors are officer roles held in the agency
that the action concerns (``agency`` below): the receiving agency's desk, or the agency handling the
current step. ``None`` as a target means "the state the dossier was in before" (a resumed clock).
"""

from __future__ import annotations

from tinhso.core.lifecycle import Transition
from tinhso.core.models import Role

from .models import State

APPLICANT = "applicant"
GATEWAY = "payment_gateway"  # a payment gateway's confirmation (server to server), not a person
RECEIVING = "receiving"  # the receiving agency (one-stop desk)
CURRENT = "current"  # the agency handling the current step


def _t(action, sources, target, actors, agency=CURRENT, clock="") -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(actors), agency, clock)


S = State
RUNNING = {S.RECEIVED, S.PROCESSING}
OPEN_STATES = {
    S.RECEIVED,
    S.PROCESSING,
    S.PAUSED,
    S.SUPPLEMENT_REQUESTED,
    S.SUPPLEMENT_SUBMITTED,
    S.FEES_REQUESTED,
}

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("submit", {""}, S.SUBMITTED, {APPLICANT, Role.DESK_OFFICER}, RECEIVING),
        _t("receive", {S.SUBMITTED}, S.RECEIVED, {Role.DESK_OFFICER}, RECEIVING),
        _t("refuse", {S.SUBMITTED}, S.REFUSED, {Role.DESK_OFFICER}, RECEIVING),
        _t("transfer", RUNNING, S.PROCESSING, {Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER}),
        # An insufficient supplement is a new request (from supplement_submitted).
        _t(
            "request_supplement",
            RUNNING | {S.SUPPLEMENT_SUBMITTED},
            S.SUPPLEMENT_REQUESTED,
            {Role.DESK_OFFICER, Role.SPECIALIST},
            clock="stop",
        ),
        # The clock restarts when the supplement arrives, from either channel; the officer's
        # check that follows is an internal step that does not touch the clock.
        _t(
            "supplement",
            {S.SUPPLEMENT_REQUESTED},
            S.SUPPLEMENT_SUBMITTED,
            {APPLICANT, Role.DESK_OFFICER},
            RECEIVING,
            clock="resume",
        ),
        _t(
            "accept_supplement",
            {S.SUPPLEMENT_SUBMITTED},
            S.PROCESSING,
            {Role.DESK_OFFICER, Role.SPECIALIST},
        ),
        _t("pause", RUNNING, S.PAUSED, {Role.LEADER}, clock="stop"),
        _t("resume", {S.PAUSED}, None, {Role.LEADER}, clock="resume"),
        _t(
            "request_fees",
            RUNNING,
            S.FEES_REQUESTED,
            {Role.DESK_OFFICER, Role.SPECIALIST},
            clock="stop",
        ),
        # Fees are paid when the desk records a counter payment or a gateway confirms one:
        # never on the applicant's word (INTEGRATIONS.md, Payment).
        _t(
            "pay",
            {S.FEES_REQUESTED},
            None,
            {Role.DESK_OFFICER, GATEWAY},
            RECEIVING,
            clock="resume",
        ),
        _t("approve", {S.PROCESSING}, S.FINISHED, {Role.LEADER}),
        # The leader, at a leader's step, sends the dossier back to the specialist's step with
        # the reason (an internal step: the state, the national status and the clock stay).
        _t("rework", {S.PROCESSING}, S.PROCESSING, {Role.LEADER}),
        _t("finish", {S.PROCESSING}, S.FINISHED, {Role.SPECIALIST, Role.LEADER}),
        _t("extend", RUNNING, None, {Role.SPECIALIST, Role.LEADER}),
        _t("return_result", {S.FINISHED}, S.RETURNED, {Role.DESK_OFFICER}, RECEIVING),
        _t(
            "withdraw",
            {S.SUBMITTED} | OPEN_STATES,
            S.WITHDRAW_REQUESTED,
            {APPLICANT},
            RECEIVING,
            clock="stop",
        ),
        _t(
            "confirm_withdraw",
            {S.WITHDRAW_REQUESTED},
            S.STOPPED,
            {Role.DESK_OFFICER},
            RECEIVING,
        ),
        _t("stop", OPEN_STATES, S.STOPPED, {Role.LEADER}, clock="stop"),
        _t("rate", {S.RETURNED}, S.RETURNED, {APPLICANT}, RECEIVING),
    ]
}


def allowed_actions(state: str) -> list[str]:
    """Actions whose source states include ``state`` (before role checks)."""
    return [action for action, t in TRANSITIONS.items() if state in t.sources]
