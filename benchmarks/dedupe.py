"""Duplicate lookup latency: `find_duplicate` at 100,000 candidates of one team, on SQLite and
PostgreSQL (DESIGN §10: p99 < 5 ms). The baseline, in the same run and on the same database, is
a primary-key `Session.get` of the same number of rows; the ratio is lookup / baseline.

Each lookup runs in a fresh session whose connection is already checked out, so the timing is
the query and the ORM's row loading, not the pool or BEGIN; half hit (by email or by profile
URL, at random), half miss.

    python benchmarks/dedupe.py [--candidates 100000] [--lookups 2000]
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, insert, text
from sqlalchemy.orm import Session

from storage import migrate
from storage.db import make_engine, make_sessions
from storage.models import Candidate
from storage.repositories.candidates import find_duplicate
from storage.types import CandidateSource, CandidateStatus, new_public_id

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pg import throwaway_server  # noqa: E402 - the tests' throwaway PostgreSQL

TEAM, OTHER_TEAM = "T0001", "T0002"
CHUNK = 10_000
WARMUP = 200


def email_of(i: int) -> str | None:
    """Candidate i's normalized email, or None."""
    return None if i % 5 == 0 else f"person{i}@example{i % 97}.com"  # a fifth have no email


def url_of(i: int) -> str | None:
    """Candidate i's normalized profile URL, or None."""
    if i % 7 == 0:
        return None  # a seventh have no profile URL
    return f"https://linkedin.com/in/person-{i}" if i % 2 else f"https://github.com/person{i}"


def populate(url: str, count: int) -> None:
    """`count` candidates in TEAM, plus a tenth as many in another team with the same contacts."""
    now = datetime.now(UTC)

    def row(i: int, team_id: str) -> dict[str, object]:
        return {
            "public_id": new_public_id(),
            "team_id": team_id,
            "name": f"Person {i}",
            "email": email_of(i),
            "profile_url": url_of(i),
            "tags": "",
            "source": CandidateSource.REFERRAL,
            "status": CandidateStatus.NEW,
            "consent": False,
            "last_activity_at": now,
            "created_at": now,
        }

    # Core, not the ORM's bulk insert: that splits a batch wherever the set of NULL columns
    # changes, which these rows do every few rows.
    table = Candidate.__table__
    engine = make_engine(url)
    with engine.begin() as connection:
        for start in range(0, count, CHUNK):
            stop = min(start + CHUNK, count)
            connection.execute(insert(table), [row(i, TEAM) for i in range(start, stop)])
        connection.execute(insert(table), [row(i, OTHER_TEAM) for i in range(count // 10)])
    if engine.dialect.name == "postgresql":
        # What autovacuum does minutes after such a load: the lookups measure the steady state.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE candidates"))
    engine.dispose()


def lookups(count: int, n: int, rng: random.Random) -> list[tuple[str | None, str | None]]:
    """(email, profile_url) pairs as a referral brings them: half known to the team, half new."""
    pairs: list[tuple[str | None, str | None]] = []
    for k in range(n):
        fresh_email, fresh_url = f"new{k}@fresh.example", f"https://linkedin.com/in/new-{k}"
        if k % 2:
            pairs.append((fresh_email, fresh_url))
            continue
        i = rng.randrange(count)
        while email_of(i) is None and url_of(i) is None:
            i = rng.randrange(count)
        if email_of(i) is None or (url_of(i) is not None and rng.random() < 0.5):
            pairs.append((fresh_email, url_of(i)))  # known by profile URL only
        else:
            pairs.append((email_of(i), fresh_url))  # known by email only
    rng.shuffle(pairs)
    return pairs


def timed(sessions: Callable[[], Session], calls: list[Callable[[Session], object]]) -> list[float]:
    """Milliseconds per call, each in a new session with its connection already begun."""
    durations = []
    for call in calls:
        with sessions() as s:
            s.connection()
            started = time.perf_counter()
            call(s)
            durations.append((time.perf_counter() - started) * 1000)
    return durations


def percentile(durations: list[float], q: int) -> float:
    """The q-th percentile of the durations."""
    return statistics.quantiles(durations, n=100, method="inclusive")[q - 1]


def measure(engine_name: str, url: str, count: int, n: int) -> None:
    """Populate, then time `find_duplicate` and the primary-key baseline, and print both."""
    started = time.perf_counter()
    populate(url, count)
    loaded = time.perf_counter() - started
    rng = random.Random(42)
    # WARMUP untimed lookups of each kind first; the TEAM's rows have ids 1..count.
    pairs = lookups(count, WARMUP, rng) + lookups(count, n, rng)
    ids = [rng.randrange(1, count + 1) if k % 2 else count * 2 + k for k in range(WARMUP + n)]

    engine = make_engine(url)
    sessions = make_sessions(engine)
    dedupe = [partial(find_duplicate, team_id=TEAM, email=e, profile_url=u) for e, u in pairs]
    by_id = [partial(Session.get, entity=Candidate, ident=i) for i in ids]
    timed(sessions, dedupe[:WARMUP] + by_id[:WARMUP])  # statement caches, connections
    # Interleaved in slices so that drift (a checkpoint, the machine) hits both alike.
    ours: list[float] = []
    base: list[float] = []
    for start in range(WARMUP, WARMUP + n, 100):
        ours += timed(sessions, dedupe[start : start + 100])
        base += timed(sessions, by_id[start : start + 100])
    with sessions() as s:
        found = sum(lookup(s) is not None for lookup in dedupe[WARMUP:])
    plan = explain(engine)
    engine.dispose()

    p50, p99 = percentile(ours, 50), percentile(ours, 99)
    b50, b99 = percentile(base, 50), percentile(base, 99)
    print(
        f"{engine_name:<10} find_duplicate p50 {p50:5.2f} ms  p99 {p99:5.2f} ms | "
        f"get by id p50 {b50:5.2f} ms  p99 {b99:5.2f} ms | ratio p50 {p50 / b50:.2f}x "
        f"p99 {p99 / b99:.2f}x | {'OK' if p99 < 5 else 'OVER'} (p99 < 5 ms)"
    )
    print(f"{'':<10} {found} of {n} lookups found a duplicate; loaded in {loaded:.1f} s")
    print(f"{'':<10} plan: {plan}")


def explain(engine: Engine) -> str:
    """The engine's plan for the very statement `find_duplicate` sends, on one line."""
    sent: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        sent.append((args[2], args[3]))  # statement, parameters

    event.listen(engine, "before_cursor_execute", capture)
    with make_sessions(engine)() as s:
        find_duplicate(s, TEAM, email="a@b.example", profile_url="https://x.example/a")
    event.remove(engine, "before_cursor_execute", capture)
    statement, parameters = sent[-1]
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (COSTS OFF) "
        rows = connection.exec_driver_sql(prefix + statement, parameters).all()
    lines = [str(row[-1] if sqlite else row[0]).strip() for row in rows]
    return "; ".join(line for line in lines if "Cond:" not in line)  # node names suffice


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=2_000)
    args = parser.parse_args()
    print(
        f"duplicate lookup: {args.candidates:,} candidates in one team, {args.lookups} lookups "
        "(half hits), email + profile URL; baseline = Session.get by primary key"
    )
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'dedupe.db'}"
        migrate.upgrade(url)
        measure("SQLite", url, args.candidates, args.lookups)
    with throwaway_server() as pg:
        pg.janitor("dedupe").init()
        migrate.upgrade(pg.url("dedupe"))
        measure("PostgreSQL", pg.url("dedupe"), args.candidates, args.lookups)


if __name__ == "__main__":
    main()
