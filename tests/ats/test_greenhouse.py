"""The Greenhouse Harvest v3 adapter against the Greenhouse emulator, over real HTTP."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.ats.errors import AtsError
from bot.ats.greenhouse import GreenhouseClient, parse_webhook, verify_webhook
from bot.ats.greenhouse_emulator import GreenhouseEmulator
from bot.ats.models import AtsReferral

ADA = "ada@example.org"


@pytest.fixture
def gh() -> Iterator[GreenhouseEmulator]:
    with GreenhouseEmulator() as emulator:
        emulator.alice = emulator.add_user("alice@acme.test", "Alice", "Martin")
        emulator.refbot = emulator.add_user("refbot@acme.test", "Ref", "Bot", referrer=False)
        emulator.rita = emulator.add_user("rita@acme.test", "Rita", "Okafor", referrer=False)
        emulator.job = emulator.add_job(
            "Data Scientist", hiring_managers=(emulator.alice,), recruiters=(emulator.rita,)
        )
        yield emulator


def client(gh: GreenhouseEmulator, **overrides: object) -> GreenhouseClient:
    settings: dict[str, object] = {
        "client_id": "gh-client",
        "client_secret": "gh-secret",
        "user_id": gh.refbot,
        "api_url": gh.api_url,
        "auth_url": gh.auth_url,
        **overrides,
    }
    return GreenhouseClient(**settings)


def referral(job_id: str | None, **fields: object) -> AtsReferral:
    values: dict[str, object] = {
        "name": "Ada Lovelace",
        "email": ADA,
        "referrer_email": "alice@acme.test",
        "referrer_name": "Alice Martin",
        "job_id": job_id,
        "links": ("https://www.linkedin.com/in/ada",),
        **fields,
    }
    return AtsReferral(**values)


def test_token_is_reused_until_shortly_before_it_expires(gh, clock):
    greenhouse = client(gh)

    greenhouse.me()
    greenhouse.find_candidate(ADA)
    clock.travel(minutes=57)
    greenhouse.find_candidate(ADA)
    assert gh.tokens_issued == 1

    clock.travel(minutes=2)  # 59 minutes: within the margin of the hour-long token
    greenhouse.find_candidate(ADA)

    assert gh.tokens_issued == 2
    token_calls = gh.calls_to("POST /token")
    assert token_calls[0].body == {"grant_type": "client_credentials", "sub": gh.refbot}


def test_token_greenhouse_stopped_accepting_is_replaced_once(gh):
    greenhouse = client(gh)
    greenhouse.me()

    gh.expire_tokens()
    found = greenhouse.find_candidate(ADA)

    assert found is None and gh.tokens_issued == 2
    assert [c.status for c in gh.calls_to("GET /v3/candidates")] == [401, 200]


def test_pagination_follows_the_link_header_with_per_page_on_the_first_request_only(gh):
    for n in range(7):
        gh.add_candidate("Person", f"Number{n}", f"p{n}@example.org")
    since = datetime.now(UTC) - timedelta(hours=1)

    pages = list(client(gh).candidate_pages(since, per_page=3))

    assert [len(p.items) for p in pages] == [3, 3, 1] and pages[-1].next is None
    assert len({c.id for p in pages for c in p.items}) == 7
    first, *rest = gh.calls_to("GET /v3/candidates")
    assert first.query["per_page"] == "3" and first.query["updated_at"].startswith("gte|")
    assert all(list(c.query) == ["cursor"] for c in rest) and len(rest) == 2


def test_polling_resumes_from_a_stored_page_cursor(gh):
    for n in range(5):
        gh.add_candidate("Person", f"Number{n}", f"p{n}@example.org")
    since = datetime.now(UTC) - timedelta(hours=1)
    greenhouse = client(gh)
    first = next(greenhouse.candidate_pages(since, per_page=2))

    rest = list(greenhouse.candidate_pages(since, cursor=first.next))

    assert [len(p.items) for p in rest] == [2, 1]


def test_rate_limit_is_classified_with_greenhouse_retry_after(gh):
    gh.rate_limit_storm(1, retry_after=7)

    with pytest.raises(AtsError) as raised:
        client(gh).find_candidate(ADA)

    assert raised.value.kind == "rate_limited" and raised.value.retry_after == 7
    assert raised.value.status == 429


def test_bulk_pull_waits_out_a_rate_limit_storm_as_told(gh):
    waits: list[float] = []
    gh.rate_limit_storm(2, retry_after=3, route="GET /v3/candidates")

    found = client(gh, rate_limit_retries=3, sleep=waits.append).find_candidate(ADA)

    assert found is None and waits == [3, 3]


def test_rate_limit_window_tells_when_it_resets(gh):
    gh.limit_rate(2, per_seconds=30)
    greenhouse = client(gh)  # the token call counts too

    greenhouse.find_candidate(ADA)
    with pytest.raises(AtsError) as raised:
        greenhouse.find_candidate(ADA)

    assert raised.value.kind == "rate_limited" and 0 < raised.value.retry_after <= 30


def test_wrong_client_secret_is_refused_in_greenhouse_words(gh):
    with pytest.raises(AtsError) as raised:
        client(gh, client_secret="not-the-secret").me()

    assert raised.value.kind == "unauthorized" and raised.value.permanent
    assert raised.value.status == 401 and "Client authentication failed" in raised.value.reason


def test_missing_scope_is_named_to_the_admin(gh):
    gh.revoke_scope("harvest:candidates:create")

    with pytest.raises(AtsError) as raised:
        client(gh).push_referral(referral(gh.job))

    assert raised.value.kind == "unauthorized" and raised.value.status == 403
    assert raised.value.scope == "harvest:candidates:create"
    assert "harvest:candidates:create" in raised.value.reason
    assert gh.candidates() == []


def test_server_error_on_a_read_is_transient(gh):
    gh.fail("GET /v3/candidates", status=503)

    with pytest.raises(AtsError) as raised:
        client(gh).find_candidate(ADA)

    assert raised.value.kind == "transient"


def test_referral_creates_a_candidate_and_an_application_credited_to_the_referrer(gh):
    result = client(gh).push_referral(referral(gh.job))

    assert result.status == "created" and result.referrer_credited
    [person] = gh.candidates()
    assert person["email_addresses"] == [{"value": ADA, "type": "personal"}]
    assert "refbot" in person["tags"]
    assert person["social_media_addresses"] == [{"value": "https://www.linkedin.com/in/ada"}]
    [app] = gh.applications(result.candidate_id)
    assert str(app["job_id"]) == gh.job and not app["prospect"]
    assert str(app["source_id"]) == gh.source_id("Referral")
    assert str(app["referrer_id"]) == gh.referrer_id(gh.alice)


def test_pushing_the_same_referral_twice_creates_one_candidate(gh):
    greenhouse = client(gh)

    first = greenhouse.push_referral(referral(gh.job))
    again = greenhouse.push_referral(referral(gh.job))

    assert (again.candidate_id, again.application_id) == (first.candidate_id, first.application_id)
    assert len(gh.candidates()) == 1 and len(gh.applications()) == 1


def test_person_already_in_greenhouse_is_left_alone(gh):
    known = gh.add_candidate("Ada", "Lovelace", ADA)

    result = client(gh).push_referral(referral(gh.job))

    assert result.status == "existing" and result.candidate_id == known
    assert gh.calls_to("POST /v3/") == [] and gh.applications() == []


def test_create_whose_answer_was_lost_is_finished_not_repeated(gh):
    gh.drop_after_commit("POST /v3/candidates")
    greenhouse = client(gh)

    with pytest.raises(AtsError) as raised:
        greenhouse.push_referral(referral(gh.job))
    assert raised.value.kind == "uncertain"
    result = greenhouse.push_referral(referral(gh.job))

    assert result.status == "resumed"
    assert len(gh.candidates()) == 1 and len(gh.applications()) == 1


def test_application_post_that_timed_out_is_uncertain_and_not_doubled(gh):
    gh.hang(3, "POST /v3/applications", after=True)
    greenhouse = client(gh, client=httpx.Client(timeout=0.5))

    with pytest.raises(AtsError) as raised:
        greenhouse.push_referral(referral(gh.job))
    assert raised.value.kind == "uncertain"
    result = greenhouse.push_referral(referral(gh.job))

    assert result.status == "resumed" and len(gh.applications()) == 1


def test_general_referral_becomes_a_prospect(gh):
    result = client(gh).push_referral(referral(None))

    [app] = gh.applications(result.candidate_id)
    assert app["prospect"] and app["job_id"] is None


def test_referrer_unknown_to_greenhouse_is_credited_in_a_note_instead(gh):
    greenhouse = client(gh)

    result = greenhouse.push_referral(referral(gh.job, referrer_email="bob@acme.test"))
    greenhouse.add_note(
        result.candidate_id, "Referred by Bob Stone", application_id=result.application_id
    )

    assert not result.referrer_credited
    assert gh.applications(result.candidate_id)[0]["referrer_id"] is None
    [note] = gh.notes(result.candidate_id)
    assert note["body"] == "Referred by Bob Stone" and str(note["user_id"]) == gh.refbot


def test_open_jobs_come_with_hiring_managers_and_recruiters(gh):
    gh.close_job(gh.add_job("Closed role"))

    [job] = client(gh).open_jobs()

    assert (job.id, job.title, job.open) == (gh.job, "Data Scientist", True)
    assert [u.email for u in job.hiring_managers] == ["alice@acme.test"]
    assert [u.email for u in job.recruiters] == ["rita@acme.test"]


def test_moves_hires_and_rejections_in_greenhouse_reach_polling(gh):
    greenhouse = client(gh)
    ada = greenhouse.push_referral(referral(gh.job))
    grace = greenhouse.push_referral(referral(gh.job, name="Grace Hopper", email="g@example.org"))
    since = datetime.now(UTC)

    gh.move_stage(ada.application_id, "Onsite")
    gh.reject(grace.application_id, "Withdrew")
    changes = {c.application_id: c for c in greenhouse.changes_since(since)}

    assert (changes[ada.application_id].outcome, changes[ada.application_id].stage_name) == (
        "active",
        "Onsite",
    )
    assert (changes[grace.application_id].outcome, changes[grace.application_id].reason) == (
        "rejected",
        "Withdrew",
    )


def test_emulator_webhook_is_verified_and_read(gh, receiver):
    gh.webhook_url = receiver.url
    ada = client(gh).push_referral(referral(gh.job))

    gh.move_stage(ada.application_id, "Technical Interview")

    [(headers, body)] = receiver.requests
    assert verify_webhook(gh.webhook_secret, body, headers["Signature"])
    change = parse_webhook(body, headers["Greenhouse-Event-ID"])
    assert change is not None and change.outcome == "active"
    assert (change.application_id, change.stage_name) == (ada.application_id, "Technical Interview")
    assert change.event_id == headers["Greenhouse-Event-ID"]


def test_forged_or_altered_webhooks_are_refused(gh):
    body, headers = gh.signed_webhook("hire_candidate", {"application": {"id": 1}})
    signature = headers["Signature"]

    assert verify_webhook(gh.webhook_secret, body, signature)
    assert not verify_webhook(gh.webhook_secret, body.replace(b"1", b"2"), signature)
    assert not verify_webhook("another-secret", body, signature)
    assert not verify_webhook(gh.webhook_secret, body, None)
    assert not verify_webhook(gh.webhook_secret, body, signature.replace("sha256 ", "sha256="))
    assert not verify_webhook("", body, signature)
