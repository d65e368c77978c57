"""`/refbot find` results: ephemeral, with the action that fits each status."""

from bot import i18n
from bot.rendering.blocks import Message, context, message, section
from bot.rendering.steps import step_button
from bot.services.search import SearchResult
from storage.types import CandidateStatus


def search_results(result: SearchResult) -> Message:
    t = result.locale
    if not result.hits:  # never a dead end: say why nothing came, and what to try
        text = i18n.mrkdwn(t, "search/none", result=result, statuses=list(CandidateStatus))
        return message(text, [section(text)], response_type="ephemeral")
    intro = i18n.mrkdwn(t, "search/intro", count=len(result.hits), result=result)
    blocks = [section(intro)]
    for hit in result.hits:
        text = i18n.mrkdwn(t, "search/hit", hit=hit, tz=result.tz)
        if not result.can_act:  # a hiring manager looks; acting is the recruiters' (no
            blocks.append(section(text))  # button that could only answer "not allowed")
            continue
        # The candidate's next step, the same as their card offers (a lead: Ask for intro).
        step = step_button(t, hit.step, hit.candidate) if hit.step else None
        blocks.append(section(text, accessory=step))
    blocks.append(context(i18n.mrkdwn(t, "search/tips")))
    return message(intro, blocks, response_type="ephemeral")
