"""What the fake Greenhouse and the fake Lever share: a threaded HTTP server on an ephemeral
loopback port, the record of every call, a rate limiter, fault injection and webhook sending.

Like bot.slack_emulator, the adapters reach an emulator only through their configurable API
URL, over real HTTP; nothing in httpx is patched. Faults are matched by route: "POST /v3/notes"
(method and path prefix), "POST " (every POST) or "*".
"""

import contextlib
import itertools
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self, cast
from urllib.parse import parse_qsl, urlsplit

import httpx

from bot import clock as default_clock
from bot.clock import Clock

Answer = tuple[int, dict[str, str], Any]  # status, headers, JSON payload


@dataclass(frozen=True)
class AtsCall:
    """One request the emulator received and what it answered (never the credentials)."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int


@dataclass(frozen=True)
class SentWebhook:
    """A webhook the emulator delivered, as sent, with the receiver's answer."""

    body: bytes
    headers: dict[str, str]
    status: int | None  # None: the receiver could not be reached


@dataclass
class _Fault:
    route: str
    times: int
    status: int = 500
    retry_after: int | None = None
    seconds: float = 0.0  # a hang
    after: bool = False  # hang after doing the work
    drop: bool = False  # do the work, then close the connection without an answer


class EmulatorError(Exception):
    """Raised inside a route: answered with the ATS's error shape."""

    def __init__(self, status: int, message: str, *, code: str = "", **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.extra = extra


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, emulator: "AtsEmulator") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.emulator = emulator


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects of an API

    def _any(self) -> None:
        cast(_Server, self.server).emulator._handle(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

    def log_message(self, format: str, *args: Any) -> None:
        pass  # every call is in AtsEmulator.calls()


class AtsEmulator:
    """The base of an ATS emulator; subclasses implement `_route` and `_error`."""

    name = "ats"

    def __init__(self, *, clock: Clock = default_clock.now) -> None:
        self.clock = clock
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[AtsCall] = []
        self._faults: list[_Fault] = []
        self._outage = False
        self._ids = itertools.count(1001)
        # Rate limit: `_limit` requests per `_window` seconds, counted in fixed windows.
        self._limit: int | None = None
        self._window = 10.0
        self._window_started = 0.0
        self._window_count = 0
        self.webhook_url: str | None = None
        self._webhooks: list[SentWebhook] = []
        # Webhooks an API call caused (a stage moved through the API), sent after its answer.
        self._outgoing: list[Callable[[], Any]] = []

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"{self.name}-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes hung requests
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__}.start() first")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- faults and limits -------------------------------------------------------------------

    def fail(
        self, route: str = "*", *, status: int = 500, times: int = 1, retry_after: int | None = None
    ) -> None:
        """Answer the next `times` matching calls with `status` in the ATS's error shape."""
        with self._lock:
            self._faults.append(_Fault(route, times, status, retry_after))

    def rate_limit_storm(self, times: int, *, retry_after: int = 1, route: str = "*") -> None:
        """The next `times` matching calls answer 429 with Retry-After."""
        self.fail(route, status=429, times=times, retry_after=retry_after)

    def hang(
        self, seconds: float, route: str = "*", *, times: int = 1, after: bool = False
    ) -> None:
        """Delay the next answers (a client timeout); `after=True` does the work first."""
        with self._lock:
            self._faults.append(_Fault(route, times, seconds=seconds, after=after))

    def drop_after_commit(self, route: str, *, times: int = 1) -> None:
        """Do the work, then close the connection without answering: an uncertain call."""
        with self._lock:
            self._faults.append(_Fault(route, times, drop=True))

    def outage(self, down: bool = True) -> None:
        """Every call answers 503 until outage(False)."""
        with self._lock:
            self._outage = down

    def limit_rate(self, requests: int | None, *, per_seconds: float = 10.0) -> None:
        """At most `requests` calls per window of `per_seconds` (None: unlimited); beyond, 429
        with Retry-After (the rest of the window, whole seconds)."""
        with self._lock:
            self._limit, self._window = requests, per_seconds
            self._window_started, self._window_count = time.monotonic(), 0

    def reset_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._outage = False

    # -- records -----------------------------------------------------------------------------

    def calls(self) -> list[AtsCall]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, route: str) -> list[AtsCall]:
        """Calls whose "METHOD /path" starts with route, e.g. "POST /v3/candidates"."""
        return [c for c in self.calls() if f"{c.method} {c.path}".startswith(route)]

    def webhooks(self) -> list[SentWebhook]:
        with self._lock:
            return list(self._webhooks)

    # -- webhooks ----------------------------------------------------------------------------

    def _deliver(self, body: bytes, headers: dict[str, str]) -> SentWebhook:
        """POST a webhook to webhook_url (outside the lock: the receiver may call us back)."""
        status: int | None = None
        if self.webhook_url:
            try:
                answer = httpx.post(
                    self.webhook_url,
                    content=body,
                    headers={"Content-Type": "application/json", **headers},
                    timeout=10.0,
                )
                status = answer.status_code
            except httpx.HTTPError:
                status = None
        sent = SentWebhook(body, headers, status)
        with self._lock:
            self._webhooks.append(sent)
        return sent

    # -- HTTP --------------------------------------------------------------------------------

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        url = urlsplit(req.path)
        raw = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        method = req.command
        fault = self._take_fault(f"{method} {url.path}")
        if fault is not None and fault.seconds and not fault.after:
            self._stopping.wait(fault.seconds)
        with self._lock:
            status, headers, payload, body = self._answer(method, url.path, query, raw, req, fault)
            self._calls.append(AtsCall(method, url.path, query, body, status))
        if fault is not None and fault.seconds and fault.after:
            self._stopping.wait(fault.seconds)
        if fault is not None and fault.drop:
            req.close_connection = True  # the work is done; the answer never leaves
        else:
            self._send(req, status, headers, payload)
        with self._lock:
            outgoing, self._outgoing = self._outgoing, []
        for send in outgoing:
            send()

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        raw: bytes,
        req: BaseHTTPRequestHandler,
        fault: _Fault | None,
    ) -> tuple[int, dict[str, str], Any, Any]:
        body: Any = None
        try:
            if raw:
                kind = req.headers.get("Content-Type") or ""
                if "multipart/form-data" in kind:
                    body = _multipart(kind, raw)
                elif "form" in kind:
                    body = dict(parse_qsl(raw.decode()))
                else:
                    body = json.loads(raw)
        except ValueError:
            status, payload = self._error(EmulatorError(400, "body is not valid JSON"))
            return status, {}, payload, None
        headers: dict[str, str] = {}
        try:
            if self._outage:
                raise EmulatorError(503, "service unavailable")
            if fault is not None and not (fault.seconds or fault.drop):
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(fault.retry_after)
                raise EmulatorError(fault.status, _REASONS.get(fault.status, "error"))
            self._check_rate(headers)
            status, more, payload = self._route(method, path, query, body, req.headers)
            headers.update(more)
        except EmulatorError as error:
            headers.update(error.extra.pop("headers", {}))
            status, payload = self._error(error)
        except Exception as error:  # an emulator bug shows as a 500, not a hang
            status, payload = self._error(EmulatorError(500, f"emulator crashed: {error!r}"))
        return status, headers, payload, body

    def _check_rate(self, headers: dict[str, str]) -> None:
        if self._limit is None:
            return
        now = time.monotonic()
        if now - self._window_started >= self._window:
            self._window_started, self._window_count = now, 0
        left = self._window - (now - self._window_started)
        reset = math.ceil(self.clock().timestamp() + left)
        headers["X-RateLimit-Limit"] = str(self._limit)
        headers["X-RateLimit-Reset"] = str(reset)
        if self._window_count >= self._limit:
            headers["X-RateLimit-Remaining"] = "0"
            headers["Retry-After"] = str(max(1, math.ceil(left)))
            raise EmulatorError(429, "rate limit exceeded")
        self._window_count += 1
        headers["X-RateLimit-Remaining"] = str(self._limit - self._window_count)

    def _take_fault(self, key: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.route == "*" or key.startswith(fault.route):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    @staticmethod
    def _send(
        req: BaseHTTPRequestHandler, status: int, headers: dict[str, str], payload: Any
    ) -> None:
        body = b"" if payload is None else json.dumps(payload).encode()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            req.send_response(status)
            req.send_header("Content-Type", "application/json")
            req.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                req.send_header(name, value)
            req.end_headers()
            req.wfile.write(body)

    # -- for subclasses (called with the lock held) -------------------------------------------

    def _route(
        self, method: str, path: str, query: dict[str, str], body: Any, headers: Any
    ) -> Answer:
        raise NotImplementedError

    def _error(self, error: EmulatorError) -> tuple[int, Any]:
        raise NotImplementedError

    def _after_answer(self, send: Callable[[], Any]) -> None:
        """Send a webhook once the current request is answered (outside the lock)."""
        self._outgoing.append(send)

    def _next_id(self) -> int:
        return next(self._ids)

    def _now(self) -> datetime:
        return self.clock()


_REASONS = {
    429: "rate limit exceeded",
    500: "internal server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}


def _multipart(content_type: str, raw: bytes) -> dict[str, Any]:
    """A multipart/form-data body: a file part as {"filename", "content_type", "content"}, any
    other part as its text (RFC 7578, parsed with the standard library's MIME parser)."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + raw)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        fields[str(name)] = (
            {"filename": filename, "content_type": part.get_content_type(), "content": content}
            if filename is not None
            else content.decode()
        )
    return fields


def route_of(path: str, prefix: str) -> list[str]:
    """The path's segments under the API prefix: "/v3/candidates/12" -> ["candidates", "12"]."""
    return [part for part in path.removeprefix(prefix).split("/") if part]


Handler = Callable[..., Answer]
