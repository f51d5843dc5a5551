"""The pure field checks: required fields, limits at their edges, emails, websites, types."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comments_api.core.validation import (
    LIMITS,
    TYPE_MESSAGE,
    clean_text,
    is_blank,
    validate_comment,
)
from tests.support import comment

SCHEME = "Use a web address starting with http:// or https://."
CHARS = "A web address cannot contain spaces, quotes or angle brackets."


def errors_of(**fields):
    submission, errors = validate_comment(comment(**fields))
    assert (submission is None) == bool(errors)
    return errors


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("author", None, "Please enter your name."),
        ("author", "", "Please enter your name."),
        ("author", "   \t ", "Please enter your name."),
        ("author", "\u200b\u200d\u2060", "Please enter your name."),
        ("author", "\u3164", "Please enter your name."),
        ("email", None, "Please enter your email address."),
        ("email", " ", "Please enter your email address."),
        ("email", "\ufeff", "Please enter your email address."),
        ("body", None, "Please type your comment."),
        ("body", "\n\n  \n", "Please type your comment."),
        ("body", "\u200b\u00ad\u200e", "Please type your comment."),
        ("thread", None, "This comment is not attached to an article."),
        ("thread", "", "This comment is not attached to an article."),
    ],
)
def test_missing_or_blank_required_field_is_refused(field, value, message):
    assert errors_of(**{field: value}) == {field: message}


@pytest.mark.parametrize("field", ["author", "body"])
def test_text_fields_accept_exactly_their_limit(field):
    assert errors_of(**{field: "x" * LIMITS[field]}) == {}
    errors = errors_of(**{field: "x" * (LIMITS[field] + 1)})
    limit = LIMITS[field]
    assert errors[field] == f"Use at most {limit:,} characters (this has {limit + 1:,})."


def test_limits_are_wordpress_column_sizes():
    assert LIMITS == {"thread": 200, "author": 245, "email": 100, "url": 200, "body": 65525}


def test_email_of_exactly_100_characters_is_accepted_and_101_refused():
    domain = "@example.org"
    assert errors_of(email="a" * 64 + "." + "b" * (100 - 65 - len(domain)) + domain) == {}
    too_long = "a" * 64 + "." + "b" * (101 - 65 - len(domain)) + domain
    assert len(too_long) == 101
    assert "email" in errors_of(email=too_long)


def test_url_of_exactly_200_characters_is_accepted_and_201_refused():
    base = "https://example.org/"
    assert errors_of(url=base + "p" * (200 - len(base))) == {}
    assert "url" in errors_of(url=base + "p" * (201 - len(base)))


def test_multibyte_characters_count_as_one_each():
    assert errors_of(author="é" * 245) == {}
    assert errors_of(author="😀" * 245) == {}
    assert "author" in errors_of(author="😀" * 246)


@pytest.mark.parametrize(
    "email",
    [
        "plain",
        "two@@example.org",
        "a..b@example.org",
        "trailing.@example.org",
        "space in@example.org",
        "no-dot@localhost",
        "user@example",
        "Ann <ann@example.org>",
        "ann@example.org, bob@example.org",
        "ann@-example.org",
        "ann@example..org",
        "ann@[127.0.0.1]",
        "ann@example.invalid",
        "<script>@example.org",
    ],
)
def test_invalid_email_is_refused_without_echoing_it(email):
    errors = errors_of(email=email)
    assert errors == {"email": "Enter a valid email address, like name@example.com."}


@pytest.mark.parametrize(
    ("email", "stored"),
    [
        ("first.last+tag@example.org", "first.last+tag@example.org"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("Ann@EXAMPLE.Org", "Ann@example.org"),
        ("x@sub.domain.example.co.uk", "x@sub.domain.example.co.uk"),
        ("用户@例子.广告", "用户@例子.广告"),
        ("jörg@bücher.de", "jörg@bücher.de"),
        ("a_b-c=d!e#f$g%h&i*j/k?l^m`n{o|p}q~r@example.org", None),
        ("  spaced@example.org  ", "spaced@example.org"),
    ],
)
def test_unusual_but_valid_email_is_accepted(email, stored):
    submission, errors = validate_comment(comment(email=email))
    assert errors == {}
    assert submission["email"] == (stored or email)


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("", ""),
        ("https://example.org", "https://example.org"),
        ("http://example.org/path?q=1#frag", "http://example.org/path?q=1#frag"),
        ("example.org", "https://example.org"),
        ("www.example.org/me", "https://www.example.org/me"),
        ("example.org:8080/x", "https://example.org:8080/x"),
        ("HTTPS://Example.org", "HTTPS://Example.org"),
        ("https://bücher.de", "https://bücher.de"),
        ("http://[2001:db8::1]/", "http://[2001:db8::1]/"),
    ],
)
def test_website_accepts_http_addresses(url, stored):
    submission, errors = validate_comment(comment(url=url))
    assert errors == {}
    assert submission["url"] == stored


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)", SCHEME),
        ("JaVaScRiPt:alert(1)", SCHEME),
        ("data:text/html,<b>x</b>", CHARS),
        ("data:text/html;base64,PHNjcmlwdD4=", SCHEME),
        ("ftp://example.org", SCHEME),
        ("mailto:ann@example.org", SCHEME),
        ("https://user:pass@example.org", "A web address cannot contain a user name or password."),
        ("https://user@example.org", "A web address cannot contain a user name or password."),
        ("https://exa mple.org", CHARS),
        ('https://example.org/"onmouseover="x', CHARS),
        ("https://example.org/<script>", CHARS),
        ("https://", "Enter a valid web address, like https://example.org."),
        ("https://example.org:99999/", "Enter a valid web address, like https://example.org."),
        ("https://example.org:port/", "Enter a valid web address, like https://example.org."),
    ],
)
def test_website_refuses_other_schemes_credentials_and_breakout_characters(url, message):
    assert errors_of(url=url) == {"url": message}


@pytest.mark.parametrize("field", ["thread", "author", "email", "url", "body"])
@pytest.mark.parametrize("value", [["a list"], 42, 4.2, True, {"an": "object"}])
def test_wrong_type_is_a_field_error(field, value):
    assert errors_of(**{field: value})[field] == TYPE_MESSAGE


@pytest.mark.parametrize(
    ("parent", "expected", "error"),
    [
        (None, None, False),
        ("", None, False),
        ("12", 12, False),
        (" 7 ", 7, False),
        (12, 12, False),
        # WordPress's form sends parent=0 for a top-level comment (was refused before).
        ("0", None, False),
        (0, None, False),
        (" 0 ", None, False),
        ("00", None, False),
        ("-3", None, True),
        ("1e3", None, True),
        ("١٢", None, True),
        (True, None, True),
        (1.5, None, True),
        (["1"], None, True),
        ("9" * 30, None, True),
        ("2147483647", 2147483647, False),
        ("2147483648", None, True),
        ("0007", 7, False),
    ],
)
def test_parent_must_be_a_positive_comment_number(parent, expected, error):
    submission, errors = validate_comment(comment(parent=parent))
    assert ("parent" in errors) is error
    if not error:
        assert submission["parent"] == expected


def test_all_errors_are_reported_at_once():
    errors = errors_of(author="", email="bad", body="", url="javascript:x")
    assert set(errors) == {"author", "email", "body", "url"}


def test_clean_text_removes_controls_and_invisible_format_characters():
    assert clean_text("A\x00d\x07a\u200b \u202eevil\u202c") == "Ada evil"
    assert clean_text("  two   words\n here ") == "two words here"
    assert clean_text("line one\r\nline two\rthree\u2028four", multiline=True) == (
        "line one\nline two\nthree\nfour"
    )
    # Emoji sequences keep their joiners; combining forms are normalised to NFC.
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean_text(family) == family
    assert clean_text("Cafe\u0301") == "Café"


def test_is_blank_sees_through_fillers():
    assert is_blank("\u3164 \u2800")
    assert not is_blank("\u3164 a")


INVISIBLE = [
    "\u034f",  # combining grapheme joiner
    "\u17b5",  # Khmer inherent vowel
    "\u180b",  # Mongolian variation selector
    "\ufe0f",  # variation selector 16
    "\U000e0100",  # variation selector 17
    "\u115f",  # Hangul choseong filler
    "\u3164",  # Hangul filler
    "\u200b\u034f\ufe0f \u17b4",
    "\u1160\uffa0\u180e\u00ad",
    "\U0001bca0\U0001d173",
]


@pytest.mark.parametrize("value", INVISIBLE)
@pytest.mark.parametrize(
    ("field", "message"),
    [("author", "Please enter your name."), ("body", "Please type your comment.")],
)
def test_default_ignorable_only_name_or_body_is_blank(field, message, value):
    assert errors_of(**{field: value}) == {field: message}


def test_variation_selectors_and_joiners_stay_inside_and_after_visible_text():
    heart = "Ada \u2764\ufe0f"
    submission, errors = validate_comment(comment(author=heart + " \u034f\ufe0f"))
    assert errors == {}
    assert submission["author"] == heart
    assert is_blank("\u034f\u17b5\u180b\ufe0f\U000e0100\u115f\u3164")
    assert not is_blank("\u034fa")


ONE_LINE = ["author", "email", "url", "thread"]


@pytest.mark.parametrize("field", ONE_LINE)
@pytest.mark.parametrize("char", ["\n", "\r", "\r\n", "\u2028", "\u2029", "\u0085", "\x0b"])
def test_line_breaks_in_one_line_fields_are_refused_naming_the_field(field, char):
    good = {"author": "Ada", "email": "ann@example.org", "url": "https://a.example"}
    value = good.get(field, "rebels-capture-hama") + char + "Bcc: victim@example.org"
    errors = errors_of(**{field: value})
    assert errors == {field: "Keep this on one line: remove the line breaks."}


@pytest.mark.parametrize("field", ONE_LINE)
def test_nul_in_one_line_fields_is_refused(field):
    assert set(errors_of(**{field: "Ada\x00"})) == {field}


@pytest.mark.parametrize("field", ONE_LINE)
@pytest.mark.parametrize(
    "char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
             "\u2068", "\u2069", "\u200e", "\u200f"],
)  # fmt: skip
def test_bidi_controls_in_one_line_fields_are_refused(field, char):
    errors = errors_of(**{field: f"Ada{char}nimdA"})
    assert errors == {field: "Remove the invisible text-direction characters from this field."}


def test_body_keeps_its_line_breaks():
    submission, errors = validate_comment(comment(body="one\ntwo\r\nthree"))
    assert errors == {}
    assert submission["body"] == "one\ntwo\nthree"


@pytest.mark.parametrize(
    "url",
    [
        "javascript&colon;alert(1)",
        "&#106;avascript:alert(1)",
        "https&#58;//evil.example",
        "https&colon;//evil.example",
        "//other.host/",
        "//other.host",
        "/\\other.host",
        "http:\\\\x.example",
        "https:\\x.example",
        "https:/x.example",
        "https:x.example",
        "https:///x.example",
        "https://x&amp;.example/",
    ],
)
def test_website_must_be_a_plain_http_address(url):
    assert set(errors_of(url=url)) == {"url"}


def test_website_keeps_ampersands_in_its_query():
    submission, errors = validate_comment(comment(url="https://a.example/?a=1&b=2"))
    assert errors == {}
    assert submission["url"] == "https://a.example/?a=1&b=2"


@pytest.mark.parametrize(
    "body",
    [
        "- " * 500 + "x",
        "\n".join("    " * i + "- x" for i in range(60)),
        "\n".join("  " * i + "- x" for i in range(100)),
        "> " * 500 + "x",
        "1. " * 400 + "x",
        "\n".join(">" * i + " - x" for i in range(20)),
        "*" * 200 + "x" + "*" * 200,
    ],
)
def test_too_deeply_nested_body_is_refused(body):
    errors = errors_of(body=body)
    assert set(errors) == {"body"}
    assert errors["body"].startswith("This comment is nested too deeply")


def test_reasonable_nesting_is_accepted():
    assert errors_of(body="> " * 10 + "x") == {}
    assert errors_of(body="\n".join("    " * i + "- x" for i in range(10))) == {}


def test_body_whose_html_is_too_large_is_refused():
    # Within the body limit, but every "&" becomes "&amp;": over 256 KiB of HTML.
    errors = errors_of(body="&" * LIMITS["body"])
    assert errors == {
        "body": "This comment is too long once formatted: shorten it or use less formatting."
    }
    assert errors_of(body="\U0001f600" * LIMITS["body"]) == {}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"body": "- " * 500 + "x"}, "body"),
        ({"body": "> " * 500 + "x"}, "body"),
        ({"body": "&" * LIMITS["body"]}, "body"),
        ({"body": "\u034f\ufe0f\U000e0100"}, "body"),
        ({"author": "\u17b5\u180b"}, "author"),
        ({"author": "Ada\r\nBcc: victim@example.org"}, "author"),
        ({"author": "Ada\u202e"}, "author"),
        ({"email": "ann@example.org\n"}, "email"),
        ({"url": "javascript&colon;alert(1)"}, "url"),
        ({"url": "//other.host/"}, "url"),
        ({"url": "https:/x.example"}, "url"),
    ],
)
def test_refused_over_http_with_422_naming_the_field(client, fields, field):
    answer = client.post("/api/comments", json=comment(**fields))
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {field}


def test_deep_nesting_does_not_break_later_posts(client):
    assert client.post("/api/comments", json=comment(body="- " * 500 + "x")).status_code == 422
    answer = client.post("/api/comments", json=comment(body="*fine*"))
    assert answer.status_code == 201
    assert answer.get_json()["body_html"] == "<p><em>fine</em></p>"


def test_a_rendering_failure_is_a_422_on_body_not_a_500(client, monkeypatch):
    import markdown

    from comments_api.core import rendering

    def explode(self, source):
        raise ValueError("boom")

    rendering._render.cache_clear()
    monkeypatch.setattr(markdown.Markdown, "convert", explode)
    # A body with formatting: plain paragraphs are rendered without the converter.
    answer = client.post("/api/comments", json=comment(body="anything *at all*"))
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {"body"}
    assert "boom" not in answer.get_data(as_text=True)


def test_parent_zero_posts_a_top_level_comment(client):
    answer = client.post("/api/comments", json=comment(parent="0"))
    assert answer.status_code == 201
    assert answer.get_json()["parent"] is None


def _cleaned_char_by_char(value: str, multiline: bool) -> str:
    # The rule clean_text states, applied one character at a time.
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\n\t":
            kept.append(char if multiline else " ")
        elif category == "Cc" or (category == "Cf" and char not in "\u200c\u200d"):
            continue
        else:
            kept.append(char)
    text = "".join(kept)
    if not multiline:
        return " ".join(text.split()).strip()
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60), st.booleans())
def test_ascii_text_is_cleaned_as_the_per_character_rule_says(value, multiline):
    assert clean_text(value, multiline=multiline) == _cleaned_char_by_char(value, multiline)
