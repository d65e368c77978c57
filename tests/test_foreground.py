"""The dispatcher in a web process waits for a lull between requests, for a bounded time."""

import threading
import time

import pytest

from bot.foreground import QUIET, Foreground


def test_background_work_starts_at_once_when_no_request_is_in_flight() -> None:
    started = time.monotonic()
    Foreground().lull(at_most=30)
    assert time.monotonic() - started < 10


def test_background_work_waits_for_the_request_in_flight_to_end() -> None:
    foreground = Foreground()
    inside, release, order = threading.Event(), threading.Event(), []

    def respond() -> list[bytes]:
        inside.set()
        release.wait(30)
        order.append("answered")
        return [b"{}"]

    def request() -> None:
        answer = foreground.answering(respond)
        answer.close()  # the server wrote it

    def card() -> None:
        foreground.lull(at_most=30)
        order.append("card")

    serving = threading.Thread(target=request)
    serving.start()
    inside.wait(30)
    waiting = threading.Thread(target=card)
    waiting.start()
    waiting.join(0.2)
    assert waiting.is_alive() and order == []  # still waiting for the request
    release.set()
    serving.join(30)
    waiting.join(30)
    assert order == ["answered", "card"]


def test_requests_that_never_stop_only_pace_background_work() -> None:
    foreground = Foreground()
    foreground.answering(lambda: [b"{}"])  # in flight: its answer is never written
    started = time.monotonic()
    foreground.lull(at_most=0.05)
    assert time.monotonic() - started < 10  # bounded: never starved


class _Body(list[bytes]):
    closed = False

    def close(self) -> None:
        self.closed = True


def test_a_request_is_in_flight_until_its_answer_is_written() -> None:
    foreground = Foreground()
    body = _Body([b"{}"])
    answer = foreground.answering(lambda: body)
    assert list(answer) == [b"{}"]  # the app returned and the server read the answer...
    lulled = threading.Event()
    waiting = threading.Thread(target=lambda: (foreground.lull(at_most=30), lulled.set()))
    waiting.start()
    assert not lulled.wait(0.2)  # ...but has not finished writing it: no lull yet
    answer.close()  # WSGI: the server calls close() once the answer is written
    assert lulled.wait(10)
    waiting.join()
    assert body.closed  # the app's own close() still runs


def test_a_request_that_raised_leaves_no_request_in_flight() -> None:
    foreground = Foreground()

    def failing() -> list[bytes]:
        raise RuntimeError("the app failed")

    with pytest.raises(RuntimeError):
        foreground.answering(failing)
    lulled = threading.Event()
    threading.Thread(target=lambda: (foreground.lull(at_most=30), lulled.set())).start()
    assert lulled.wait(10)


def test_a_gap_between_requests_shorter_than_quiet_is_no_lull() -> None:
    foreground = Foreground()
    foreground.answering(lambda: [b"{}"]).close()  # a request has just been answered
    started = time.monotonic()
    foreground.lull(at_most=30)
    assert time.monotonic() - started >= QUIET * 0.9  # the next one may be on its way


def test_shutting_down_ends_every_wait_for_a_lull() -> None:
    foreground = Foreground()
    foreground.answering(lambda: [b"{}"])  # in flight for good
    lulled = threading.Event()
    threading.Thread(target=lambda: (foreground.lull(at_most=30), lulled.set())).start()
    assert not lulled.wait(0.1)
    foreground.stop_waiting()
    assert lulled.wait(5)
