"""HTTP entry points on gunicorn (gthread): /slack/events, /healthz, /metrics.

gthread measured best for a sync Bolt app here (DESIGN.md section 10): p99 ~50 ms at 50
concurrent clients on 2 cores, where waitress reached 100-300 ms.
"""

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import logs, metrics
from bot.app import Runtime
from storage.db import ping

log = logging.getLogger("refbot.server")

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

SLACK_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"  # Bolt's defaults, answered in multi-workspace OAuth mode
REDIRECT_PATH = "/slack/oauth_redirect"


def health(runtime: Runtime) -> tuple[int, dict[str, Any]]:
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


def wsgi_app(runtime: Runtime, *, slack_requests: bool = True) -> WsgiApp:
    """/slack/events (+ the OAuth pages), /healthz and /metrics; only the last two for the
    worker's probe port (`slack_requests=False`)."""
    slack = SlackRequestHandler(runtime.bolt, path=SLACK_PATH)
    oauth = (INSTALL_PATH, REDIRECT_PATH) if runtime.bolt.oauth_flow else ()

    def route(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        started = time.perf_counter()
        status_seen: list[str] = []

        def recording_start(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            status_seen.append(status)
            return start_response(status, headers, *exc)

        for_slack = (path == SLACK_PATH and method == "POST") or (path in oauth and method == "GET")
        if for_slack and slack_requests:
            result = slack(environ, recording_start)
        elif path == "/healthz" and method in ("GET", "HEAD"):
            code, body = health(runtime)
            result = _json(recording_start, code, body)
        elif path == "/metrics" and method == "GET":
            text, content_type = metrics.exposition()
            recording_start("200 OK", [("Content-Type", content_type)])
            result = [text]
        else:
            result = _json(recording_start, 404, {"error": "not found"})
        known = path if path in (SLACK_PATH, "/healthz", "/metrics", *oauth) else "other"
        status = status_seen[0].split(" ", 1)[0] if status_seen else "500"
        metrics.HTTP_REQUESTS.labels(path=known, method=method, status=status).inc()
        metrics.HTTP_SECONDS.labels(path=known).observe(time.perf_counter() - started)
        return result

    return route


def _json(start_response: StartResponse, code: int, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[code]
    start_response(
        f"{code} {reason}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn driven from code, so `refbot serve` is the one way to start it."""

    def __init__(self, load: Callable[[], WsgiApp], options: dict[str, Any]) -> None:
        self._load = load
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        return self._load()


def run_gunicorn(
    load: Callable[[], WsgiApp],
    *,
    host: str,
    port: int,
    workers: int,
    threads: int = 8,
    **hooks: Any,
) -> None:
    """Serve `load()` (called in each worker after fork, so no connection crosses a fork)."""
    _Gunicorn(
        load,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "timeout": 30,
            "graceful_timeout": 10,
            "keepalive": 5,
            "accesslog": None,  # access lines would carry nothing useful and cost per request
            "errorlog": "-",
            "loglevel": "info",
            "logconfig_dict": logs.dict_config(),  # gunicorn's own lines as JSON too
            **hooks,
        },
    ).run()
