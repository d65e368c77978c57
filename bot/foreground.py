"""Requests first: background work in a web process waits for a lull between requests.

On one GIL, a card composed while a request is being acked shares the interpreter with it and
can double that request's time; the card itself is not late by a few milliseconds. So the
dispatcher, in the process that serves Slack's requests, starts each piece of work when no
request is in flight, or after a short bounded wait when requests never stop (it is never
starved, only paced).
"""

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager


class Foreground:
    def __init__(self) -> None:
        self._serving = 0
        self._idle = threading.Condition()

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Around one request."""
        self.begin()
        try:
            yield
        finally:
            self.end()

    def begin(self) -> None:
        with self._idle:
            self._serving += 1

    def end(self) -> None:
        with self._idle:
            self._serving -= 1
            if not self._serving:
                self._idle.notify_all()

    def answered(self, body: Iterable[bytes]) -> Iterable[bytes]:
        """The end of a request begun: when the server has written its answer (WSGI calls
        close() then), not when the app returned it; a card composed meanwhile would hold the
        answer back on the GIL."""
        return _Answer(body, self.end)

    def lull(self, at_most: float) -> None:
        """Return when no request is in flight, or after `at_most` seconds."""
        with self._idle:
            self._idle.wait_for(lambda: not self._serving, timeout=at_most)


class _Answer:
    def __init__(self, body: Iterable[bytes], done: Callable[[], None]) -> None:
        self._body, self._done = body, done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._done()
