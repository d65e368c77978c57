"""A web replica wakes `refbot worker` after its commits from a thread of its own (issue 15):
the ack spends no round trip on NOTIFY, whose commit PostgreSQL serializes across sessions, and
a burst of commits shares a few notifications, never none after the last commit."""

import time

import psycopg
import pytest

from storage.db import make_engine
from storage.notify import CHANNEL, Notifier


def _heard(conn: psycopg.Connection, *, within: float) -> int:
    count, deadline = 0, time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        count += sum(1 for _ in conn.notifies(timeout=left, stop_after=1))
    return count


def test_a_burst_of_commits_wakes_the_worker_a_few_times_and_the_last_commit_is_heard(
    database_url: str,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("NOTIFY is PostgreSQL's")
    engine = make_engine(database_url)
    conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    notifier = Notifier(engine, gather=0.2).start()
    try:
        with psycopg.connect(conninfo, autocommit=True) as worker:
            worker.execute(f"LISTEN {CHANNEL}")
            assert _heard(worker, within=0.3) == 0  # nothing committed, nothing sent

            for _ in range(100):  # a burst: 100 acks' commits within a few milliseconds
                notifier.poke()
            heard = _heard(worker, within=1.0)
            assert 1 <= heard <= 2

            notifier.poke()  # a commit after the burst is heard too
            assert _heard(worker, within=1.0) == 1
    finally:
        notifier.stop()
        engine.dispose()
