"""A referral modal after its ack (bot.services.submissions): "saving…", then the outcome in
the same modal, or the form again with the person's input and what to fix."""

import copy
from typing import Any

from bot import i18n
from bot.ids import ReferralInput
from bot.rendering.blocks import VIEW_BLOCKS, Block, modal, plain_text, section
from bot.rendering.referral import referral_done
from bot.rendering.sourcing import contact_added
from bot.services.submissions import Outcome


def saving(locale: str, submitted: dict[str, Any]) -> dict[str, Any]:
    """The ack's update: the submitted modal, with its title, says it is saving."""
    title = str((submitted.get("title") or {}).get("text") or "refbot")
    close = i18n.plain(locale, "referral/labels", key="done_close")
    text = i18n.mrkdwn(locale, "referral/saving")
    block = section(text, block_id=ReferralInput.SAVING)
    return modal(str(submitted.get("callback_id") or ""), title, [block], close=close)


def submission_outcome(submitted: dict[str, Any], outcome: Outcome) -> dict[str, Any]:
    t = outcome.locale
    if outcome.errors or outcome.failed:
        return _form_again(submitted, t, outcome.errors, failed=outcome.failed)
    if outcome.added is not None:
        return contact_added(t, outcome.added)
    if outcome.referral is not None:
        return referral_done(outcome.referral)
    title = i18n.plain(t, "referral/labels", key="done_title")
    text = i18n.mrkdwn(t, "referral/received")
    close = i18n.plain(t, "referral/labels", key="done_close")
    return modal(str(submitted.get("callback_id") or ""), title, [section(text)], close=close)


def _form_again(
    submitted: dict[str, Any], locale: str, errors: dict[str, str], *, failed: bool
) -> dict[str, Any]:
    """The modal as submitted, its inputs holding what was typed, each error under its field
    (a views.update cannot set Slack's own inline errors: those belong to the ack)."""
    values = (submitted.get("state") or {}).get("values") or {}
    blocks: list[Block] = []
    if failed:
        blocks.append(section(i18n.mrkdwn(locale, "referral/not_saved")))
    for original in submitted.get("blocks") or []:
        block = copy.deepcopy(original)
        block_id = block.get("block_id")
        if block.get("type") == "input" and isinstance(block.get("element"), dict):
            for state in (values.get(block_id) or {}).values():
                _keep(block["element"], state)
        blocks.append(block)
        if code := errors.get(block_id or ""):
            message = ":warning: " + i18n.plain(locale, "forms/errors", code=code)
            blocks.append({"type": "context", "elements": [plain_text(message, 150)]})
    view = {
        key: submitted[key]
        for key in ("type", "callback_id", "title", "submit", "close", "private_metadata")
        if key in submitted
    }
    view["blocks"] = blocks[:VIEW_BLOCKS]
    return view


def _keep(element: dict[str, Any], state: dict[str, Any]) -> None:
    """What the person typed or chose, as the element's initial state."""
    kind = state.get("type")
    if kind == "plain_text_input":
        if state.get("value"):
            element["initial_value"] = state["value"]
    elif kind in ("static_select", "radio_buttons"):
        if state.get("selected_option"):
            element["initial_option"] = state["selected_option"]
    elif kind == "checkboxes":
        if state.get("selected_options"):
            element["initial_options"] = state["selected_options"]
        else:
            element.pop("initial_options", None)
