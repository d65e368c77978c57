"""Every benchmark script still starts: they are run by hand, so a broken import (a helper
renamed in benchmarks/ack.py) would otherwise only show when someone needs the figure."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# bare_bolt.py is a WSGI module gunicorn loads (benchmarks/ack.py serves it), not a script.
SCRIPTS = sorted(
    p.name
    for p in (ROOT / "benchmarks").glob("*.py")
    if p.name not in ("__init__.py", "bare_bolt.py")
)


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_benchmark_script_starts_and_explains_its_options(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout


def test_the_bare_app_loads_as_gunicorn_would() -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_API_URL": "http://127.0.0.1:9/api/"}
    env |= {"SLACK_SIGNING_SECRET": "s", "PYTHONPATH": str(ROOT), "PATH": os.environ["PATH"]}
    done = subprocess.run(
        [sys.executable, "-c", "from benchmarks.bare_bolt import app; assert callable(app)"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
