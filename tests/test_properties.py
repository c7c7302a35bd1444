"""Whatever people type, matching and replies hold up (hypothesis)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import language
from bot.matcher import Decision, Matcher
from bot.replies import Reply, message_reply
from bot.telegram.render import MESSAGE_LIMIT, html_pieces
from tests.fake_bot_api import parse_telegram_html

# Every kind of character a message can carry once the JSON layer has decoded it: emoji,
# right-to-left text, zero-width and combining marks, control characters, lone surrogates.
any_character = st.characters(codec=None, categories=None)
messy_text = st.one_of(
    st.text(any_character, max_size=10_000),
    st.text(
        st.sampled_from(
            "\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2066\ufeff\u0301"
            "\u0308\x00\x07\x1b\n\t🚀🤔🇷🇺👍🏽‍♀️"
        ),
        max_size=300,
    ),
    st.text(st.sampled_from(string.punctuation + " "), max_size=500),
    st.from_regex(r"@[A-Za-z0-9_]{1,32}", fullmatch=True),
    st.builds(
        lambda a, b: f"{a} who heads roscosmos {b}", st.text(max_size=50), st.text(max_size=50)
    ),
    st.builds(
        lambda a, b: f"{a} хто очолює Роскосмос? {b}", st.text(max_size=50), st.text(max_size=50)
    ),
    st.just("\ud800 who is rogozin \udfff"),
)


@given(question=messy_text, brief=st.booleans())
@pytest.mark.slow
def test_any_message_gets_a_decision_and_a_well_formed_reply(
    matcher: Matcher, knowledge, question: str, brief: bool
):
    reading = matcher.read(question)
    assert reading.language in ("en", "uk", "ru") and reading.matches
    for match in reading.matches:
        # An entry is given exactly when the question is answered in full or in part.
        assert (match.entry is not None) == (match.decision in (Decision.ANSWER, Decision.PARTIAL))
        assert (match.missing is not None) == (
            match.decision in (Decision.PARTIAL, Decision.SMALL_TALK)
        )
    reply = message_reply(reading, knowledge, brief=brief)
    pieces = html_pieces(reply)
    assert pieces and all(len(piece) <= MESSAGE_LIMIT for piece in pieces)
    for piece in pieces:
        parse_telegram_html(piece)  # raises on malformed HTML, as Telegram would


@given(text=messy_text)
@pytest.mark.slow
def test_cleaning_and_words_never_fail_and_stay_bounded(text: str):
    cleaned = language.clean(text)
    assert len(language.words(cleaned)) <= language.MAX_INPUT_CHARS


@given(
    text=st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=10_000),
    title=st.none() | st.text(st.characters(exclude_categories=["Cs"]), max_size=80),
)
@pytest.mark.slow
def test_every_character_of_any_text_is_escaped_and_survives_telegram_parsing(
    text: str, title: str | None
):
    """Long replies are split within the limit; parsed back, they give the text unchanged."""
    pieces = html_pieces(Reply(text, title))
    assert all(len(piece) <= MESSAGE_LIMIT for piece in pieces)
    shown = [parse_telegram_html(piece) for piece in pieces]
    if title:
        assert shown[0].startswith(title + "\n")
        shown[0] = shown[0][len(title) + 1 :]
    assert "".join(shown).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace(
        "\n", ""
    )
