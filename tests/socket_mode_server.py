"""Slack's side of Socket Mode for the tests: a WebSocket server on an ephemeral loopback port.

It speaks the envelope protocol of https://api.slack.com/apis/connections/socket: `hello` when a
client connects, envelopes (`slash_commands`, `interactive`, `events_api`) that the client acks
with `{"envelope_id": …, "payload": …}`, and `disconnect` to make it fetch a new URL.
Point `SlackEmulator.socket_mode_url` at `url` so that apps.connections.open hands it out.
"""

import itertools
import json
import threading
from typing import Any, Self

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve


class SocketModeServer:
    def __init__(self, *, app_id: str = "AREFBOT") -> None:
        self.app_id = app_id
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._ids = itertools.count(1)
        self._changed = threading.Condition()
        self._open: list[ServerConnection] = []  # oldest first; envelopes go to the newest
        self._connections = 0
        self._acks: dict[str, dict[str, Any]] = {}

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> Self:
        # Slack pings its clients too (@slack/socket-mode deems a connection stale after 30 s
        # without one). Pinging often also wakes the builtin client's blocking recv (3 s socket
        # timeout, holding the lock that close() and a reconnect need), so both finish fast.
        # No compression: the builtin client negotiates no extension.
        self._server = serve(
            self._serve, "127.0.0.1", 0, compression=None, ping_interval=0.2, close_timeout=1
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="socket-mode-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """What apps.connections.open answers; the builtin client needs a path before `?`."""
        if self._server is None:
            raise RuntimeError("SocketModeServer.start() first")
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket=refbot-test&app_id={self.app_id}"

    # -- what Slack does -------------------------------------------------------------------------

    @property
    def connections(self) -> int:
        """WebSocket connections opened so far (each one greeted with `hello`)."""
        with self._changed:
            return self._connections

    def wait_for_connections(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until `count` connections were opened and one of them is still open."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self._connections >= count and bool(self._open), timeout
            )

    def send(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool,
        retry_attempt: int = 0,
    ) -> str:
        """Send an envelope on the newest open connection; returns its envelope_id.
        An events_api retry (`retry_attempt` > 0) is a new envelope of the same payload."""
        envelope_id = f"envelope-{next(self._ids)}"
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            reason = "timeout" if retry_attempt else ""
            envelope |= {"retry_attempt": retry_attempt, "retry_reason": reason}
        self._newest().send(json.dumps(envelope))
        return envelope_id

    def ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The payload the client acked envelope_id with ({} for a bare ack)."""
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self._acks, timeout):
                raise TimeoutError(f"no ack for {envelope_id} within {timeout}s")
            return self._acks[envelope_id]

    def request(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = True,
        retry_attempt: int = 0,
    ) -> dict[str, Any]:
        """Send an envelope and wait for its ack; returns the ack payload."""
        envelope_id = self.send(
            kind,
            payload,
            accepts_response_payload=accepts_response_payload,
            retry_attempt=retry_attempt,
        )
        return self.ack(envelope_id)

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the client to reconnect, as Slack does every few hours."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "refbot-test"}}
        self._newest().send(json.dumps(message))

    def drop(self) -> None:
        """Close the newest connection from Slack's side (a close frame, going away)."""
        self._newest().close(code=1001, reason="server going away")

    # -- one thread per connection ---------------------------------------------------------------

    def _serve(self, connection: ServerConnection) -> None:
        with self._changed:
            self._connections += 1
            self._open.append(connection)
            hello = {
                "type": "hello",
                "num_connections": len(self._open),
                "debug_info": {"host": "refbot-test", "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id},
            }
            self._changed.notify_all()
        try:
            connection.send(json.dumps(hello))
            for raw in connection:
                message = json.loads(raw)
                if "envelope_id" in message:
                    with self._changed:
                        self._acks[message["envelope_id"]] = message.get("payload") or {}
                        self._changed.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                self._open.remove(connection)
                self._changed.notify_all()

    def _newest(self) -> ServerConnection:
        with self._changed:
            if not self._changed.wait_for(lambda: bool(self._open), timeout=5.0):
                raise RuntimeError("no Socket Mode client is connected")
            return self._open[-1]
