"""Which language a message is in, and what each language's text becomes."""

from __future__ import annotations

import pytest

from bot import english_forms, languages, slavic, wording


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        ("Хто очолює Роскосмос?", None, "uk"),
        ("Кто возглавляет Роскосмос?", None, "ru"),
        ("що там з ESA?", None, "uk"),
        ("что там с ESA?", None, "ru"),
        ("а хто там головний", None, "uk"),
        ("кто главный", None, "ru"),
        ("who heads roscosmos", "uk", "en"),
        ("ExoMars?", "ru", "ru"),
        ("ExoMars?", None, "en"),
        ("🤔", "uk", "uk"),
    ],
)
def test_the_language_comes_from_the_text_and_the_hint_only_breaks_ties(text, hint, expected):
    assert languages.detect(text, hint) == expected


@pytest.mark.parametrize(
    ("language", "forms"),
    [
        (languages.UKRAINIAN, ["санкції", "санкцій", "санкціями"]),
        (languages.UKRAINIAN, ["співпраця", "співпраці", "співпрацю"]),
        (languages.RUSSIAN, ["санкции", "санкций", "санкциями"]),
        (languages.RUSSIAN, ["сотрудничество", "сотрудничества", "сотрудничеству"]),
        (languages.ENGLISH, ["build", "built", "building"]),
        (languages.ENGLISH, ["sell", "sold", "selling"]),
        (languages.ENGLISH, ["make", "made", "makes"]),
    ],
)
def test_inflected_forms_share_a_stem(language, forms):
    assert len(set(language.stems(forms))) == 1


@pytest.mark.parametrize(
    ("word", "other"),
    [("later", "late"), ("stronger", "strong"), ("worse", "wrong"), ("least", "less")],
)
def test_comparatives_and_other_words_keep_their_own_stem(word, other):
    # "later" is a synonym of "future"; "worse" is no form of "wrong" whatever a lemma table says.
    assert languages.ENGLISH.stem(word) != languages.ENGLISH.stem(other)


def test_the_shipped_english_forms_are_what_simplemma_gives():
    # After a simplemma upgrade: `python -m bot.english_forms` writes the table again.
    assert english_forms.irregular_forms() == english_forms.derived()


def test_question_words_keep_their_meaning_in_ukrainian():
    # simplemma reads "чому" (why) as a form of "що" (what); the stemmer must not.
    assert slavic.ukrainian_stems(["чому"]) != slavic.ukrainian_stems(["що"])


def test_rare_words_are_more_informative_than_common_ones_in_every_language():
    for language, common, rare in [
        (languages.ENGLISH, "doing", "successor"),
        (languages.UKRAINIAN, "що", "наступник"),
        (languages.RUSSIAN, "что", "преемник"),
    ]:
        assert language.informativeness(common) < language.informativeness(rare)


def test_every_text_the_bot_writes_exists_in_every_language():
    for key, texts in wording.TEXTS.items():
        assert set(texts) == set(wording.LANGUAGES), key
        fields = {
            name for name in ("title", "name", "missing", "answer") if f"{{{name}}}" in texts["en"]
        }
        for code in wording.LANGUAGES:
            assert all(f"{{{name}}}" in texts[code] for name in fields), (key, code)


def test_every_entry_title_is_a_clean_question_in_every_language(knowledge):
    # The first phrasing is the button label: a capitalised question, not a keyword form.
    for entry in knowledge.entries:
        for code in knowledge.languages:
            title = entry.text(code).title
            assert title[:1].isupper() and title.endswith("?"), (entry.id, code, title)


@pytest.mark.parametrize(
    ("question", "entry_id", "answered"),
    [
        ("хто керує Європейським космічним агентством?", "what_is_esa", False),
        ("кто руководит ЕКА?", "what_is_esa", False),
        ("кто руководит Роскосмосом?", "roscosmos_head", True),
        ("как называется лунная станция?", "lunar_station", False),
    ],
)
def test_who_runs_it_and_what_it_is_called_are_details_in_ukrainian_and_russian(
    matcher, question, entry_id, answered
):
    # The ESA entry names no head of ESA; the Roscosmos one does.
    [match] = matcher.read(question).matches
    assert match.entry.id == entry_id
    assert match.answered is answered
