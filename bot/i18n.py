"""User-facing text: Jinja2 templates per locale (`bot/templates/<locale>/<name>.j2`).

Each language has its own two environments. `mrkdwn()` escapes `&`, `<` and `>` in every `{{ }}`
value (Slack's only mrkdwn control characters), so user text can never become `<!channel>` or a
fake link; `mention` returns already-safe markup. `plain()` is for plain_text fields, which Slack
shows literally.

Words that depend on a number, numbers, dates and the labels of stored codes all come from here,
in the reader's language (Babel's CLDR data: plural rules, separators, month names), never by
hand in a template: `{{ n | plural("# contact", "# contacts") }}`, `{{ hours | number(1) }}`,
`{{ status | term("status") }}`, `{{ at | slack_date }}`. The vocabulary itself is fixed once for
both languages in `templates/GLOSSARY.md`; the labels of codes live in `<locale>/common/terms.j2`.
"""

import re
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_precision
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from bot.config import SUPPORTED_LOCALES

TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_LOCALE = "en"
REMOVED_NAME = "[removed]"  # the name `/refbot forget` leaves (storage.repositories.candidates)
NNBSP = "\u202f"  # narrow no-break space: French puts it before : ; ! ? and inside « »

# French typography, applied to the templates' own words when they are loaded (never to user
# text): a plain space before a high punctuation mark would let Slack wrap the line there.
_FRENCH_SPACE = re.compile(r" ([:;!?](?=[\s*_`)\"'{]|$)|»)", re.MULTILINE)
_FRENCH_QUOTE = re.compile(r"« ")


def escape_mrkdwn(value: object) -> str:
    """Neutralise Slack's mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user_id: str) -> Markup:
    return Markup(f"<@{escape_mrkdwn(user_id)}>")


def channel(channel_id: str) -> Markup:
    """A channel link, or a person's mention when the id is a user's (a DM's recipient)."""
    if channel_id[:1] in ("U", "W"):
        return mention(channel_id.split(",")[0])
    return Markup(f"<#{escape_mrkdwn(channel_id)}>")


def link(url: str, label: str) -> Markup:
    """A mrkdwn link; `|` would end the URL part early, so it is percent-encoded."""
    safe_url = escape_mrkdwn(url).replace("|", "%7C")
    return Markup(f"<{safe_url}|{escape_mrkdwn(label)}>")


def normalize_locale(value: str | None, fallback: str = DEFAULT_LOCALE) -> str:
    """Slack locales look like `fr-FR`; refbot speaks by language."""
    language = (value or "").replace("_", "-").split("-")[0].lower()
    return language if language in SUPPORTED_LOCALES else fallback


# -- numbers, plurals, dates --------------------------------------------------------------------


def plural(locale: str, count: int, one: str, other: str, many: str | None = None) -> str:
    """The form for `count` by the language's CLDR plural rule (French: 0 and 1 are "one"),
    with `#` replaced by the number as the language writes it."""
    form = _babel(normalize_locale(locale)).plural_form(abs(count))
    chosen = one if form == "one" else (many or other) if form == "many" else other
    return chosen.replace("#", number(locale, count))


@cache
def _babel(language: str) -> Locale:
    return Locale.parse(language)


def number(locale: str, value: float, decimals: int | None = None) -> str:
    """`value` with the language's separators ("1,234.5", "1 234,5"); `decimals` fixes them."""
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=normalize_locale(locale))


def percent(locale: str, rate: float) -> str:
    """A 0-1 rate as the language writes a percentage ("42%", "42 %")."""
    return format_percent(rate, locale=normalize_locale(locale))


def money(locale: str, minor: int, currency: str) -> str:
    """An amount kept in minor units as the reader writes it: "€1,000.00", "1 000,00 €"."""
    digits = get_currency_precision(currency)
    major = Decimal(minor).scaleb(-digits)
    language = normalize_locale(locale)
    if digits and minor % 10**digits == 0:  # "€1,000", not "€1,000.00"
        pattern = _babel(language).currency_formats["standard"].pattern.split(";")[0]
        whole = re.sub(r"\.0+", "", pattern)
        return format_currency(major, currency, whole, locale=language, currency_digits=False)
    return format_currency(major, currency, locale=language)


def reader_zone(tz: str | ZoneInfo | None) -> ZoneInfo | None:
    """The reader's zone, or None when it is unknown (then dates say UTC)."""
    if tz is None or isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def moment(locale: str, instant: datetime, tz: str | ZoneInfo | None, *, time: bool = True) -> str:
    """An instant as the reader writes it, in their zone: "Thu, Nov 5, 2026, 9:00 AM",
    "jeu. 5 nov. 2026, 09:00". Without a known zone it is shown in UTC, and says so."""
    language, zone = normalize_locale(locale), reader_zone(tz)
    local = instant.astimezone(zone or UTC)
    day = format_skeleton("yMMMEd", local, locale=language)
    if not time:
        return day
    hour = format_time(local, "short", locale=language)
    text = _babel(language).datetime_formats["medium"].format(hour, day)
    return text if zone is not None else f"{text} UTC"


def long_day(locale: str, value: datetime | date, tz: str | ZoneInfo | None = None) -> str:
    """A day in full ("Friday, February 5, 2027", "vendredi 5 février 2027"), for modals."""
    if isinstance(value, datetime):
        value = value.astimezone(reader_zone(tz) or UTC).date()
    return format_date(value, "full", locale=normalize_locale(locale))


