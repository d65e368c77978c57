"""A CV with the referral (issue 17, item 3): attached in the modal, announced on the recruiter's
card, a copy in the recruiter's DM only, refused inline when it is not a CV, and gone from refbot
(references and copies) after a forget."""

import json

from sqlalchemy import func, select

from bot.services.cvs import cv_for
from bot.slack_emulator import SlackEmulator
from storage.models import Candidate, CandidateFile, CandidateFileCopy, Delivery, Referral
from storage.types import DeliveryKind, DeliveryStatus
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, RECRUITER, Clock, Refbot
from tests.e2e.test_decisions import MANAGER, role
from tests.e2e.test_hm_view import hm_cards
from tests.e2e.test_privacy import everything_stored
from tests.e2e.test_referral import cards, count, open_referral, refer

PDF = b"%PDF-1.7\n" + b"Ada Lovelace, analytical engines\n" * 200


def referred_with_cv(refbot: Refbot, slack: SlackEmulator, name: str = "ada-cv.pdf") -> dict:
    """Alice refers Ada with her CV attached; the file object Slack gave."""
    cv = slack.user_file(EMPLOYEE, name, PDF)
    answer = refer(
        refbot,
        EMPLOYEE,
        name="Ada Lovelace",
        email="ada@example.com",
        candidate_knows="yes",
        cv=cv,
    )
    assert answer["response_action"] == "update", answer
    return cv


def cv_copies(slack: SlackEmulator, user: str) -> list:
    return slack.uploads(slack.dm_channel(user))


