"""What a failed ATS call means for the delivery engine, like `bot.slack.classify()` for Slack.

An `AtsError` is a `SendError` with the same kinds, so an outbox row that calls an ATS is retried
by the dispatcher's existing policy:

- unauthorized: the credentials do not work (401: wrong or revoked client secret / API key) or
  lack a permission (403: a Harvest v3 scope such as `harvest:candidates:create`, a Lever key
  without write access). Permanent for the credentials: retrying cannot help until an admin fixes
  them, so the call waits (it is not failed, nothing is lost) and the admin is told once, with the
  ATS's own words and the scope it named.
- permanent: the ATS refused this request (400, 404, 409, 422): sending it again would be refused
  again.
- rate_limited: 429; `retry_after` in seconds from Retry-After (seconds or an HTTP date) or from
  the X-RateLimit-Reset epoch seconds Greenhouse sends.
- transient: 5xx, or the connection failed before the request could reach the ATS.
- uncertain: a POST/PATCH whose answer never came back (a read timeout, a connection dropped
  after the request was sent, a 500/502/504): it may have landed, so the caller looks the
  person up before creating her again, as the Slack side checks history.
"""

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from bot.messenger import SendError, SendErrorKind

if TYPE_CHECKING:  # httpx is loaded with the first ATS client (idle RSS of a web process)
    import httpx

DEFAULT_RETRY_AFTER = 10.0  # seconds, when a 429 names no wait (Harvest's window is 10 seconds)
MAX_RETRY_AFTER = 3600.0  # a wait longer than this is a confused header, not a plan
MAX_WORDS = 300  # characters of the ATS's message kept for the admin

# Harvest v3 scopes look like harvest:candidates:create; Lever's OAuth scopes like
# opportunities:write:admin. RFC 6750 puts the missing one in WWW-Authenticate's `scope`.
_SCOPE = re.compile(r"\b(harvest:[a-z_]+:[a-z_]+|[a-z_]+:(?:read|write)(?::admin)?)\b")
_WWW_SCOPE = re.compile(r'scope="([^"]+)"')

# Statuses after which a non-idempotent request may have been carried out.
_MAYBE_DONE_STATUSES = frozenset({500, 502, 504})
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class AtsError(SendError):
    """A failed ATS call, classified for the retry policy (see the module docstring)."""

    def __init__(
        self,
        kind: SendErrorKind,
        reason: str,
        retry_after: float = 0.0,
        *,
        ats: str,
        status: int | None = None,
        scope: str | None = None,
    ) -> None:
        super().__init__(kind, reason, retry_after)
        self.ats = ats
        self.status = status
        self.scope = scope

    @property
    def permanent(self) -> bool:
        """Retrying the same call with the same credentials cannot succeed."""
        return self.kind in ("permanent", "unauthorized")

    def __str__(self) -> str:
        where = f"{self.ats} {self.status}" if self.status else self.ats
        return f"{where} {self.kind}: {self.reason}"


def classify_response(
    ats: str,
    response: "httpx.Response",
    *,
    now: datetime,
    default_retry_after: float = DEFAULT_RETRY_AFTER,
) -> AtsError:
    """The AtsError for an HTTP answer that is not a success. `now` dates X-RateLimit-Reset."""
    status = response.status_code
    words = ats_words(response)
    if status == 429:
        return AtsError(
            "rate_limited",
            words or "rate limited",
            retry_after_seconds(response.headers, now=now, default=default_retry_after),
            ats=ats,
            status=status,
        )
    if status in (401, 403):
        scope = missing_scope(response, words)
        default = "credentials refused" if status == 401 else "permission missing"
        return AtsError("unauthorized", words or default, ats=ats, status=status, scope=scope)
    if status >= 500:
        method = response.request.method if _has_request(response) else "GET"
        maybe_done = method not in _IDEMPOTENT and status in _MAYBE_DONE_STATUSES
        kind: SendErrorKind = "uncertain" if maybe_done else "transient"
        return AtsError(kind, words or f"HTTP {status}", ats=ats, status=status)
    return AtsError("permanent", words or f"HTTP {status}", ats=ats, status=status)


def classify_exception(ats: str, error: "httpx.HTTPError", *, method: str) -> AtsError:
    """The AtsError for a request that got no HTTP answer at all."""
    name = type(error).__name__
    # Nothing was sent: the ATS cannot have acted on it.
    import httpx

    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return AtsError("transient", f"no connection ({name})", ats=ats)
    if method.upper() in _IDEMPOTENT:
        return AtsError("transient", f"no answer ({name})", ats=ats)
    # Sent, and then the answer timed out or the connection dropped: it may have landed.
    return AtsError("uncertain", f"no answer to {method.upper()} ({name})", ats=ats)


def retry_after_seconds(
    headers: "httpx.Headers", *, now: datetime, default: float = DEFAULT_RETRY_AFTER
) -> float:
    """Seconds to wait after a 429: Retry-After (delta-seconds or HTTP date), else
    X-RateLimit-Reset (epoch seconds, Greenhouse), else a default."""
    value = (headers.get("Retry-After") or "").strip()
    if value:
        try:
            return _bounded(float(value))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return _bounded((when.astimezone(UTC) - now).total_seconds())
    reset = (headers.get("X-RateLimit-Reset") or "").strip()
    if reset:
        try:
            return _bounded(float(reset) - now.timestamp())
        except ValueError:
            pass
    return default


def ats_words(response: "httpx.Response") -> str:
    """The ATS's own explanation, from the documented error bodies: OAuth's
    `error_description`/`error` (the token endpoint), Harvest's `message` or `errors[].message`,
    Lever's `message` (with its `code`). Never the request: it may carry an email address."""
    try:
        body: Any = response.json()
    except ValueError:
        return response.text.strip()[:MAX_WORDS]
    if not isinstance(body, dict):
        return ""
    parts: list[str] = []
    for key in ("error_description", "message", "error"):
        value = body.get(key)
        if isinstance(value, str) and value and value not in parts:
            parts.append(value)
    errors = body.get("errors")
    if isinstance(errors, list):
        for item in errors:
            if isinstance(item, dict) and isinstance(item.get("message"), str):
                field = item.get("field")
                parts.append(f"{item['message']} ({field})" if field else item["message"])
            elif isinstance(item, str):
                parts.append(item)
    code = body.get("code")
    if isinstance(code, str) and parts:
        parts[0] = f"{code}: {parts[0]}"
    return "; ".join(parts)[:MAX_WORDS]


def missing_scope(response: "httpx.Response", words: str) -> str | None:
    """The permission the ATS said is missing, if it named one."""
    header = response.headers.get("WWW-Authenticate") or ""
    if found := _WWW_SCOPE.search(header):
        return found.group(1)
    if found := _SCOPE.search(words):
        return found.group(1)
    return None


def _bounded(seconds: float) -> float:
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _has_request(response: "httpx.Response") -> bool:
    try:
        response.request  # noqa: B018 - httpx raises when a Response was built by hand
    except RuntimeError:
        return False
    return True
