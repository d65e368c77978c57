"""gunicorn driven from code, so `refbot serve` is the one way to start it.

gthread measured best for a sync Bolt app here (DESIGN.md section 10): p99 ~50 ms at 50
concurrent clients on 2 cores, where waitress reached 100-300 ms. This module stays light: the
gunicorn master imports it and nothing of the app, which only its workers load (idle RSS).
"""

from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from bot import logs

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _QuietLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger without the access log (the metrics count requests): given a
    logconfig_dict, gunicorn would build every request's log fields only to drop them."""

    def access(self, *args: Any) -> None:
        return None


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
            "accesslog": None,  # the metrics count requests; a line each would cost more
            "logger_class": _QuietLogger,
            "errorlog": "-",
            "loglevel": "info",
            "logconfig_dict": logs.dict_config(),  # gunicorn's own lines as JSON too
            **hooks,
        },
    ).run()
