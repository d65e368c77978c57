"""Idle RSS of `refbot serve` (DESIGN §10: < 120 MB).

Migrates a fresh SQLite database with `refbot db upgrade`, starts `refbot serve` (1 worker by
default, as shipped) against the fake Slack in its own process, waits for /healthz, sends a few
requests (`/refbot help`, referral submissions, /healthz, /metrics) so that the lazily loaded
code is in, waits, then reads VmRSS of the gunicorn master and of each worker from
/proc/<pid>/status (workers found through /proc/<pid>/task/*/children). VmRSS counts the pages
a forked worker still shares with the master in both; Pss (from smaps_rollup) splits them, so
its sum is what the server really holds.

    python benchmarks/rss.py [--workers 1] [--settle 3]
"""

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ack import (  # noqa: E402 - benchmarks/ is not an installed package
    RECRUITER,
    REFERRERS,
    SECRET,
    USER,
    Feed,
    closed_loop,
    fake_slack,
    free_port,
    help_bodies,
    referral_submissions,
    server,
)

TARGET_MB = 120


def status_kb(pid: int) -> dict[str, int]:
    """The memory lines of /proc/<pid>/status, in kB."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


def pss_kb(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    return next(
        (int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:")), None
    )


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return sorted(set(found))


def get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def wait_healthy(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if get(port, "/healthz") == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("/healthz never answered 200")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds idle before reading")
    args = parser.parse_args()
    submissions = referral_submissions(20, "rss")
    users = [USER, RECRUITER, *REFERRERS]
    with fake_slack(users) as slack, tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.url,
            "DATABASE_URL": f"sqlite:///{tmp}/rss.db",
            "REFBOT_RECRUITERS": RECRUITER,
            "PYTHONPATH": str(ROOT),
        }
        cli = [sys.executable, "-m", "bot.cli"]
        upgraded = subprocess.run([*cli, "db", "upgrade"], env=env, cwd=ROOT, capture_output=True)
        if upgraded.returncode:
            raise SystemExit(f"refbot db upgrade failed:\n{upgraded.stderr.decode()}")
        port = free_port()
        command = [*cli, "serve", "--port", str(port), "--workers", str(args.workers)]
        with server(command, env, port) as served:
            wait_healthy(port)
            helped = closed_loop(port, 2, 20, help_bodies(slack.response_url), None)
            referred = closed_loop(port, 2, 20, Feed(submissions), None)
            get(port, "/metrics")
            bad = helped.tally.bad + referred.tally.bad
            time.sleep(args.settle)
            master = served.process.pid
            pids = [("master", master)] + [("worker", pid) for pid in children(master)]
            rows = [(name, pid, status_kb(pid), pss_kb(pid)) for name, pid in pids]
    print(f"idle RSS of `refbot serve --workers {args.workers}` (MB; 40 requests, then idle)")
    print(f"{'':8}{'pid':>8}{'VmRSS':>9}{'RssAnon':>9}{'RssFile':>9}{'Pss':>9}{'VmHWM':>9}")
    total_rss = total_pss = 0
    for name, pid, fields, pss in rows:
        total_rss += fields["VmRSS"]
        total_pss += pss or 0
        cells = [fields.get(k, 0) / 1024 for k in ("VmRSS", "RssAnon", "RssFile")]
        cells += [(pss or 0) / 1024, fields.get("VmHWM", 0) / 1024]
        print(f"{name:8}{pid:>8}" + "".join(f"{v:9.1f}" for v in cells))
    print(f"{'total':16}{total_rss / 1024:9.1f}{'':18}{total_pss / 1024:9.1f}")
    verdict = "OK" if total_rss / 1024 < TARGET_MB else "over"
    print(f"target: total VmRSS < {TARGET_MB} MB: {verdict}; requests answered badly: {bad}")


if __name__ == "__main__":
    main()
