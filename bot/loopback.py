"""Serve refbot's WSGI app inside this process: on a loopback port for the demo and the tests,
and for `refbot worker --port` (its /healthz and /metrics; two endpoints need no gunicorn).

Production uses gunicorn (`refbot serve`); in-process serving lets the demo and the tests move
`bot.clock` with the server inside the same clock.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot.webserver import WsgiApp


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serving(app: WsgiApp, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Yield the base URL of `app` served on `port` (default: an ephemeral one) until the
    block ends."""
    server = make_server(
        host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="refbot-loopback", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
