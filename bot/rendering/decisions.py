"""Decisions on a candidate: the modals asking for a private reason, and what a message says
once one of its buttons was used (what was done, by whom, when) or when it was out of date."""

import copy
from dataclasses import dataclass
from typing import Any

from bot import i18n
from bot.ids import ReasonInput, View
from bot.rendering.blocks import (
    Block,
    Message,
    context,
    header,
    input_block,
    message,
    modal,
    section,
    text_input,
)
from bot.services.cards import SettledPrompt
from bot.services.changes import Decision

# Messages the outbox keeps current on every change (bot.services.cards.refresh_cards): a click
# on them changes nothing in place, their next composition says it. Their block ids start so.
LIVE = ("card:", "hm:")
# Prompts about one candidate (a follow-up, a snooze that ended): the outbox settles them once
# answered; an outdated click settles the clicked one in place.
PROMPTS = ("followup:", "snooze:")
# A modal opened from App Home says so in its metadata: Home is published again after it.
FROM_HOME = "|home"


def reason_modal(locale: str, view: View, candidate: str, *, home: bool = False) -> dict[str, Any]:
    label = lambda key: i18n.plain(locale, "cards/reason", key=key, view=view.value)  # noqa: E731
    return modal(
        view,
        label("title"),
        [
            input_block(
                ReasonInput.REASON,
                label("label"),
                text_input(multiline=True, max_length=2000),
                hint=label("hint"),
            )
        ],
        submit=label("submit"),
        close=label("close"),
        private_metadata=opened_from(candidate, home=home),
    )


def opened_from(candidate: str, *, home: bool) -> str:
    """A decision modal's metadata: the candidate, and whether it was opened from App Home."""
    return candidate + (FROM_HOME if home else "")


def opener(metadata: str) -> tuple[str, bool]:
    """(candidate, opened from App Home) from a decision modal's metadata."""
    return metadata.removesuffix(FROM_HOME), metadata.endswith(FROM_HOME)


@dataclass(frozen=True)
class Shown:
    """What the clicked message showed, read back from its block id (see LIVE and PROMPTS)."""

    status: str | None = None  # a snooze-over DM is about a snoozed candidate
    step: int | None = None  # a follow-up DM is about one step
    owner: str | None = None  # a card's owner ("" for nobody); None: not a card


def shown(block_id: str) -> Shown:
    kind, _, rest = block_id.partition(":")
    parts = rest.split(":")
    if kind == "snooze":
        return Shown(status="snoozed")
    if kind == "followup" and len(parts) > 1 and parts[1].isdigit():
        return Shown(step=int(parts[1]))
    if kind == "card" and len(parts) > 1:
        return Shown(owner=parts[1])
    return Shown()


def done_line(locale: str, decision: Decision) -> str:
    assert decision.change is not None
    return i18n.mrkdwn(locale, "cards/done", change=decision.change)


def outdated(decision: Decision) -> Message:
    """The ephemeral answer to an outdated button: nothing changed, and what happened instead."""
    text = i18n.mrkdwn(
        decision.locale,
        "cards/outdated",
        name=decision.candidate_name,
        status=decision.status,
        change=decision.change,
    )
    return message(text, [section(text)], response_type="ephemeral", replace_original=False)


def decision_outdated(decision: Decision, view: View) -> dict[str, Any]:
    """The decision modal once submitted too late: someone decided while it was open, so
    nothing changed (a modal renders no <!date>: the line goes without its date)."""
    label = lambda key: i18n.plain(decision.locale, "cards/reason", key=key, view=view.value)  # noqa: E731
    text = i18n.mrkdwn(
        decision.locale,
        "cards/outdated",
        name=decision.candidate_name,
        status=decision.status,
        change=decision.change,
        dated=False,
    )
    return modal(view, label("title"), [section(text)], close=label("close"))


def click_replies(
    decision: Decision, *, action: dict[str, Any], original: dict[str, Any] | None
) -> list[Message]:
    """What goes back through the click's response_url: an outdated button says so; the item
    clicked in a list (digest, summary, role pool, search results) or an outdated prompt then
    shows what was done, by whom and when, instead of its buttons. Cards and answered prompts
    are edited by the outbox, every copy at once."""
    replies = [outdated(decision)] if decision.outdated else []
    block_id = str(action.get("block_id") or "")
    if block_id.startswith(LIVE) or (block_id.startswith(PROMPTS) and not decision.outdated):
        return replies
    if original is not None and decision.change is not None:
        replaced = answered_item(decision, action, original)
        if replaced is not None:
            replies.append(replaced)
    return replies


def answered_item(
    decision: Decision, action: dict[str, Any], original: dict[str, Any]
) -> Message | None:
    """The original message with the clicked item's buttons replaced by what was done (None
    when the clicked block cannot be found in it)."""
    blocks: list[Block] = copy.deepcopy(original.get("blocks") or [])
    done = context(done_line(decision.locale, decision))
    for n, block in enumerate(blocks):
        if not _clicked(block, action):
            continue
        if block.get("type") == "actions":
            blocks[n] = done
        else:  # a section with the button beside it
            block.pop("accessory", None)
            blocks.insert(n + 1, done)
        # Slack keeps block ids unique in a message: the new line takes none.
        return message(str(original.get("text") or ""), blocks, replace_original=True)
    return None


def _clicked(block: Block, action: dict[str, Any]) -> bool:
    """Whether `block` holds the clicked element: by its block id when it has one, else by the
    element's action id and value (Slack names blocks that were sent without an id)."""
    if action.get("block_id") and block.get("block_id") == action["block_id"]:
        return True
    elements = block.get("elements") or ([block["accessory"]] if "accessory" in block else [])
    return any(
        isinstance(e, dict)
        and e.get("action_id") == action.get("action_id")
        and e.get("value") == action.get("value")
        and action.get("value") is not None
        for e in elements
    )


def settled_prompt(locale: str, settled: SettledPrompt) -> Message:
    """A prompt once answered: what it was about, and what was done, by whom, when."""
    title = i18n.plain(locale, "cards/labels", key=f"prompt_{settled.prompt}")
    text = i18n.mrkdwn(locale, "cards/settled", name=settled.candidate_name, change=settled.change)
    return message(
        i18n.titled(locale, title, settled.candidate_name), [header(title), section(text)]
    )
