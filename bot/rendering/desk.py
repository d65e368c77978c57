"""The recruiter's desk: App Home sections and the /refbot followups and snoozed lists."""

from typing import Any
from zoneinfo import ZoneInfo

from bot import i18n
from bot.rendering.blocks import Block, Message, context, header, message, section
from bot.rendering.steps import step_button
from bot.services.desk import Desk, DeskItem

PER_SECTION_HOME = 25  # three sections of 25 items + headers stay under 100 blocks a view
PER_LIST = 40  # 50 blocks a message

# The sections, in order; each item's button is its candidate's next step (as on the card).
KINDS = ("follow_ups", "new_referrals", "snoozes")


def _label(locale: str, key: str, **values: Any) -> str:
    return i18n.plain(locale, "desk/labels", key=key, **values)


def items(desk: Desk, kind: str, limit: int) -> list[Block]:
    """One block per item, the rest summed up as "and N more — /refbot …"."""
    found: tuple[DeskItem, ...] = getattr(desk, kind)
    t, zone = desk.locale, ZoneInfo(desk.tz)
    if not found:
        return [context(i18n.mrkdwn(t, "desk/empty", kind=kind))]
    blocks: list[Block] = []
    for item in found[:limit]:
        text = i18n.mrkdwn(t, "desk/item", name=item.name, when=item.due_at, tz=zone)
        step = step_button(t, item.step, item.candidate) if item.step else None
        blocks.append(section(text, accessory=step))
    if len(found) > limit:
        blocks.append(context(i18n.mrkdwn(t, "desk/more", count=len(found) - limit, kind=kind)))
    return blocks


def desk_sections(desk: Desk) -> list[Block]:
    blocks: list[Block] = []
    for kind in KINDS:
        blocks += [header(_label(desk.locale, kind)), *items(desk, kind, PER_SECTION_HOME)]
    return blocks


def desk_list(desk: Desk, kind: str) -> Message:
    title = _label(desk.locale, kind)
    return message(title, [header(title), *items(desk, kind, PER_LIST)], response_type="ephemeral")
