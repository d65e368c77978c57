"""Import throughput and memory: `refbot import` of a 100,000-row CSV into a fresh SQLite
database, in a subprocess (target: peak RSS < 200 MB). The file is streamed and committed in
batches, so Python's own allocations stay flat; what grows, slowly, is SQLite's.

The baseline, in the same run, is a subprocess that only imports the modules `refbot import`
loads and exits: the difference is what the import itself holds. Peak RSS is
``getrusage(RUSAGE_CHILDREN).ru_maxrss``, the largest of the children waited for so far, so the
baseline runs first.

    python benchmarks/import_memory.py [--rows 100000]
"""

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from storage import migrate

TEAM = "T0001"
TARGET_MB = 200
# What `refbot import` loads (bot.cli defers the rest); the baseline imports just these.
MODULES = "bot.cli, bot.clock, bot.transfer, storage.db, storage.migrate"
FIRST = ["Zoë", "José", "Ingrid", "Łukasz", "Amélie", "Priya", "Chen", "Kwame", "Aoife", "Ravi"]
LAST = ["Dubois", "Martínez", "Ødegård", "Nowak", "Côté", "Raman", "Wei", "Mensah", "Ní Bhriain"]
TAGS = ["python", "go", "data", "sre", "frontend", "ml", "security", "design", "mobile"]
STATUSES = ["", "Active", "Rejected", "Hired", "new", "Phone Screen"]


def generate(path: Path, rows: int) -> None:
    """rows candidates in refbot's import format: 2% repeat an earlier person, 0.1% are bad."""
    rng = random.Random(42)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            ["name", "email", "profile_url", "company", "headline", "tags", "status", "notes"]
        )
        for i in range(rows):
            person = rng.randrange(i) if i and rng.random() < 0.02 else i
            # A fifth have no email, a third no profile URL; everyone has one of the two.
            email = f"person{person}@example{person % 97}.com" if person % 5 else ""
            url = f"https://www.linkedin.com/in/person-{person}/?trk=public_profile&utm_source=x"
            url = url if person % 3 or not email else ""
            if rng.random() < 0.001:
                email, url = "not-an-email", ""
            writer.writerow(
                [
                    f"{FIRST[person % len(FIRST)]} {LAST[person % len(LAST)]} {person}",
                    email,
                    url,
                    f"Company {person % 500}",
                    "Senior Software Engineer",
                    ", ".join(rng.sample(TAGS, 2)),
                    rng.choice(STATUSES),
                    f"Met at a meetup in {2015 + person % 10}; strong on distributed systems. "
                    * rng.randint(0, 3),
                ]
            )


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        base = Path(directory)
        csv_path, url = base / "candidates.csv", f"sqlite:///{base / 'import.db'}"
        generate(csv_path, args.rows)
        migrate.upgrade(url)  # not part of the measure
        env = {**os.environ, "DATABASE_URL": url}
        size_mb = csv_path.stat().st_size / 1e6

        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {MODULES}"], check=True, env=env, cwd=base)
        baseline_s, baseline_mb = time.perf_counter() - started, peak_mb()

        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "import", str(csv_path), "--team", TEAM],
            env=env,
            cwd=base,
            capture_output=True,
            text=True,
        )
        import_s, import_mb = time.perf_counter() - started, peak_mb()
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return 1
    rows_per_s = args.rows / import_s
    print(f"import: {args.rows:,} rows ({size_mb:.1f} MB CSV) into SQLite, in a subprocess")
    print(f"  {done.stdout.strip()}")
    print(
        f"  {import_s:.1f} s wall ({baseline_s:.1f} s of it interpreter and imports): "
        f"{rows_per_s:,.0f} rows/s overall, {args.rows / (import_s - baseline_s):,.0f} rows/s "
        "after start-up"
    )
    verdict = "OK" if import_mb < TARGET_MB else "OVER"
    print(
        f"  peak RSS {import_mb:.0f} MB | baseline (imports only) {baseline_mb:.0f} MB | "
        f"import holds {import_mb - baseline_mb:+.0f} MB, ratio {import_mb / baseline_mb:.2f}x | "
        f"{verdict} (< {TARGET_MB} MB)"
    )
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