def test_a_cv_with_a_referral_reaches_the_recruiter_card_and_dm_only(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred_with_cv(refbot, slack)
    refbot.sweep()

    assert slack.wait_for(lambda: len(cards(slack)) == 1 and cv_copies(slack, RECRUITER))
    refbot.sweep()  # nothing more goes out
    card = cards(slack)[0]
    assert "CV attached" in card.plain_text() and "ada-cv.pdf" in card.plain_text()
    [copy] = cv_copies(slack, RECRUITER)
    assert copy.content == PDF and copy.filename == "ada-cv.pdf"
    assert [u.channel for u in slack.uploads()] == [slack.dm_channel(RECRUITER)]  # no channel
    assert cv_copies(slack, EMPLOYEE) == []
    downloads = slack.calls_to("files-pri")
    assert downloads and all(c.ok and c.token == slack.token for c in downloads)
    assert slack.errors == []


def test_the_hiring_manager_gets_no_cv_and_the_role_recruiter_gets_one_copy(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    cv = slack.user_file(EMPLOYEE, "ada.docx", b"PK\x03\x04 docx bytes")

    refer(
        refbot,
        EMPLOYEE,
        name="Ada Lovelace",
        email="ada@example.com",
        role=role(refbot, "Staff Engineer"),
        candidate_knows="yes",
        cv=cv,
    )
    refbot.sweep()

    assert slack.wait_for(lambda: len(cv_copies(slack, RECRUITER)) == 1 and hm_cards(slack))
    [hm_card] = hm_cards(slack)
    assert "ada.docx" not in json.dumps(hm_card.blocks) and "CV" not in hm_card.plain_text()
    assert cv_copies(slack, MANAGER) == []
    assert "ada.docx" in cards(slack)[0].plain_text()


def test_a_copy_that_failed_to_share_is_retried_and_lands_once(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    slack.fail("files.completeUploadExternal", status=500)  # no answer: shared or not?
    referred_with_cv(refbot, slack)
    refbot.sweep()
    assert slack.wait_for(lambda: len(slack.calls_to("files.completeUploadExternal")) == 1)
    assert cv_copies(slack, RECRUITER) == []

    for _ in range(3):
        clock.travel(minutes=5)
        refbot.sweep()

    assert len(cv_copies(slack, RECRUITER)) == 1
    with refbot.runtime.dispatcher.sessions() as s:
        [copy] = s.scalars(select(CandidateFileCopy)).all()
        assert copy.shared_at is not None
        assert copy.slack_file_id == cv_copies(slack, RECRUITER)[0].file_id


def test_a_copy_shared_before_an_uncertain_answer_is_not_uploaded_again(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    referred_with_cv(refbot, slack)
    refbot.sweep()
    assert slack.wait_for(lambda: len(cv_copies(slack, RECRUITER)) == 1)
    # As if the answer to the completion had been lost: the row is due again, the copy
    # recorded but not marked shared.
    with refbot.runtime.dispatcher.sessions.begin() as s:
        copy = s.scalars(select(CandidateFileCopy)).one()
        copy.shared_at = None
        row = s.scalars(select(Delivery).where(Delivery.kind == DeliveryKind.CV_SHARE)).one()
        row.status, row.next_attempt_at = DeliveryStatus.PENDING, row.due_at

    refbot.sweep()

    assert len(cv_copies(slack, RECRUITER)) == 1
    assert len(slack.calls_to("files.getUploadURLExternal")) == 1
    with refbot.runtime.dispatcher.sessions() as s:
        assert s.scalars(select(CandidateFileCopy)).one().shared_at is not None


def test_a_file_that_is_not_a_cv_is_refused_inline_and_nothing_is_saved(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    exe = slack.user_file(EMPLOYEE, "cv.exe", b"MZ\x90\x00")
    huge = slack.user_file(EMPLOYEE, "big.pdf", b"%PDF")
    huge["size"] = 20 * 1024 * 1024
    theirs = slack.user_file(RECRUITER, "someone-else.pdf", PDF)

    answers = [
        refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com", cv=cv)
        for cv in (exe, huge, theirs, [exe, huge])
    ]

    assert [a["response_action"] for a in answers] == ["errors"] * 4
    assert "PDF, DOC or DOCX" in answers[0]["errors"]["cv"]
    assert "10 MB" in answers[1]["errors"]["cv"]
    assert "upload here yourself" in answers[2]["errors"]["cv"]
    assert "one CV" in answers[3]["errors"]["cv"]
    assert (count(refbot, Candidate), count(refbot, Referral), count(refbot, CandidateFile)) == (
        0,
        0,
        0,
    )


def test_the_french_modal_offers_the_cv_and_refuses_in_french(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    view = open_referral(refbot, FRENCH_EMPLOYEE)
    block = next(b for b in view["blocks"] if b["block_id"] == "cv")
    exe = slack.user_file(FRENCH_EMPLOYEE, "cv.exe", b"MZ")
    answer = refbot.submit(
        FRENCH_EMPLOYEE, "referral_submit", name="Ada", email="ada@example.com", cv=exe
    ).json()

    assert block["element"]["type"] == "file_input" and block["optional"] is True
    assert block["element"]["filetypes"] == ["pdf", "doc", "docx"]
    assert block["element"]["max_files"] == 1
    assert "refbot lui en envoie une copie" in block["hint"]["text"]
    assert "PDF, DOC ou DOCX" in answer["errors"]["cv"]


def test_forget_removes_the_cv_references_and_deletes_the_copy(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    cv = referred_with_cv(refbot, slack)
    refbot.sweep()
    assert slack.wait_for(lambda: len(cv_copies(slack, RECRUITER)) == 1)
    [copy] = cv_copies(slack, RECRUITER)

    refbot.command(RECRUITER, "/refbot", "forget ada@example.com")
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "forget_submit" for v in slack.open_views(RECRUITER))
    )
    confirm = json.dumps(slack.open_views(RECRUITER)[-1]["blocks"])
    refbot.submit(RECRUITER, "forget_submit")
    refbot.sweep()

    assert slack.wait_for(lambda: copy.file_id in slack.deleted_files())
    assert "stays in that referrer" in confirm
    assert not slack.file_exists(copy.file_id)
    assert slack.file_exists(cv["id"])  # the referrer's own upload: not refbot's to delete
    assert (count(refbot, CandidateFile), count(refbot, CandidateFileCopy)) == (0, 0)
    assert "ada-cv" not in everything_stored(refbot)
    with refbot.runtime.dispatcher.sessions() as s:
        candidate_id = s.scalar(select(func.min(Candidate.id)))
        assert cv_for(s, candidate_id) is None


def test_the_ats_push_can_read_the_cv_bytes(refbot: Refbot, slack: SlackEmulator) -> None:
    referred_with_cv(refbot, slack)
    services = refbot.runtime.services
    assert services.cvs is not None

    with refbot.runtime.dispatcher.sessions() as s:
        candidate_id = s.scalar(select(func.min(Candidate.id)))
        cv = cv_for(s, candidate_id)

    assert cv is not None and cv.name == "ada-cv.pdf" and cv.filetype == "pdf"
    assert services.cvs.content(cv.team_id, cv) == PDF


def test_a_second_referrer_s_cv_reaches_the_recruiter_who_holds_the_card(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com", candidate_knows="yes")
    refbot.sweep()
    assert slack.wait_for(lambda: len(cards(slack)) == 1)
    cv = slack.user_file(FRENCH_EMPLOYEE, "ada-2026.pdf", PDF)

    refer(
        refbot,
        FRENCH_EMPLOYEE,
        name="Ada Lovelace",
        email="ada@example.com",
        candidate_knows="yes",
        cv=cv,
    )
    refbot.sweep()

    assert slack.wait_for(
        lambda: (
            len(cv_copies(slack, RECRUITER)) == 1 and "ada-2026.pdf" in cards(slack)[0].plain_text()
        )
    )
    assert len(cards(slack)) == 1  # the card was edited, not sent again
    assert cv_copies(slack, EMPLOYEE) == [] and cv_copies(slack, FRENCH_EMPLOYEE) == []


def test_without_the_files_read_scope_the_copy_waits_for_a_working_token(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    slack.fail("files.info", error="missing_scope")  # an install from before the CV feature

    referred_with_cv(refbot, slack)
    refbot.sweep()
    assert slack.wait_for(lambda: len(cards(slack)) == 1)
    with refbot.runtime.dispatcher.sessions() as s:
        row = s.scalars(select(Delivery).where(Delivery.kind == DeliveryKind.CV_SHARE)).one()
        waiting = (row.status, row.attempts)
    clock.travel(minutes=16)  # reinstalled with files:read; parked rows are tried again
    refbot.sweep()

    assert waiting == (DeliveryStatus.PENDING, 0)
    assert slack.wait_for(lambda: len(cv_copies(slack, RECRUITER)) == 1)


def test_a_forget_crossing_a_copy_on_its_way_deletes_that_copy_too(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    slack.hang("files.completeUploadExternal", 1.5)  # the copy is on its way during the forget

    referred_with_cv(refbot, slack)
    assert slack.wait_for(lambda: count(refbot, CandidateFileCopy) == 1)  # being completed
    refbot.command(RECRUITER, "/refbot", "forget ada@example.com")
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "forget_submit" for v in slack.open_views(RECRUITER))
    )
    refbot.submit(RECRUITER, "forget_submit")

    assert slack.wait_for(lambda: slack.calls_to("files.completeUploadExternal"))
    assert slack.wait_for(lambda: slack.deleted_files(), timeout=10)
    refbot.sweep()
    assert slack.uploads() == []
    assert (count(refbot, CandidateFile), count(refbot, CandidateFileCopy)) == (0, 0)
