"""Messages of the delivery engine: notices, lateness, grouped reminders."""

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot import i18n
from bot.rendering.blocks import (
    MESSAGE_BLOCKS,
    Block,
    Message,
    context,
    divider,
    header,
    message,
    section,
)
from bot.rendering.rewards import digest_reward_blocks
from bot.rendering.steps import step_button

if TYPE_CHECKING:
    from bot.services.desk import DeskItem
    from bot.services.digests import DigestContent


def notice(locale: str, template: str, values: dict[str, Any]) -> Message:
    text = i18n.mrkdwn(locale, template, **values)
    return message(text, [section(text)])


def late(locale: str, late_by: timedelta) -> dict[str, Any]:
    """The context line of a message delivered after downtime: "Due 3 days ago"."""
    days, hours = late_by.days, late_by.seconds // 3600
    return context(i18n.mrkdwn(locale, "deliveries/late", days=days, hours=hours))


def grouped(locale: str, items: Sequence[Message]) -> tuple[Message, int]:
    """As many items as fit in one message, and how many fit (the rest go in the next one)."""
    fitted: list[dict[str, Any]] = []
    count = 0
    room = MESSAGE_BLOCKS - 3  # header, and the "more follow" line
    for item in items:
        # Two items may be about one candidate: block ids must stay unique in the message.
        own = [{k: v for k, v in b.items() if k != "block_id"} for b in item.get("blocks", [])]
        blocks = [*own, divider()]
        if len(fitted) + len(blocks) > room:
            break
        fitted += blocks
        count += 1
    title = i18n.plain(locale, "deliveries/grouped_title", count=len(items))
    blocks = [header(title), *fitted]
    if count < len(items):
        blocks.append(
            context(i18n.mrkdwn(locale, "deliveries/grouped_more", count=len(items) - count))
        )
    return message(title, blocks), count


DIGEST_ITEMS = 5  # named per kind; the rest is "and N more" (4 kinds x 7 blocks < 50)
DIGEST_KINDS = ("follow_ups", "new_referrals", "snoozes_ending", "intros_waiting")


def digest(locale: str, content: "DigestContent") -> Message:
    """Good morning, then the reader's items by kind: each named, with its button (its
    candidate's next step), the first few of each kind and how many more."""
    title = i18n.plain(locale, "deliveries/digest_title")
    blocks: list[Block] = [
        header(title),
        section(i18n.mrkdwn(locale, "deliveries/digest", content=content)),
    ]
    for kind in DIGEST_KINDS:
        found: tuple[DeskItem, ...] = getattr(content, kind)
        if not found:
            continue
        blocks.append(
            section(i18n.mrkdwn(locale, "deliveries/digest_kind", kind=kind, count=len(found)))
        )
        for n, item in enumerate(found[:DIGEST_ITEMS]):
            text = i18n.mrkdwn(locale, "deliveries/digest_item", kind=kind, item=item)
            accessory = step_button(locale, item.step, item.candidate) if item.step else None
            blocks.append(section(text, block_id=f"digest:{kind}:{n}", accessory=accessory))
        if len(found) > DIGEST_ITEMS:
            more = len(found) - DIGEST_ITEMS
            blocks.append(
                context(i18n.mrkdwn(locale, "deliveries/digest_more", kind=kind, count=more))
            )
    blocks += digest_reward_blocks(locale, content.rewards_payable)
    return message(title, blocks)
