"""The fake Slack, driven by a real slack_sdk WebClient over HTTP."""

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.slack_emulator import SlackEmulator

ADA = "U0ADA"
BOB = "U0BOB"


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        emulator.add_user(ADA, name="ada", real_name="Ada L", locale="fr-FR", email="ada@x.org")
        emulator.add_user(BOB, name="bob", tz="Europe/Paris")
        yield emulator


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(base_url=emu.url, token=emu.token, timeout=2)


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(action_id: str, value: str) -> dict[str, Any]:
    text = {"type": "plain_text", "text": "Go"}
    return {"type": "button", "action_id": action_id, "value": value, "text": text}


def modal(title: str = "Snooze", **extra: Any) -> dict[str, Any]:
    title_text = {"type": "plain_text", "text": title}
    return {"type": "modal", "title": title_text, "blocks": [section("hi")], **extra}


def test_history_shows_metadata_only_when_asked(emu: SlackEmulator, client: WebClient) -> None:
    meta = {"event_type": "candidate", "event_payload": {"id": "c1"}}
    first = client.chat_postMessage(channel="C0GENERAL", text="one", metadata=meta)
    second = client.chat_postMessage(channel="C0GENERAL", text="two")

    plain = client.conversations_history(channel="C0GENERAL", limit=10)
    rich = client.conversations_history(channel="C0GENERAL", include_all_metadata=True)
    older = client.conversations_history(channel="C0GENERAL", latest=second["ts"])

    assert float(second["ts"]) > float(first["ts"])
    assert [m["text"] for m in plain["messages"]] == ["two", "one"]
    assert all("metadata" not in m for m in plain["messages"])
    assert rich["messages"][1]["metadata"] == meta
    assert [m["text"] for m in older["messages"]] == ["one"]
    assert emu.messages("C0GENERAL")[0].metadata == meta
    assert emu.errors == []


def test_post_to_user_id_lands_in_dm_from_conversations_open(
    emu: SlackEmulator, client: WebClient
) -> None:
    dm = client.conversations_open(users=ADA)["channel"]["id"]
    posted = client.chat_postMessage(channel=ADA, text="hello")
    group = client.conversations_open(users=f"{BOB},{ADA}")["channel"]["id"]

    assert dm == posted["channel"] == emu.dm_channel(ADA) == "D" + ADA
    assert [m.text for m in emu.dms(ADA)] == ["hello"]
    assert group.startswith("G")
    assert client.conversations_open(users=f"{ADA},{BOB}")["channel"]["id"] == group
    assert client.conversations_info(channel=dm)["channel"]["is_im"]


def test_users_info_gives_locale_only_when_asked(client: WebClient) -> None:
    with_locale = client.users_info(user=ADA, include_locale=True)["user"]
    without = client.users_info(user=BOB)["user"]
    by_email = client.users_lookupByEmail(email="ADA@x.org")["user"]
    with pytest.raises(SlackApiError) as missing:
        client.users_info(user="U0NOBODY")

    assert with_locale["locale"] == "fr-FR"
    assert with_locale["profile"]["email"] == "ada@x.org"
    assert "locale" not in without
    assert without["tz"] == "Europe/Paris" and without["tz_offset"] in (3600, 7200)
    assert by_email["id"] == ADA
    assert missing.value.response["error"] == "user_not_found"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
@pytest.mark.parametrize(
    ("blocks", "text", "expected"),
    [
        ([section("x" * 3001)], "fallback", "cannot exceed 3000"),
        ([section("x")] * 51, "fallback", "51 blocks"),
        ([{"type": "carousel-of-doom"}], "fallback", "unknown block type"),
        ([section("a", block_id="b"), section("b", block_id="b")], "t", "duplicate block_id"),
        ([section("no fallback")], None, "without a `text` fallback"),
    ],
)
def test_invalid_block_kit_is_recorded_but_answered_ok(
    emu: SlackEmulator, client: WebClient, blocks: list[dict[str, Any]], text: str, expected: str
) -> None:
    client.chat_postMessage(channel="C0GENERAL", text=text, blocks=blocks)

    assert len(emu.errors) == 1 and expected in emu.errors[0]


