"""Requests first: background work in a web process waits for a lull between requests.

On one GIL, a card composed while a request is being acked shares the interpreter with it and
can double that request's time, and a card costs more CPU than an ack: in a burst, composing
them as they come saturates the process and every answer waits. A card is not late by some
seconds. So the dispatcher, in the process that serves Slack's requests, starts each piece of
work in a lull (no request in flight for QUIET seconds), and waits for one for a bounded time
(bot.dispatcher.PATIENCE) when requests never stop: never starved, only deferred, then paced.
"""

import threading
import time
from collections.abc import Callable, Iterable, Iterator

# A gap between requests shorter than this is no lull: a card composed in it (~5-10 ms of
# CPU) would still hold the next request back.
QUIET = 0.02


class Foreground:
    def __init__(self) -> None:
        self._serving = 0
        self._last_answer = float("-inf")  # time.monotonic() when the last request ended
        self._stopped = False
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
                self._last_answer = time.monotonic()
                self._idle.notify_all()

    def lull(self, at_most: float) -> None:
        """Return once no request has been in flight for QUIET seconds, or after `at_most`
        seconds, or at once after `stop_waiting()`."""
        deadline = time.monotonic() + at_most
        with self._idle:
            while not self._stopped:
                now = time.monotonic()
                if now >= deadline:
                    return
                if self._serving:  # the end of the last request in flight notifies
                    self._idle.wait(deadline - now)
                    continue
                calm_at = self._last_answer + QUIET
                if now >= calm_at:
                    return
                # Look again when the gap becomes a lull (a request that started meanwhile is
                # seen then).
                self._idle.wait(min(deadline, calm_at) - now)

    def stop_waiting(self) -> None:
        """Shutting down: no background work waits for a lull any more."""
        with self._idle:
            self._stopped = True
            self._idle.notify_all()


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
