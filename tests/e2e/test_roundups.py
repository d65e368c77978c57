"""Role roundups and recognition (issue 17, items 1 and 4): open roles posted for referral in the
channels an admin picked, once per channel per week whatever the replicas and restarts; a
"Refer someone" that opens the modal with the role chosen; personal DM roundups for those who
asked; a monthly thank-you that names referrers who agreed to it and never a candidate."""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from bot.app import Runtime, build
from bot.dispatcher import CHANNEL_PACE
from bot.errors import NotAllowed
from bot.slack_emulator import Message, SlackEmulator
from storage.models import Referral
from storage.repositories import roundups
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, RECRUITER, TEAM, Clock, Refbot
from tests.e2e.test_referral import refer as refer_once

JOBS, ENGINEERING, THANKS = "C0JOBS", "C0ENG", "C0THANKS"
NEXT_WEEK = {"days": 7}
DECEMBER_FIRST_TEN_THIRTY = {"days": 28, "hours": 20, "minutes": 30}  # from Monday 2 Nov 14:00


@pytest.fixture
def second_worker(refbot: Refbot) -> Iterator[Runtime]:
    """Another process on the same database, as a second `refbot worker` replica."""
    worker = build(refbot.settings, scheduler=False)
    yield worker
    worker.close()


def role(refbot: Refbot, title: str, *, team: str | None = None, profile: str | None = None) -> str:
    created = refbot.runtime.services.roles.create(
        team_id=TEAM,
        actor_id=RECRUITER,
        title=title,
        team_name=team,
        hiring_manager_id=None,
        recruiter_id=RECRUITER,
        status="open",
        ideal_profile=profile,
    ).role
    assert created is not None
    return created.public_id


def configure(refbot: Refbot, **fields: object) -> dict:
    """Rita, an admin, opens `/refbot admin`, then "Role roundups and thank-you posts…", and
    saves `fields`; the answer to her submission."""
    slack = refbot.slack
    refbot.command(RECRUITER, "/refbot", "admin")
    assert slack.wait_for(lambda: _open(slack, RECRUITER, "admin_submit"))
    refbot.click(RECRUITER, "admin_roundups")
    assert slack.wait_for(lambda: _open(slack, RECRUITER, "roundup_settings_submit"))
    answer = refbot.submit(RECRUITER, "roundup_settings_submit", **fields)
    slack.close_views(RECRUITER)
    return answer.json()


def refer(refbot: Refbot, user: str, **fields: str) -> None:
    refer_once(refbot, user, **fields)
    refbot.slack.close_views(user)


def _open(slack: SlackEmulator, user: str, callback_id: str) -> bool:
    return any(v["callback_id"] == callback_id for v in slack.open_views(user))


def weekly(refbot: Refbot, *channels: str) -> dict:
    answer = configure(
        refbot, roundup_channels=list(channels), roundup_weekday="0", roundup_hour="10"
    )
    assert answer["response_action"] == "update"
    return answer


def roundup_time(*runtimes: Runtime) -> None:
    """The hourly job, then the dispatcher, in each process at the same time."""

    def jobs(runtime: Runtime) -> None:
        runtime.services.roundups.queue_due()
        runtime.services.roundups.announce_opened()
        runtime.services.recognition.queue_due()

    with ThreadPoolExecutor(len(runtimes)) as processes:
        list(processes.map(jobs, runtimes))
        list(processes.map(lambda runtime: runtime.sweep(), runtimes))


def posts(slack: SlackEmulator, channel: str) -> list[Message]:
    return [m for m in slack.messages(channel) if not m.ephemeral]


def roundup_dms(slack: SlackEmulator, user: str) -> list[Message]:
    return [m for m in slack.dms(user) if m.has_button("roundup_refer")]


def refer_buttons(message: Message) -> list[str]:
    return [
        b["accessory"]["value"]
        for b in message.blocks
        if b.get("accessory", {}).get("action_id") == "roundup_refer"
    ]


