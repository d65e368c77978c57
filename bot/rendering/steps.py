"""The button of a candidate's next step (bot.services.next_step decides which), the same on
every surface: cards, SLA nudges, Home, search results, role pools."""

from bot import i18n
from bot.ids import Action
from bot.rendering.blocks import Block, button
from bot.services.next_step import Step

ACTIONS = {
    Step.REQUEST_INTRO: Action.CANDIDATE_REQUEST_INTRO,
    Step.REACH_OUT: Action.CANDIDATE_REACH_OUT,
    Step.REPLIED: Action.FOLLOWUP_REPLIED,
    Step.SNOOZE: Action.CANDIDATE_SNOOZE,
    Step.REACTIVATE: Action.CANDIDATE_REACTIVATE,
}


def step_label(locale: str, step: Step) -> str:
    return i18n.plain(locale, "steps/labels", key=step.value)


def step_button(locale: str, step: Step, candidate: str, *, primary: bool = True) -> Block:
    """The step's button (value = candidate public id), styled primary unless told not to; a
    snooze is never the green button (it pauses, it does not move them on)."""
    style = "primary" if primary and step != Step.SNOOZE else None
    return button(step_label(locale, step), ACTIONS[step], value=candidate, style=style)
