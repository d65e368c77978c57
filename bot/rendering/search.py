"""`/refbot find` results: ephemeral, with the action that fits each status."""

from bot import i18n
from bot.ids import Action
from bot.rendering.blocks import Message, button, context, message, section
from bot.services.search import SearchResult

RESTING = {"snoozed", "archived", "not_a_fit"}


def search_results(result: SearchResult) -> Message:
    t = result.locale
    if not result.hits:
        text = i18n.mrkdwn(t, "search/none", text=result.text)
        return message(text, [section(text)], response_type="ephemeral")
    intro = i18n.mrkdwn(t, "search/intro", count=len(result.hits), text=result.text)
    blocks = [section(intro)]
    for hit in result.hits:
        resting = hit.status in RESTING
        action = Action.CANDIDATE_REACTIVATE if resting else Action.CANDIDATE_REACH_OUT
        label = i18n.plain(t, "search/labels", key="reactivate" if resting else "reach_out")
        blocks.append(
            section(
                i18n.mrkdwn(t, "search/hit", hit=hit),
                accessory=button(label, action, value=hit.candidate),
            )
        )
    blocks.append(context(i18n.mrkdwn(t, "search/tips")))
    return message(intro, blocks, response_type="ephemeral")
