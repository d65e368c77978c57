"""Text: every English template has its French twin, and user text cannot inject mrkdwn."""

from bot import i18n, rendering
from bot.services.home import HomeState, ReferralLine
from bot.services.roles import RoleLine


def test_every_english_template_has_a_french_twin() -> None:
    assert i18n.template_names("en") == i18n.template_names("fr")


def test_mrkdwn_escapes_user_text_but_not_mentions() -> None:
    line = ReferralLine(
        candidate_name="<!channel> & <http://evil|click>", role_title=None, status="new"
    )

    text = i18n.mrkdwn("en", "home/referral_line", line=line)

    assert "<!channel>" not in text and "<http" not in text
    assert "&lt;!channel&gt; &amp; &lt;http://evil|click&gt;" in text
    assert str(i18n.mention("U0ALICE")) == "<@U0ALICE>"


def test_slack_locales_map_to_languages() -> None:
    assert i18n.normalize_locale("fr-FR") == "fr"
    assert i18n.normalize_locale("fr_CA") == "fr"
    assert i18n.normalize_locale("ja-JP", fallback="fr") == "fr"
    assert i18n.normalize_locale(None) == "en"


def test_home_with_worst_case_content_stays_within_slack_limits() -> None:
    state = HomeState(
        user_id="U0ALICE",
        locale="fr",
        is_recruiter=False,
        referrals=tuple(
            ReferralLine(candidate_name="N" * 5000, role_title="R" * 500, status="hired")
            for _ in range(150)
        ),
        open_roles=tuple(
            RoleLine(public_id=f"r{i}", title="T" * 300, team_name=None, status="upcoming")
            for i in range(80)
        ),
    )

    view = rendering.home(state)

    assert len(view["blocks"]) <= 100
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in view["blocks"])
