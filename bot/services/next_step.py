"""The one decision of what a recruiter should do next with a candidate: every surface that
offers a button for a candidate (card, SLA nudge, Home, search results, role pools) asks here,
so the primary action follows the status the same way everywhere."""

from enum import StrEnum


class Step(StrEnum):
    REQUEST_INTRO = "request_intro"  # a lead: they don't know yet, ask the referrer first
    REACH_OUT = "reach_out"
    REPLIED = "replied"  # contacted, waiting for their answer: record it when it comes
    SNOOZE = "snooze"  # contacted and answered: "not now" is what is left to decide here
    REACTIVATE = "reactivate"


RESTING = frozenset({"snoozed", "archived", "not_a_fit"})


def next_step(status: str, *, lead: bool, awaiting_reply: bool) -> Step | None:
    """The primary action for a candidate in `status`; None when no button moves it on
    (interviewing and hired go on with the hiring manager, through "Move to…")."""
    if status in ("new", "reviewing"):
        return Step.REQUEST_INTRO if lead else Step.REACH_OUT
    if status == "contacted":
        return Step.REPLIED if awaiting_reply else Step.SNOOZE
    if status in RESTING:
        return Step.REACTIVATE
    return None
