"""Slack's markup read back as what the person typed (pure functions)."""

import pytest

from bot.slack_text import command_text, message_text, unescape
from bot.user_input import whole_number


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("<mailto:ada@example.com|ada@example.com>", "ada@example.com"),
        ("<mailto:ada@example.com|Ada>", "Ada (ada@example.com)"),
        ("<https://linkedin.com/in/ada|linkedin.com/in/ada>", "https://linkedin.com/in/ada"),
        ("<http://www.x.io/a|x.io/a>", "http://www.x.io/a"),
        ("<https://x.io/?a=1&amp;b=2>", "https://x.io/?a=1&b=2"),
        ("see <https://x.io|her site>", "see her site (https://x.io)"),
        ("<@U123> and <@U456|bob>", "@U123 and @bob"),
        ("<#C123|general> <!here> <!subteam^S1|@devs>", "#general @here @devs"),
        ("<!date^1392734382^{date}|Feb 18, 2014>", "Feb 18, 2014"),
        ("Ada &amp; Grace &lt;3", "Ada & Grace <3"),
        ("&amp;lt; stays one level", "&lt; stays one level"),
        ("no markup at all", "no markup at all"),
    ],
)
def test_markup_reads_back_as_typed(sent: str, typed: str) -> None:
    assert unescape(sent) == typed


def test_command_text_drops_control_characters_and_trims() -> None:
    assert command_text({"text": "  find ada\x00@example.com\x07 "}) == "find ada@example.com"
    assert command_text({}) == ""


def test_a_message_without_text_says_what_its_blocks_attachments_and_files_say() -> None:
    message = {
        "text": "",
        "blocks": [
            {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {"type": "text", "text": "Meet "},
                            {"type": "link", "url": "mailto:ada@x.io", "text": "ada@x.io"},
                        ],
                    }
                ],
            }
        ],
        "attachments": [{"fallback": "only a fallback"}],
        "files": [{"name": "cv.pdf"}],
    }

    assert message_text(message) == "Meet ada@x.io\nonly a fallback\ncv.pdf"


@pytest.mark.parametrize(
    ("typed", "number"),
    [("30", 30), (" 7 ", 7), ("²", None), ("١٢", None), ("３", None), ("-1", None), ("", None)],
)
def test_only_ascii_digits_make_a_whole_number(typed: str, number: int | None) -> None:
    assert whole_number(typed) == number
