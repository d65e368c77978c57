"""README.md as a self-hoster reads it: where member IDs come from, what HTTP mode needs before
Slack sends anything, and links that work from a checkout of this repository alone."""

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def install_section() -> str:
    return README.split("## Install it in a workspace", 1)[1].split("\n## ", 1)[0]


def test_the_install_steps_say_how_to_find_a_member_id() -> None:
    steps = install_section()

    assert "Copy member ID" in steps and "⋮" in steps and "REFBOT_RECRUITERS" in steps
    assert "/refbot admin" in steps


def test_the_install_steps_say_http_mode_needs_https_and_a_verified_request_url() -> None:
    steps = install_section()

    assert "public HTTPS URL" in steps
    assert "Request URL" in steps and "Verified" in steps
    assert "the Home tab stays blank" in steps


def test_every_link_in_the_readme_stays_in_the_repository() -> None:
    outside = []
    for target in _LINK.findall(README):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a web address or an anchor
        path = (ROOT / target.split("#", 1)[0]).resolve()
        if not path.is_relative_to(ROOT.resolve()) or not path.exists():
            outside.append(target)

    assert outside == []


def test_the_readme_lists_every_header_the_import_recognises() -> None:
    from bot.transfer.shapes import ALIASES

    section = README.split("## Importing and exporting", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([^`]+)`", section))

    assert [a for aliases in ALIASES.values() for a in aliases if a not in listed] == []
