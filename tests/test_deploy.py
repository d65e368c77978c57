"""The deployment files: compose.yaml, resolved by `docker compose config` (no daemon needed)
with the `.env` the README shows, runs the topology the README describes."""

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import _parser

ROOT = Path(__file__).resolve().parents[1]


def readme_dotenv() -> str:
    """The `.env` the README's Operations section tells operators to write."""
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"```dotenv\n(.*?)```", readme, re.DOTALL)
    assert found, "README.md shows no ```dotenv block"
    return found.group(1)


def compose_available() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    return subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0


@pytest.fixture
def compose(tmp_path: Path) -> dict[str, Any]:
    """compose.yaml as Compose resolves it, in a project directory holding only that .env."""
    if not compose_available():
        pytest.skip("the docker compose plugin is not installed")
    (tmp_path / ".env").write_text(readme_dotenv())
    command = ["docker", "compose", "--project-directory", str(tmp_path)]
    command += ["--file", str(ROOT / "compose.yaml"), "config", "--format", "json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_compose_migrates_once_then_runs_two_web_replicas_and_a_worker(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]

    assert set(services) == {"db", "migrate", "web", "worker"}
    assert services["migrate"]["command"] == ["db", "upgrade"]
    web = services["web"]["command"]
    assert web[0] == "serve" and "--no-scheduler" in web and "0.0.0.0" in web
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["worker"]["command"] == ["worker", "--host", "0.0.0.0", "--port", "9000"]
    for name in ("web", "worker"):
        needs = services[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_points_every_refbot_service_at_its_postgres(compose: dict[str, Any]) -> None:
    services = compose["services"]
    password = services["db"]["environment"]["POSTGRES_PASSWORD"]

    assert services["db"]["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["db"]["volumes"][0]["type"] == "volume"
    for name in ("migrate", "web", "worker"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"] == f"postgresql+psycopg://refbot:{password}@db:5432/refbot"
        assert env["SLACK_SIGNING_SECRET"] and env["SLACK_BOT_TOKEN"]  # from the .env file
    assert "9000/healthz" in " ".join(services["worker"]["healthcheck"]["test"])


def test_every_compose_command_is_one_refbot_understands() -> None:
    """Read without Docker (PyYAML resolves the `<<` merge keys): a typo in a command or an
    option refbot lacks would leave a container restarting in a loop."""
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    commands = {name: s["command"] for name, s in services.items() if "command" in s}

    assert set(commands) == {"migrate", "web", "worker"}
    for command in commands.values():
        _parser().parse_args(command)  # exits (fails the test) on anything unknown


def test_image_runs_refbot_serve_as_a_user_and_checks_its_health() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    final = dockerfile.rsplit("\nFROM ", 1)[1]  # the runtime stage

    assert final.startswith("python:3.11-slim")
    assert re.search(r"^USER (?!root)\w+", final, re.MULTILINE)
    assert 'ENTRYPOINT ["refbot"]' in final
    assert 'CMD ["serve", "--host", "0.0.0.0", "--port", "3000"]' in final
    assert "EXPOSE 3000" in final
    assert "http://127.0.0.1:3000/healthz" in final.split("HEALTHCHECK", 1)[1]