def test_a_weekly_roundup_arrives_once_per_channel_per_week_across_a_restart_and_two_workers(
    refbot: Refbot, second_worker: Runtime, slack: SlackEmulator, clock: Clock
) -> None:
    engineer = role(refbot, "Data Engineer", team="Data", profile="Python, SQL\nand more")
    designer = role(refbot, "Product Designer", team="Design")
    weekly(refbot, JOBS, ENGINEERING)

    roundup_time(refbot.runtime, second_worker)
    refbot.restart()  # the same database, a new process: this week's roundup is already out
    roundup_time(refbot.runtime, second_worker)
    first_week = {channel: len(posts(slack, channel)) for channel in (JOBS, ENGINEERING)}
    clock.travel(**NEXT_WEEK)
    roundup_time(refbot.runtime, second_worker)
    roundup_time(refbot.runtime, second_worker)

    assert first_week == {JOBS: 1, ENGINEERING: 1}
    for channel in (JOBS, ENGINEERING):
        sent = posts(slack, channel)
        assert len(sent) == 2
        assert refer_buttons(sent[0]) == [engineer, designer]
        text = sent[0].plain_text()
        assert "Data Engineer" in text and "Data" in text and "Python, SQL" in text
        assert "and more" not in text  # one line of the ideal profile


