"""Decisions on a candidate: the modals asking for a private reason, and what a message says
once one of its buttons was used (what was done, by whom, when) or when it was out of date."""

import base64
import binascii
import copy
import json
import zlib
from dataclasses import dataclass
from typing import Any

from bot import i18n
from bot.ids import ReasonInput, View
from bot.rendering.blocks import (
    METADATA_LIMIT,
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


@dataclass(frozen=True)
class ListItem:
    """The item of a list (digest, session summary, role pool, search results) a decision
    modal was opened from: once the modal is submitted, its buttons give way to what was done.
    A message refbot posted is edited where it is (`channel`, `ts`); an ephemeral one (search
    results) is replaced through the click's `response_url`, from the copy of it taken at the
    click (Slack keeps no ephemeral message to read back)."""

    action_id: str
    block_id: str
    channel: str = ""
    ts: str = ""
    response_url: str = ""
    original: dict[str, Any] | None = None


@dataclass(frozen=True)
class Opener:
    """Where a decision modal was opened: App Home is published again after it; a list item
    shows what was done instead of its buttons."""

    candidate: str
    home: bool = False
    item: ListItem | None = None


def reason_modal(
    locale: str,
    view: View,
    candidate: str,
    *,
    home: bool = False,
    item: ListItem | None = None,
) -> dict[str, Any]:
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
        private_metadata=opened_from(candidate, home=home, item=item),
    )


# An ephemeral list's copy rides in the metadata compressed; bounded when read back, since the
# metadata comes back from the client (a forged one must not inflate to gigabytes).
_ORIGINAL_LIMIT = 64 * 1024


def opened_from(candidate: str, *, home: bool, item: ListItem | None = None) -> str:
    """A decision modal's metadata: the candidate, whether it was opened from App Home, and
    the list item it answers. Without an item it stays the candidate's id (plus "|home"); an
    ephemeral list too big to carry (3,000 characters of metadata) is left as it is."""
    plain = candidate + (FROM_HOME if home else "")
    if item is None:
        return plain
    where: dict[str, Any] = {"a": item.action_id, "b": item.block_id}
    if item.channel:
        where |= {"ch": item.channel, "ts": item.ts}
    elif item.response_url and item.original is not None:
        where |= {"u": item.response_url, "m": _pack(item.original)}
    else:
        return plain
    metadata = json.dumps({"c": candidate, "h": home, "i": where}, separators=(",", ":"))
    return metadata if len(metadata) <= METADATA_LIMIT else plain


def opener(metadata: str) -> Opener:
    """Where a decision modal was opened, from its metadata (anything malformed: the
    candidate's id alone, so the decision itself still re-checks everything)."""
    if not metadata.startswith("{"):
        return Opener(metadata.removesuffix(FROM_HOME), metadata.endswith(FROM_HOME))
    try:
        found = json.loads(metadata)
        candidate, home = str(found["c"]), found.get("h") is True
    except (ValueError, TypeError, KeyError, AttributeError):
        return Opener(metadata)
    try:
        where = found["i"]
        item = ListItem(
            action_id=str(where["a"]),
            block_id=str(where.get("b") or ""),
            channel=str(where.get("ch") or ""),
            ts=str(where.get("ts") or ""),
            response_url=str(where.get("u") or ""),
            original=_unpack(str(where["m"])) if "m" in where else None,
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return Opener(candidate, home)
    if not (item.channel and item.ts) and not (item.response_url and item.original):
        return Opener(candidate, home)
    return Opener(candidate, home, item)


def clicked_item(body: dict[str, Any], action: dict[str, Any]) -> ListItem | None:
    """The list item of a click that opens a decision modal; None for App Home, cards and
    prompts (the outbox keeps those current) or an ephemeral message Slack sent no copy of."""
    container = body.get("container") or {}
    block_id = str(action.get("block_id") or "")
    if container.get("type") != "message" or block_id.startswith(LIVE + PROMPTS):
        return None
    action_id = str(action.get("action_id") or "")
    if container.get("is_ephemeral"):
        original, url = body.get("message"), body.get("response_url")
        if not isinstance(original, dict) or not url:
            return None
        kept = {"text": original.get("text") or "", "blocks": original.get("blocks") or []}
        return ListItem(action_id, block_id, response_url=str(url), original=kept)
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if not channel or not ts:
        return None
    return ListItem(action_id, block_id, channel=str(channel), ts=str(ts))


def _pack(original: dict[str, Any]) -> str:
    raw = json.dumps(original, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode()


def _unpack(packed: str) -> dict[str, Any] | None:
    try:
        inflate = zlib.decompressobj()
        raw = inflate.decompress(base64.urlsafe_b64decode(packed), _ORIGINAL_LIMIT)
        if inflate.unconsumed_tail:
            return None
        found = json.loads(raw)
    except (ValueError, zlib.error, binascii.Error):
        return None
    if not isinstance(found, dict) or not isinstance(found.get("blocks"), list):
        return None
    return found


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


def list_item_answered(
    decision: Decision, item: ListItem, original: dict[str, Any] | None
) -> Message | None:
    """The list a decision modal was opened from, once submitted: the item shows what was
    done, by whom and when, as after a click (None: nothing was done, or the item is gone)."""
    if original is None or decision.change is None:
        return None
    action = {"action_id": item.action_id, "block_id": item.block_id, "value": decision.candidate}
    return answered_item(decision, action, original)


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
