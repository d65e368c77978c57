"""Spreadsheet cells: a formula-like text is exported behind a quote and imported without it."""

from typing import Any

# A cell starting with one of these is a formula to Excel and LibreOffice (OWASP "CSV
# injection"): the export prefixes a quote, which the import removes again.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _needs_quote(text: str) -> bool:
    return text.startswith(_FORMULA_START) or (text[:1] == "'" and _needs_quote(text[1:]))


def escape(value: Any) -> str:
    """A cell a spreadsheet shows as text: formulas get a leading quote (undone by the import)."""
    text = "" if value is None else str(value)
    return "'" + text if _needs_quote(text) else text


def unescape(text: str) -> str:
    return text[1:] if text[:1] == "'" and _needs_quote(text[1:]) else text
