"""Ack latency of `/refbot help`: refbot vs a bare default Bolt app, same server, same run.

Both run on gunicorn gthread (2 workers x 8 threads) against the local fake Slack; clients send
signed slash commands over loopback with keep-alive connections. Prints p50/p99 at 1 and 50
concurrent clients and refbot's ratio to the bare app (lower is better).

    python benchmarks/ack.py [--requests 600]
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from slack_sdk.signature import SignatureVerifier

SECRET = "bench-signing-secret"
USER = "U0BENCH"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(command: list[str], env: dict[str, str], port: int) -> Iterator[None]:
    process = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit(f"server did not start: {command}") from None
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)


# The fake Slack runs in its own process so that refbot's replies after the ack do not steal
# CPU from the clients doing the measuring.
EMULATOR = """
import sys
from bot.slack_emulator import SlackEmulator
slack = SlackEmulator().start()
slack.add_user("U0BENCH", name="bench")
print(slack.url, slack.token, slack.response_url("U0BENCH"), flush=True)
sys.stdin.read()
"""


@contextmanager
def fake_slack() -> Iterator[tuple[str, str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", EMULATOR],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    url, token, response_url = process.stdout.readline().split()
    try:
        yield url, token, response_url
    finally:
        process.stdin.close()
        process.wait(timeout=10)


def run_clients(port: int, clients: int, requests: int, response_url: str) -> list[float]:
    signer = SignatureVerifier(SECRET)
    latencies: list[float] = []
    lock = threading.Lock()
    failures: list[int] = []
    per_client = max(1, requests // clients)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        for _ in range(per_client):
            body = urllib.parse.urlencode(
                {
                    "command": "/refbot",
                    "text": "help",
                    "team_id": "T0001",
                    "user_id": USER,
                    "channel_id": "C0BENCH",
                    "response_url": response_url,
                    "trigger_id": "1.U0BENCH.t",
                }
            ).encode()
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signer.generate_signature(timestamp=stamp, body=body),
            }
            started = time.perf_counter()
            connection.request("POST", "/slack/events", body=body, headers=headers)
            answer = connection.getresponse()
            answer.read()
            mine.append(time.perf_counter() - started)
            if answer.status != 200:
                failures.append(answer.status)
                break
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"server answered {sorted(set(failures))}")
    return latencies


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=600)
    args = parser.parse_args()
    with fake_slack() as (api_url, token, response_url), tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api_url,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "PYTHONPATH": str(ROOT),
        }
        gunicorn = [sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", "2", "--threads", "8"]
        results: dict[str, dict[int, tuple[float, float]]] = {}
        for name in ("bare Bolt", "refbot"):
            port = free_port()
            if name == "refbot":
                command = [
                    sys.executable,
                    "-m",
                    "bot.cli",
                    "serve",
                    "--port",
                    str(port),
                    "--workers",
                    "2",
                ]
            else:
                command = [*gunicorn, "-b", f"127.0.0.1:{port}", "benchmarks.bare_bolt:app"]
            with server(command, env, port):
                run_clients(port, 10, 100, response_url)  # warm up: imports, connections, caches
                results[name] = {
                    clients: percentiles(run_clients(port, clients, args.requests, response_url))
                    for clients in (1, 50)
                }
    print(f"ack latency of /refbot help, {args.requests} requests per run (ms)")
    print(f"{'':12}{'p50 @1':>10}{'p99 @1':>10}{'p50 @50':>10}{'p99 @50':>10}")
    for name, figures in results.items():
        row = [figures[1][0], figures[1][1], figures[50][0], figures[50][1]]
        print(f"{name:12}" + "".join(f"{v:10.2f}" for v in row))
    bare, ours = results["bare Bolt"], results["refbot"]
    ratios = [
        ours[1][0] / bare[1][0],
        ours[1][1] / bare[1][1],
        ours[50][0] / bare[50][0],
        ours[50][1] / bare[50][1],
    ]
    print(f"{'ratio':12}" + "".join(f"{v:9.2f}x" for v in ratios))
    print("targets: p50 ratio <= 0.5x; p99 @50 ratio <= 1.0x; absolute p99 @50 < 100 ms")


if __name__ == "__main__":
    main()
