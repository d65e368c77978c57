"""What an employee types about a candidate, validated and normalized for dedupe (pure, no I/O).

Normalized emails and profile URLs are what ``candidates.email``/``profile_url`` store and what
duplicates are found by, so two spellings of one person must normalize to the same string, and
normalizing twice must change nothing.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, quote, unquote_to_bytes, urlencode, urlsplit, urlunsplit

from email_validator import EmailNotValidError, validate_email

from bot.user_input import without_controls

# Modal block ids and machine codes; rendering picks the localized message from the code.
Field = Literal["name", "email", "profile_url", "note"]
Code = Literal["invalid_email", "invalid_url", "too_long", "required", "missing_contact"]
Kind = Literal["email", "url", "name"]

NAME_MAX = 120
NOTE_MAX = 2000
PROFILE_URL_MAX = 500  # candidates.profile_url is String(500)
_RAW_URL_MAX = 2000  # refuse before parsing: bounds the work done on pasted junk

# Pasted from web pages and PDFs, invisible, never meaningful in an address.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")
_HOST_PREFIXES = ("www.", "m.", "mobile.")
_TRACKING = frozenset(
    {"trk", "trkinfo", "originalsubdomain", "fbclid", "gclid", "ref", "refid", "lipi", "_ga"}
    | {"mc_cid", "mc_eid"}
)
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
# Slack's message markup: <https://x|label>, <https://x>; bare URLs when posted via the API.
# https://api.slack.com/reference/surfaces/formatting#links-in-retrieved-messages
_SLACK_LINK = re.compile(r"<(https?://[^|>\s]+)(?:\|[^>]*)?>|(https?://[^\s<>|]+)", re.IGNORECASE)
_SLACK_WRAPPED = re.compile(r"^<([^|>]+)(?:\|[^>]*)?>$")
_TRAILING_PUNCTUATION = ".,;:!?'\")]}"
_EMAIL_IN_TEXT = re.compile(r"[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+")


class ContactError(ValueError):
    """A field of the referral modal is invalid; ``field`` is its block id."""

    def __init__(self, field: Field, code: Code) -> None:
        super().__init__(f"{field}: {code}")
        self.field: Field = field
        self.code: Code = code


@dataclass(frozen=True)
class CleanContact:
    name: str
    email: str | None
    profile_url: str | None
    note: str | None


def normalize_email(raw: str) -> str:
    """The address lowercased, without spaces, syntax-checked (no DNS lookup)."""
    # No valid unquoted address contains whitespace; a pasted "ada @ example.com" means ada@.
    text = "".join(raw.translate(_INVISIBLE).split()).lower()
    text = text.removeprefix("mailto:")
    try:
        # normalized: NFC local part, Unicode domain, so xn--bcher-kva.de == bücher.de.
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ContactError("email", "invalid_email") from error


def normalize_profile_url(raw: str) -> str:
    """The canonical https form of a profile URL: one string per profile, for dedupe."""
    text = raw.translate(_INVISIBLE).strip()
    if len(text) > _RAW_URL_MAX:
        raise ContactError("profile_url", "too_long")
    if not text or any(c.isspace() or not c.isprintable() for c in text):
        raise ContactError("profile_url", "invalid_url")
    scheme = _SCHEME.match(text)
    if text.startswith("//"):
        text = "https:" + text
    elif scheme is None or "." in scheme.group(1):
        # "linkedin.com/in/ada", or "linkedin.com:443/…" whose host looks like a scheme.
        text = "https://" + text
    elif scheme.group(1).lower() not in ("http", "https"):
        raise ContactError("profile_url", "invalid_url")  # javascript:, data:, ftp:, mailto:…
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise ContactError("profile_url", "invalid_url") from error
    if "@" in parts.netloc:
        # https://linkedin.com@evil.example is a link to evil.example dressed as LinkedIn.
        raise ContactError("profile_url", "invalid_url")
    host = _host(parts.hostname or "")
    if port is not None and port not in (80, 443):
        host = f"{host}:{port}"
    path = _decode_safely(parts.path)
    query = _clean_query(parts.query)
    if host == "linkedin.com" or host.endswith(".linkedin.com"):
        host, path, query = _linkedin(path, query)
    elif host == "github.com":
        # GitHub logins are case-insensitive; repository paths after them are kept as typed.
        owner, slash, rest = path.lstrip("/").partition("/")
        path = f"/{owner.lower()}{slash}{rest}"
    url = urlunsplit(("https", host, path.rstrip("/"), query, ""))
    if len(url) > PROFILE_URL_MAX:
        raise ContactError("profile_url", "too_long")
    return url


def _host(hostname: str) -> str:
    """Lowercase ASCII (punycode) host without www./m./mobile.; refuses IPs and bare names."""
    try:
        host = hostname.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError as error:
        raise ContactError("profile_url", "invalid_url") from error
    stripped = True
    while stripped:
        stripped = False
        for prefix in _HOST_PREFIXES:
            # Only while a registrable name remains: m.me stays m.me.
            if host.startswith(prefix) and "." in host[len(prefix) :]:
                host, stripped = host[len(prefix) :], True
    labels = host.split(".")
    if len(labels) < 2 or len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ContactError("profile_url", "invalid_url")
    if not any(c.isalpha() for c in labels[-1]):
        raise ContactError("profile_url", "invalid_url")  # an IP address, not a profile
    return host


def _decode_safely(path: str) -> str:
    """Decode %XX where that cannot change meaning: unreserved ASCII and printable non-ASCII.

    Reserved characters (%2F, %3F, %25…) and bytes that are not UTF-8 stay encoded, so decoding
    again changes nothing. RFC 3986 section 6.2.2.2.
    """

    def decode(run: re.Match[str]) -> str:
        text = unquote_to_bytes(run.group()).decode("utf-8", "surrogateescape")
        out = []
        for char in text:
            if 0xDC80 <= ord(char) <= 0xDCFF:  # an undecodable byte, kept as it came
                out.append(f"%{ord(char) - 0xDC00:02X}")
            elif char in _UNRESERVED or (ord(char) > 127 and char.isprintable()):
                out.append(char)
            else:
                out.append(quote(char, safe=""))
        return "".join(out)

    return _PERCENT_RUN.sub(decode, path)


def _clean_query(query: str) -> str:
    """Tracking parameters dropped, the rest sorted so their order does not matter."""
    kept = [
        (key, value)
        for key, value in parse_qsl(query, keep_blank_values=True)
        if not key.lower().startswith("utm_") and key.lower() not in _TRACKING
    ]
    return urlencode(sorted(kept), quote_via=quote)


def _linkedin(path: str, query: str) -> tuple[str, str, str]:
    """linkedin.com/in/<slug>: country subdomains, sub-pages (/details/…) and locale dropped."""
    segments = [segment for segment in path.split("/") if segment]
    if len(segments) >= 2 and segments[0].lower() == "in":
        # LinkedIn slugs are case-insensitive; a profile's query string is only ever tracking.
        slug = _PERCENT_RUN.sub(lambda run: run.group().upper(), segments[1].lower())
        return "linkedin.com", f"/in/{slug}", ""
    return "linkedin.com", "/" + "/".join(segments), query


def clean_name(raw: str) -> str:
    """The name with whitespace collapsed and control characters (NUL…) dropped; 1 to 120
    characters."""
    name = " ".join(without_controls(raw.translate(_INVISIBLE)).split())
    if not name:
        raise ContactError("name", "required")
    if len(name) > NAME_MAX:
        raise ContactError("name", "too_long")
    return name


def clean_note(raw: str | None) -> str | None:
    """The note stripped of control characters (NUL…) and surrounding space, None when empty;
    at most 2000 characters."""
    note = without_controls(raw or "").strip()
    if len(note) > NOTE_MAX:
        raise ContactError("note", "too_long")
    return note or None


def first_name(name: str) -> str:
    """The first word of a cleaned name (the whole name when it is one word)."""
    words = name.split()
    return words[0] if words else name


def find_profile_url(text: str) -> str | None:
    """The first http(s) link in a Slack message's text, as linked; None when there is none."""
    match = _SLACK_LINK.search(text)
    if match is None:
        return None
    if match.group(1) is not None:
        url = match.group(1)
    else:
        # A bare URL ends before the sentence's punctuation: "see https://x.com/ada."
        url = match.group(2).rstrip(_TRAILING_PUNCTUATION)
    # Slack escapes these three in message text, URLs included.
    return url.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def find_email(text: str) -> str | None:
    """The first valid email address in plain text (markup already read, see bot.slack_text)."""
    for match in _EMAIL_IN_TEXT.finditer(text):
        found = match.group().strip(_TRAILING_PUNCTUATION)
        if _is_valid(normalize_email, found):
            return found
    return None


