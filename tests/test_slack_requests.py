"""The adapter reads an interactive payload as Bolt's own parser would (pure functions)."""

import json
from urllib.parse import quote_plus, unquote_plus, urlencode

from hypothesis import given
from hypothesis import strategies as st
from slack_bolt.request.internals import parse_body

from bot.slack_requests import form_unquote, payload_json

FORM = "application/x-www-form-urlencoded"
# What breaks percent-decoding: stray and truncated escapes, plus signs, backslashes (the
# codec's own escape), hex digits in both cases, non-ASCII text and invalid UTF-8 once decoded.
RAW = st.text(alphabet=st.sampled_from('%+\\xX0aF9g =&{}"é😀\n'), max_size=40)


@given(st.one_of(RAW, st.text().map(quote_plus)))
def test_form_unquote_is_the_stdlib_unquote_plus(text: str) -> None:
    assert form_unquote(text) == unquote_plus(text)


@given(st.recursive(st.text(), lambda inner: st.dictionaries(st.text(), inner, max_size=3)))
def test_an_interactive_payload_reads_as_bolt_reads_it(value: object) -> None:
    body = urlencode({"payload": json.dumps({"type": "view_submission", "value": value})})
    text = payload_json(body)
    assert text is not None
    assert parse_body(text, FORM) == parse_body(body, FORM)


def test_other_bodies_are_left_to_bolt() -> None:
    assert payload_json("command=%2Frefbot&text=help") is None
    assert payload_json(urlencode({"payload": "{}", "extra": "1"})) is None
    assert payload_json(urlencode({"payload": "[1, 2]"})) is None  # not an object
    assert payload_json('{"type": "event_callback"}') is None