def test_a_channel_with_60_open_roles_gets_valid_block_kit_within_limits(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    long = "x" * 2000  # the ideal profile's first line is clipped
    ids = [
        role(refbot, f"Role {n:02d} " + "t" * 150, team="T" * 100, profile=long) for n in range(60)
    ]
    weekly(refbot, JOBS)

    roundup_time(refbot.runtime)

    sent = posts(slack, JOBS)
    assert len(sent) == 3
    assert all(len(m.blocks) <= 50 and m.text for m in sent)
    assert [value for m in sent for value in refer_buttons(m)] == ids
    assert slack.errors == []  # the fake Slack checked every block against Slack's limits


def test_a_long_roundup_goes_out_at_slacks_pace_of_one_message_a_second_per_channel(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    for n in range(45):  # three posts
        role(refbot, f"Role {n}")
    weekly(refbot, JOBS)
    refbot.runtime.services.roundups.queue_due()

    started = time.monotonic()
    refbot.sweep()
    took = time.monotonic() - started

    assert len(posts(slack, JOBS)) == 3
    assert took >= 2 * CHANNEL_PACE  # a second between the first and second, second and third


def test_refer_someone_from_the_roundup_opens_the_modal_with_the_role_chosen(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    role(refbot, "Sales Lead", team="Sales")
    engineer = role(refbot, "Data Engineer", team="Data")
    weekly(refbot, JOBS)
    roundup_time(refbot.runtime)

    refbot.click(EMPLOYEE, "roundup_refer", value=engineer, on=posts(slack, JOBS)[0])
    assert slack.wait_for(lambda: _open(slack, EMPLOYEE, "referral_submit"))
    answer = refbot.submit(
        EMPLOYEE,
        "referral_submit",
        name="Ada Lovelace",
        email="ada@example.com",
        candidate_knows="yes",
        role=engineer,
    )

    modal = slack.open_views(EMPLOYEE)[-1]
    assert answer.status == 200
    with refbot.runtime.dispatcher.sessions() as s:
        referral = s.scalars(select(Referral)).one()
        assert referral.role is not None and referral.role.public_id == engineer
    assert modal["callback_id"] == "referral_submit"


def test_the_roundups_refer_button_preselects_its_role_in_the_referral_modal(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    role(refbot, "Sales Lead", team="Sales")
    engineer = role(refbot, "Data Engineer", team="Data")
    weekly(refbot, JOBS)
    roundup_time(refbot.runtime)

    refbot.click(EMPLOYEE, "roundup_refer", value=engineer, on=posts(slack, JOBS)[0])

    assert slack.wait_for(lambda: _open(slack, EMPLOYEE, "referral_submit"))
    modal = slack.open_views(EMPLOYEE)[-1]
    select_role = next(b for b in modal["blocks"] if b["block_id"] == "role")["element"]
    assert select_role["initial_option"]["value"] == engineer


def subscribe(refbot: Refbot, user: str, **choice: str) -> None:
    slack = refbot.slack
    refbot.open_home(user)
    assert slack.wait_for(lambda: _home_has(slack, user, "home_roundup_dm"))
    refbot.click(user, "home_roundup_dm")
    assert slack.wait_for(lambda: _open(slack, user, "roundup_dm_submit"))
    assert refbot.submit(user, "roundup_dm_submit", **choice).status == 200
    slack.close_views(user)
    assert slack.wait_for(lambda: _home_has(slack, user, "home_roundup_stop"))


def _home_has(slack: SlackEmulator, user: str, action_id: str) -> bool:
    home = slack.home(user) or {}
    return action_id in str(home.get("blocks"))


def test_opt_in_dm_roundups_go_only_to_those_who_opted_in_matching_their_choice(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    role(refbot, "Data Engineer", team="Data")
    role(refbot, "Product Designer", team="Design", profile="Figma and user research")
    role(refbot, "Sales Lead", team="Sales")
    subscribe(refbot, EMPLOYEE, roundup_team="Data")
    subscribe(refbot, FRENCH_EMPLOYEE, roundup_keywords="figma")

    roundup_time(refbot.runtime)

    alice, camille = roundup_dms(slack, EMPLOYEE), roundup_dms(slack, FRENCH_EMPLOYEE)
    assert len(alice) == 1 and len(camille) == 1
    assert "Data Engineer" in alice[0].plain_text()
    assert "Designer" not in alice[0].plain_text() and "Sales" not in alice[0].plain_text()
    assert "Product Designer" in camille[0].plain_text()
    assert "Data Engineer" not in camille[0].plain_text()
    assert "postes ouverts" in camille[0].plain_text()  # in her language
    assert roundup_dms(slack, RECRUITER) == []


def test_opting_out_stops_the_next_dm_roundup(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    role(refbot, "Data Engineer", team="Data")
    subscribe(refbot, EMPLOYEE)
    roundup_time(refbot.runtime)

    refbot.click(EMPLOYEE, "home_roundup_stop")
    assert slack.wait_for(lambda: _home_has(slack, EMPLOYEE, "home_roundup_dm"))
    clock.travel(**NEXT_WEEK)
    roundup_time(refbot.runtime)

    assert len(roundup_dms(slack, EMPLOYEE)) == 1


def test_monthly_thank_you_counts_and_names_referrers_who_agreed_never_candidates(
    refbot: Refbot, second_worker: Runtime, slack: SlackEmulator, clock: Clock
) -> None:
    answer = configure(refbot, recognition_channel=THANKS)
    assert answer["response_action"] == "update"
    refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com", candidate_knows="yes")
    refer(refbot, EMPLOYEE, name="Alan Turing", email="alan@example.com", candidate_knows="yes")
    refer(
        refbot,
        FRENCH_EMPLOYEE,
        name="Grace Hopper",
        email="grace@example.com",
        candidate_knows="no",
    )
    refbot.open_home(FRENCH_EMPLOYEE)
    assert slack.wait_for(lambda: _home_has(slack, FRENCH_EMPLOYEE, "home_thanks_name"))
    refbot.click(FRENCH_EMPLOYEE, "home_thanks_name", value="hide")
    assert slack.wait_for(lambda: "show" in str((slack.home(FRENCH_EMPLOYEE) or {}).get("blocks")))
    ada = _candidate(refbot, "ada@example.com")
    refbot.runtime.services.candidates.move(
        team_id=TEAM, actor_id=RECRUITER, candidate=ada, stage="hired"
    )

    clock.travel(**DECEMBER_FIRST_TEN_THIRTY)
    roundup_time(refbot.runtime, second_worker)
    roundup_time(refbot.runtime, second_worker)

    sent = posts(slack, THANKS)
    assert len(sent) == 1
    text = sent[0].plain_text()
    assert "November 2026" in text
    assert "*3* referrals" in text and "*1* person was hired" in text
    assert f"<@{EMPLOYEE}> (2)" in text
    assert FRENCH_EMPLOYEE not in text
    for private in ("Ada", "Alan", "Grace", "Lovelace", "@example.com"):
        assert private not in text


def _candidate(refbot: Refbot, email: str) -> str:
    from storage.models import Candidate

    with refbot.runtime.dispatcher.sessions() as s:
        return s.scalars(select(Candidate.public_id).where(Candidate.email == email)).one()


def test_no_thank_you_is_posted_unless_an_admin_turned_it_on(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    weekly(refbot, JOBS)
    refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com", candidate_knows="yes")

    clock.travel(**DECEMBER_FIRST_TEN_THIRTY)
    roundup_time(refbot.runtime)

    assert not any("Thank you for your referrals" in m.text for m in slack.messages())


def test_a_non_admin_cannot_change_roundup_settings(refbot: Refbot, slack: SlackEmulator) -> None:
    slack = refbot.slack
    refbot.command(RECRUITER, "/refbot", "admin")
    assert slack.wait_for(lambda: _open(slack, RECRUITER, "admin_submit"))
    refbot.click(RECRUITER, "admin_roundups")
    assert slack.wait_for(lambda: _open(slack, RECRUITER, "roundup_settings_submit"))
    forged = refbot.submission_payload(
        RECRUITER, "roundup_settings_submit", roundup_channels=[JOBS], roundup_weekday="0"
    )
    forged["user"] = {"id": EMPLOYEE, "team_id": TEAM}

    answer = refbot.post_payload(forged)

    assert answer.json()["response_action"] == "errors"
    assert "admin" in str(answer.json()["errors"])  # says whom to ask
    with refbot.runtime.dispatcher.sessions() as s:
        assert roundups.settings(s, TEAM) is None
    with pytest.raises(NotAllowed):  # the modal itself is not opened for them either
        refbot.runtime.services.roundups.settings_view(team_id=TEAM, actor_id=EMPLOYEE)


def test_a_channel_refbot_is_not_in_tells_the_admins_once_in_plain_words(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    for n in range(30):  # two posts a week, each refused
        role(refbot, f"Role {n}")
    weekly(refbot, JOBS)
    slack.channel_without_bot(JOBS)

    roundup_time(refbot.runtime)
    clock.travel(**NEXT_WEEK)
    roundup_time(refbot.runtime)

    told = [m for m in slack.dms(RECRUITER) if "isn't in that channel" in m.plain_text()]
    assert len(told) == 1
    assert "/invite @refbot" in told[0].plain_text()


def test_a_new_role_is_announced_once_in_each_channel_when_it_opens(
    refbot: Refbot, second_worker: Runtime, slack: SlackEmulator
) -> None:
    role(refbot, "Already Open")
    configure(refbot, roundup_channels=[JOBS, ENGINEERING], roundup_announce=["yes"])

    engineer = role(refbot, "Data Engineer", team="Data")
    roundup_time(refbot.runtime, second_worker)
    roundup_time(refbot.runtime, second_worker)

    for channel in (JOBS, ENGINEERING):
        sent = posts(slack, channel)
        assert [refer_buttons(m) for m in sent] == [[engineer]]
        assert "new role" in sent[0].plain_text()


def test_a_roundup_shows_each_roles_reward_or_the_workspace_default(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    from tests.e2e.test_rewards import default_reward, rewarded_role

    rewarded_role(refbot, amount="2500", currency="USD")  # "Platform Engineer"
    default_reward(refbot)  # €1,000 for the roles without their own
    slack.close_views(RECRUITER)
    role(refbot, "Data Engineer", team="Data")
    weekly(refbot, JOBS)

    roundup_time(refbot.runtime)

    [post] = posts(slack, JOBS)
    text = post.plain_text()
    platform, data = text.index("Platform Engineer"), text.index("Data Engineer")
    own = text[platform:data] if platform < data else text[platform:]
    default = text[data:platform] if data < platform else text[data:]
    assert "Referral reward: $2,500\n" in own
    assert "Referral reward: €1,000\n" in default


def test_an_admin_sets_the_workspace_time_zone_and_the_roundup_keeps_it(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    role(refbot, "Data Engineer", team="Data")
    unknown = configure(refbot, roundup_channels=[JOBS], workspace_timezone="Mars/Olympus_Mons")
    saved = configure(
        refbot,
        roundup_channels=[JOBS],
        roundup_weekday="0",
        roundup_hour="10",
        workspace_timezone="america/new_york",  # as typed: found whatever the case
    )

    assert unknown["response_action"] == "errors"
    assert "IANA" in unknown["errors"]["workspace_timezone"]
    assert saved["response_action"] == "update"
    assert "America/New_York" in str(saved["view"]["blocks"])
    # Monday 2 Nov 14:00 UTC is 09:00 in New York: not yet.
    roundup_time(refbot.runtime)
    assert posts(slack, JOBS) == []
    clock.travel(hours=1)  # 10:00 in New York
    roundup_time(refbot.runtime)
    assert len(posts(slack, JOBS)) == 1
