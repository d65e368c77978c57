"""What people type, held to what the databases store: whole numbers in ASCII digits, and text
without NUL or the other invisible control characters. Pure functions, no I/O."""

import re

# C0 controls and DEL, except tab and line feed (a pasted note keeps its lines; a Windows
# "\r\n" becomes "\n"). PostgreSQL refuses NUL in text outright (a DataError); the others are
# invisible junk from copy and paste that no one means to save.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
# int() takes any Unicode digit ("٣", "３") but not superscripts ("²"), which str.isdigit()
# accepts: only ASCII digits are a number here. Nine digits fit any INTEGER column.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def without_controls(text: str) -> str:
    """The text with NUL and the other control characters (tab and line feed kept) removed."""
    return _CONTROL.sub("", text)


def has_nul(text: str) -> bool:
    """Whether the text holds a NUL character, which PostgreSQL cannot store."""
    return "\x00" in text


def whole_number(raw: str | None) -> int | None:
    """The whole number typed (ASCII digits, surrounding spaces ignored), else None."""
    text = (raw or "").strip()
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else None
