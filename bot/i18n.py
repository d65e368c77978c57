"""User-facing text: Jinja2 templates per locale (`bot/templates/<locale>/<name>.j2`).

Two environments share one loader. `mrkdwn()` escapes `&`, `<` and `>` in every `{{ }}` value
(Slack's only mrkdwn control characters), so user text can never become `<!channel>` or a fake
link; `mention` returns already-safe markup. `plain()` is for plain_text fields, which Slack shows
literally.
"""

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from bot.config import SUPPORTED_LOCALES

TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_LOCALE = "en"


def escape_mrkdwn(value: object) -> str:
    """Neutralise Slack's mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _finalize(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, Markup | int | float):
        return value
    return escape_mrkdwn(value)


def mention(user_id: str) -> Markup:
    return Markup(f"<@{escape_mrkdwn(user_id)}>")


def link(url: str, label: str) -> Markup:
    """A mrkdwn link; `|` would end the URL part early, so it is percent-encoded."""
    safe_url = escape_mrkdwn(url).replace("|", "%7C")
    return Markup(f"<{safe_url}|{escape_mrkdwn(label)}>")


def slack_date(instant: datetime) -> Markup:
    """A time Slack shows in each reader's own time zone (formatting#date)."""
    fallback = instant.strftime("%Y-%m-%d %H:%M UTC")
    return Markup(f"<!date^{int(instant.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>")


def normalize_locale(value: str | None, fallback: str = DEFAULT_LOCALE) -> str:
    """Slack locales look like `fr-FR`; refbot speaks by language."""
    language = (value or "").replace("_", "-").split("-")[0].lower()
    return language if language in SUPPORTED_LOCALES else fallback


@cache
def _environment(escaped: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        finalize=_finalize if escaped else None,
    )
    env.filters["mention"] = mention
    env.filters["link"] = link
    env.filters["slack_date"] = slack_date
    return env


def _render(escaped: bool, locale: str, template: str, context: dict[str, Any]) -> str:
    found = _environment(escaped).get_template(f"{normalize_locale(locale)}/{template}.j2")
    return found.render(**context).strip()


def mrkdwn(locale: str, template: str, /, **context: Any) -> str:
    """Render a template for a mrkdwn field; every value is escaped."""
    return _render(True, locale, template, context)


def plain(locale: str, template: str, /, **context: Any) -> str:
    """Render a template for a plain_text field (button labels, titles, placeholders)."""
    return _render(False, locale, template, context)


def template_names(locale: str) -> set[str]:
    root = TEMPLATES / locale
    return {str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.j2")}
