"""Every date a person reads is theirs: in messages Slack's <!date> (each reader's own zone and
locale, with a fallback in their language), in modals written out in their zone and language."""

import json
import re
from datetime import UTC, datetime

from bot.slack_emulator import SlackEmulator
from tests.conftest import RECRUITER, Clock, Refbot
from tests.e2e.test_decisions import referred
from tests.e2e.test_outreach import reach_out
from tests.e2e.test_snooze import snooze
from tests.e2e.test_words import ephemeral, french

SLACK_DATE = re.compile(r"<!date\^(\d+)\^\{date_short_pretty\}( \{time\})?\|([^>]*)>")
ENGLISH_DATE = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Nov|Dec)\b|\d{4}-\d{2}-\d{2}")


def test_french_recruiter_sees_the_snooze_end_in_french_in_her_own_zone(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    french(slack, RECRUITER, "Rita Okafor")
    referred(refbot, slack)

    answer = snooze(refbot, until="date", date="2027-02-05", note="après les examens")

    text = json.dumps(answer.json()["view"], ensure_ascii=False)
    assert "le vendredi 5 février 2027 à 09:00 (votre heure)" in text
    assert "2027-02-05" not in text


def test_french_recruiters_reach_out_lists_her_follow_up_days_in_french(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    clock.traveller.move_to(datetime(2026, 11, 6, 15, 0, tzinfo=UTC))  # a Friday
    french(slack, RECRUITER, "Rita Okafor")
    referred(refbot, slack)

    answer = reach_out(refbot, template="referred_A", channel="email")

    text = json.dumps(answer.json()["view"], ensure_ascii=False)
    assert "le mer. 11 nov. 2026, 09:00 et le mar. 17 nov. 2026, 09:00 (votre heure)" in text
    assert not ENGLISH_DATE.search(text), text


def test_french_follow_up_dm_dates_the_reach_out_with_slack_dates_and_a_french_fallback(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    clock.traveller.move_to(datetime(2026, 11, 6, 15, 0, tzinfo=UTC))
    french(slack, RECRUITER, "Rita Okafor")
    referred(refbot, slack)
    reach_out(refbot, template="referred_A", channel="email")

    clock.traveller.move_to(datetime(2026, 11, 11, 9, 1, tzinfo=UTC))
    refbot.sweep()

    due = lambda: [m for m in slack.dms(RECRUITER) if m.has_button("followup_sent")]  # noqa: E731
    assert slack.wait_for(lambda: due() != [])
    text = due()[0].plain_text()
    found = SLACK_DATE.search(text)
    assert found is not None, text
    # The reach-out's moment: the clock ticks, so a loaded machine records it a second or two
    # after 15:00, never another day.
    reached_out = datetime(2026, 11, 6, 15, 0, tzinfo=UTC).timestamp()
    assert 0 <= int(found.group(1)) - reached_out < 60
    assert found.group(3) == "ven. 6 nov. 2026"  # the reach-out day, written in French
    assert "par e-mail le <!date^" in text
    assert not ENGLISH_DATE.search(SLACK_DATE.sub("", text)), text


def test_snooze_over_dm_and_its_history_date_with_slack_dates(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    french(slack, RECRUITER, "Rita Okafor")
    referred(refbot, slack)
    snooze(refbot, until="1m", note="après les examens")

    clock.travel(days=40)
    refbot.sweep()

    over = lambda: [m for m in slack.dms(RECRUITER) if "Fin de pause" in m.text]  # noqa: E731
    assert slack.wait_for(lambda: over() != [])
    text = over()[0].plain_text()
    assert "en pause depuis le <!date^" in text and "Historique" in text
    assert len(SLACK_DATE.findall(text)) >= 3, text  # snoozed on, and each history line
    assert not ENGLISH_DATE.search(SLACK_DATE.sub("", text)), text
    assert all(fallback[2].startswith("lun. 2 nov. 2026") for fallback in SLACK_DATE.findall(text))


def test_search_results_date_the_last_activity_with_slack_dates(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    french(slack, RECRUITER, "Rita Okafor")
    referred(refbot, slack)

    shown = ephemeral(refbot, RECRUITER, "/refbot", "find ada")

    assert "dernière activité le <!date^" in shown
    assert SLACK_DATE.search(shown).group(3) == "lun. 2 nov. 2026"  # type: ignore[union-attr]
    assert not ENGLISH_DATE.search(SLACK_DATE.sub("", shown)), shown


def test_follow_ups_list_dates_each_item_with_slack_dates(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    french(slack, RECRUITER, "Rita Okafor")
    referred(refbot, slack)
    reach_out(refbot, template="referred_A", channel="email")
    clock.travel(days=6)

    shown = ephemeral(refbot, RECRUITER, "/refbot", "followups")

    assert "Ada Lovelace* · <!date^" in shown, shown
    assert not ENGLISH_DATE.search(SLACK_DATE.sub("", shown)), shown
