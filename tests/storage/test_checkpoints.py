"""SQLite's WAL goes back into the database from a thread of its own, not in a request's commit
(an autocheckpoint there held one ack in ~240 for 100 ms: benchmarks/ack.py)."""

import os
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from storage.db import Checkpoints, make_engine


def test_the_wal_reaches_the_database_file_without_any_commit_copying_it(tmp_path: Path) -> None:
    database = tmp_path / "refbot.db"
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x BLOB)"))
        for _ in range(200):  # 200 commits of a page or two: far below wal_autocheckpoint
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO t VALUES (:x)"), {"x": os.urandom(4000)})
        held_by_the_wal = database.stat().st_size
        assert held_by_the_wal < 100_000  # no commit copied the WAL back

        checkpoints = Checkpoints(engine, every=0.01).start()
        try:
            deadline = time.monotonic() + 10
            while database.stat().st_size < 800_000 and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            checkpoints.stop()
        assert database.stat().st_size >= 800_000  # the 200 rows are in the file now
    finally:
        engine.dispose()


def test_checkpoints_go_on_after_the_pool_had_no_connection_to_give(tmp_path: Path) -> None:
    database = tmp_path / "refbot.db"
    engine = make_engine(f"sqlite:///{database}")
    # The checkpointer's own engine, with one connection that the test holds for a while.
    starved = create_engine(f"sqlite:///{database}", pool_size=1, max_overflow=0, pool_timeout=0.01)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x BLOB)"))
        for _ in range(200):
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO t VALUES (:x)"), {"x": os.urandom(4000)})
        checkpoints = Checkpoints(starved, every=0.01)
        try:
            with starved.connect():  # every try meanwhile times out waiting for the pool
                checkpoints.start()
                time.sleep(0.1)
                assert database.stat().st_size < 100_000
            deadline = time.monotonic() + 10
            while database.stat().st_size < 800_000 and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            checkpoints.stop()
        assert database.stat().st_size >= 800_000  # the thread outlived the pool's timeouts
    finally:
        starved.dispose()
        engine.dispose()
