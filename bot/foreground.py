"""Requests first: background work in a web process waits for a lull between requests.

On one GIL, a card composed while a request is being acked shares the interpreter with it and
can double that request's time; the card itself is not late by a few milliseconds. So the
dispatcher, in the process that serves Slack's requests, starts each piece of work when no
request is in flight, or after a short bounded wait when requests never stop (it is never
starved, only paced).
"""

import threading
from collections.abc import Callable, Iterable, Iterator


class Foreground:
    def __init__(self) -> None:
        self._serving = 0
        self._idle = threading.Condition()

    def answering(self, respond: Callable[[], Iterable[bytes]]) -> "Answer":
        """One request, in flight from now until the server has written its answer (WSGI
        calls close() then), not only until `respond` returned it: a card composed meanwhile
        would hold the answer back on the GIL."""
        with self._idle:
            self._serving += 1
        try:
            body = respond()
        except BaseException:
            self._end()
            raise
        return Answer(body, self._end)

    def _end(self) -> None:
        with self._idle:
            self._serving -= 1
            if not self._serving:
                self._idle.notify_all()

    def lull(self, at_most: float) -> None:
        """Return when no request is in flight, or after `at_most` seconds."""
        with self._idle:
            self._idle.wait_for(lambda: not self._serving, timeout=at_most)


class Answer:
    """A WSGI answer that ends its request when the server closes it."""

    def __init__(self, body: Iterable[bytes], done: Callable[[], None]) -> None:
        self._body, self._done = body, done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        done, self._done = self._done, _nothing  # once, however often the server closes
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            done()


def _nothing() -> None:
    pass
