"""Bolt's WSGI adapter, hardened against bodies Bolt cannot even parse.

Bolt parses a request (JSON, or the `payload=` form field) before it checks the signature, and
a body that is not a JSON object raises there: the WSGI server answered with a traceback and
its 500 page. Here such a request gets 401 when unsigned, else 400 and one log line. Requests
Bolt can parse but that lack what their kind needs are refused in `bot.app`'s middleware.
"""

import logging

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger("refbot.server")


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
            parsed = BoltRequest(body=body, query=request.query_string, headers=headers)
        except (ValueError, TypeError, AttributeError, KeyError) as error:
            # JSON that is not an object (or not JSON, or not UTF-8): Bolt's parser raised.
            signed = {k: v if isinstance(v, str) else v[0] for k, v in headers.items() if v}
            if self.verifier is None or not self.verifier.is_valid_request(raw, signed):
                return BoltResponse(status=401, body="")
            log.warning("malformed request refused: %s", type(error).__name__)
            return BoltResponse(status=400, body="")
        return self.app.dispatch(parsed)
