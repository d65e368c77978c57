"""Referring someone the team may already know: which contact details are kept, what the
referrer is told, and what `/refer <text>` pre-fills."""

import pytest
from sqlalchemy import select

from bot.app import Runtime
from bot.services.referrals import ReferralForm, ReferralPrefill, ReferralResult
from bot.slack_emulator import SlackEmulator
from storage.models import Candidate, Delivery, Referral
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, TEAM

ADA_URL = "https://linkedin.com/in/ada-lovelace"


def refer(runtime: Runtime, referrer: str, **fields: object) -> ReferralResult:
    form = ReferralForm(**{"name": "Ada Lovelace", **fields})  # type: ignore[arg-type]
    result = runtime.services.referrals.refer(team_id=TEAM, referrer_id=referrer, form=form)
    assert result.errors == {}
    return result


def people(runtime: Runtime) -> list[tuple[str, str | None, str | None]]:
    with runtime.services.referrals.sessions() as s:
        found = s.scalars(select(Candidate).order_by(Candidate.id))
        return [(c.name, c.email, c.profile_url) for c in found]


def referral_count(runtime: Runtime) -> int:
    with runtime.services.referrals.sessions() as s:
        return len(s.scalars(select(Referral)).all())


def receipts(runtime: Runtime, referrer: str) -> int:
    """The status DMs queued for the referrer ("received" or "already known")."""
    with runtime.services.referrals.sessions() as s:
        rows = s.scalars(select(Delivery).where(Delivery.recipient == referrer)).all()
        return sum(1 for d in rows if (d.payload or {}).get("render") == "referrer_update")


# Contact details of a duplicate


def test_a_duplicate_found_by_profile_url_keeps_the_stored_email(runtime: Runtime) -> None:
    refer(runtime, EMPLOYEE, email="ada@example.com", profile_url="linkedin.com/in/ada-lovelace")

    second = refer(
        runtime,
        FRENCH_EMPLOYEE,
        email="ada.lovelace@other.example",
        profile_url="https://www.linkedin.com/in/Ada-Lovelace/",
    )

    assert second.duplicate
    assert people(runtime) == [("Ada Lovelace", "ada@example.com", ADA_URL)]


def test_a_duplicate_found_by_email_keeps_the_stored_profile_url(runtime: Runtime) -> None:
    refer(runtime, EMPLOYEE, email="ada@example.com", profile_url="linkedin.com/in/ada-lovelace")

    refer(runtime, FRENCH_EMPLOYEE, email="ADA@example.com", profile_url="github.com/ada")

    assert people(runtime) == [("Ada Lovelace", "ada@example.com", ADA_URL)]


@pytest.mark.parametrize(
    "first",
    [{"profile_url": "linkedin.com/in/ada-lovelace"}, {"email": "ada@example.com"}],
    ids=["profile-first", "email-first"],
)
def test_a_duplicate_teaches_the_candidate_the_detail_the_first_referral_lacked(
    runtime: Runtime, first: dict[str, str]
) -> None:
    refer(runtime, EMPLOYEE, **first)

    refer(runtime, FRENCH_EMPLOYEE, name="Ada L.", email="ada@example.com", profile_url=ADA_URL)

    assert people(runtime) == [("Ada Lovelace", "ada@example.com", ADA_URL)]


def test_a_referral_with_one_persons_email_and_anothers_profile_is_saved_not_refused(
    runtime: Runtime,
) -> None:
    refer(runtime, EMPLOYEE, email="ada@example.com")
    refer(runtime, EMPLOYEE, name="Grace Hopper", profile_url="linkedin.com/in/grace")

    # One person's email, the other's profile: the email, the stronger identity, decides who.
    result = refer(
        runtime, FRENCH_EMPLOYEE, email="ada@example.com", profile_url="linkedin.com/in/grace"
    )

    assert result.duplicate and result.candidate_name == "Ada Lovelace"
    assert people(runtime) == [
        ("Ada Lovelace", "ada@example.com", None),
        ("Grace Hopper", None, "https://linkedin.com/in/grace"),
    ]


# What the referrer is told


def test_a_referral_the_candidate_does_not_know_about_is_a_lead(runtime: Runtime) -> None:
    lead = refer(runtime, EMPLOYEE, email="ada@example.com", candidate_knows=False)
    known = refer(runtime, EMPLOYEE, name="Grace Hopper", email="grace@example.com")

    assert lead.lead and not lead.duplicate
    assert not known.lead


def test_the_same_referrer_referring_the_same_person_twice_records_one_referral(
    runtime: Runtime, slack: SlackEmulator
) -> None:
    first = refer(runtime, EMPLOYEE, email="ada@example.com", note="met at PyCon")

    again = refer(runtime, EMPLOYEE, name="Ada King", email=" Ada@Example.com", note="again")

    assert not first.duplicate
    assert again.duplicate and not again.again
    assert again.candidate_public_id == first.candidate_public_id
    assert again.candidate_name == "Ada Lovelace"
    assert referral_count(runtime) == 1
    assert receipts(runtime, EMPLOYEE) == 1, "no second 'received' DM"
    assert people(runtime) == [("Ada Lovelace", "ada@example.com", None)]


# `/refer <text>` pre-fills the modal


def test_refer_with_an_email_prefills_the_email_and_leaves_the_name_empty(
    runtime: Runtime,
) -> None:
    form = runtime.services.referrals.form(team_id=TEAM, user_id=EMPLOYEE, text=" ada@x.com ")

    assert form.prefill == ReferralPrefill(email="ada@x.com")


def test_refer_with_a_link_prefills_the_profile_url_and_with_words_the_name(
    runtime: Runtime,
) -> None:
    link = runtime.services.referrals.form(
        team_id=TEAM, user_id=EMPLOYEE, text="linkedin.com/in/ada"
    )
    name = runtime.services.referrals.form(team_id=TEAM, user_id=EMPLOYEE, text="Ada Lovelace")

    assert link.prefill == ReferralPrefill(profile_url="linkedin.com/in/ada")
    assert name.prefill == ReferralPrefill(name="Ada Lovelace")