def classify(text: str) -> Kind:
    """Whether ``/refer <text>`` was given an email, a profile URL or a name, to prefill."""
    text = text.strip()
    # Slash commands with link escaping on send <mailto:a@b.c|a@b.c> and <https://…|…>.
    if wrapped := _SLACK_WRAPPED.match(text):
        text = wrapped.group(1)
    if any(c.isspace() for c in text):
        return "name"
    if "@" in text and _is_valid(normalize_email, text):
        return "email"
    # "ada.dev" alone is likelier a name typed oddly than a profile: want a scheme, www. or path.
    looks_like_url = "://" in text or "/" in text or text.lower().startswith("www.")
    if looks_like_url and _is_valid(normalize_profile_url, text):
        return "url"
    return "name"


def _is_valid(normalize: Callable[[str], str], text: str) -> bool:
    try:
        normalize(text)
    except ContactError:
        return False
    return True


def validate_referral(
    *, name: str | None, email: str | None, profile_url: str | None, note: str | None
) -> tuple[CleanContact | None, dict[str, str]]:
    """The cleaned contact, or None and every field's error code keyed by block id."""
    errors: dict[str, str] = {}
    email, profile_url = (email or "").strip() or None, (profile_url or "").strip() or None
    clean = CleanContact(
        name=_collect(errors, clean_name, name or "") or "",
        email=_collect(errors, normalize_email, email) if email else None,
        profile_url=_collect(errors, normalize_profile_url, profile_url) if profile_url else None,
        note=_collect(errors, clean_note, note or ""),
    )
    if email is None and profile_url is None:
        errors["email"] = "missing_contact"  # shown under the email input, the first of the two
    return (None, errors) if errors else (clean, {})


def _collect(errors: dict[str, str], clean: Callable[[str], str | None], raw: str) -> str | None:
    try:
        return clean(raw)
    except ContactError as error:
        errors[error.field] = error.code
        return None
