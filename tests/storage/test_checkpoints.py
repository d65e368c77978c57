"""SQLite's WAL goes back into the database from a thread of its own, not in a request's commit
(an autocheckpoint there held one ack in ~240 for 100 ms: benchmarks/ack.py)."""

import os
import time
from pathlib import Path

from sqlalchemy import text

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
