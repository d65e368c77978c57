"""The Lever adapter against the Lever emulator, over real HTTP."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.ats.errors import AtsError
from bot.ats.lever import LeverClient, parse_webhook, verify_webhook
from bot.ats.lever_emulator import LeverEmulator
from bot.ats.models import AtsReferral

ADA = "ada@example.org"


@pytest.fixture
def lever() -> Iterator[LeverEmulator]:
    with LeverEmulator() as emulator:
        emulator.refbot = emulator.add_user("Ref Bot", "refbot@acme.test")
        emulator.alice = emulator.add_user("Alice Martin", "alice@acme.test")
        emulator.rita = emulator.add_user("Rita Okafor", "rita@acme.test")
        emulator.posting = emulator.add_posting(
            "Data Scientist", owner=emulator.rita, hiring_manager=emulator.alice
        )
        yield emulator


def client(lever: LeverEmulator, **overrides: object) -> LeverClient:
    settings: dict[str, object] = {
        "api_key": "lever-key",
        "user_id": lever.refbot,
        "api_url": lever.api_url,
        **overrides,
    }
    return LeverClient(**settings)


def referral(posting: str | None, **fields: object) -> AtsReferral:
    values: dict[str, object] = {
        "name": "Ada Lovelace",
        "email": ADA,
        "referrer_email": "alice@acme.test",
        "referrer_name": "Alice Martin",
        "job_id": posting,
        "links": ("https://www.linkedin.com/in/ada",),
        **fields,
    }
    return AtsReferral(**values)


def test_unknown_api_key_is_refused_in_lever_words(lever):
    with pytest.raises(AtsError) as raised:
        client(lever, api_key="wrong").me()

    assert raised.value.kind == "unauthorized" and raised.value.status == 401
    assert "Invalid API key" in raised.value.reason


def test_read_only_key_cannot_push_and_says_so(lever):
    lever.add_key("read-only", write=False)

    with pytest.raises(AtsError) as raised:
        client(lever, api_key="read-only").push_referral(referral(lever.posting))

    assert raised.value.kind == "unauthorized" and raised.value.status == 403
    assert "write access" in raised.value.reason and lever.opportunities() == []


def test_basic_auth_carries_the_key_and_writes_name_the_user_acting(lever):
    client(lever).push_referral(referral(lever.posting))

    [post] = lever.calls_to("POST /v1/opportunities")
    assert post.query == {"perform_as": lever.refbot}


def test_pagination_follows_next_offsets(lever):
    for n in range(5):
        lever.add_opportunity(f"Person {n}", f"p{n}@example.org")
    since = datetime.now(UTC) - timedelta(hours=1)

    pages = list(client(lever).candidate_pages(since, limit=2))

    assert [len(p.items) for p in pages] == [2, 2, 1] and pages[-1].next is None
    first, *rest = lever.calls_to("GET /v1/opportunities")
    assert "offset" not in first.query and all(c.query.get("offset") for c in rest)
    assert first.query["updated_at_start"] == str(int(since.timestamp() * 1000))


def test_rate_limit_is_classified_with_retry_after(lever):
    lever.rate_limit_storm(1, retry_after=4)

    with pytest.raises(AtsError) as raised:
        client(lever).me()

    assert raised.value.kind == "rate_limited" and raised.value.retry_after == 4


def test_rate_limit_without_retry_after_backs_off_a_second(lever):
    lever.fail(status=429)

    with pytest.raises(AtsError) as raised:
        client(lever).me()

    assert raised.value.kind == "rate_limited" and raised.value.retry_after == 1.0


def test_bulk_pull_rides_out_a_429_storm(lever):
    waits: list[float] = []
    lever.rate_limit_storm(3, retry_after=2)

    user = client(lever, rate_limit_retries=5, sleep=waits.append).me()

    assert user.email == "refbot@acme.test" and waits == [2, 2, 2]


def test_referral_creates_one_referred_opportunity_on_the_posting(lever):
    result = client(lever).push_referral(referral(lever.posting))

    assert result.status == "created" and not result.referrer_credited
    [opp] = lever.opportunities()
    assert opp["id"] == result.application_id and opp["contact"] == result.candidate_id
    assert (opp["origin"], opp["sources"], opp["emails"]) == ("referred", ["Referral"], [ADA])
    assert "refbot" in opp["tags"] and opp["links"] == ["https://www.linkedin.com/in/ada"]
    assert lever.calls_to("POST /v1/opportunities")[0].body["postings"] == [lever.posting]


def test_pushing_the_same_referral_twice_creates_one_opportunity(lever):
    lever_client = client(lever)

    first = lever_client.push_referral(referral(lever.posting))
    again = lever_client.push_referral(referral(lever.posting))

    assert again.application_id == first.application_id and len(lever.opportunities()) == 1


def test_person_already_in_lever_is_left_alone(lever):
    lever.add_opportunity("Ada Lovelace", ADA)

    result = client(lever).push_referral(referral(lever.posting))

    assert result.status == "existing" and result.application_id is None
    assert lever.calls_to("POST ") == [] and len(lever.opportunities()) == 1


def test_create_whose_answer_was_lost_is_not_repeated(lever):
    lever.drop_after_commit("POST /v1/opportunities")
    lever_client = client(lever)

    with pytest.raises(AtsError) as raised:
        lever_client.push_referral(referral(lever.posting))
    assert raised.value.kind == "uncertain"
    result = lever_client.push_referral(referral(lever.posting))

    assert result.status == "resumed" and len(lever.opportunities()) == 1


def test_referrer_is_credited_in_a_note_and_may_follow(lever):
    lever_client = client(lever)

    result = lever_client.push_referral(referral(lever.posting), follow_referrer=True)
    lever_client.add_note(result.application_id, "Referred by Alice Martin")

    [opp] = lever.opportunities()
    assert opp["followers"] == [lever.alice]
    assert [n["value"] for n in lever.notes(opp["id"])] == ["Referred by Alice Martin"]
    assert lever_client.referrals(opp["id"]) == []  # read-only: nothing refbot can file


def test_postings_come_with_hiring_manager_and_owner(lever):
    lever.add_posting("Closed role", state="closed")

    [job] = client(lever).postings()

    assert (job.id, job.title, job.open) == (lever.posting, "Data Scientist", True)
    assert [u.email for u in job.hiring_managers] == ["alice@acme.test"]
    assert [u.email for u in job.recruiters] == ["rita@acme.test"]


def test_moves_hires_archives_and_anonymisations_reach_polling(lever):
    lever_client = client(lever)
    ids = {
        who: lever_client.push_referral(referral(None, email=f"{who}@example.org")).application_id
        for who in ("moved", "hired", "archived", "anonymized")
    }
    since = datetime.now(UTC)

    lever.move_stage(ids["moved"], "Phone interview")
    lever.hire(ids["hired"])
    lever.archive(ids["archived"], "Withdrew")
    lever.anonymize(ids["anonymized"])
    changes = {c.application_id: c for c in lever_client.changes_since(since)}

    assert changes[ids["moved"]].stage_name == "Phone interview"
    assert changes[ids["hired"]].outcome == "hired" and changes[ids["hired"]].reason is None
    assert (changes[ids["archived"]].outcome, changes[ids["archived"]].reason) == (
        "rejected",
        "Withdrew",
    )
    assert changes[ids["anonymized"]].outcome == "anonymized"


def test_deleted_opportunities_reach_polling(lever):
    lever_client = client(lever)
    ada = lever_client.push_referral(referral(lever.posting))
    since = datetime.now(UTC)

    lever.delete(ada.application_id)

    [gone] = lever_client.deleted_since(since)
    assert (gone.outcome, gone.application_id, gone.candidate_id) == (
        "deleted",
        ada.application_id,
        ada.candidate_id,
    )


def test_emulator_webhook_is_verified_and_read(lever, receiver):
    lever.webhook_url = receiver.url
    ada = client(lever).push_referral(referral(lever.posting))

    lever.move_stage(ada.application_id, "On-site interview")

    [(_, body)] = receiver.requests
    assert verify_webhook(["another-webhook", lever.signature_token], body, now=datetime.now(UTC))
    change = parse_webhook(body)
    assert change is not None and change.outcome == "active"
    assert change.stage_id == lever.stage_id("On-site interview")
    assert change.application_id == ada.application_id and change.event_id


def test_forged_stale_or_foreign_webhooks_are_refused(lever):
    now = datetime.now(UTC)
    fresh = lever.signed_webhook("candidateHired", {"opportunityId": "o1"})
    stale_ms = int((now - timedelta(minutes=10)).timestamp() * 1000)
    stale = lever.signed_webhook("candidateHired", {"opportunityId": "o1"}, triggered_at=stale_ms)
    forged = fresh.replace(b'"signature": "', b'"signature": "00')

    assert verify_webhook([lever.signature_token], fresh, now=now)
    assert not verify_webhook([lever.signature_token], stale, now=now)
    assert not verify_webhook([lever.signature_token], forged, now=now)
    assert not verify_webhook(["not-our-webhook"], fresh, now=now)
    assert not verify_webhook([lever.signature_token], b"not json", now=now)
