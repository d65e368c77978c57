"""`refbot demo`: the whole product on the embedded defaults, with no Slack workspace.

Starts the fake Slack Web API and refbot's real HTTP app on loopback with a temporary SQLite
database, plays a scripted story through real signed requests, and prints what each person saw.
Exit 0 only if every step happened as expected; otherwise exit 1 naming the step. A fake
Greenhouse (bot.ats.greenhouse_emulator) on loopback plays the team's ATS in its chapter.
"""

import re
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names, get_month_names
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.app import Runtime, build
from bot.ats.greenhouse_emulator import GreenhouseEmulator
from bot.config import Settings
from bot.loopback import serving
from bot.server import wsgi_app
from bot.services.ats_pull import PollReport
from bot.slack_emulator import Message, SlackEmulator
from bot.workspace import Workspace
from storage import migrate
from storage.models import Delivery, Role
from storage.types import DeliveryKind, DeliveryStatus

SIGNING_SECRET = "demo-signing-secret"


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str  # as the terminal introduces them: "Rita (recruiter)"
    locale: str = "en-US"
    tz: str = "Europe/London"
    email: str | None = None  # in Slack: how the ATS finds her (referrer credit, job owner)

    @property
    def real_name(self) -> str:
        """Their name in Slack (and so in the drafts they sign): "Rita"."""
        return self.name.split(" (")[0]


ALICE = Person("U0ALICE", "Alice (employee)", tz="America/New_York", email="alice@acme.example")
CAMILLE = Person("U0CAMILLE", "Camille (employee, French)", locale="fr-FR", tz="Europe/Paris")
RITA = Person("U0RITA", "Rita (recruiter)", email="rita@acme.example")
SOPHIE = Person("U0SOPHIE", "Sophie (recruiter, French)", locale="fr-FR", tz="Europe/Paris")
HUGO = Person("U0HUGO", "Hugo (hiring manager)")
PEOPLE = (ALICE, CAMILLE, RITA, SOPHIE, HUGO)
JOBS = "C0JOBS"  # where Rita has the weekly roundup of open roles posted
CHANNELS = {"C0SOURCING": "eng-sourcing", JOBS: "jobs"}  # their names in Slack


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
    greenhouse: GreenhouseEmulator
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
        self.out(textwrap.indent(text, "   │ ", lambda _: True))

    def recap(self) -> None:
        self.out("\nWhat each person saw:")
        for name, lines in self.seen.items():
            self.out(f"  {name}")
            for line in lines:
                self.out(f"    - {line}")

    def saw_message(self, person: Person, where: str, message: Message) -> None:
        self.saw(person, where, readable(message.blocks) or message.text)

    def travel_to_next(self, kind: DeliveryKind, person: Person) -> None:
        """Time passes until refbot's next `kind` message to the person falls due (and a
        minute more), so it goes out on time rather than marked late."""
        with self.runtime.dispatcher.sessions() as s:
            due = s.scalar(
                select(func.min(Delivery.due_at)).where(
                    Delivery.kind == kind,
                    Delivery.recipient == person.user_id,
                    Delivery.status == DeliveryStatus.PENDING,
                )
            )
        self.expect(due is not None, f"refbot has no {kind} coming for {person.name}")
        assert due is not None
        self.clock.offset += max(due + timedelta(minutes=1) - self.clock(), timedelta())

    def now(self, message: Message) -> Message:
        """The message as Slack holds it now (refbot may have edited it since)."""
        found = [m for m in self.slack.messages(message.channel) if m.ts == message.ts]
        return found[0] if found else message


