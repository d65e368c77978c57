from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.contacts import (
    CleanContact,
    ContactError,
    classify,
    clean_name,
    clean_note,
    find_profile_url,
    first_name,
    normalize_email,
    normalize_profile_url,
    validate_referral,
)

ADA_URL = "https://linkedin.com/in/ada-lovelace"


def error_of(call: Callable[[str], object], raw: str) -> tuple[str, str]:
    with pytest.raises(ContactError) as caught:
        call(raw)
    return caught.value.field, caught.value.code


# Emails


@pytest.mark.parametrize(
    "raw",
    [
        "Ada@Example.COM ",
        " ada@example.com",
        "ada @ example.com",
        "ADA@EXAMPLE.COM\n",
        "mailto:ada@example.com",
    ],
)
def test_emails_normalize_to_lowercase_without_spaces(raw: str) -> None:
    assert normalize_email(raw) == "ada@example.com"


def test_international_domains_have_one_form() -> None:
    assert normalize_email("ada@xn--bcher-kva.de") == normalize_email("Ada@Bücher.de")


@pytest.mark.parametrize(
    "raw", ["", "ada", "ada@", "@example.com", "ada@example", "a..b@example.com", "ada@x.test"]
)
def test_invalid_emails_are_refused(raw: str) -> None:
    assert error_of(normalize_email, raw) == ("email", "invalid_email")


# Profile URLs


@pytest.mark.parametrize(
    "raw",
    [
        "https://www.linkedin.com/in/Ada-Lovelace/?utm_source=share&trk=x",
        "http://linkedin.com/in/ada-lovelace",
        "fr.linkedin.com/in/ada-lovelace/details/experience/",
        "uk.linkedin.com/in/ada-lovelace/en",
        "https://m.linkedin.com/in/ada-lovelace#about",
        "linkedin.com/in/ada-lovelace?originalSubdomain=fr&lipi=abc",
        "  HTTPS://LinkedIn.com/in/ADA-LOVELACE  ",
        "//www.linkedin.com/in/ada-lovelace/",
        "linkedin.com:443/in/ada-lovelace",
    ],
)
def test_linkedin_profiles_have_one_canonical_url(raw: str) -> None:
    assert normalize_profile_url(raw) == ADA_URL


def test_linkedin_slugs_are_percent_decoded() -> None:
    assert normalize_profile_url("linkedin.com/in/Jos%C3%A9-Garc%C3%ADa") == (
        "https://linkedin.com/in/josé-garcía"
    )


def test_legacy_linkedin_pub_urls_are_normalized_but_kept() -> None:
    assert normalize_profile_url("https://www.linkedin.com/pub/ada-lovelace/1/2b/3/?trk=x") == (
        "https://linkedin.com/pub/ada-lovelace/1/2b/3"
    )


def test_github_usernames_are_lowercased_and_the_rest_kept() -> None:
    assert normalize_profile_url("http://www.GitHub.com/AdaL/Engine/") == (
        "https://github.com/adal/Engine"
    )


def test_other_hosts_lose_tracking_and_keep_sorted_parameters() -> None:
    raw = "http://www.Example.com/People/Ada/?z=1&utm_medium=x&a=2&fbclid=y&ref=z&_ga=1#top"

    assert normalize_profile_url(raw) == "https://example.com/People/Ada?a=2&z=1"


def test_only_unambiguous_escapes_are_decoded() -> None:
    # %41 is "A" and %C3%A9 "é"; %2F is a slash inside a segment and %FF no UTF-8: kept.
    assert normalize_profile_url("example.com/%41%2f%C3%A9%ff") == "https://example.com/A%2Fé%FF"


def test_ports_other_than_the_defaults_are_kept() -> None:
    assert normalize_profile_url("http://example.com:80/ada") == "https://example.com/ada"
    assert normalize_profile_url("example.com:8443/ada") == "https://example.com:8443/ada"


