"""Bolt's WSGI adapter, hardened against bodies Bolt cannot even parse, and quicker to read
the interactive payloads.

Bolt parses a request (JSON, or the `payload=` form field) before it checks the signature, and
a body that is not a JSON object raises there: the WSGI server answered with a traceback and
its 500 page. Here such a request gets 401 when unsigned, else 400 and one log line. Requests
Bolt can parse but that lack what their kind needs are refused in `bot.app`'s middleware.
"""

import logging
from urllib.parse import unquote_plus

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger("refbot.server")

PAYLOAD_FIELD = "payload="


class SlackRequests(SlackRequestHandler):
    def __init__(self, app: App, *, path: str, signing_secret: str | None) -> None:
        super().__init__(app, path=path)
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        headers = request.get_headers()
        length = int(request.environ.get("CONTENT_LENGTH") or 0)
        raw = request.environ["wsgi.input"].read(length) if "wsgi.input" in request.environ else b""
        try:
            body = raw.decode("utf-8")
            parsed = BoltRequest(
                body=payload_json(body) or body, query=request.query_string, headers=headers
            )
        except (ValueError, TypeError, AttributeError, KeyError) as error:
            # JSON that is not an object (or not JSON, or not UTF-8): Bolt's parser raised.
            signed = {k: v if isinstance(v, str) else v[0] for k, v in headers.items() if v}
            if self.verifier is None or not self.verifier.is_valid_request(raw, signed):
                return BoltResponse(status=401, body="")
            log.warning("malformed request refused: %s", type(error).__name__)
            return BoltResponse(status=400, body="")
        # Bolt checks the signature against what was sent, not against the payload read here.
        parsed.raw_body = body
        return self.app.dispatch(parsed)


def payload_json(body: str) -> str | None:
    """The JSON object text of a body that is one `payload=` form field (every interactive
    request), else None: Bolt reads the other bodies itself, as it would have this one."""
    if not body.startswith(PAYLOAD_FIELD) or "&" in body:
        return None
    text = form_unquote(body[len(PAYLOAD_FIELD) :])
    return text if text.startswith("{") else None


def form_unquote(text: str) -> str:
    """`urllib.parse.unquote_plus`, in C. Bolt's parser runs the stdlib's Python loop over a
    view submission's ~1,400 escapes: a tenth of a referral's ack. Here each `%XX` is read as
    the `\\xXX` escape of a byte by the `unicode_escape` codec."""
    if "\\" in text or not text.isascii():  # a backslash would start an escape of its own
        return unquote_plus(text)
    escaped = text.replace("+", " ").replace("%", "\\x").encode("ascii")
    try:
        return escaped.decode("unicode_escape").encode("latin-1").decode("utf-8", "replace")
    except UnicodeDecodeError:  # a % not followed by two hex digits: the stdlib keeps it
        return unquote_plus(text)
