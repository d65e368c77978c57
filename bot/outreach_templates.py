"""Outreach drafts: Jinja2 in a sandbox, because admins may write their own templates.

Shipped defaults live in `bot/templates/<locale>/outreach/<name>_<variant>.j2`; undefined names
fail loudly (StrictUndefined), so a bad template is refused when saved, not when sent.
"""

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from bot.i18n import TEMPLATES, normalize_locale

DEFAULTS = ("referred_A", "referred_B", "rediscovered_A", "rediscovered_B")
CONTEXT_NAMES = ("first_name", "role", "referrer_first_name", "recruiter")


@cache
def _sandbox() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, trim_blocks=True)


def default_source(locale: str, key: str) -> str:
    path = Path(TEMPLATES) / normalize_locale(locale) / "outreach" / f"{key}.j2"
    return path.read_text(encoding="utf-8")


def render(source: str, **context: Any) -> str:
    """The draft, or TemplateError for a template that uses what it may not."""
    return _sandbox().from_string(source).render(**context).strip()


def check(source: str) -> str | None:
    """None when the template renders with the known names, else the error to show."""
    try:
        render(source, **{name: "x" for name in CONTEXT_NAMES})
    except TemplateError as error:
        return str(error)
    return None