@pytest.mark.parametrize(
    "raw",
    [
        "javascript:alert(1)",
        "JavaScript://example.com/%0aalert(1)",
        "data:text/html,hi",
        "ftp://x",
        "ftp://example.com/ada",
        "https://",
        "http:/example.com",
        "",
        "   ",
        "ada",
        "Ada Lovelace",
        "linkedin.com/in/ada lovelace",
        "https://linkedin.com@evil.example/in/ada",
        "https://192.168.0.1/ada",
        "https://[::1]/ada",
        "https://example.com:99999/ada",
        "https://exa mple.com",
        "https://-bad-.com",
    ],
)
def test_what_is_not_an_http_link_to_a_named_host_is_refused(raw: str) -> None:
    assert error_of(normalize_profile_url, raw) == ("profile_url", "invalid_url")


def test_urls_longer_than_the_column_are_refused() -> None:
    assert error_of(normalize_profile_url, "example.com/" + "a" * 490) == (
        "profile_url",
        "too_long",
    )
    assert error_of(normalize_profile_url, "example.com/" + "a" * 100_000) == (
        "profile_url",
        "too_long",
    )


# Names and notes


def test_names_are_collapsed_and_may_be_any_script() -> None:
    assert clean_name("  Zoë \n  Ørsted-Łukasz\t") == "Zoë Ørsted-Łukasz"
    assert clean_name("李 小龙") == "李 小龙"
    assert clean_name("a" * 120) == "a" * 120


def test_names_are_required_and_bounded() -> None:
    assert error_of(clean_name, " \n ") == ("name", "required")
    assert error_of(clean_name, "a" * 121) == ("name", "too_long")


def test_notes_are_optional_and_bounded() -> None:
    assert clean_note(None) is None
    assert clean_note("  \n ") is None
    assert clean_note("  met at PyCon\nstrong Rust  ") == "met at PyCon\nstrong Rust"
    assert clean_note("a" * 2000) == "a" * 2000
    assert error_of(clean_note, "a" * 2001) == ("note", "too_long")


def test_first_name_is_the_first_word() -> None:
    assert first_name("Ada King Lovelace") == "Ada"
    assert first_name("Ada") == "Ada"


# Slack text


@pytest.mark.parametrize(
    ("text", "url"),
    [
        (
            "look <https://linkedin.com/in/ada|Ada's profile> <https://x.com>",
            "https://linkedin.com/in/ada",
        ),
        ("<https://linkedin.com/in/ada>", "https://linkedin.com/in/ada"),
        ("bare https://github.com/ada.", "https://github.com/ada"),
        ("<https://example.com/p?a=1&amp;b=2|p>", "https://example.com/p?a=1&b=2"),
        ("<@U123> knows <mailto:ada@example.com|ada@example.com>", None),
        ("no link here", None),
    ],
)
def test_find_profile_url_returns_the_first_http_link(text: str, url: str | None) -> None:
    assert find_profile_url(text) == url


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ada@example.com", "email"),
        (" Ada@Example.com ", "email"),
        ("<mailto:ada@example.com|ada@example.com>", "email"),
        ("https://linkedin.com/in/ada", "url"),
        ("<https://linkedin.com/in/ada>", "url"),
        ("linkedin.com/in/ada", "url"),
        ("www.example.com", "url"),
        ("medium.com/@ada", "url"),
        ("Ada Lovelace", "name"),
        ("Ada", "name"),
        ("ada.dev", "name"),
        ("Ada @ work", "name"),
        ("", "name"),
    ],
)
def test_classify_tells_emails_urls_and_names_apart(text: str, kind: str) -> None:
    assert classify(text) == kind


# The whole form


def test_a_valid_referral_is_cleaned() -> None:
    contact, errors = validate_referral(
        name="  Ada   Lovelace ", email="Ada@Example.COM ", profile_url=" ", note=" ok "
    )

    assert errors == {}
    assert contact == CleanContact("Ada Lovelace", "ada@example.com", None, "ok")


def test_every_field_error_is_reported_at_once() -> None:
    contact, errors = validate_referral(
        name="", email="ada@", profile_url="javascript:alert(1)", note="a" * 2001
    )

    assert contact is None
    assert errors == {
        "name": "required",
        "email": "invalid_email",
        "profile_url": "invalid_url",
        "note": "too_long",
    }