def test_valid_block_kit_leaves_no_errors(emu: SlackEmulator, client: WebClient) -> None:
    actions = {"type": "actions", "elements": [button("candidate_snooze", "c42")]}
    header = {"type": "header", "text": {"type": "plain_text", "text": "Ada"}}
    client.chat_postMessage(channel=ADA, text="Ada is due", blocks=[header, section("x"), actions])
    client.views_open(trigger_id=emu.trigger_id(ADA), view=modal())

    message = emu.dms(ADA)[0]
    assert emu.errors == []
    assert message.has_button("candidate_snooze") and not message.has_button("other")
    assert message.button_value("candidate_snooze") == "c42"
    assert message.plain_text().splitlines() == ["Ada is due", "Ada", "x", "Go"]


def test_invalid_view_is_recorded(emu: SlackEmulator, client: WebClient) -> None:
    twice = {"type": "button", "text": {"type": "plain_text", "text": "B"}, "action_id": "note"}
    inputs = [{"type": "actions", "elements": [twice, twice]}]  # unique per block, says Slack

    opened = client.views_open(trigger_id=emu.trigger_id(ADA), view=modal("x" * 25, blocks=inputs))
    client.views_update(view_id=opened["view"]["id"], view=modal(private_metadata="m" * 3001))

    [duplicate, title, metadata] = emu.errors
    assert "duplicate action_id 'note'" in duplicate
    assert "title must be between 1 and 24" in title
    assert "private_metadata cannot exceed 3000" in metadata
    assert emu.open_views(ADA)  # still answered ok, so the flow continues


def test_form_encoded_calls_decode_json_fields(emu: SlackEmulator, client: WebClient) -> None:
    blocks = [section("form")]
    form = {"channel": "C0GENERAL", "text": "t", "blocks": json.dumps(blocks)}

    client.api_call("chat.postMessage", params=form)

    assert emu.calls_to("chat.postMessage")[0].args["blocks"] == blocks
    assert emu.messages()[0].blocks == blocks


def test_rate_limit_answers_429_with_retry_after_for_times_calls(
    emu: SlackEmulator, client: WebClient
) -> None:
    emu.fail("chat.postMessage", retry_after=7, times=2)

    for _ in range(2):
        with pytest.raises(SlackApiError) as limited:
            client.chat_postMessage(channel="C0GENERAL", text="hi")
        assert limited.value.response.status_code == 429
        assert limited.value.response.headers["Retry-After"] == "7"
        assert limited.value.response["error"] == "ratelimited"
    client.chat_postMessage(channel="C0GENERAL", text="hi")

    assert [(c.status, c.ok) for c in emu.calls] == [(429, False), (429, False), (200, True)]
    assert len(emu.messages()) == 1


def test_error_and_server_faults(emu: SlackEmulator, client: WebClient) -> None:
    emu.fail("users.info", error="user_not_found")
    emu.fail("auth.test", status=503)

    with pytest.raises(SlackApiError) as not_found:
        client.users_info(user=ADA)
    with pytest.raises(SlackApiError) as unavailable:
        client.auth_test()

    assert not_found.value.response.status_code == 200
    assert not_found.value.response["error"] == "user_not_found"
    assert unavailable.value.response.status_code == 503
    assert client.users_info(user=ADA)["user"]["id"] == ADA
    assert client.auth_test()["user_id"] == emu.bot_user_id


