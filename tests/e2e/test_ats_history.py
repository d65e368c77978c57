"""Rediscovery across the ATS: its past candidates are pulled incrementally, a page per outbox
row, and `/refbot find` finds them; a second pull brings only what changed; someone refbot held
already is joined, not doubled; a forget in refbot leaves the ATS alone and says so; prospect
pools become upcoming roles."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot import clock as bot_clock
from bot.ats.greenhouse_emulator import GreenhouseEmulator
from bot.ats.lever_emulator import LeverEmulator
from bot.slack_emulator import SlackEmulator
from storage.models import AtsLink, Candidate, Delivery
from storage.types import DeliveryKind, DeliveryStatus
from tests.conftest import EMPLOYEE, RECRUITER, Clock, Refbot
from tests.e2e import test_ats_connect as connecting
from tests.e2e.test_ats_connect import connect_greenhouse, connect_lever
from tests.e2e.test_ats_pull import role_titled
from tests.e2e.test_referral import refer
from tests.e2e.test_search import find

atsbot, gh, lever = connecting.atsbot, connecting.gh, connecting.lever
PAST = 10_000
FIRSTS = ("Maria", "Jonas", "Priya", "Tomasz", "Aiko", "Kwame", "Lucia", "Omar", "Sven", "Nadia")


def history(refbot: Refbot) -> Any:
    hook = refbot.runtime.services.ats.history
    assert hook is not None
    return hook.__self__


def pull_history(refbot: Refbot) -> None:
    """The poll job runs once; the dispatcher reads the pull's pages until none is left."""
    services = refbot.runtime.services
    assert services.ats_pull is not None
    services.ats_pull.poll()
    for _ in range(1000):
        refbot.sweep()
        if not waiting_pages(refbot):
            return
    raise AssertionError("the pull never ended")


def waiting_pages(refbot: Refbot) -> int:
    with refbot.runtime.dispatcher.sessions() as s:
        return int(
            s.scalar(
                select(func.count()).where(
                    Delivery.kind == DeliveryKind.ATS_HISTORY,
                    Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.CLAIMED)),
                )
            )
            or 0
        )


def count(refbot: Refbot, model: Any) -> int:
    with refbot.runtime.dispatcher.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def candidate_lists(emulator: Any, route: str) -> list[Any]:
    """The rediscovery pull's list calls (the stage poll reads candidates too, `gte|` its
    cursor, for anonymisations; the pull asks for changes strictly after its own, `gt|`)."""
    return [
        c
        for c in emulator.calls_to(route)
        if c.method == "GET" and not c.query.get("updated_at", "").startswith("gte|")
    ]


def past_people(now: datetime, n: int) -> list[dict[str, Any]]:
    """An organisation's history: n people, the last change of each a few minutes apart."""
    return [
        {
            "first_name": FIRSTS[i % len(FIRSTS)],
            "last_name": f"Past{i:05d}",
            "email": f"past{i}@example.org",
            "company": f"Company{i % 700}",
            "title": "Engineer",
            "tags": ["python"] if i % 3 == 0 else [],
            "updated_at": now - timedelta(days=400) + timedelta(minutes=i),
        }
        for i in range(n)
    ]