def test_a_referral_needs_an_email_or_a_profile_url() -> None:
    contact, errors = validate_referral(name="Ada", email=" ", profile_url=None, note=None)

    assert contact is None
    assert errors == {"email": "missing_contact"}


def test_a_profile_url_alone_is_enough() -> None:
    contact, errors = validate_referral(
        name="Ada", email=None, profile_url="linkedin.com/in/ada-lovelace", note=None
    )

    assert errors == {}
    assert contact == CleanContact("Ada", None, ADA_URL, None)


# Properties

HOSTS = ["linkedin.com", "fr.linkedin.com", "github.com", "example.com", "xn--bcher-kva.de"]
SEGMENT = st.lists(
    st.one_of(
        st.sampled_from("abcXYZ019-._~!$'()*+,;=:@é"),
        st.sampled_from(["%41", "%2F", "%2f", "%C3%A9", "%c3", "%FF", "%25", "%20", "%E2%82%AC"]),
    ),
    min_size=1,
    max_size=8,
).map("".join)
PARAM = st.text("abcxyzAB09-_", min_size=1, max_size=6)
TRACKING = st.sampled_from(["utm_source", "utm_campaign", "trk", "fbclid", "ref", "lipi"])


@st.composite
def profile_urls(draw: st.DrawFn) -> tuple[str, str]:
    """A URL built from parts, and the same URL without tracking, www. or explicit scheme."""
    scheme = draw(st.sampled_from(["http://", "https://", "HTTPS://", "//", ""]))
    www = draw(st.sampled_from(["", "www.", "m."]))
    host = draw(st.sampled_from(HOSTS))
    prefix = draw(st.sampled_from(["", "in/"])) if "linkedin" in host else ""
    path = "/" + prefix + "/".join(draw(st.lists(SEGMENT, max_size=4)))
    path += draw(st.sampled_from(["", "/"]))
    kept = draw(st.lists(st.tuples(PARAM, PARAM), max_size=3))
    tracking = draw(st.lists(st.tuples(TRACKING, PARAM), max_size=2))
    mixed = draw(st.permutations(kept + tracking))
    fragment = draw(st.sampled_from(["", "#top", "#"]))

    def query(pairs: list[tuple[str, str]]) -> str:
        return "?" + "&".join(f"{k}={v}" for k, v in pairs) if pairs else ""

    full = f"{scheme}{www}{host}{path}{query(mixed)}{fragment}"
    plain = f"https://{host}{path}{query(kept)}"
    return full, plain


@given(profile_urls())
def test_normalizing_a_profile_url_twice_changes_nothing(urls: tuple[str, str]) -> None:
    full, _ = urls
    once = normalize_profile_url(full)

    assert normalize_profile_url(once) == once


@given(profile_urls())
def test_tracking_www_and_scheme_do_not_change_the_normalized_url(urls: tuple[str, str]) -> None:
    full, plain = urls

    assert normalize_profile_url(full) == normalize_profile_url(plain)


ATOM = st.text("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789_+-", min_size=1, max_size=10)
LABEL = st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?", fullmatch=True)


@st.composite
def emails(draw: st.DrawFn) -> str:
    local = ".".join(draw(st.lists(ATOM, min_size=1, max_size=3)))
    labels = draw(st.lists(LABEL, min_size=1, max_size=3))
    tld = draw(st.sampled_from(["com", "org", "fr", "io", "Co", "DEV"]))
    return f"{local}@{'.'.join([*labels, tld])}"


@given(emails(), st.data())
def test_emails_normalize_idempotently_ignoring_case_and_spaces(
    email: str, data: st.DataObject
) -> None:
    flips = data.draw(st.lists(st.booleans(), min_size=len(email), max_size=len(email)))
    recased = "".join(c.swapcase() if flip else c for c, flip in zip(email, flips, strict=True))
    local, domain = recased.split("@")
    spaced = data.draw(st.sampled_from([" {} @ {} ", "\t{}@{}\n", "{} @{}", "{}@{}"]))

    once = normalize_email(email)

    assert normalize_email(once) == once == email.lower()
    assert normalize_email(spaced.format(local, domain)) == once
