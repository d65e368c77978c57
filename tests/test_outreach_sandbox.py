"""Admins' outreach wording runs in a sandbox that bounds memory and work, not only access."""

import json
from collections.abc import Iterator

import pytest

from bot import outreach_templates
from bot.slack_emulator import SlackEmulator
from storage.models import Template
from storage.repositories import templates
from tests.conftest import FRENCH_EMPLOYEE, RECRUITER, START, TEAM, Clock, Refbot, settings_for
from tests.e2e.test_admin import VALID, open_admin
from tests.e2e.test_decisions import referred
from tests.e2e.test_outreach import reach_out

LETTERS = '"' + "x" * 99 + '"'


def nested(iterable: str, depth: int, body: str = "") -> str:
    opening = "".join(f"{{% for v{n} in {iterable} %}}" for n in range(depth))
    return opening + body + "{% endfor %}" * depth


HOSTILE = {
    "huge repeat": ('{{ "x" * 10**9 }}', "template_too_long"),
    "huge repeat of a list": ("{{ (range(100)|list) * 10**7 }}", "template_too_costly"),
    "huge power": ("{{ 10**10**10 }}", "template_too_costly"),
    "float overflow": ("{{ 10.0 ** 400 }}", "template_too_costly"),
    "nested ranges": (nested("range(100)", 5), "template_too_costly"),
    "nested loops over a text": (nested(LETTERS, 5), "template_too_costly"),
    "huge range": ("{% for i in range(10**6) %}{% endfor %}", "template_too_costly"),
    "doubling in a loop": (
        '{% set ns = namespace(s="xx") %}{% for i in range(64) %}'
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "template_too_long",
    ),
    "capture in a loop": (
        '{% set ns = namespace(s="x") %}{% for i in range(8) %}{% set b %}'
        "{% for j in range(100) %}{{ ns.s }}{% endfor %}{% endset %}{% set ns.s = b %}"
        "{% endfor %}",
        "template_too_long",
    ),
    "padding filter": ('{{ "x"|center(1000000000) }}', "template_too_costly"),
    "padding method": ('{{ "x".ljust(10**9) }}', "template_too_costly"),
    "format width": ('{{ "{:999999999}".format(1) }}', "template_too_costly"),
    "printf width": ('{{ "%999999999d" % 1 }}', "template_too_costly"),
    "printf filter": ('{{ "%999999999d"|format(1) }}', "template_too_costly"),
    "exponential macro": (
        "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(40) }}",
        "template_too_costly",
    ),
    "endless macro": ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "template_too_costly"),
    "lorem ipsum": ("{{ lipsum(2000) }}", "bad_template"),
    "long with long names": (
        "{% for i in range(20) %}{{ first_name }} {% endfor %}",
        "template_too_long",
    ),
    "absent role": ("Hi {{ first_name }}, about {{ role.upper() }}", "bad_template"),
    "division by zero": ("{{ 1 / 0 }}", "bad_template"),
}


@pytest.mark.parametrize(("source", "code"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_wording_is_refused_on_save(source: str, code: str) -> None:
    assert outreach_templates.check(source) == code


def test_a_normal_wording_is_accepted_and_an_absent_role_says_nothing() -> None:
    source = "Hi {{ first_name }},{% if role %} our {{ role }} role?{% endif %} {{ role }}"

    draft = outreach_templates.render(
        source, first_name="Ada", role=None, referrer_first_name=None, recruiter="Rita"
    )

    assert outreach_templates.check(source) is None
    assert draft == "Hi Ada,"
    for locale in ("en", "fr"):
        for key in (*outreach_templates.DEFAULTS, "followup"):
            assert outreach_templates.check(outreach_templates.default_source(locale, key)) is None


def test_a_draft_is_cut_off_while_rendering_not_after() -> None:
    # 40 pieces of 100 characters: rendering stops at the 26th.
    source = nested("range(40)", 1, "{{ first_name }}")

    with pytest.raises(outreach_templates.WordingTooLong):
        outreach_templates.render(source, first_name="x" * 100)


def test_admin_sees_why_a_wording_is_refused_in_their_language(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    answers = {}
    for admin in (RECRUITER, FRENCH_EMPLOYEE):
        for source, _ in (HOSTILE["huge repeat"], HOSTILE["nested ranges"]):
            open_admin(refbot, admin)
            answer = refbot.submit(
                admin, "admin_submit", **VALID, template="referred_A", template_body=source
            )
            answers[admin, source[:10]] = answer.json()["errors"]["template_body"]
            slack.close_views(admin)

    assert "2,500 characters" in answers[RECRUITER, '{{ "x" * 1']
    assert "too much work" in answers[RECRUITER, "{% for v0 "]
    assert "2 500 caractères" in answers[FRENCH_EMPLOYEE, '{{ "x" * 1']
    assert "trop de calcul" in answers[FRENCH_EMPLOYEE, "{% for v0 "]


def test_a_wording_saved_before_the_limits_never_stalls_a_reach_out(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    with refbot.runtime.dispatcher.sessions.begin() as s:
        body = '{{ "x" * 10**9 }}'
        templates.save(
            s, Template(team_id=TEAM, name="referred", variant="A", body=body, created_at=START)
        )
    referred(refbot, slack)

    draft = reach_out(refbot, template="referred_A", channel="email")

    assert "Hi Ada" in json.dumps(draft.json()["view"])  # the shipped wording


@pytest.fixture
def refbot(slack: SlackEmulator, migrated_url: str, clock: Clock) -> Iterator[Refbot]:
    """refbot with an English and a French admin."""
    settings = settings_for(slack, migrated_url)
    running = Refbot(
        settings.model_copy(update={"refbot_recruiters": (RECRUITER, FRENCH_EMPLOYEE)}), slack
    )
    yield running
    running.close()
