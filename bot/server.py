"""HTTP entry points: /slack/events (and the OAuth pages), /healthz, /metrics, as one WSGI
app that `bot.webserver` serves on gunicorn."""

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from bot import metrics
from bot.slack_requests import SlackRequests
from bot.webserver import WsgiApp
from storage.db import ping

if TYPE_CHECKING:
    from bot.app import Runtime

log = logging.getLogger("refbot.server")

StartResponse = Callable[..., Any]

SLACK_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"  # Bolt's defaults, answered in multi-workspace OAuth mode
REDIRECT_PATH = "/slack/oauth_redirect"
KNOWN_METHODS = frozenset({"GET", "POST", "HEAD"})
# Inbound ATS webhooks (bot.services.ats_pull): path -> ATS.
ATS_WEBHOOKS = {"/ats/greenhouse/webhook": "greenhouse", "/ats/lever/webhook": "lever"}
MAX_WEBHOOK_BYTES = 1_000_000


def health(runtime: "Runtime") -> tuple[int, dict[str, Any]]:
    """200 when the database answers and, in a process that runs the scheduler, it swept
    within the last 3 intervals (a web replica started with --no-scheduler has none)."""
    database = ping(runtime.engine)
    scheduler = runtime.scheduler
    last = scheduler.last_sweep_at if scheduler else None
    stale = bool(scheduler and scheduler.stale)
    healthy = database and not stale
    body = {
        "status": "ok" if healthy else "error",
        "database": "ok" if database else "unreachable",
        "scheduler": {
            "running": bool(scheduler and scheduler.running),
            "last_sweep_at": last.isoformat() if last else None,
            "stale": stale,
        },
    }
    return (200 if healthy else 503), body


def wsgi_app(runtime: "Runtime", *, slack_requests: bool = True) -> WsgiApp:
    """/slack/events (+ the OAuth pages), /healthz and /metrics; only the last two for the
    worker's probe port (`slack_requests=False`)."""
    # Bolt's adapter, but a signed body that is not a JSON object gets a 400, not a 500 page.
    slack = SlackRequests(
        runtime.bolt, path=SLACK_PATH, signing_secret=runtime.settings.slack_signing_secret
    )
    oauth = (INSTALL_PATH, REDIRECT_PATH) if runtime.bolt.oauth_flow else ()
    if slack_requests:
        runtime.answer_slack()

    def route(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        started = time.perf_counter()
        status_seen: list[str] = []

        def recording_start(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            status_seen.append(status)
            return start_response(status, headers, *exc)

        for_slack = (path == SLACK_PATH and method == "POST") or (path in oauth and method == "GET")
        if for_slack and slack_requests:
            # The dispatcher waits for a lull (bot.foreground): until the answer is written.
            result = runtime.foreground.answering(lambda: slack(environ, recording_start))
        elif path in ATS_WEBHOOKS and method == "POST" and slack_requests:
            ats = ATS_WEBHOOKS[path]
            result = runtime.foreground.answering(
                lambda: _ats_webhook(runtime, ats, environ, recording_start)
            )
        elif path == "/healthz" and method in ("GET", "HEAD"):
            code, body = health(runtime)
            result = _json(recording_start, code, body)
        elif path == "/metrics" and method == "GET":
            text, content_type = metrics.exposition()
            recording_start("200 OK", [("Content-Type", content_type)])
            result = [text]
        else:
            result = _json(recording_start, 404, {"error": "not found"})
        # Labels only from closed sets: a client's path or method (any string) would make a new
        # time series per request, growing memory and the /metrics answer without bound.
        known = (
            path if path in (SLACK_PATH, "/healthz", "/metrics", *oauth, *ATS_WEBHOOKS) else "other"
        )
        verb = method if method in KNOWN_METHODS else "other"
        status = status_seen[0].split(" ", 1)[0] if status_seen else "500"
        metrics.HTTP_REQUESTS.labels(path=known, method=verb, status=status).inc()
        metrics.HTTP_SECONDS.labels(path=known).observe(time.perf_counter() - started)
        return result

    return route


def _ats_webhook(
    runtime: "Runtime", ats: str, environ: dict[str, Any], start_response: StartResponse
) -> list[bytes]:
    """Verify and queue an ATS webhook: 200 when genuine and new, 401 when forged, stale or
    replayed (nothing changes), 413 when too big to be one. No ATS or Slack call here."""
    pull = runtime.services.ats_pull
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if pull is None:
        return _json(start_response, 404, {"error": "not found"})
    if not 0 <= length <= MAX_WEBHOOK_BYTES:
        return _json(start_response, 413, {"error": "too large"})
    body = environ["wsgi.input"].read(length) if length else b""
    headers = {
        key[5:].replace("_", "-"): value
        for key, value in environ.items()
        if key.startswith("HTTP_") and isinstance(value, str)
    }
    # Optional ?team=T…: a multi-workspace deployment names the workspace, so only its
    # secret is tried (without it, every workspace connected to this ATS is).
    team = (parse_qs(environ.get("QUERY_STRING") or "").get("team") or [None])[0]
    if not pull.receive(ats, body, headers, team_id=team):
        log.info("ATS webhook refused ats=%s", ats)  # never the body: it names a person
        return _json(start_response, 401, {"error": "invalid signature"})
    return _json(start_response, 200, {"ok": True})


def _json(start_response: StartResponse, code: int, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    reason = {
        200: "OK",
        401: "Unauthorized",
        404: "Not Found",
        413: "Content Too Large",
        503: "Service Unavailable",
    }[code]
    start_response(
        f"{code} {reason}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]
