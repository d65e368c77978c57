"""A referral modal's submission, saved after the ack by the dispatcher (bot.services.submissions):
saved once however often its row is run, and its outcome kept for the modal's update."""

from typing import Any

from sqlalchemy import func, select

from bot.app import Runtime
from bot.outbox import Due
from bot.services.referrals import ReferralForm
from bot.services.submissions import Use
from bot.slack_emulator import SlackEmulator
from storage.models import Delivery, Referral
from storage.types import DeliveryKind
from tests.conftest import EMPLOYEE, TEAM
from tests.services.conftest import claimed

ADA = ReferralForm(name="Ada Lovelace", email="ada@example.com", candidate_knows=True)
VIEW: dict[str, Any] = {"id": "V0ADA", "hash": "1.a", "callback_id": "referral_submit"}


def queued(runtime: Runtime) -> Due:
    """A submission accepted by an ack, its row as a dispatcher claims it (none runs here)."""
    runtime.dispatcher.stop()
    accepted = runtime.services.submissions.accept(
        team_id=TEAM, user_id=EMPLOYEE, use=Use.REFER, form=ADA, view_id="V0ADA", submitted=VIEW
    )
    assert accepted.errors == {}
    with runtime.services.referrals.sessions() as s:
        row = s.scalars(select(Delivery).where(Delivery.kind == DeliveryKind.SUBMISSION)).one()
        return claimed(row)


def referrals(runtime: Runtime) -> int:
    with runtime.services.referrals.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Referral)) or 0)


def shown(slack: SlackEmulator) -> list[str]:
    return [str(c.args.get("view")) for c in slack.calls_to("views.update")]


def test_a_row_run_twice_saves_once_and_shows_the_same_outcome(
    runtime: Runtime, slack: SlackEmulator
) -> None:
    due = queued(runtime)
    submissions = runtime.services.submissions

    submissions.send(due)
    submissions.send(due)  # its lease lapsed after the commit: another worker runs the same row

    assert referrals(runtime) == 1
    views = shown(slack)
    assert len(views) == 2 and all("Thanks" in v and "Ada Lovelace" in v for v in views)


def test_a_save_whose_outcome_was_lost_says_it_was_received_and_saves_nothing_more(
    runtime: Runtime, slack: SlackEmulator
) -> None:
    due = queued(runtime)
    # The save committed, then the process died before it kept the outcome.
    assert runtime.services.requests.first_time(team_id=TEAM, key=f"submission:{due.id}")

    runtime.services.submissions.send(due)

    assert referrals(runtime) == 0  # nothing written twice (here, nothing written at all)
    assert len(shown(slack)) == 1 and "with the recruiting team" not in shown(slack)[0]
    assert "refbot has it" in shown(slack)[0]


def test_the_row_keeps_no_form_once_saved_and_no_name_at_all(
    runtime: Runtime, slack: SlackEmulator
) -> None:
    due = queued(runtime)
    assert due.payload["form"]["email"] == "ada@example.com"

    runtime.services.submissions.send(due)

    with runtime.services.referrals.sessions() as s:
        payload = s.get(Delivery, due.id).payload  # type: ignore[union-attr]
    assert "form" not in payload and "submitted" not in payload
    assert "Ada" not in str(payload) and "ada@example.com" not in str(payload)
