"""The bot token's scopes cover every Slack Web API method refbot calls, and nothing more.

The methods are found in the source (bot/ and handlers/), so a new call without its scope fails
here, not in a real workspace where Slack answers `missing_scope` while the person is told it
worked. A slack_sdk helper (`client.files_upload_v2(...)`) is expanded into the Web API methods
it calls, read from slack_sdk's own source.
"""

import inspect
import re
from functools import cache
from pathlib import Path

import yaml
from slack_sdk import WebClient

from bot.ids import BOT_SCOPES
from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, Refbot
from tests.e2e.test_intros import asks, lead

ROOT = Path(__file__).parent.parent
MANIFEST = ROOT / "manifest.yml"
# The development doubles answer Slack's methods; they do not call them.
NOT_REFBOT = {ROOT / "bot" / "slack_emulator.py"}
OPEN = "conversations.open"

# Each method's "Required scopes" for a bot token, from its page on https://api.slack.com/methods
# (docs.slack.dev/reference/methods/<method>). A method on conversations takes the scope of the
# conversation's type; refbot needs the scope of every type it uses the method on (the why).
NEEDS: dict[str, frozenset[str]] = {
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.getPermalink": frozenset(),  # "Required scopes: none"
    # DMs (im:write), and the group DM of recruiter and referrer when an intro is accepted
    # (mpim:write: `users` names two people).
    "conversations.open": frozenset({"im:write", "mpim:write"}),
    # The look in history before a send is repeated (bot.slack.SlackMessenger.delivered): DMs,
    # intro group DMs, session cards in public and private channels.
    "conversations.history": frozenset(
        {"im:history", "mpim:history", "channels:history", "groups:history"}
    ),
    # `/sourcing start` asks whether refbot is in the conversation the command came from, which
    # may be any kind: without the kind's scope Slack answers missing_scope, not "not there".
    "conversations.info": frozenset({"channels:read", "groups:read", "im:read", "mpim:read"}),
    # users:read.email too: the referrer's email, by which an ATS credits them (bot.services.ats).
    "users.info": frozenset({"users:read", "users:read.email"}),
    # An ATS job's hiring manager and recruiter, found in Slack by email (bot.services.ats_pull).
    "users.lookupByEmail": frozenset({"users:read.email"}),
    "views.open": frozenset(),
    "views.push": frozenset(),
    "views.update": frozenset(),
    "views.publish": frozenset(),
    # files.uploadV2 in slack_sdk: these two, both "files:write".
    "files.getUploadURLExternal": frozenset({"files:write"}),
    "files.completeUploadExternal": frozenset({"files:write"}),
    # A CV attached in the referral modal (bot.slack_files): files.info before its
    # url_private_download is fetched with the bot token (that too needs files:read), and
    # files.delete of refbot's own copies after a forget.
    "files.info": frozenset({"files:read"}),
    "files.delete": frozenset({"files:write"}),
    "auth.test": frozenset(),
}
# Scopes that no method needs but a feature does: slash commands and shortcuts ("commands").
FEATURES = {"commands": "slash commands and shortcuts (manifest.yml features)"}

_NAMED = re.compile(r"""(?:api_call|_call)\(\s*["']([a-z]+(?:\.[A-Za-z]+)+)["']""")
_ATTRIBUTE = re.compile(r"\.([a-z]+_[A-Za-z0-9_]+)\b")
_SDK_NAMED = re.compile(r"""api_call\(\s*["']([a-z]+(?:\.[A-Za-z]+)+)["']""")
_SDK_SELF = re.compile(r"self\.([a-z]+_[A-Za-z0-9_]+)\(")


@cache
def sdk_methods(name: str) -> frozenset[str]:
    """The Web API methods one WebClient helper calls (itself, or the helpers it calls)."""
    source = inspect.getsource(getattr(WebClient, name))
    found = set(_SDK_NAMED.findall(source))
    for helper in _SDK_SELF.findall(source):
        if helper != name and callable(getattr(WebClient, helper, None)):
            found |= sdk_methods(helper)
    return frozenset(found)


def called_methods() -> dict[str, set[str]]:
    """Every Web API method refbot's code calls -> the files that call it."""
    found: dict[str, set[str]] = {}
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "handlers").rglob("*.py")]:
        if path in NOT_REFBOT:
            continue
        source = path.read_text(encoding="utf-8")
        methods = set(_NAMED.findall(source))
        for attribute in _ATTRIBUTE.findall(source):
            if callable(getattr(WebClient, attribute, None)):
                methods |= sdk_methods(attribute)
        for method in methods:
            found.setdefault(method, set()).add(str(path.relative_to(ROOT)))
    return found


def test_the_discovery_sees_the_calls_refbot_makes() -> None:
    called = called_methods()

    # Through the dispatcher's messenger, a listener's client, and a slack_sdk helper.
    assert {"chat.postMessage", "conversations.open", "conversations.history"} <= set(called)
    assert {"views.open", "conversations.info", "chat.getPermalink"} <= set(called)
    assert {"files.getUploadURLExternal", "files.completeUploadExternal"} <= set(called)


def test_every_method_refbot_calls_has_its_scopes_in_the_manifest() -> None:
    requested = set(yaml.safe_load(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"])

    unknown = {m: sorted(files) for m, files in called_methods().items() if m not in NEEDS}
    missing = {
        method: sorted(NEEDS[method] - requested)
        for method in called_methods()
        if method in NEEDS and NEEDS[method] - requested
    }

    assert unknown == {}, "add these methods to NEEDS with the scopes Slack's docs list"
    assert missing == {}, "Slack would answer missing_scope: add these to manifest.yml"


def test_an_accepted_intro_opens_its_group_dm_with_a_scope_refbot_asks_for(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    lead(refbot, slack)
    refbot.click(RECRUITER, "candidate_request_intro")
    assert slack.wait_for(lambda: len(asks(slack)) == 1)

    refbot.click(EMPLOYEE, "intro_accept")

    assert slack.wait_for(
        lambda: any(
            "will introduce" in m.plain_text() for m in slack.messages() if m.channel[0] == "G"
        )
    )
    # Slack opens a DM with im:write, a group DM (several `users`) only with mpim:write.
    kinds = {"mpim" if "," in c.args["users"] else "im" for c in slack.calls_to(OPEN)}
    assert kinds == {"im", "mpim"}
    assert {f"{kind}:write" for kind in kinds} <= set(BOT_SCOPES)


def test_the_oauth_install_asks_for_what_the_methods_need() -> None:
    needed = set().union(*(NEEDS[m] for m in called_methods() if m in NEEDS))

    assert needed - set(BOT_SCOPES) == set()


def test_refbot_asks_for_no_scope_it_does_not_use() -> None:
    used = set().union(*(NEEDS[m] for m in called_methods() if m in NEEDS)) | set(FEATURES)

    assert set(BOT_SCOPES) - used == set()