def test_hang_delays_then_answers_and_times_out_short_clients(emu: SlackEmulator) -> None:
    patient = WebClient(base_url=emu.url, token=emu.token, timeout=2)
    hasty = WebClient(base_url=emu.url, token=emu.token, retry_handlers=[])
    # urllib takes fractions of a second, though slack_sdk types timeout as int.
    hasty.timeout = 0.1  # type: ignore[assignment]
    emu.hang("auth.test", 0.3)
    emu.hang("users.info", 0.3)

    started = time.monotonic()
    answer = patient.auth_test()
    elapsed = time.monotonic() - started
    with pytest.raises(TimeoutError):
        hasty.users_info(user=ADA)

    assert answer["ok"] and 0.3 <= elapsed < 1.5
    assert patient.auth_test()["ok"]  # only `times` calls hang


def test_auth_and_unknown_methods(emu: SlackEmulator, client: WebClient) -> None:
    intruder = WebClient(base_url=emu.url, token="xoxb-wrong")

    with pytest.raises(SlackApiError) as bad_token:
        intruder.auth_test()
    with pytest.raises(SlackApiError) as unknown:
        client.api_call("files.upload")

    assert bad_token.value.response["error"] == "invalid_auth"
    assert unknown.value.response["error"] == "unknown_method"
    assert emu.errors == ["files.upload: unknown method (not emulated)"]


