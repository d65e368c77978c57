"""Messages of the delivery engine: notices, lateness, grouped reminders."""

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot import i18n

if TYPE_CHECKING:
    from bot.services.digests import DigestContent
from bot.rendering.blocks import MESSAGE_BLOCKS, Message, context, divider, header, message, section


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


def digest(locale: str, content: "DigestContent") -> Message:
    text = i18n.mrkdwn(locale, "deliveries/digest", content=content)
    return message(i18n.plain(locale, "deliveries/digest_title"), [section(text)])