def _unmrkdwn(text: str) -> str:
    """Terminal-friendly mrkdwn: names for mentions, links spelt out, no bold markers."""
    names = {p.user_id: p.name.split()[0] for p in PEOPLE}
    text = re.sub(r"<@(\w+)>", lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"<#(\w+)>", lambda m: "#" + CHANNELS.get(m.group(1), m.group(1)), text)
    text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]+)>", r"\1", text)
    text = text.replace("*", "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def date_fallbacks(text: str) -> list[str]:
    """What a Slack client that cannot render `<!date^…|fallback>` shows: the fallbacks."""
    return re.findall(r"<!date\^\d+\^[^|>]*\|([^>]+)>", text)


def _names(names: dict[Any, str]) -> str:
    return "|".join(re.escape(n.rstrip(".")) for n in names.values())


# A date as French writes it: "ven. 4 juin 2027", "mar. 3 nov. 2026" (day name, day, month).
FRENCH_DATE = re.compile(
    rf"\b({_names(get_day_names('abbreviated', locale='fr'))})\.? \d{{1,2}} "
    rf"({_names(get_month_names('abbreviated', locale='fr'))})\.? \d{{4}}"
)


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
            labels = [
                f"[{e['text']['text']}]" if "text" in e else f"[{e['placeholder']['text']} ▾]"
                for e in block["elements"]
                if "text" in e or "placeholder" in e
            ]
            lines.append(" ".join(labels))
        elif kind == "divider":
            lines.append("─" * 40)
        elif kind == "input":  # what the box holds already, if anything
            element = block["element"]
            shown = element.get("initial_option", {}).get("text", {}).get("text")
            lines.append(
                f"{block['label']['text']}: {shown or element.get('initial_value') or '____'}"
            )
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
        story.saw(ALICE, "in the form", readable(ws.modal(ALICE.user_id)["blocks"]))

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
        confirmation = readable(ws.modal(CAMILLE.user_id)["blocks"])
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
        ws.submit(person.user_id, "referral_submit", name=name, email=email)
        return readable(ws.modal(person.user_id)["blocks"])

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


FOLLOW_UP_BUTTONS = ("followup_sent", "followup_replied", "candidate_snooze", "candidate_archive")


def _follow_up(story: Story, person: Person, name: str) -> Message | None:
    """The person's follow-up reminder about `name` that still asks for an answer."""
    found = [
        m
        for m in story.slack.dms(person.user_id)
        if m.has_button("followup_sent") and name in m.plain_text()
    ]
    return found[-1] if found else None


def _reach_out(story: Story, person: Person, card: Message) -> str:
    """The person clicks Reach out on the card and asks for the email draft; what they read."""
    slack, ws = story.slack, story.workspace
    slack.close_views(person.user_id)
    story.expect(card.has_button("candidate_reach_out"), "the card offers no Reach out")
    ws.click(person.user_id, "candidate_reach_out", on=card)
    story.wait(lambda: slack.open_views(person.user_id), "the reach-out form did not open")
    answer = ws.submit(person.user_id, "reach_out_submit", template="referred_A", channel="email")
    story.expect(answer.json().get("response_action") == "update", "the reach-out was refused")
    return readable(answer.json()["view"]["blocks"])


def chapter_follow_up(story: Story) -> None:
    ws = story.workspace
    with story.step("Rita reaches out to Ada by email: refbot writes the draft"):
        card = _card(story)
        assert card is not None
        draft = _reach_out(story, RITA, card)
        story.expect("Hi Ada" in draft, "the draft does not greet Ada")
        story.saw(RITA, "in the form", draft)

    with story.step("Three business days later, no reply yet: refbot reminds Rita to follow up"):
        story.travel_to_next(DeliveryKind.FOLLOW_UP, RITA)
        story.runtime.sweep()
        story.wait(lambda: _follow_up(story, RITA, "Ada Lovelace"), "no follow-up reminder")
        reminder = _follow_up(story, RITA, "Ada Lovelace")
        assert reminder is not None
        story.saw_message(RITA, "in a DM from refbot", reminder)

    with story.step("Rita clicks Sent: the reminder now says what was done, by whom and when"):
        ws.click(RITA.user_id, "followup_sent", on=reminder)
        story.wait(
            lambda: not any(story.now(reminder).has_button(b) for b in FOLLOW_UP_BUTTONS),
            "the reminder still has its buttons",
        )
        done = story.now(reminder)
        text = done.plain_text()
        story.expect(
            "Follow-up sent" in text and f"by <@{RITA.user_id}>" in text and "<!date^" in text,
            "the reminder does not say who sent the follow-up and when",
        )
        story.saw_message(RITA, "in the same DM, after her click", done)


def _as_shown(view: dict[str, Any]) -> dict[str, str]:
    """The numbers a modal shows already, as a person who leaves them alone submits them."""
    return {
        b["block_id"]: b["element"]["initial_value"]
        for b in view["blocks"]
        if b.get("type") == "input" and b["element"].get("type") == "number_input"
    }


def _option(view: dict[str, Any], block_id: str, label: str) -> str:
    """The value of the option labelled `label` in the modal's select `block_id`."""
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return next(o["value"] for o in block["element"]["options"] if label in o["text"]["text"])


def _dm_with(story: Story, person: Person, button: str, name: str) -> Message | None:
    """The person's newest DM about `name` that offers `button`."""
    found = [
        m
        for m in story.slack.dms(person.user_id)
        if m.has_button(button) and name in m.plain_text()
    ]
    return found[-1] if found else None


def chapter_hiring_manager(story: Story) -> None:
    slack, ws = story.slack, story.workspace
    role_title = "Platform Engineer"
    with story.step("Rita makes Sophie, whose Slack is in French, a recruiter (/refbot admin)"):
        slack.close_views(RITA.user_id)
        ws.command(RITA.user_id, "/refbot", "admin")
        story.wait(lambda: slack.open_views(RITA.user_id), "the admin form did not open")
        settings = slack.open_views(RITA.user_id)[-1]
        answer = ws.submit(
            RITA.user_id,
            "admin_submit",
            **_as_shown(settings),
            recruiters=[RITA.user_id, SOPHIE.user_id],
            admins=[RITA.user_id],
        )
        story.expect(answer.json().get("response_action") == "update", "the change was refused")
        saved = readable(answer.json()["view"]["blocks"])
        story.expect(f"<@{SOPHIE.user_id}> is now a recruiter" in saved, "Sophie is no recruiter")
        story.saw(RITA, "in the form", saved)

    with story.step(f"Sophie opens a role Hugo is hiring for: {role_title}"):
        ws.command(SOPHIE.user_id, "/refbot", "role")
        story.wait(lambda: slack.open_views(SOPHIE.user_id), "the role form did not open")
        answer = ws.submit(
            SOPHIE.user_id,
            "role_submit",
            title=role_title,
            team="Platform",
            hiring_manager=HUGO.user_id,
            recruiter=SOPHIE.user_id,
            status="open",
        )
        story.expect(answer.json().get("response_action") == "update", "the role was refused")
        story.saw(SOPHIE, "dans le formulaire", readable(answer.json()["view"]["blocks"]))
        slack.close_views(SOPHIE.user_id)

    def refer(name: str, note: str) -> None:
        slack.close_views(CAMILLE.user_id)
        ws.command(CAMILLE.user_id, "/refer")
        story.wait(lambda: slack.open_views(CAMILLE.user_id), "the referral form did not open")
        form = slack.open_views(CAMILLE.user_id)[-1]
        slug = name.lower().replace(" ", "-")
        answer = ws.submit(
            CAMILLE.user_id,
            "referral_submit",
            name=name,
            email=f"{slug}@example.com",
            profile_url=f"https://www.linkedin.com/in/{slug}/",
            role=_option(form, "role", role_title),
            relationship="studied_together",
            strength="strong",
            candidate_knows="yes",
            note=note,
        )
        story.expect(answer.json().get("response_action") == "update", "the form was refused")

    with story.step("Camille refers two former classmates for it; Hugo gets a card for each"):
        refer("Marie Curie", "Runs the Kubernetes platform at her lab; wants a product team.")
        refer("Paul Langevin", "Great at incident reviews; mostly on-prem so far.")
        for name in ("Marie Curie", "Paul Langevin"):
            story.wait(lambda n=name: _dm_with(story, HUGO, "hm_pass", n), f"no card for {name}")
            story.wait(
                lambda n=name: _dm_with(story, SOPHIE, "candidate_reach_out", n),
                f"Sophie has no card for {name}",
            )
        card = _dm_with(story, HUGO, "hm_pass", "Paul Langevin")
        assert card is not None
        story.expect("Great at incident reviews" in card.plain_text(), "the card has no note")
        story.saw_message(HUGO, "in a DM from refbot", card)

    reason = "Strong on operations, but we need someone who has run Kubernetes in production."
    with story.step("Hugo passes on Paul and says why; Sophie gets his answer, in French"):
        ws.click(HUGO.user_id, "hm_pass", on=card)
        story.wait(lambda: slack.open_views(HUGO.user_id), "the Pass form did not open")
        story.saw(HUGO, "a form", readable(slack.open_views(HUGO.user_id)[-1]["blocks"]))
        answer = ws.submit(HUGO.user_id, "hm_pass_submit", reason=reason)
        story.expect(answer.status == 200 and not answer.json().get("errors"), "Pass refused")

        def decision() -> Message | None:
            found = [m for m in slack.dms(SOPHIE.user_id) if reason in m.plain_text()]
            return found[-1] if found else None

        story.wait(decision, "Sophie never heard Hugo's answer")
        told = decision()
        assert told is not None
        story.expect("ne donne pas suite" in told.plain_text(), "the answer is not in French")
        story.saw_message(SOPHIE, "dans un DM de refbot", told)

    with story.step("Hugo's card now says what he answered and when; Pass is gone"):
        story.wait(lambda: not story.now(card).has_button("hm_pass"), "Pass is still there")
        answered = story.now(card)
        text = answered.plain_text()
        story.expect("You *passed*" in text and "<!date^" in text, "the card does not say so")
        story.saw_message(HUGO, "on the same card", answered)

    with story.step("Hugo is interested in Marie; Sophie hears it and reaches out to her"):
        marie = _dm_with(story, HUGO, "hm_interested", "Marie Curie")
        assert marie is not None
        ws.click(HUGO.user_id, "hm_interested", on=marie)

        def interested() -> Message | None:
            found = [
                m
                for m in slack.dms(SOPHIE.user_id)
                if "intéressé" in m.text and "Marie Curie" in m.text
            ]
            return found[-1] if found else None

        story.wait(interested, "Sophie never heard Hugo is interested")
        told = interested()
        assert told is not None
        story.saw_message(SOPHIE, "dans un DM de refbot", told)
        card = _dm_with(story, SOPHIE, "candidate_reach_out", "Marie Curie")
        story.expect(card is not None, "Sophie's card for Marie offers no Reach out")
        assert card is not None
        draft = _reach_out(story, SOPHIE, card)
        story.expect("Bonjour Marie" in draft, "the draft is not in French")
        story.saw(SOPHIE, "dans le formulaire", draft)

    with story.step("No reply yet: Sophie's follow-up reminder comes in French, dated in French"):
        story.travel_to_next(DeliveryKind.FOLLOW_UP, SOPHIE)
        story.runtime.sweep()
        story.wait(lambda: _follow_up(story, SOPHIE, "Marie Curie"), "no follow-up reminder")
        reminder = _follow_up(story, SOPHIE, "Marie Curie")
        assert reminder is not None
        raw = reminder.plain_text()
        dates = date_fallbacks(raw)
        story.expect("relance" in raw and "sans réponse" in raw, "the reminder is not in French")
        story.expect(
            bool(dates) and all(FRENCH_DATE.search(d) for d in dates),
            f"its dates are not written in French: {dates}",
        )
        story.saw_message(SOPHIE, "dans un DM de refbot", reminder)

    with story.step("Sophie clicks Envoyé: the reminder says so, in French"):
        ws.click(SOPHIE.user_id, "followup_sent", on=reminder)
        story.wait(
            lambda: not any(story.now(reminder).has_button(b) for b in FOLLOW_UP_BUTTONS),
            "the reminder still has its buttons",
        )
        done = story.now(reminder)
        text, dates = done.plain_text(), date_fallbacks(done.plain_text())
        story.expect(
            f"Relance envoyée* par <@{SOPHIE.user_id}>" in text
            and bool(dates)
            and all(FRENCH_DATE.search(d) for d in dates),
            "the reminder does not say, in French, who sent the follow-up and when",
        )
        story.saw_message(SOPHIE, "dans le même DM, après son clic", done)


def _in_greenhouse(story: Story, email: str) -> dict[str, Any] | None:
    """The application Greenhouse holds for the person with this email, if any."""
    gh = story.greenhouse
    for person in gh.candidates():
        if any(e["value"] == email for e in person["email_addresses"]):
            applications = gh.applications(person["id"])
            return applications[0] if applications else None
    return None


def _interviewing(story: Story, name: str) -> list[Message]:
    """Alice's DMs telling her `name` is interviewing."""
    return [
        m for m in story.slack.dms(ALICE.user_id) if name in m.text and "is interviewing" in m.text
    ]


def _poll(story: Story) -> PollReport:
    """refbot's ATS poll, as its scheduler runs it every REFBOT_ATS_POLL_SECONDS (5 minutes),
    then the sweep that sends what it changed."""
    assert story.runtime.services.ats_pull is not None
    story.clock.travel(minutes=5)
    report = story.runtime.services.ats_pull.poll()
    story.expect(report.failed == 0, "refbot's poll of Greenhouse failed")
    story.runtime.sweep()
    return report


def chapter_greenhouse(story: Story) -> None:
    slack, ws, gh = story.slack, story.workspace, story.greenhouse
    role_title = "Analytics Engineer"
    # What the team set up in Greenhouse: its users (found by email) and an open job.
    alice = gh.add_user(str(ALICE.email), "Alice", "Martin")  # a referrer there
    rita = gh.add_user(str(RITA.email), "Rita", "Okafor", referrer=False)
    robot = gh.add_user("refbot@acme.example", "refbot", "(Slack)", referrer=False)
    job = int(gh.add_job(role_title, recruiters=(rita,)))
    gh.webhook_url = f"{ws.server_url}/ats/greenhouse/webhook"

    with story.step("Rita connects Greenhouse (/refbot ats); refbot's poll makes its job a role"):
        slack.close_views(RITA.user_id)
        ws.command(RITA.user_id, "/refbot", "ats")
        story.wait(lambda: slack.open_views(RITA.user_id), "the ATS form did not open")
        ws.submit(
            RITA.user_id,
            "ats_submit",
            ats="greenhouse",
            client_id="gh-client",
            secret="gh-secret",
            acting_user=robot,
            webhook_secret=gh.webhook_secret,
            mode="webhooks",
            push="auto",
        )

        def connected() -> str:
            views = slack.open_views(RITA.user_id)
            text = readable(views[-1]["blocks"]) if views else ""
            return text if "Connected to *Greenhouse*" in text else ""

        story.wait(connected, "Greenhouse was not connected")
        story.saw(RITA, "in the form", connected())
        slack.close_views(RITA.user_id)
        _poll(story)
        with story.runtime.dispatcher.sessions() as s:
            role = s.scalar(select(Role).where(Role.title == role_title))
        story.expect(role is not None and role.recruiter_id == RITA.user_id, "no role for Rita")

    def refer(name: str, email: str) -> dict[str, Any]:
        slack.close_views(ALICE.user_id)
        ws.command(ALICE.user_id, "/refer")
        story.wait(lambda: slack.open_views(ALICE.user_id), "the referral form did not open")
        form = slack.open_views(ALICE.user_id)[-1]
        answer = ws.submit(
            ALICE.user_id,
            "referral_submit",
            name=name,
            email=email,
            role=_option(form, "role", role_title),
            relationship="worked_together",
            strength="strong",
            candidate_knows="yes",
        )
        story.expect(answer.json().get("response_action") == "update", "the form was refused")
        story.runtime.sweep()
        story.wait(lambda: _in_greenhouse(story, email), f"{name} never reached Greenhouse")
        application = _in_greenhouse(story, email)
        assert application is not None
        story.expect(
            application["job_id"] == job
            and application["referrer_id"] == int(gh.referrer_id(alice) or 0)
            and application["source_id"] == int(gh.source_id("Referral")),
            f"Greenhouse does not show {name} as a referral for {role_title} credited to Alice",
        )
        return application

    ada_email = "ada.yonath@example.com"
    with story.step(f"Alice refers Ada Yonath for {role_title}: Ada appears in Greenhouse"):
        ada = refer("Ada Yonath", ada_email)  # checked: on the job, source and referrer
        person = gh.candidate(str(ada["candidate_id"]))
        story.out("   Greenhouse shows:")
        story.out(
            f"   │ {person['first_name']} {person['last_name']} ({ada_email}), applied to "
            f"{role_title}\n   │ Source: Referral · Referrer: Alice Martin ({ALICE.email})"
        )

        def card() -> Message | None:
            found = _dm_with(story, RITA, "candidate_snooze", "Ada Yonath")
            return found if found and "credited to" in found.plain_text() else None

        story.wait(card, "Rita's card does not say Ada is in Greenhouse, credited to Alice")
        shown = card()
        assert shown is not None
        story.saw_message(RITA, "in a DM from refbot", shown)

    with story.step("The recruiter moves Ada to Technical Interview in Greenhouse"):
        sent = gh.move_stage(str(ada["id"]), "Technical Interview")
        story.expect(sent is not None and sent.status == 200, "refbot refused the webhook")
        assert sent is not None
        story.out(
            "   Greenhouse sends: POST /ats/greenhouse/webhook (candidate_stage_change, "
            f"signed {sent.headers['Signature'][:14]}…) → {sent.status}"
        )
        story.runtime.sweep()
        story.wait(lambda: _interviewing(story, "Ada Yonath"), "Alice was not told")
        story.saw_message(ALICE, "in a DM from refbot", _interviewing(story, "Ada Yonath")[-1])

    with story.step("Five minutes later refbot's poll reads the same move: nothing is told twice"):
        before = len(slack.dms(ALICE.user_id))
        report = _poll(story)
        story.expect(report.changes > 0 and report.applied == 0, "the poll did not read it")
        story.expect(len(slack.dms(ALICE.user_id)) == before, "Alice was told twice")
        story.out("   Alice hears nothing new: refbot had this move from the webhook.")

    with story.step("Now by polling alone: Alice refers Katherine Johnson, who moves to a screen"):
        gh.webhook_url = None  # as for refbot in Socket Mode: no public URL, no webhook
        katherine = refer("Katherine Johnson", "katherine.johnson@example.com")
        moved = gh.move_stage(str(katherine["id"]), "Recruiter Screen")
        story.expect(moved is None, "Greenhouse sent a webhook")
        story.out("   Greenhouse: Katherine Johnson moved to Recruiter Screen; no webhook is sent")
        story.runtime.sweep()
        story.expect(not _interviewing(story, "Katherine Johnson"), "told before any poll")

    with story.step("Five minutes later refbot's poll finds the move: Alice is told, once"):
        story.expect(_poll(story).applied == 1, "the poll did not apply the move")
        story.wait(lambda: _interviewing(story, "Katherine Johnson"), "Alice was not told")
        told = _interviewing(story, "Katherine Johnson")
        story.saw_message(ALICE, "in a DM from refbot", told[-1])
        _poll(story)
        story.expect(len(_interviewing(story, "Katherine Johnson")) == 1, "told twice")


def _roundup(story: Story) -> Message | None:
    """The weekly roundup in #jobs: a post offering "Refer someone"."""
    found = [m for m in story.slack.messages(JOBS) if m.has_button("roundup_refer")]
    return found[-1] if found else None


def _stage_card(story: Story, name: str) -> Message | None:
    """Rita's card for `name` whose "Move to…" offers Hired."""
    for card in reversed(story.slack.dms(RITA.user_id)):
        if name in card.plain_text() and any(
            e.get("action_id") == "candidate_stage"
            and any(o["value"].endswith(":hired") for o in e.get("options", []))
            for b in card.blocks
            for e in b.get("elements", [])
        ):
            return card
    return None


def _reward_dms(story: Story, name: str) -> list[Message]:
    """Alice's DMs promising her a reward for referring `name`."""
    return [m for m in story.slack.dms(ALICE.user_id) if name in m.text and "Your reward" in m.text]


def chapter_referral_program(story: Story) -> None:
    slack, ws = story.slack, story.workspace
    role_title, name = "Site Reliability Engineer", "Dorothy Vaughan"
    with story.step("Rita, an admin, sets a €1,000 referral reward and a Monday roundup in #jobs"):
        slack.close_views(RITA.user_id)
        ws.command(RITA.user_id, "/refbot", "admin")
        story.wait(lambda: slack.open_views(RITA.user_id), "the admin form did not open")
        answer = ws.submit(
            RITA.user_id,
            "admin_submit",
            **_as_shown(slack.open_views(RITA.user_id)[-1]),
            reward_amount="1000",
            reward_currency="EUR",
            reward_days="90",
        )
        story.expect(answer.json().get("response_action") == "update", "the reward was refused")
        slack.close_views(RITA.user_id)
        ws.command(RITA.user_id, "/refbot", "admin")
        story.wait(lambda: slack.open_views(RITA.user_id), "the admin form did not open")
        reward = [
            b
            for b in slack.open_views(RITA.user_id)[-1]["blocks"]
            if b.get("block_id") in ("reward_amount", "reward_currency", "reward_days")
        ]
        amount, currency, days = (b["element"].get("initial_value") for b in reward)
        story.expect(
            (Decimal(amount or "0"), currency, days) == (1000, "EUR", "90"),
            "the admin form does not show the reward Rita saved",
        )
        story.saw(RITA, "in /refbot admin, reopened", readable(reward))
        ws.click(RITA.user_id, "admin_roundups")
        story.wait(
            lambda: len(slack.open_views(RITA.user_id)) == 2, "the roundup settings did not open"
        )
        answer = ws.submit(
            RITA.user_id,
            "roundup_settings_submit",
            roundup_channels=[JOBS],
            roundup_weekday="0",
            roundup_hour="10",
        )
        story.expect(answer.json().get("response_action") == "update", "the settings were refused")
        saved = readable(answer.json()["view"]["blocks"])
        # The workspace's zone, as the confirmation names it: the roundup comes at 10:00 there.
        schedule = re.search(r"every Monday at 10:00\sAM \(([^)]+)\)", saved)
        story.expect(schedule is not None, "the confirmation does not say Mondays at 10:00")
        assert schedule is not None
        story.saw(RITA, "in the form", saved)
        slack.close_views(RITA.user_id)

    with story.step(f"Rita opens a role she recruits for: {role_title}"):
        ws.command(RITA.user_id, "/refbot", "role")
        story.wait(lambda: slack.open_views(RITA.user_id), "the role form did not open")
        answer = ws.submit(
            RITA.user_id,
            "role_submit",
            title=role_title,
            team="Infrastructure",
            recruiter=RITA.user_id,
            status="open",
            ideal_profile="Has been on call for a large production system and enjoys it.",
        )
        story.expect(answer.json().get("response_action") == "update", "the role was refused")
        slack.close_views(RITA.user_id)

    with story.step("Next Monday, 10:05: the roundup arrives in #jobs, each role with its reward"):
        zone = ZoneInfo(schedule.group(1))
        here = story.clock().astimezone(zone)
        monday = datetime.combine(
            here.date() + timedelta(days=(7 - here.weekday()) % 7), time(10, 5), zone
        )
        if monday <= here:
            monday += timedelta(days=7)
        story.clock.offset += monday - story.clock()
        story.runtime.services.roundups.queue_due()  # refbot's hourly job
        story.runtime.sweep()
        story.wait(lambda: _roundup(story), "no roundup in #jobs")
        post = _roundup(story)
        assert post is not None
        text = post.plain_text()
        story.expect(role_title in text, f"the roundup does not list {role_title}")
        story.expect("Referral reward: €1,000" in text, "the roundup shows no reward")
        story.expect(
            not any(n in text for n in ("Ada", "Grace", "Marie", "Katherine")),
            "a candidate name reached the channel",
        )
        story.saw_message(ALICE, "in #jobs", post)
        story.runtime.services.roundups.queue_due()  # the same hour, a minute later
        story.runtime.sweep()
        story.expect(
            len([m for m in slack.messages(JOBS) if m.has_button("roundup_refer")]) == 1,
            "the roundup was posted twice",
        )

    with story.step(f"Alice clicks Refer someone on {role_title}: the role is already chosen"):
        role = next(
            b["accessory"]["value"]
            for b in post.blocks
            if role_title in b.get("text", {}).get("text", "")
            and b.get("accessory", {}).get("action_id") == "roundup_refer"
        )
        slack.close_views(ALICE.user_id)
        ws.click(ALICE.user_id, "roundup_refer", value=role, on=post)
        story.wait(lambda: slack.open_views(ALICE.user_id), "the referral form did not open")
        form = slack.open_views(ALICE.user_id)[-1]
        chosen = next(b for b in form["blocks"] if b.get("block_id") == "role")["element"]
        story.expect(
            chosen.get("initial_option", {}).get("value") == role, "the role is not chosen"
        )
        story.saw(ALICE, "a form", readable(form["blocks"]))
        answer = ws.submit(
            ALICE.user_id,
            "referral_submit",
            name=name,
            email="dorothy.vaughan@example.com",
            role=chosen["initial_option"]["value"],  # left as it was: Slack sends it so
            relationship="worked_together",
            strength="strong",
            candidate_knows="yes",
            note="Led our on-call rotation through two data-centre moves.",
        )
        story.expect(answer.json().get("response_action") == "update", "the form was refused")
        story.saw(ALICE, "in the form", readable(ws.modal(ALICE.user_id)["blocks"]))

    with story.step(f"Rita gets the card for {name} and moves her to Hired"):
        story.runtime.sweep()
        story.wait(lambda: _stage_card(story, name), "Rita has no card offering Hired")
        card = _stage_card(story, name)
        assert card is not None
        story.expect(role_title in card.plain_text(), "the card does not name the role")
        story.saw_message(RITA, "in a DM from refbot", card)
        ws.click(RITA.user_id, "candidate_stage", choose="hired", on=card)
        story.wait(
            lambda: f"*Hired* by <@{RITA.user_id}>" in story.now(card).plain_text(),
            "the card does not say Rita hired her",
        )
        story.saw_message(RITA, "on the same card", story.now(card))

    with story.step("Alice hears Dorothy is joining, and what her reward is and when it's paid"):
        story.wait(lambda: _reward_dms(story, name), "Alice was not told of her reward")

        def joining() -> list[Message]:
            return [
                m
                for m in slack.dms(ALICE.user_id)
                if f"{name}* is joining us" in m.text and "Your reward" not in m.text
            ]

        story.wait(joining, "Alice was not told Dorothy is joining")
        story.saw_message(ALICE, "in a DM from refbot", joining()[0])
        told = _reward_dms(story, name)[0]
        hired_on = story.clock().astimezone(ZoneInfo(ALICE.tz)).date()
        payable = format_date(hired_on + timedelta(days=90), "full", locale="en_US")
        story.expect(
            f"*€1,000* when {name} has been with us 90 days, on {payable}" in told.text,
            f"the DM does not promise €1,000 on {payable}",
        )
        story.saw_message(ALICE, "in a DM from refbot", told)
        story.runtime.sweep()
        story.expect(
            len(_reward_dms(story, name)) == 1 and len(joining()) == 1, "Alice was told twice"
        )


CHAPTERS: list[Callable[[Story], None]] = [
    chapter_help_and_home,
    chapter_referral,
    chapter_snooze,
    chapter_sourcing,
    chapter_follow_up,
    chapter_hiring_manager,
    chapter_greenhouse,
    chapter_referral_program,
]


def play(
    out: Callable[[str], None] = print, chapters: list[Callable[[Story], None]] | None = None
) -> int:
    """Run every chapter; 0 when each step happened as expected, else 1 naming the step."""
    clock = DemoClock()
    with (
        tempfile.TemporaryDirectory(prefix="refbot-demo-") as tmp,
        SlackEmulator() as slack,
        GreenhouseEmulator(clock=clock) as greenhouse,  # on the story's time, as refbot is
    ):
        for person in PEOPLE:
            slack.add_user(
                person.user_id,
                name=person.name.split()[0].lower(),
                real_name=person.real_name,
                locale=person.locale,
                tz=person.tz,
                email=person.email,
            )
        url = f"sqlite:///{Path(tmp) / 'refbot.db'}"
        migrate.upgrade(url)
        settings = Settings(
            slack_bot_token=slack.token,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack.url,
            database_url=url,
            refbot_recruiters=(RITA.user_id,),
            # A key made for this run: it encrypts the ATS credentials Rita saves.
            refbot_secret_key=SecretStr(Fernet.generate_key().decode()),
            greenhouse_api_url=greenhouse.api_url,
            greenhouse_auth_url=greenhouse.auth_url,
        )
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
                    slack=slack,
                    workspace=workspace,
                    runtime=runtime,
                    clock=clock,
                    greenhouse=greenhouse,
                    out=out,
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
