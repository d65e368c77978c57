"""`/refbot stats` as a compact message, and the same words for the terminal."""

from bot import i18n
from bot.rendering.blocks import Message, header, message, section
from bot.services.stats import Report


def bar(rate: float, width: int = 10) -> str:
    filled = round(rate * width)
    return "█" * filled + "░" * (width - filled)


def _context(report: Report) -> dict[str, object]:
    review = report.median_review
    hours = round(review.total_seconds() / 3600, 1) if review is not None else None
    return {"r": report, "bar": bar, "review_hours": hours}


def stats_message(report: Report) -> Message:
    title = i18n.plain(report.locale, "stats/title", days=report.days)
    text = i18n.mrkdwn(report.locale, "stats/report", **_context(report))
    return message(title, [header(title), section(text)], response_type="ephemeral")


def stats_text(report: Report) -> str:
    """The terminal's version (`refbot stats`)."""
    title = i18n.plain(report.locale, "stats/title", days=report.days)
    return f"{title}\n\n{i18n.plain(report.locale, 'stats/report', **_context(report))}"
