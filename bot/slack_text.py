"""Slack's markup read back as plain text: what a person typed, or what a message says.

Slack hands apps command and message text in its own markup
(https://api.slack.com/reference/surfaces/formatting#retrieving-messages): typed links and
emails arrive as `<https://x|x>` and `<mailto:a@b.c|a@b.c>`, mentions as `<@U123>`, and the `&`,
`<`, `>` the person typed as `&amp;`, `&lt;`, `&gt;`. Pure functions, no I/O.
"""

import re
from typing import Any

from bot.user_input import without_controls

_MARKUP = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_SCHEME = re.compile(r"^https?://", re.IGNORECASE)


def unescape(text: str) -> str:
    """The text as the person wrote it: links and emails as their address (with the label when
    it says more), mentions as @name, entities decoded (each once: `&amp;lt;` is `&lt;`)."""
    out: list[str] = []
    last = 0
    for markup in _MARKUP.finditer(text):
        out.append(_entities(text[last : markup.start()]))
        out.append(_resolve(markup.group(1)))
        last = markup.end()
    out.append(_entities(text[last:]))
    return "".join(out)


def command_text(command: dict[str, Any]) -> str:
    """A slash command's text as typed: markup read, control characters dropped, trimmed."""
    return without_controls(unescape(str(command.get("text") or ""))).strip()


def message_text(message: dict[str, Any]) -> str:
    """Everything a message says, as plain text: its text (else its blocks), its attachments
    (link previews, bot and app cards) and its files' titles; one part a line."""
    parts = [unescape(message.get("text") or "")]
    if not parts[0].strip():  # a bot's message may carry blocks only
        parts += [_block_text(block) for block in message.get("blocks") or []]
    for attachment in message.get("attachments") or []:
        parts += _attachment_text(attachment)
    for file in message.get("files") or []:
        parts.append(str(file.get("title") or file.get("name") or ""))
    text = "\n".join(part.strip() for part in parts if part and part.strip())
    return without_controls(text)


def _entities(text: str) -> str:
    return _ENTITY.sub(lambda entity: _ENTITIES[entity.group(1)], text)


def _resolve(inner: str) -> str:
    target, _, label = inner.partition("|")
    label = _entities(label)
    if target.startswith(("@", "#")):  # <@U123>, <@U123|ada>, <#C123|general>
        return target[0] + (label or target[1:])
    if target.startswith("!"):  # <!here>, <!subteam^S1|@team>, <!date^…|fallback>
        return label or "@" + target[1:].split("^")[0]
    return _link(_entities(target), label)


def _link(url: str, label: str) -> str:
    """A link as its address, and its label too when that says something else."""
    if url.lower().startswith("mailto:"):
        url = url[len("mailto:") :]
    return url if not label or _same_link(label, url) else f"{label} ({url})"


def _same_link(label: str, link: str) -> bool:
    """Slack labels a typed link with itself, often without the scheme (or the www.)."""

    def bare(url: str) -> str:
        return _SCHEME.sub("", url).rstrip("/").lower().removeprefix("www.")

    return bare(label) == bare(link)


def _attachment_text(attachment: dict[str, Any]) -> list[str]:
    # Secondary attachments and link unfurls (https://api.slack.com/reference/messaging/attachments):
    # mrkdwn fields are markup; the links are plain URLs.
    parts = [
        unescape(str(attachment.get(key) or ""))
        for key in ("pretext", "author_name", "title", "text")
    ]
    for field in attachment.get("fields") or []:
        parts += [unescape(str(field.get("title") or "")), unescape(str(field.get("value") or ""))]
    parts += [str(attachment.get(key) or "") for key in ("title_link", "from_url")]
    if not any(part.strip() for part in parts):  # the summary repeats the rest: last resort
        parts.append(unescape(str(attachment.get("fallback") or "")))
    for block in attachment.get("blocks") or []:
        parts.append(_block_text(block))
    return parts


def _block_text(block: dict[str, Any]) -> str:
    """The words of a section, context, header or rich text block."""
    kind = block.get("type")
    if kind == "rich_text":
        return "".join(_rich_text(element) for element in block.get("elements") or [])
    texts = [block.get("text"), *(block.get("fields") or [])]
    if kind == "context":
        texts += [e for e in block.get("elements") or [] if e.get("type") != "image"]
    return "\n".join(_text_object(t) for t in texts if isinstance(t, dict))


def _text_object(text: dict[str, Any]) -> str:
    raw = str(text.get("text") or "")
    return unescape(raw) if text.get("type") == "mrkdwn" else raw


def _rich_text(element: dict[str, Any]) -> str:
    # Rich text carries structure, not markup: its texts are literal.
    kind = element.get("type")
    if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote"):
        return "".join(_rich_text(e) for e in element.get("elements") or []) + "\n"
    if kind == "rich_text_list":
        return "".join(_rich_text(e) for e in element.get("elements") or [])
    if kind == "text":
        return str(element.get("text") or "")
    if kind == "link":
        return _link(str(element.get("url") or ""), str(element.get("text") or ""))
    if kind == "user":
        return "@" + str(element.get("user_id") or "")
    if kind == "channel":
        return "#" + str(element.get("channel_id") or "")
    if kind == "emoji":
        return f":{element.get('name') or ''}:"
    return ""
