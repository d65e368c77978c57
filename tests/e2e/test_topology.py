"""The production topology, as real processes on PostgreSQL: two web replicas started with
`--no-scheduler` behind a load balancer (here: alternating requests) and one `refbot worker`."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import WORKER_NICENESS
from bot.slack_emulator import Message, SlackEmulator
from bot.workspace import Response, Workspace
from storage.db import make_engine, make_sessions
from storage.models import Candidate, Delivery, Referral
from tests.conftest import RECRUITER, SIGNING_SECRET, TEAM
from tests.e2e.test_delivery_processes import worker_env
from tests.pg import free_port

pytestmark = pytest.mark.postgres

REFBOT = [sys.executable, "-m", "bot.cli"]
REFERRALS = 200
CONCURRENCY = 20
ANSWER_WITHIN = 3.0  # seconds; Slack gives up on an unanswered request after 3


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return f"--- {self.name} (exit {self.popen.poll()}) ---\n" + "\n".join(text[-lines:])


@dataclass(frozen=True)
class Timed:
    what: str
    status: int
    seconds: float


@contextmanager
def started(name: str, args: list[str], env: dict[str, str], logs: Path) -> Iterator[Process]:
    """A refbot child process, logging to a file; SIGTERM and a clean exit at the end."""
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen([*REFBOT, *args], env=env, stdout=out, stderr=out, cwd=logs)
    process = Process(name, popen, log)
    try:
        yield process
    finally:
        if popen.poll() is None:
            popen.send_signal(signal.SIGTERM)
        try:
            code = popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait()
            raise AssertionError(f"{name} ignored SIGTERM\n{process.tail()}") from None
        assert code == 0, process.tail()


def wait_healthy(web: Workspace, process: Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:  # waiting for a child process to bind its port, not for refbot's work
        try:
            if web.get("/healthz").status == 200:
                return
        except OSError:
            pass
        assert process.popen.poll() is None, process.tail()
        assert time.monotonic() < deadline, f"{process.name} never answered /healthz"
        time.sleep(0.1)


def priority(process: Process) -> int:
    return os.getpriority(os.PRIO_PROCESS, process.popen.pid)


def cards(slack: SlackEmulator) -> list[Message]:
    return [m for m in slack.dms(RECRUITER) if m.has_button("candidate_snooze")]


def refer(slack: SlackEmulator, web: Workspace, i: int) -> list[Timed]:
    """Employee i opens the referral modal with /refer and submits a candidate of their own."""
    employee = f"U0EMP{i:03d}"
    began = time.monotonic()
    opened = web.command(employee, "/refer")
    timed = [Timed(f"{employee} /refer", opened.status, time.monotonic() - began)]
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "referral_submit" for v in slack.open_views(employee)),
        timeout=30,
    ), f"{employee}: no referral modal"
    began = time.monotonic()
    answer: Response = web.submit(
        employee,
        "referral_submit",
        name=f"Candidate {i:03d}",
        email=f"candidate.{i:03d}@example.com",
    )
    timed.append(Timed(f"{employee} submit", answer.status, time.monotonic() - began))
    assert answer.json().get("response_action") == "update", answer.body
    return timed


def database_counts(database_url: str) -> tuple[int, int, Counter[str]]:
    """Candidates, referrals, and the status of every recruiter card delivery."""
    engine = make_engine(database_url)
    try:
        with make_sessions(engine)() as s:
            candidates = s.scalar(select(func.count()).select_from(Candidate)) or 0
            referrals = s.scalar(select(func.count()).select_from(Referral)) or 0
            card_rows = s.scalars(
                select(Delivery.status).where(Delivery.dedupe_key.startswith("card:"))
            )
            return candidates, referrals, Counter(str(status.value) for status in card_rows)
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_web_replicas_and_a_worker_take_two_hundred_referrals_exactly_once(
    slack: SlackEmulator, migrated_url: str, tmp_path: Path
) -> None:
    employees = [f"U0EMP{i:03d}" for i in range(REFERRALS)]
    for i, employee in enumerate(employees):
        slack.add_user(employee, name=f"employee{i:03d}")
    env = {**worker_env(slack, migrated_url), "REFBOT_RECRUITERS": RECRUITER}
    env["REFBOT_SWEEP_SECONDS"] = "1"
    ports = [free_port(), free_port()]

    with ExitStack() as stack:
        processes = [
            stack.enter_context(
                started(f"web{n}", ["serve", "--no-scheduler", "--port", str(port)], env, tmp_path)
            )
            for n, port in enumerate(ports)
        ]
        processes.append(stack.enter_context(started("worker", ["worker"], env, tmp_path)))
        webs = [
            Workspace(
                slack,
                server_url=f"http://127.0.0.1:{port}",
                signing_secret=SIGNING_SECRET,
                team_id=TEAM,
            )
            for port in ports
        ]
        for web, process in zip(webs, processes[:2], strict=True):
            wait_healthy(web, process)

        began = time.monotonic()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            answers = [
                t
                for timed in pool.map(lambda i: refer(slack, webs[i % 2], i), range(REFERRALS))
                for t in timed
            ]
        submitted_in = time.monotonic() - began
        delivered = slack.wait_for(lambda: len(cards(slack)) >= REFERRALS, timeout=60)
        # The worker yields the CPU to the web processes on a host they share.
        web_nice, worker_nice = (priority(p) for p in processes[1:])
        logs = "\n".join(p.tail() for p in processes)
        assert delivered, f"{len(cards(slack))} cards after {submitted_in:.1f}s\n{logs}"
        # The worker records a batch's outcomes once its posts are done: wait for that.
        slack.wait_for(lambda: database_counts(migrated_url)[2]["sent"] >= REFERRALS, timeout=30)
        candidates, referrals, card_rows = database_counts(migrated_url)
        alive = {p.name: p.popen.poll() for p in processes}

    slow = [a for a in answers if a.status != 200 or a.seconds > ANSWER_WITHIN]
    assert len(answers) == 2 * REFERRALS and slow == [], slow[:5]
    assert alive == {"web0": None, "web1": None, "worker": None}
    assert worker_nice == min(19, web_nice + WORKER_NICENESS)
    assert (candidates, referrals) == (REFERRALS, REFERRALS)
    # Every card delivery was sent (none pending, claimed or failed), so no late one can come.
    assert card_rows == Counter({"sent": REFERRALS})
    shown = [card.button_value("candidate_snooze") for card in cards(slack)]
    assert len(shown) == REFERRALS
    assert len(set(shown)) == REFERRALS, "a candidate got two cards"
