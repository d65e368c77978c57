"""manifest.yml and the registered listeners declare the same Slack surface."""

import json
from pathlib import Path
from urllib.parse import urlencode

import yaml
from slack_bolt import BoltRequest, BoltResponse

from bot.app import Runtime, build
from bot.config import Settings
from bot.ids import BOT_SCOPES, Command, Event, Shortcut

MANIFEST = Path(__file__).parent.parent / "manifest.yml"


def _request(kind: str, name: str, runtime: Runtime) -> BoltRequest:
    if kind == "commands":
        body = urlencode({"command": name, "text": "", "team_id": "T1", "user_id": "U1"})
    elif kind == "events":
        event = {"type": "event_callback", "team_id": "T1", "event": {"type": name}}
        body = json.dumps(event)
    else:
        payload = {"type": "shortcut", "callback_id": name, "team": {"id": "T1"}}
        if name == Shortcut.REFER_FROM_MESSAGE:
            payload["type"] = "message_action"
        body = urlencode({"payload": json.dumps(payload)})
    return BoltRequest(body=body, mode="socket_mode", context={"svc": runtime.services})


def _registered(tmp_path: Path) -> dict[str, set[str]]:
    """Which of refbot's ids (bot.ids) a Bolt listener answers, asked of the listeners."""
    settings = Settings(
        slack_bot_token="xoxb-unused",
        slack_signing_secret="unused",
        database_url=f"sqlite:///{tmp_path}/unused.db",
    )
    runtime = build(settings, scheduler=False)
    app = runtime.bolt
    candidates = {"commands": Command, "shortcuts": Shortcut, "events": Event}
    found: dict[str, set[str]] = {kind: set() for kind in candidates}
    for kind, ids in candidates.items():
        for name in ids:
            request = _request(kind, name.value, runtime)
            # Bolt keeps no public registry of listeners; matching is read-only.
            if any(
                listener.matches(req=request, resp=BoltResponse(status=200))
                for listener in app._listeners
            ):
                found[kind].add(name.value)
    return found


def test_manifest_and_listeners_agree(tmp_path: Path) -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    features, settings = manifest["features"], manifest["settings"]
    declared = {
        "commands": {c["command"] for c in features.get("slash_commands", [])},
        "shortcuts": {s["callback_id"] for s in features.get("shortcuts", [])},
        "events": set(settings["event_subscriptions"]["bot_events"]),
    }

    assert declared == _registered(tmp_path)


def test_manifest_points_slack_at_the_one_endpoint() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    urls = {c["url"] for c in manifest["features"]["slash_commands"]}
    urls |= {manifest["settings"]["event_subscriptions"]["request_url"]}
    urls |= {manifest["settings"]["interactivity"]["request_url"]}

    assert {url.rsplit("/", 2)[-2:] == ["slack", "events"] for url in urls} == {True}


def test_oauth_install_asks_for_the_manifests_scopes() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())

    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