def test_update_delete_and_permalink(emu: SlackEmulator, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0GENERAL", text="draft")
    client.chat_update(channel="C0GENERAL", ts=posted["ts"], text="final", blocks=[section("f")])
    link = client.chat_getPermalink(channel="C0GENERAL", message_ts=posted["ts"])["permalink"]
    client.chat_postEphemeral(channel="C0GENERAL", user=ADA, text="only you")

    assert emu.messages("C0GENERAL")[0].text == "final"
    assert link.endswith("/archives/C0GENERAL/p" + posted["ts"].replace(".", ""))
    assert [m.text for m in emu.ephemerals(ADA)] == ["only you"]
    client.chat_delete(channel="C0GENERAL", ts=posted["ts"])
    with pytest.raises(SlackApiError) as gone:
        client.chat_update(channel="C0GENERAL", ts=posted["ts"], text="again")
    assert gone.value.response["error"] == "message_not_found"


def test_modal_stack_and_home(emu: SlackEmulator, client: WebClient) -> None:
    opened = client.views_open(trigger_id=emu.trigger_id(ADA), view=modal("One"))["view"]
    pushed = client.views_push(trigger_id="12.U0ADA.ab", view=modal("Two"))["view"]
    client.views_update(view_id=pushed["id"], hash=pushed["hash"], view=modal("Two bis"))
    with pytest.raises(SlackApiError) as stale:
        client.views_update(view_id=pushed["id"], hash=pushed["hash"], view=modal("Late"))
    home = client.views_publish(user_id=BOB, view={"type": "home", "blocks": [section("h")]})
    again = client.views_publish(user_id=BOB, view={"type": "home", "blocks": [section("h2")]})
    with pytest.raises(SlackApiError) as no_trigger:
        client.api_call("views.open", json={"view": modal()})

    stack = emu.open_views(ADA)
    assert [v["title"]["text"] for v in stack] == ["One", "Two bis"]
    assert stack[1]["id"] == pushed["id"] and stack[1]["root_view_id"] == opened["id"]
    assert stale.value.response["error"] == "hash_conflict"
    assert no_trigger.value.response["error"] == "invalid_arguments"
    assert home["view"]["id"] == again["view"]["id"]
    assert (emu.home(BOB) or {})["blocks"] == [section("h2")]
    assert emu.home(ADA) is None and emu.open_views(BOB) == []
    assert emu.view(opened["id"]) == stack[0]
    assert emu.errors == []


def test_response_url_reply_is_an_ephemeral_message(emu: SlackEmulator) -> None:
    url = emu.response_url(ADA, "C0HIRING")

    answer = WebhookClient(url).send(text="Snoozed", response_type="ephemeral")
    WebhookClient(url).send(text="Snoozed until May", replace_original=True)
    WebhookClient(url).send(text="Shared", response_type="in_channel")

    assert answer.status_code == 200 and answer.body == "ok"
    [reply] = emu.ephemerals(ADA)
    assert (reply.channel, reply.text, reply.user) == ("C0HIRING", "Snoozed until May", ADA)
    assert [m.text for m in emu.messages("C0HIRING") if not m.ephemeral] == ["Shared"]
    assert [c.method for c in emu.calls] == ["response_url"] * 3


def test_wait_for_wakes_when_a_background_thread_posts(
    emu: SlackEmulator, client: WebClient
) -> None:
    poster = threading.Timer(0.1, lambda: client.chat_postMessage(channel=ADA, text="later"))

    poster.start()
    arrived = emu.wait_for(lambda: bool(emu.dms(ADA)), timeout=2)
    poster.join()

    assert arrived and emu.dms(ADA)[0].text == "later"
    assert not emu.wait_for(lambda: len(emu.dms(ADA)) > 1, timeout=0.1)


def test_concurrent_posts_get_unique_timestamps(emu: SlackEmulator, client: WebClient) -> None:
    def post_many() -> None:
        for i in range(20):
            client.chat_postMessage(channel="C0BUSY", text=str(i))

    threads = [threading.Thread(target=post_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stamps = [m.ts for m in emu.messages("C0BUSY")]
    assert len(set(stamps)) == 80 and stamps == sorted(stamps, key=float)
    assert len(emu.calls_to("chat.postMessage")) == 80


def test_response_actions_drive_the_modal_stack(emu: SlackEmulator, client: WebClient) -> None:
    note = {"type": "plain_text_input", "action_id": "note"}
    label = {"type": "plain_text", "text": "Note"}
    form = modal(
        "Form",
        blocks=[{"type": "input", "block_id": "b_note", "label": label, "element": note}],
        submit={"type": "plain_text", "text": "Save"},  # Slack wants one beside inputs
    )
    root = client.views_open(trigger_id=emu.trigger_id(ADA), view=form)["view"]["id"]

    emu.apply_response_action(ADA, root, {"response_action": "errors", "errors": {"b_note": "!"}})
    emu.apply_response_action(ADA, root, {"response_action": "push", "view": modal("Sure?")})
    confirm = emu.open_views(ADA)[-1]["id"]
    emu.apply_response_action(ADA, confirm, {"response_action": "update", "view": modal("Done")})
    titles = [v["title"]["text"] for v in emu.open_views(ADA)]
    emu.apply_response_action(ADA, confirm, {})
    after_close = len(emu.open_views(ADA))
    emu.apply_response_action(ADA, root, {"response_action": "errors", "errors": {"nope": "!"}})
    emu.apply_response_action(ADA, root, {"response_action": "clear"})

    assert titles == ["Form", "Done"] and after_close == 1
    assert emu.open_views(ADA) == []
    assert emu.errors == [f"response_action errors for {root}: no input block 'nope'"]


def test_files_upload_v2_stores_the_bytes_for_the_channel(
    emu: SlackEmulator, client: WebClient
) -> None:
    dm = client.conversations_open(users=ADA)["channel"]["id"]

    answer = client.files_upload_v2(
        channel=dm,
        content="name,email\nAda,ada@x.org\n",
        filename="candidates.csv",
        initial_comment="Your export",
    )
    with pytest.raises(SlackApiError):  # a user id is not a channel for this API
        client.files_upload_v2(channel=ADA, content="x", filename="x.txt")

    [upload] = emu.uploads(dm)
    assert upload.content == b"name,email\nAda,ada@x.org\n"
    assert (upload.filename, upload.title, upload.comment) == (
        "candidates.csv",
        "candidates.csv",
        "Your export",
    )
    assert answer["file"]["id"] == upload.file_id and emu.uploads() == [upload]
    assert [c.method for c in emu.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    assert emu.errors == ["files.completeUploadExternal: 'U0ADA' is not a channel"]
