"""`refbot demo`: the whole product on the embedded defaults, with no Slack workspace.

Starts the fake Slack Web API and refbot's real HTTP app on loopback with a temporary SQLite
database, plays a scripted story through real signed requests, and prints what each person saw.
Exit 0 only if every step happened as expected; otherwise exit 1 naming the step.
"""

import re
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import Runtime, build
from bot.config import Settings
from bot.loopback import serving
from bot.server import wsgi_app
from bot.slack_emulator import Message, SlackEmulator
from bot.workspace import Workspace
from storage import migrate

SIGNING_SECRET = "demo-signing-secret"


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    locale: str = "en-US"
    tz: str = "Europe/London"


ALICE = Person("U0ALICE", "Alice (employee)", tz="America/New_York")
CAMILLE = Person("U0CAMILLE", "Camille (employee, French)", locale="fr-FR", tz="Europe/Paris")
RITA = Person("U0RITA", "Rita (recruiter)")
PEOPLE = (ALICE, CAMILLE, RITA)


class StepFailed(Exception):
    pass


@dataclass
class DemoClock:
    """refbot's clock in the demo: real time plus however far the story has jumped."""

    offset: timedelta = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def travel(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@dataclass
class Story:
    slack: SlackEmulator
    workspace: Workspace
    runtime: Runtime
    clock: DemoClock
    out: Callable[[str], None] = print
    steps: int = 0
    seen: dict[str, list[str]] = field(default_factory=dict)

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self.steps += 1
        self.out(f"\n{self.steps}. {title}")
        try:
            yield
        except StepFailed as failure:
            raise StepFailed(f"step {self.steps} ({title}): {failure}") from None
        except Exception as error:  # a broken step is a failed step, not a traceback
            raise StepFailed(f"step {self.steps} ({title}): {error!r}") from None

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            raise StepFailed(what)

    def wait(self, predicate: Callable[[], Any], what: str) -> None:
        self.expect(self.slack.wait_for(lambda: bool(predicate()), timeout=10), what)

    def saw(self, person: Person, where: str, text: str) -> None:
        text = _unmrkdwn(text.strip())
        self.seen.setdefault(person.name, []).append(f"{where}: {text.splitlines()[0]}")
        self.out(f"   {person.name} sees {where}:")
        self.out(textwrap.indent(text, "   │ "))

    def recap(self) -> None:
        self.out("\nWhat each person saw:")
        for name, lines in self.seen.items():
            self.out(f"  {name}")
            for line in lines:
                self.out(f"    - {line}")

    def saw_message(self, person: Person, where: str, message: Message) -> None:
        self.saw(person, where, readable(message.blocks) or message.text)


def _unmrkdwn(text: str) -> str:
    """Terminal-friendly mrkdwn: names for mentions, links spelt out, no bold markers."""
    names = {p.user_id: p.name.split()[0] for p in PEOPLE}
    text = re.sub(r"<@(\w+)>", lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]+)>", r"\1", text)
    text = text.replace("*", "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def readable(blocks: list[dict[str, Any]]) -> str:
    """Block Kit as a person reads it: texts in order, buttons as [Label]."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in ("section", "header") and "text" in block:
            lines.append(block["text"]["text"])
        elif kind == "context":
            lines.append("  ".join(e.get("text", "") for e in block.get("elements", [])))
        elif kind == "actions":
            labels = [f"[{e['text']['text']}]" for e in block["elements"] if "text" in e]
            lines.append(" ".join(labels))
        elif kind == "divider":
            lines.append("─" * 40)
        elif kind == "input":
            lines.append(f"{block['label']['text']}: ____")
        if isinstance(block.get("accessory"), dict) and "text" in block["accessory"]:
            lines[-1] += f"  [{block['accessory']['text']['text']}]"
    return "\n".join(lines)


# -- chapters ------------------------------------------------------------------------------------


def chapter_help_and_home(story: Story) -> None:
    slack, ws = story.slack, story.workspace
    with story.step("Alice types /refbot help"):
        story.expect(ws.command(ALICE.user_id, "/refbot", "help").status == 200, "not acknowledged")
        story.wait(lambda: slack.ephemerals(ALICE.user_id), "no help reply")
        story.saw_message(ALICE, "(only visible to you)", slack.ephemerals(ALICE.user_id)[-1])

    with story.step("Camille, whose Slack is in French, types /refbot aide"):
        ws.command(CAMILLE.user_id, "/refbot", "aide")
        story.wait(lambda: slack.ephemerals(CAMILLE.user_id), "no reply to an unknown subcommand")
        reply = slack.ephemerals(CAMILLE.user_id)[-1]
        story.expect("Je ne connais pas" in reply.plain_text(), "the reply is not in French")
        story.saw_message(CAMILLE, "(visible par vous seul)", reply)

    with story.step("Alice opens refbot's Home tab"):
        story.expect(ws.open_home(ALICE.user_id).status == 200, "event not acknowledged")
        story.wait(lambda: slack.home(ALICE.user_id), "no Home tab published")
        home = readable(slack.home(ALICE.user_id)["blocks"])  # type: ignore[index]
        story.expect("You haven't referred anyone yet" in home, "no empty state")
        story.saw(ALICE, "on the Home tab", home)


def _card(story: Story) -> Message | None:
    cards = [m for m in story.slack.dms(RITA.user_id) if m.has_button("candidate_snooze")]
    return cards[-1] if cards else None


def chapter_referral(story: Story) -> None:
    slack, ws = story.slack, story.workspace
    with story.step("Alice types /refer Ada Lovelace and fills in the referral form"):
        ws.command(ALICE.user_id, "/refer", "Ada Lovelace")
        story.wait(lambda: slack.open_views(ALICE.user_id), "the referral form did not open")
        form = slack.open_views(ALICE.user_id)[-1]
        story.saw(ALICE, "a form", readable(form["blocks"]))
        answer = ws.submit(
            ALICE.user_id,
            "referral_submit",
            name="Ada Lovelace",
            email="ada@example.com",
            profile_url="https://www.linkedin.com/in/ada-lovelace/",
            relationship="worked_together",
            strength="strong",
            candidate_knows="yes",
            note="Built our analytics engine; wants to move to Europe next year.",
        )
        story.expect(answer.json().get("response_action") == "update", "the form was refused")
        story.saw(ALICE, "in the form", readable(answer.json()["view"]["blocks"]))

    with story.step("Rita, the recruiter, gets a card in her DMs"):
        story.wait(lambda: _card(story), "no recruiter card")
        card = _card(story)
        assert card is not None
        story.expect(card.has_button("candidate_reach_out"), "the card has no Reach out button")
        story.saw_message(RITA, "in a DM from refbot", card)

    with story.step("Camille refers the same person, with her email typed differently"):
        ws.command(CAMILLE.user_id, "/refer")
        story.wait(lambda: slack.open_views(CAMILLE.user_id), "the referral form did not open")
        answer = ws.submit(
            CAMILLE.user_id,
            "referral_submit",
            name="Ada L.",
            email=" ADA@example.com",
            relationship="studied_together",
        )
        confirmation = readable(answer.json()["view"]["blocks"])
        story.expect("déjà connu" in confirmation, "Camille was not told Ada is known")
        story.expect(ALICE.user_id not in confirmation, "Camille was told who referred Ada")
        story.saw(CAMILLE, "dans le formulaire", confirmation)

    with story.step("Rita's card now lists both referrers (one card, updated in place)"):
        story.wait(
            lambda: CAMILLE.user_id in (_card(story) or Message("", "", "")).plain_text(),
            "the card does not list Camille",
        )
        cards = [m for m in slack.dms(RITA.user_id) if m.has_button("candidate_snooze")]
        story.expect(len(cards) == 1, "Rita got a second card")
        story.saw_message(RITA, "on the same card", cards[0])


def chapter_snooze(story: Story) -> None:
    slack, ws = story.slack, story.workspace
    note = "wants to stay in her role one more year"
    with story.step(f"Rita snoozes Ada for 6 months: “{note}”"):
        ws.click(RITA.user_id, "candidate_snooze")
        story.wait(lambda: slack.open_views(RITA.user_id), "the snooze form did not open")
        answer = ws.submit(RITA.user_id, "snooze_submit", until="6m", note=note)
        story.expect(answer.json().get("response_action") == "update", "the snooze was refused")
        story.saw(RITA, "in the form", readable(answer.json()["view"]["blocks"]))
        before = len(slack.dms(RITA.user_id))
        story.runtime.sweep()
        story.expect(len(slack.dms(RITA.user_id)) == before, "something came back too early")

    with story.step("Six months and a week pass; refbot was offline for the last days"):
        story.clock.travel(days=190)
        story.runtime.sweep()  # what refbot does at start, and every 15 seconds after
        story.wait(lambda: len(slack.dms(RITA.user_id)) == before + 1, "Ada never came back")
        dm = slack.dms(RITA.user_id)[-1]
        story.expect(note in dm.plain_text(), "the DM does not carry the note")
        story.expect("Due" in dm.plain_text(), "the late DM is not marked late")
        story.saw_message(RITA, "in a DM from refbot", dm)

    with story.step("refbot sweeps again: nothing is sent twice"):
        story.runtime.sweep()
        story.expect(len(slack.dms(RITA.user_id)) == before + 1, "the DM was sent twice")

    with story.step("Rita clicks Reactivate; Alice hears the team is looking at Ada again"):
        alice_before = len(slack.dms(ALICE.user_id))
        ws.click(RITA.user_id, "candidate_reactivate")
        story.wait(lambda: len(slack.dms(ALICE.user_id)) > alice_before, "Alice heard nothing")
        story.saw_message(ALICE, "in a DM from refbot", slack.dms(ALICE.user_id)[-1])


CHANNEL = "C0SOURCING"


def _session_card(story: Story) -> Message | None:
    found = [
        m
        for m in story.slack.messages(CHANNEL)
        if m.has_button("sourcing_add_contact") or "Sourcing session" in m.text
    ]
    return found[0] if found else None


def chapter_sourcing(story: Story) -> None:
    slack, ws = story.slack, story.workspace
    with story.step("Rita creates a role with /refbot role"):
        slack.close_views(RITA.user_id)
        ws.command(RITA.user_id, "/refbot", "role")
        story.wait(lambda: slack.open_views(RITA.user_id), "the role form did not open")
        answer = ws.submit(
            RITA.user_id, "role_submit", title="Staff Data Engineer", team="Data", status="open"
        )
        story.expect(answer.json().get("response_action") == "update", "the role was refused")
        slack.close_views(RITA.user_id)

    with story.step("Rita starts a one-hour sourcing session in #eng-sourcing"):
        slack.close_views(RITA.user_id)
        ws.command(RITA.user_id, "/sourcing", "start", channel_id=CHANNEL)
        story.wait(lambda: slack.open_views(RITA.user_id), "the session form did not open")
        role = slack.open_views(RITA.user_id)[-1]["blocks"][0]["element"]["options"][0]["value"]
        ws.submit(
            RITA.user_id,
            "sourcing_start_submit",
            role=role,
            duration="1h",
            goal="5",
            prompt="people you worked with on data platforms",
        )
        story.wait(lambda: _session_card(story), "no session card in the channel")

    def add(person: Person, name: str, email: str) -> str:
        slack.close_views(person.user_id)
        card = _session_card(story)
        assert card is not None
        ws.click(person.user_id, "sourcing_add_contact", on=card)
        story.wait(lambda: slack.open_views(person.user_id), "the add form did not open")
        answer = ws.submit(person.user_id, "referral_submit", name=name, email=email)
        return readable(answer.json()["view"]["blocks"])

    with story.step("Alice adds two people; Camille adds one, and Ada, who is already known"):
        story.saw(ALICE, "in the form", add(ALICE, "Grace Hopper", "grace@example.com"))
        add(ALICE, "Linus Torvalds", "linus@example.com")
        add(CAMILLE, "Margaret Hamilton", "margaret@example.com")
        known = add(CAMILLE, "Ada L.", "ada@example.com")
        story.expect("déjà connu" in known, "Camille was not told Ada is known")
        story.saw(CAMILLE, "dans le formulaire", known)

    with story.step("The channel's card counts them (updated at most every few seconds)"):
        story.clock.travel(seconds=6)
        story.runtime.sweep()
        card = _session_card(story)
        story.expect(card is not None and "*3* / 5" in card.plain_text(), "the card is not at 3")
        assert card is not None
        for message in slack.messages(CHANNEL):
            story.expect(
                "Grace" not in message.plain_text(), "a candidate name reached the channel"
            )
        story.out("   #eng-sourcing sees:")
        story.out(textwrap.indent(_unmrkdwn(readable(card.blocks)), "   │ "))

    with story.step("Rita ends the session: a thank-you in the channel, the summary in her DMs"):
        card = _session_card(story)
        assert card is not None
        ws.click(RITA.user_id, "sourcing_end", on=card)
        story.wait(
            lambda: any("Thank you all" in m.text for m in slack.messages(CHANNEL)),
            "no thank-you in the channel",
        )
        thanks = next(m for m in slack.messages(CHANNEL) if "Thank you all" in m.text)
        story.out("   #eng-sourcing sees:")
        story.out(textwrap.indent(_unmrkdwn(readable(thanks.blocks)), "   │ "))
        story.wait(
            lambda: any("summary" in m.text for m in slack.dms(RITA.user_id)), "no summary for Rita"
        )
        summary = next(m for m in slack.dms(RITA.user_id) if "summary" in m.text)
        story.saw_message(RITA, "in a DM from refbot", summary)


CHAPTERS: list[Callable[[Story], None]] = [
    chapter_help_and_home,
    chapter_referral,
    chapter_snooze,
    chapter_sourcing,
]


def play(
    out: Callable[[str], None] = print, chapters: list[Callable[[Story], None]] | None = None
) -> int:
    """Run every chapter; 0 when each step happened as expected, else 1 naming the step."""
    with tempfile.TemporaryDirectory(prefix="refbot-demo-") as tmp, SlackEmulator() as slack:
        for person in PEOPLE:
            slack.add_user(
                person.user_id,
                name=person.name.split()[0].lower(),
                real_name=person.name,
                locale=person.locale,
                tz=person.tz,
            )
        url = f"sqlite:///{Path(tmp) / 'refbot.db'}"
        migrate.upgrade(url)
        settings = Settings(
            slack_bot_token=slack.token,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack.url,
            database_url=url,
            refbot_recruiters=(RITA.user_id,),
        )
        clock = DemoClock()
        runtime = build(settings, clock=clock, scheduler=False)
        try:
            with serving(wsgi_app(runtime)) as server_url:
                out(f"refbot demo — fake Slack at {slack.url}, refbot at {server_url}")
                workspace = Workspace(
                    slack,
                    server_url=server_url,
                    signing_secret=SIGNING_SECRET,
                    team_id=slack.team_id,
                )
                story = Story(
                    slack=slack, workspace=workspace, runtime=runtime, clock=clock, out=out
                )
                for chapter in CHAPTERS if chapters is None else chapters:
                    chapter(story)
                with story.step("Slack accepted every message and view"):
                    story.expect(not slack.errors, f"Slack would reject: {slack.errors[:3]}")
        except StepFailed as failure:
            out(f"\nDEMO FAILED at {failure}")
            return 1
        finally:
            runtime.close()
    story.recap()
    out(f"\nAll {story.steps} steps happened as expected.")
    return 0


if __name__ == "__main__":
    sys.exit(play())
