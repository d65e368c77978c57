"""A web replica beside a worker (issue 15): on PostgreSQL it leaves even the card its own
request caused to the worker, which NOTIFY wakes at once; on SQLite, which has no NOTIFY, it
sends the card itself as before."""

from bot.app import build
from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Refbot, settings_for
from tests.e2e.test_referral import cards, refer


def test_a_web_replica_leaves_the_card_to_the_worker_which_is_woken_at_once(
    slack: SlackEmulator, migrated_url: str
) -> None:
    web = Refbot(settings_for(slack, migrated_url), slack, hand_off=True)
    # The worker talks to a Slack of its own: where the card lands says who sent it. It has
    # no scheduler either, so only the wake-up can make it send.
    with SlackEmulator(team_id=TEAM, token=slack.token) as workers_slack:
        workers_slack.add_user(RECRUITER, name="rita", real_name="Rita Okafor")
        worker = build(settings_for(workers_slack, migrated_url), scheduler=False)
        worker.listen_for_due()
        try:
            refer(web, EMPLOYEE, name="Ada Lovelace", email="ada@example.com")

            sent_by = workers_slack if migrated_url.startswith("postgresql") else slack
            assert sent_by.wait_for(lambda: len(cards(sent_by)) == 1, timeout=20)
        finally:
            worker.close()
            web.close()
    assert len(cards(slack)) + len(cards(workers_slack)) == 1
