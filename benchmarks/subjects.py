"""A subject's rows as a team's history grows: the lookups that migration 0017 indexed (issue 15).

A duplicate referral and every decision on a card look up the cards already queued for the
candidate (`deliveries.keys_like`, in the ack); every card composed reads the candidate's trail
(`audit.trail`); a click on a sent message finds the deliveries it carried
(`deliveries.sent_together`). For each --sizes N it builds one team with N deliveries and N
audit entries (three per candidate), on SQLite (the default) or --database-url, then times
each lookup for random candidates with the shipped indexes and, in the same run on the same
rows, with the indexes of before 0017 (the baseline: SQLite took the team_id index and read the
whole team). Prints the medians and baseline / shipped (higher is better).

    python benchmarks/subjects.py [--sizes 3000,30000,300000] [--lookups 300]
                                  [--database-url postgresql+psycopg://...]
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, delete, insert
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage import migrate  # noqa: E402 - benchmarks/ is not an installed package
from storage.db import make_engine, make_sessions  # noqa: E402
from storage.models import AuditLog, Delivery  # noqa: E402
from storage.repositories import audit, deliveries  # noqa: E402
from storage.types import DeliveryKind, DeliveryStatus  # noqa: E402

TEAM = "T0001"
PER_CANDIDATE = 3
CHUNK = 10_000
# The indexes 0017 changed on these tables: (name, table, columns) before it, and after it.
BEFORE_0017 = (
    ("ix_deliveries_subject_kind", "deliveries", "subject, kind"),
    ("ix_deliveries_team_id", "deliveries", "team_id"),
)
AFTER_0017 = (
    ("ix_deliveries_team_id_subject", "deliveries", "team_id, subject"),
    ("ix_deliveries_channel_id_sent_ts", "deliveries", "channel_id, sent_ts"),
    ("ix_audit_logs_team_id_subject", "audit_logs", "team_id, subject"),
)
Indexes = tuple[tuple[str, str, str], ...]
Lookup = Callable[[Session, str], object]
LOOKUPS: dict[str, Lookup] = {
    "cards to edit (ack)": lambda s, subject: deliveries.keys_like(
        s, TEAM, subject, "card:", "hm:", "sla:"
    ),
    "trail (each card)": lambda s, subject: audit.trail(
        s, team_id=TEAM, subject=subject, actions=("referral.create",)
    ),
    "a click's message": lambda s, subject: deliveries.sent_together(
        s, TEAM, "D0RECRUIT", f"{int(subject.removeprefix('candidate:c')) * PER_CANDIDATE}.000100"
    ),
}


def fill(engine: Engine, rows: int) -> None:
    """`rows` deliveries and `rows` audit entries, PER_CANDIDATE per candidate, all one team."""
    now = datetime.now(UTC)
    with make_sessions(engine).begin() as s:
        s.execute(delete(Delivery))
        s.execute(delete(AuditLog))
        for first in range(0, rows, CHUNK):
            numbers = range(first, min(rows, first + CHUNK))
            s.execute(
                insert(Delivery),
                [
                    {
                        "team_id": TEAM,
                        "kind": DeliveryKind.NOTICE,
                        "subject": f"candidate:c{i // PER_CANDIDATE}",
                        "recipient": "U0RECRUIT",
                        "due_at": now,
                        "status": DeliveryStatus.SENT,
                        "channel_id": "D0RECRUIT",
                        "sent_ts": f"{i}.000100",
                        "dedupe_key": f"card:c{i // PER_CANDIDATE}:{i}",
                        "payload": {},
                        "created_at": now,
                    }
                    for i in numbers
                ],
            )
            s.execute(
                insert(AuditLog),
                [
                    {
                        "team_id": TEAM,
                        "actor_id": "U0EMPLOYEE",
                        "action": "referral.create",
                        "subject": f"candidate:c{i // PER_CANDIDATE}",
                        "detail": {},
                        "created_at": now,
                    }
                    for i in numbers
                ],
            )


def swap(engine: Engine, drop: Indexes, create: Indexes) -> None:
    with engine.begin() as connection:
        for name, _, _ in drop:
            connection.exec_driver_sql(f"DROP INDEX {name}")
        for name, table, columns in create:
            connection.exec_driver_sql(f"CREATE INDEX {name} ON {table} ({columns})")


def median_ms(engine: Engine, lookup: Lookup, rows: int, lookups: int) -> float:
    candidates = max(1, rows // PER_CANDIDATE)
    pick = random.Random(7)
    sessions = make_sessions(engine)
    took = []
    with sessions() as s:
        for _ in range(lookups):
            subject = f"candidate:c{pick.randrange(candidates)}"
            started = time.perf_counter()
            lookup(s, subject)
            took.append(time.perf_counter() - started)
    return statistics.median(took) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="3000,30000,300000")
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/subjects.db"
        migrate.upgrade(url)
        engine = make_engine(url)
        print(f"database: {engine.dialect.name}; median of {args.lookups} lookups (ms)")
        print(f"{'rows':>8}  {'lookup':22}{'before 0017':>12}{'shipped':>10}{'ratio':>9}")
        for rows in (int(n) for n in args.sizes.split(",")):
            fill(engine, rows)
            shipped = {n: median_ms(engine, f, rows, args.lookups) for n, f in LOOKUPS.items()}
            swap(engine, AFTER_0017, BEFORE_0017)
            before = {n: median_ms(engine, f, rows, args.lookups) for n, f in LOOKUPS.items()}
            swap(engine, BEFORE_0017, AFTER_0017)  # as shipped again, for the next size
            for name in LOOKUPS:
                ratio = before[name] / shipped[name]
                print(f"{rows:>8}  {name:22}{before[name]:12.3f}{shipped[name]:10.3f}{ratio:8.0f}x")
        engine.dispose()


if __name__ == "__main__":
    main()
