"""Requests first: background work in a web process waits for a lull between requests.

On one GIL, a card composed while a request is being acked shares the interpreter with it and
can double that request's time; the card itself is not late by a few milliseconds. So the
dispatcher, in the process that serves Slack's requests, starts each piece of work when no
request is in flight, or after a short bounded wait when requests never stop (it is never
starved, only paced).
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Foreground:
    def __init__(self) -> None:
        self._serving = 0
        self._idle = threading.Condition()

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Around one request."""
        with self._idle:
            self._serving += 1
        try:
            yield
        finally:
            with self._idle:
                self._serving -= 1
                if not self._serving:
                    self._idle.notify_all()

    def lull(self, at_most: float) -> None:
        """Return when no request is in flight, or after `at_most` seconds."""
        with self._idle:
            self._idle.wait_for(lambda: not self._serving, timeout=at_most)