def clock_time(locale: str, instant: datetime, tz: str | ZoneInfo | None = None) -> str:
    """A time of day in the reader's zone ("9:00 AM", "09:00"), for modals."""
    local = instant.astimezone(reader_zone(tz) or UTC)
    return format_time(local, "short", locale=normalize_locale(locale))


def slack_date(
    locale: str, instant: datetime, tz: str | ZoneInfo | None = None, *, time: bool = True
) -> Markup:
    """A date Slack shows in each reader's own zone and locale (formatting#date-formatting);
    the fallback, for clients that cannot, in the reader's language and (if known) zone."""
    tokens = "{date_short_pretty} {time}" if time else "{date_short_pretty}"
    fallback = escape_mrkdwn(moment(locale, instant, tz, time=time)).replace("|", "/")
    return Markup(f"<!date^{int(instant.timestamp())}^{tokens}|{fallback}>")


def titled(locale: str, title: str, subject: str) -> str:
    """ "Title: subject" as the language punctuates it (a notification's text)."""
    colon = f"{NNBSP}:" if normalize_locale(locale) == "fr" else ":"
    return f"{title}{colon} {escape_mrkdwn(subject)}"


# -- the environments ---------------------------------------------------------------------------


class _Loader(FileSystemLoader):
    """Templates as written, French ones with French spacing put in (see `_FRENCH_SPACE`)."""

    def get_source(self, environment: Environment, template: str) -> Any:
        source, filename, uptodate = super().get_source(environment, template)
        if template.startswith("fr/"):
            source = _FRENCH_QUOTE.sub("«" + NNBSP, _FRENCH_SPACE.sub(NNBSP + r"\1", source))
        return source, filename, uptodate


# The zone of the person a message is being composed for, when the caller knows it (the
# dispatcher sets it per recipient), so every date in a message falls back to their own time.
READER_TZ: ContextVar[str | None] = ContextVar("refbot_reader_tz", default=None)


def _zone_of(context: Context, tz: str | ZoneInfo | None) -> str | ZoneInfo | None:
    """An explicit zone, else the `tz` the template was rendered with, else the reader's."""
    if tz is not None:
        return tz
    return context.get("tz") or READER_TZ.get()


@cache
def _environment(escaped: bool, locale: str) -> Environment:
    def finalize(value: object) -> object:
        if value is None:
            return ""
        if value == REMOVED_NAME:  # an erased person is never shown as "[removed]"
            return term(locale, "person", "removed")
        if isinstance(value, Markup | int | float):
            return value
        return escape_mrkdwn(value) if escaped else value

    env = Environment(
        loader=_Loader(TEMPLATES),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        finalize=finalize,
        # Templates ship with the code: checking each file's mtime on every render cost a stat
        # call a template, on the ack's thread too (issue 15 profile).
        auto_reload=False,
    )

    @pass_context
    def _slack_date(context: Context, instant: datetime, tz: Any = None, time: bool = True) -> str:
        return slack_date(locale, instant, _zone_of(context, tz), time=time)

    @pass_context
    def _moment(context: Context, instant: datetime, tz: Any = None, time: bool = True) -> str:
        return moment(locale, instant, _zone_of(context, tz), time=time)

    @pass_context
    def _long_day(context: Context, value: datetime | date, tz: Any = None) -> str:
        return long_day(locale, value, _zone_of(context, tz))

    @pass_context
    def _clock_time(context: Context, instant: datetime, tz: Any = None) -> str:
        return clock_time(locale, instant, _zone_of(context, tz))

    env.globals["REMOVED"] = REMOVED_NAME
    env.filters.update(
        mention=mention,
        channel=channel,
        link=link,
        slack_date=_slack_date,
        moment=_moment,
        long_day=_long_day,
        clock_time=_clock_time,
        plural=lambda n, one, other, many=None: plural(locale, n, one, other, many),
        number=lambda value, decimals=None: number(locale, value, decimals),
        percent=lambda rate: percent(locale, rate),
        money=lambda minor, currency: money(locale, minor, currency),
        term=lambda key, group, default=None: term(locale, group, key, default),
    )
    return env


def _render(escaped: bool, locale: str, template: str, context: dict[str, Any]) -> str:
    language = normalize_locale(locale)
    found = _environment(escaped, language).get_template(f"{language}/{template}.j2")
    return found.render(**context).strip()


def mrkdwn(locale: str, template: str, /, **context: Any) -> str:
    """Render a template for a mrkdwn field; every value is escaped. A `tz` in the context is
    the reader's zone, used by the date filters."""
    return _render(True, locale, template, context)


def plain(locale: str, template: str, /, **context: Any) -> str:
    """Render a template for a plain_text field (button labels, titles, placeholders)."""
    return _render(False, locale, template, context)


def term(locale: str, group: str, key: str, default: str | None = None) -> str:
    """The label of a stored code (a status, a relationship, a channel…) in `locale`, from
    `<locale>/common/terms.j2`; a code without a label gives `default`, else shows as words,
    never as `snake_case`."""
    found = terms(locale).get(group, {}).get(str(key))
    if found is not None:
        return found
    return default if default is not None else str(key).replace("_", " ")


@cache
def terms(locale: str) -> dict[str, dict[str, str]]:
    """Every label group of `common/terms` (read once: the template's top-level `set`s)."""
    language = normalize_locale(locale)
    module = _environment(False, language).get_template(f"{language}/common/terms.j2").module
    return dict(module.terms)  # type: ignore[attr-defined]


def template_names(locale: str) -> set[str]:
    root = TEMPLATES / locale
    return {str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.j2")}
