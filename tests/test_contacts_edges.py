"""Edges of what an employee may paste as a contact: international hosts, trailing dots, numeric
top-level domains, undecodable escapes, LinkedIn slug escapes and the profile URL length limit."""

from collections.abc import Callable

import pytest

from bot.contacts import (
    PROFILE_URL_MAX,
    ContactError,
    find_profile_url,
    normalize_email,
    normalize_profile_url,
    validate_referral,
)


def error_of(call: Callable[[str], object], raw: str) -> tuple[str, str]:
    with pytest.raises(ContactError) as caught:
        call(raw)
    return caught.value.field, caught.value.code


# International domains


def test_an_international_profile_host_is_stored_in_its_ascii_form() -> None:
    assert normalize_profile_url("https://Bücher.DE/ada") == "https://xn--bcher-kva.de/ada"
    assert normalize_profile_url("bücher.de/ada") == normalize_profile_url("xn--BCHER-kva.de/ada")


@pytest.mark.parametrize(
    "raw",
    [
        "https://\u00ad.com/ada",  # a soft hyphen alone: an empty label once IDNA maps it away
        "https://" + "a" * 64 + ".com/ada",  # a label over DNS's 63 characters
    ],
)
def test_a_host_idna_cannot_encode_is_an_invalid_link(raw: str) -> None:
    assert error_of(normalize_profile_url, raw) == ("profile_url", "invalid_url")


def test_a_63_character_label_is_still_a_host() -> None:
    label = "a" * 63

    assert normalize_profile_url(f"https://{label}.com/ada") == f"https://{label}.com/ada"


@pytest.mark.parametrize("raw", ["ada@☃.net", "ada@xn--zz.com", "ada@-x.com"])
def test_an_invalid_international_email_domain_is_an_invalid_email(raw: str) -> None:
    assert error_of(normalize_email, raw) == ("email", "invalid_email")


def test_the_form_shows_an_invalid_international_link_under_the_link_field() -> None:
    contact, errors = validate_referral(
        name="Ada", email="ada@example.com", profile_url="https://\u00ad.com/ada", note=None
    )

    assert contact is None and errors == {"profile_url": "invalid_url"}


# Hosts


def test_a_fully_qualified_host_with_its_trailing_dot_is_the_same_profile() -> None:
    assert normalize_profile_url("https://EXAMPLE.com./ada") == "https://example.com/ada"
    assert normalize_profile_url("https://www.linkedin.com./in/ada") == (
        "https://linkedin.com/in/ada"
    )


@pytest.mark.parametrize(
    "raw", ["https://m.www.example.com/ada", "mobile.m.example.com/ada", "www.www.example.com/ada"]
)
def test_stacked_mobile_and_www_prefixes_are_all_dropped(raw: str) -> None:
    assert normalize_profile_url(raw) == "https://example.com/ada"


@pytest.mark.parametrize("raw", ["https://example.123/ada", "https://10.0.0.1/ada", "https://1.2"])
def test_an_all_digit_top_level_domain_is_an_address_not_a_profile(raw: str) -> None:
    assert error_of(normalize_profile_url, raw) == ("profile_url", "invalid_url")


@pytest.mark.parametrize("tld", ["c0m", "x1", "1x"])
def test_a_top_level_domain_with_a_letter_is_a_host(tld: str) -> None:
    assert normalize_profile_url(f"https://example.{tld}/ada") == f"https://example.{tld}/ada"


# Escapes


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("example.com/%80", "https://example.com/%80"),  # a lone UTF-8 continuation byte
        ("example.com/a%80%80b", "https://example.com/a%80%80b"),
        ("example.com/%c3", "https://example.com/%C3"),  # a truncated two-byte sequence
        ("example.com/%ff", "https://example.com/%FF"),
    ],
)
def test_bytes_that_are_not_utf8_stay_escaped_in_upper_case(raw: str, normalized: str) -> None:
    assert normalize_profile_url(raw) == normalized
    assert normalize_profile_url(normalized) == normalized


@pytest.mark.parametrize(
    "raw",
    [
        "linkedin.com/in/ada%2Dlovelace",
        "linkedin.com/in/Ada%2dLovelace",
        "https://www.linkedin.com/in/ADA-LOVELACE",
    ],
)
def test_escaped_and_plain_linkedin_slugs_are_one_profile(raw: str) -> None:
    assert normalize_profile_url(raw) == "https://linkedin.com/in/ada-lovelace"


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("linkedin.com/in/Ada%2fLovelace", "https://linkedin.com/in/ada%2Flovelace"),
        ("linkedin.com/in/ada%2FLOVELACE", "https://linkedin.com/in/ada%2Flovelace"),
        ("linkedin.com/in/ada%ff", "https://linkedin.com/in/ada%FF"),
        ("linkedin.com/in/ADA%FF", "https://linkedin.com/in/ada%FF"),
    ],
)
def test_linkedin_slugs_differing_only_in_the_case_of_a_kept_escape_are_one_profile(
    raw: str, normalized: str
) -> None:
    # The slug is lowercased, but an escape's hex digits are upper case (RFC 3986 6.2.2.1).
    assert normalize_profile_url(raw) == normalized
    assert normalize_profile_url(normalized) == normalized


# Lengths


def test_a_profile_url_of_exactly_the_column_length_is_kept() -> None:
    url = "https://example.com/" + "a" * (PROFILE_URL_MAX - len("https://example.com/"))

    assert len(url) == PROFILE_URL_MAX == 500
    assert normalize_profile_url(url) == url


def test_a_profile_url_one_character_over_the_column_length_is_refused() -> None:
    url = "https://example.com/" + "a" * (PROFILE_URL_MAX + 1 - len("https://example.com/"))

    assert error_of(normalize_profile_url, url) == ("profile_url", "too_long")


def test_tracking_may_make_a_pasted_link_long_as_long_as_it_stays_under_2000() -> None:
    base = "https://example.com/ada?utm_source="
    pasted = base + "x" * (2000 - len(base))

    assert normalize_profile_url(pasted) == "https://example.com/ada"
    assert error_of(normalize_profile_url, pasted + "x") == ("profile_url", "too_long")


# Links in Slack messages


@pytest.mark.parametrize(
    ("text", "url"),
    [
        (
            "<https://example.com/a&lt;b&gt;c?x=1&amp;y=2|profile>",
            "https://example.com/a<b>c?x=1&y=2",
        ),
        ("see https://example.com/q?a=1&amp;b=&gt;2 now", "https://example.com/q?a=1&b=>2"),
    ],
)
def test_slacks_escapes_in_a_shared_link_are_read_back(text: str, url: str) -> None:
    assert find_profile_url(text) == url