def test_ten_thousand_past_greenhouse_candidates_are_found_and_a_second_pull_brings_only_changes(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    now = bot_clock.now()
    people = past_people(now, PAST)
    people[4242].update(first_name="Grace", last_name="Hopper", company="Harvard Mark Labs")
    ids = gh.add_candidates(people)
    connect_greenhouse(atsbot, gh, mode="polling")

    pull_history(atsbot)

    lists = candidate_lists(gh, "GET /v3/candidates")
    assert len(lists) == PAST // 500  # pages of 500: per_page on the first request only
    assert lists[0].query == {"per_page": "500"}
    assert all(set(c.query) == {"cursor"} for c in lists[1:])
    assert count(atsbot, Candidate) == PAST
    assert "Grace Hopper" in find(atsbot, RECRUITER, "grace hopper")
    assert "Grace Hopper" in find(atsbot, RECRUITER, '"harvard mark"')

    clock.travel(hours=2)
    for i in (7, 4242, 9999):
        gh.edit_candidate(ids[i], company="Analytical Engines")
    history(atsbot).page_size = 2
    before = len(candidate_lists(gh, "GET /v3/candidates"))

    pull_history(atsbot)

    second = candidate_lists(gh, "GET /v3/candidates")[before:]
    # Three changed people: a page of two and a last page of one, nothing else read again.
    assert len(second) == 2
    assert second[0].query["updated_at"].startswith("gt|")
    assert set(second[1].query) == {"cursor"}
    assert count(atsbot, Candidate) == PAST
    found = find(atsbot, RECRUITER, "analytical engines")
    assert "Grace Hopper" in found and "Past00007" in found and "Past09999" in found

    # Changes made within OVERLAP of a pull's start are read once more by the next pull (one
    # committed late would be missed otherwise); the one after reads one empty page.
    clock.travel(hours=2)
    pull_history(atsbot)
    clock.travel(hours=2)
    before = len(candidate_lists(gh, "GET /v3/candidates"))
    pull_history(atsbot)
    assert len(candidate_lists(gh, "GET /v3/candidates")) == before + 1
    assert count(atsbot, Candidate) == PAST


def test_a_pull_cut_by_a_restart_and_a_429_storm_resumes_without_doubling(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    gh.add_candidates(past_people(bot_clock.now(), 60))
    connect_greenhouse(atsbot, gh, mode="polling")
    history(atsbot).page_size = 10

    services = atsbot.runtime.services
    assert services.ats_pull is not None
    services.ats_pull.poll()
    gh.rate_limit_storm(3, retry_after=1, route="GET /v3/candidates")
    atsbot.sweep()
    atsbot.restart()  # mid-pull: the page whose row is pending is read by the new process
    for _ in range(200):
        clock.travel(seconds=2)  # past Retry-After
        atsbot.sweep()
        if not waiting_pages(atsbot):
            break

    assert not waiting_pages(atsbot)
    assert [c.status for c in gh.calls_to("GET /v3/candidates")].count(429) == 3
    assert count(atsbot, Candidate) == 60
    assert count(atsbot, AtsLink) == 60
    assert "Past00042" in find(atsbot, RECRUITER, "past00042")


def test_someone_refbot_already_holds_is_joined_not_doubled(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    refer(atsbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.org", candidate_knows="yes")
    gh.add_candidates(
        [
            {
                "first_name": "Ada",
                "last_name": "L.",
                "email": "ADA@example.org",
                "company": "Babbage",
            },
            {"first_name": "Ben", "last_name": "Brook", "email": "ben@example.org"},
        ]
    )
    connect_greenhouse(atsbot, gh, mode="polling", push="button")

    pull_history(atsbot)
    clock.travel(hours=1)
    pull_history(atsbot)

    assert count(atsbot, Candidate) == 2
    assert count(atsbot, AtsLink) == 2
    with atsbot.runtime.dispatcher.sessions() as s:
        ada = s.scalar(select(Candidate).where(Candidate.email == "ada@example.org"))
        assert ada is not None and ada.name == "Ada Lovelace"  # her refbot data stays
        assert ada.company == "Babbage"  # a blank filled
    assert "Ada Lovelace" in find(atsbot, RECRUITER, "babbage")


def test_forgetting_a_pulled_candidate_leaves_greenhouse_alone_and_says_so(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    (ada_id,) = gh.add_candidates(
        [{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}]
    )
    connect_greenhouse(atsbot, gh, mode="polling")
    pull_history(atsbot)
    writes = [c for c in gh.calls() if c.method != "GET" and c.path != "/token"]

    slack.close_views(RECRUITER)
    atsbot.command(RECRUITER, "/refbot", "forget ada@example.com")
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "forget_submit" for v in slack.open_views(RECRUITER))
    )
    confirm = str(slack.open_views(RECRUITER)[-1])
    assert "*Greenhouse* keeps its own record of them" in confirm
    assert atsbot.submit(RECRUITER, "forget_submit").status == 200
    assert slack.wait_for(lambda: "Done" in str(slack.open_views(RECRUITER)[-1]))
    done = str(slack.open_views(RECRUITER)[-1])
    assert "Greenhouse is left as it is" in done
    clock.travel(hours=1)
    gh.edit_candidate(ada_id, company="Analytical Engines")  # a later edit does not bring her back
    pull_history(atsbot)

    assert [c for c in gh.calls() if c.method != "GET" and c.path != "/token"] == writes
    assert gh.candidate(ada_id)["first_name"] == "Ada"
    assert "Ada" not in find(atsbot, RECRUITER, "analytical")
    assert count(atsbot, Candidate) == 1


def test_someone_forgotten_before_the_ats_was_connected_is_not_brought_back_by_its_history(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator
) -> None:
    refer(atsbot, EMPLOYEE, name="Ada Lovelace", email="Ada@Example.com")
    slack.close_views(EMPLOYEE)
    atsbot.command(RECRUITER, "/refbot", "forget ada@example.com")
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "forget_submit" for v in slack.open_views(RECRUITER))
    )
    assert atsbot.submit(RECRUITER, "forget_submit").status == 200
    gh.add_candidates(
        [
            {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
            {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"},
        ]
    )

    connect_greenhouse(atsbot, gh, mode="polling")  # refbot never linked her to Greenhouse
    pull_history(atsbot)

    assert "Grace Hopper" in find(atsbot, RECRUITER, "hopper")
    assert "Ada" not in find(atsbot, RECRUITER, "lovelace")
    with atsbot.runtime.dispatcher.sessions() as s:
        names = set(s.scalars(select(Candidate.name)))
    assert "Ada Lovelace" not in names and "Grace Hopper" in names


def test_a_candidate_anonymised_in_greenhouse_after_the_pull_is_forgotten(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    (ada_id,) = gh.add_candidates(
        [{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}]
    )
    connect_greenhouse(atsbot, gh, mode="polling")
    pull_history(atsbot)
    assert "Ada Lovelace" in find(atsbot, RECRUITER, "lovelace")

    clock.travel(hours=1)
    gh.anonymize(ada_id)
    pull_history(atsbot)

    assert "Lovelace" not in find(atsbot, RECRUITER, "lovelace")


def test_past_lever_candidates_come_with_their_last_stage_and_changes_only_after(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator, clock: Clock
) -> None:
    now = bot_clock.now()
    people = [
        {
            "name": f"Lever Person{i:03d}",
            "email": f"lp{i}@example.org",
            "headline": "Data Scientist at Orbital",
            "archived": "Underqualified" if i % 2 else None,
            "updated_at": now - timedelta(days=30) + timedelta(minutes=i),
        }
        for i in range(250)
    ]
    people[5].update(name="Hedy Lamarr", archived="Hired")
    ids = lever.add_opportunities(people)
    connect_lever(atsbot, lever, mode="polling")

    pull_history(atsbot)

    lists = [c for c in lever.calls_to("GET /v1/opportunities") if "deleted" not in c.path]
    history_lists = [
        c for c in lists if "email" not in c.query and "updated_at_start" not in c.query
    ]
    assert len(history_lists) == 3  # 100, 100, 50: Lever's offset pages
    assert count(atsbot, Candidate) == 250
    with atsbot.runtime.dispatcher.sessions() as s:
        hedy = s.scalar(select(Candidate).where(Candidate.name == "Hedy Lamarr"))
        assert hedy is not None and hedy.status == "hired"
        statuses = {c.status for c in s.scalars(select(Candidate))}
    assert statuses == {"hired", "not_a_fit", "reviewing"}
    assert "Hedy Lamarr" in find(atsbot, RECRUITER, "hedy orbital")

    clock.travel(hours=2)
    for i in (1, 2, 3):
        lever.edit_opportunity(ids[i], headline="Astronomer")
    before = len(lever.calls_to("GET /v1/opportunities"))
    pull_history(atsbot)

    after = [
        c
        for c in lever.calls_to("GET /v1/opportunities")[before:]
        if "deleted" not in c.path and c.query.get("updated_at_start")
    ]
    assert "Lever Person002" in find(atsbot, RECRUITER, "astronomer")
    assert count(atsbot, Candidate) == 250
    assert after  # asked with updated_at_start, past the first pull's newest change


def test_past_greenhouse_candidates_arrive_at_their_last_stage(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    job = gh.add_job("Data Engineer", status="closed")
    hired, withdrew, onsite, rejected, _no_application = gh.add_candidates(
        [
            {"first_name": name, "last_name": "Past", "email": f"{name.lower()}@example.org"}
            for name in ("Hiro", "Wanda", "Olga", "Rex", "Pia")
        ]
    )
    gh.add_past_application(hired, job, status="hired")
    gh.add_past_application(withdrew, job, status="rejected", reason="Withdrew")
    gh.add_past_application(onsite, job, stage="Onsite")
    gh.add_past_application(rejected, job, stage="Onsite")
    gh.add_past_application(rejected, job, status="rejected", reason="Lacking skill(s)")
    connect_greenhouse(atsbot, gh, mode="polling")

    pull_history(atsbot)

    with atsbot.runtime.dispatcher.sessions() as s:
        statuses = {c.name: c.status.value for c in s.scalars(select(Candidate))}
    assert statuses == {
        "Hiro Past": "hired",
        "Wanda Past": "archived",
        "Olga Past": "interviewing",
        "Rex Past": "not_a_fit",
        "Pia Past": "archived",
    }


def test_credentials_without_the_prospect_pools_permission_still_pull_the_history(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    gh.add_candidates([{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.org"}])
    gh.revoke_scope("harvest:prospect_pools:list")
    connect_greenhouse(atsbot, gh, mode="polling")

    pull_history(atsbot)

    assert "Ada Lovelace" in find(atsbot, RECRUITER, "lovelace")


def test_greenhouse_prospect_pools_become_upcoming_roles_and_a_retired_pool_closes_its_role(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    pool = gh.add_prospect_pool("Future ML Engineers")
    gh.add_prospect_pool("Old pool", active=False)
    connect_greenhouse(atsbot, gh, mode="polling")

    pull_history(atsbot)
    pull_history(atsbot)

    role = role_titled(atsbot, "Future ML Engineers")
    assert role is not None and role.status == "upcoming"
    assert role_titled(atsbot, "Old pool") is None

    clock.travel(hours=1)
    gh.retire_prospect_pool(pool)
    pull_history(atsbot)

    role = role_titled(atsbot, "Future ML Engineers")
    assert role is not None and role.status == "closed"
