"""The matcher answers what the knowledge base says, however it is typed, and declines the rest."""

from __future__ import annotations

import pytest

from bot import language, languages, retrieval
from bot.index import best_phrasing_fit
from bot.matcher import ANSWER_MIN_SCORE, LONE_ANSWER_MIN_SCORE, Decision, Matcher
from bot.scoring import entry_score


def answered_id(matcher: Matcher, question: str) -> str | None:
    match = matcher.match(question)
    return match.entry.id if match.entry else None


@pytest.mark.parametrize(
    "question",
    [
        "Who built the Falcon rocket?",
        "who biult the falcon rokcet",  # typos, a swap and a swap
        "falcon rocket built who",  # word order
        "hey bot can you tell me who built the falcon rocket lol",  # filler
        "@SomeBot who built the falcon rocket",  # a leading mention
        "/ask@SomeBot who built the falcon rocket?",  # a group command
        "🚀🚀 who built the Falcon rocket 🤔",  # emoji
        "ＷＨＯ built the ＦＡＬＣＯＮ rocket",  # full-width letters (NFKC)
        "WHO BUILT THE FALCON ROCKET???",
    ],
)
def test_variants_of_one_question_get_the_same_answer(small_matcher, question):
    assert answered_id(small_matcher, question) == "rocket_builder"


def test_synonyms_from_the_knowledge_file_are_used(small_matcher):
    assert answered_id(small_matcher, "who is the boss engineer") == "chief_engineer"
    assert answered_id(small_matcher, "who is in charge of engineering at acme") == "chief_engineer"


@pytest.mark.parametrize(
    "message",
    [
        "my friend says acme built the falcon rocket, is that true?",
        "bro acme built the falcon rocket after all this, is true??",
        "a colleague told me that acme built the falcon rocket",
        "eli5: acme built the falcon rocket? just tell me yes or no",
        "wow acme built the falcon rocket, thats wild",
        "hey siri no wait acme built the falcon rocket, i don't get it",
        "in short, acme built the falcon rocket according to the article?",
        "according to the text acme built the falcon rocket",
        "give me this: acme built the falcon rocket",
        "my husband says acme built the falcon rocket, is he right",
        "acme built the falcon rocket per the article, right?",
        "my grandma says acme built the falcon rocket. True?",
        "the article gives: acme built the falcon rocket",
        "acme ended up built the falcon rocket",
        "acme built the falcon rocket these days",
        "Jake says acme built the falcon rocket. true?",
        "Anna reckons that acme built the falcon rocket, does the article agree?",
    ],
)
def test_chat_around_a_claim_to_check_weighs_nothing(small_matcher, message):
    def stems(text):
        return [t.stem for t in small_matcher.terms(text)]

    assert stems(message) == stems("acme built the falcon rocket")


def test_a_speaker_the_knowledge_base_knows_stays_in_the_claim(small_matcher):
    # "Jane Smith" is in the knowledge base: the claim is about what she said.
    stems = [t.stem for t in small_matcher.terms("smith says acme built the falcon rocket")]
    assert "smith" in stems


def test_a_chief_partner_is_the_main_one_and_a_chief_engineer_a_title():
    assert "main" in language.words(language.clean("who is russia's chief partner in space"))
    assert "main" in language.words(language.clean("the top reasons for the sanctions"))
    assert "chief" in language.words(language.clean("who is the chief engineer"))


def test_someone_called_a_name_speaks_of_the_name():
    words = language.words(language.clean("my dad mentions some guy called rogozin"))
    assert "rogozin" in words and not {"guy", "called"} & set(words)
    assert "called" in language.words(language.clean("what is the russian mission called"))


def test_seeing_something_as_another_is_considering_it_so():
    words = language.words(language.clean("does russia see china as its main partner"))
    assert "considers" in words and "see" not in words
    assert "see" in language.words(language.clean("can you see the moon base"))


def test_the_bit_on_something_is_a_part_of_the_article_and_a_bit_is_nothing():
    assert "part" in language.words(language.clean("the gist of the bit on europe"))
    assert "part" not in language.words(language.clean("i am a bit confused"))


def test_calling_something_into_question_is_doubt_not_a_name():
    words = language.words(language.clean("what calls the whole cooperation into question"))
    assert "call" not in words and "doubtful" in words
    assert "call" in language.words(language.clean("what does the article call russia?"))


def test_the_deal_with_something_asks_about_it_and_a_deal_is_an_agreement():
    assert "deal" not in language.words(language.clean("what's the deal with the moon missions"))
    assert "deal" not in language.words(language.clean("why are chips such a big deal?"))
    assert "deal" in language.words(language.clean("which missions are in the deal?"))


def test_curly_apostrophes_fold_like_straight_ones(small_matcher):
    curly = small_matcher.terms("who’s the chief engineer")
    straight = small_matcher.terms("who's the chief engineer")
    assert [t.stem for t in curly] == [t.stem for t in straight]


@pytest.mark.parametrize("question", ["", "   ", "🤔🤔🤔", "?!?!", "@SomeBot", "/ask", "lol ok"])
def test_empty_or_contentless_messages_are_declined(small_matcher, question):
    match = small_matcher.match(question)
    assert match.decision is Decision.DECLINE
    assert match.entry is None


def test_ten_thousand_characters_are_read_up_to_telegrams_limit(small_matcher):
    assert answered_id(small_matcher, "who built the falcon rocket " * 400) == "rocket_builder"
    assert small_matcher.match("x" * 10_000).decision is Decision.DECLINE


@pytest.mark.parametrize(
    "question",
    [
        "what's the weather like tomorrow",
        "tell me a joke",
        "who founded the acme company in 1999",  # shares words, asks what is not there
        "what does jane smith earn per year",
    ],
)
def test_questions_the_article_does_not_answer_are_not_answered(small_matcher, question):
    assert small_matcher.match(question).decision is not Decision.ANSWER


def test_a_when_question_is_not_answered_by_an_entry_that_never_says_when(small_matcher):
    assert small_matcher.match("where is the moon base planned").entry.id == "moon_base"
    assert small_matcher.match("when is the moon base planned").decision is not Decision.ANSWER


def test_how_many_needs_an_entry_that_answers_a_quantity(small_matcher):
    assert answered_id(small_matcher, "how many people will the moon base house") == "base_crew"


def test_middling_match_suggests_instead_of_answering(small_matcher):
    # One candidate, but the question also speaks of the base, which that entry does not.
    match = small_matcher.match("falcon base people")
    assert match.decision is Decision.SUGGEST
    assert match.candidates[0].entry.id == "rocket_builder"
    assert match.entry is None


def test_a_lone_candidate_holding_all_the_known_words_is_answered_below_the_bar(
    small_matcher,
):
    # "constructor" and "firm" are words no entry uses: a paraphrase of one entry only.
    match = small_matcher.match("falcon rocket constructor firm")
    assert match.decision is Decision.ANSWER and match.entry.id == "rocket_builder"
    assert LONE_ANSWER_MIN_SCORE["en"] <= match.score < ANSWER_MIN_SCORE
    # One shared word is too little to answer on: "temperature" asks something else.
    lone = small_matcher.match("temperature of the falcon")
    assert lone.decision is Decision.SUGGEST and LONE_ANSWER_MIN_SCORE["en"] <= lone.score


def test_decline_offers_the_nearest_topics_when_there_are_any(small_matcher):
    match = small_matcher.match("what colour is the falcon rocket paint")
    assert match.decision is not Decision.ANSWER
    assert match.candidates and match.candidates[0].entry.id == "rocket_builder"


def test_rank_orders_candidates_best_first(small_matcher):
    ranked = small_matcher.rank("moon base crew", limit=4)
    assert ranked[0].entry.id == "base_crew"
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)


def test_unknown_words_weigh_by_rarity():
    english = languages.ENGLISH
    assert english.informativeness("doing") < english.informativeness("rover")
    assert english.informativeness("spacex") == languages.MAX_INFORMATIVENESS
    assert english.informativeness("meaning") == languages.FRAMING_INFORMATIVENESS


def test_a_count_in_the_question_weighs_little(small_matcher):
    weights = {t.word: t.weight for t in small_matcher.terms("which two firms built the rocket")}
    assert weights["two"] == language.FRAMING_INFORMATIVENESS
    examples = small_matcher.terms("examples of rockets acme built")[0]
    assert examples.weight == language.FRAMING_INFORMATIVENESS


def test_typo_of_a_function_word_is_dropped_not_treated_as_a_name(small_matcher):
    assert [t.stem for t in small_matcher.terms("wich company built the falcon")] == [
        t.stem for t in small_matcher.terms("which company built the falcon")
    ]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("enginer", "engineer"),
        ("rokcet", "rocket"),
        ("falconn", "falcon"),
        ("hed", "head"),
        ("teh", "the"),
        ("baes", "base"),
        ("plannin", "planning"),  # a clipped ending, restored
        ("w", "with"),  # a chat spelling
        ("what dose", "what does"),  # a misspelling that is a word of its own
        ("fal con rocket", "falcon rocket"),  # a name split by voice typing
    ],
)
def test_typos_read_as_the_word_meant(small_matcher, typed, meant):
    def stems(text):
        return [term.stem for term in small_matcher.terms(f"what about {text} now")]

    assert stems(typed) == stems(meant)


def test_split_words_join_only_into_a_rare_knowledge_base_word(small_matcher):
    # "comp any" spells "company", but a common word is no name split in two.
    assert "company" not in small_matcher.english.reader.words("which comp any made it")


@pytest.mark.parametrize("word", ["presides", "weather", "spacex", "acmex", "zz"])
def test_real_or_different_words_are_left_alone(small_matcher, word):
    [term] = small_matcher.terms(word)
    assert term.word == word


def test_a_known_word_with_an_extra_ending_is_not_taken_for_a_typo(small_matcher):
    [term] = [t for t in small_matcher.terms("rocketx") if t.word == "rocketx"]
    assert not term.known


def test_capitalised_us_is_the_country_not_the_pronoun():
    assert "usa" in language.words(language.clean("What did the US do?"))
    assert "usa" not in language.words(language.clean("tell us more"))


# --- the real knowledge base -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("who heads roscosmos", "roscosmos_head"),
        ("exomars what happened", "exomars"),
        ("what do the letters CASIC stand for", "casc_casic_names"),
        ("is the soyuz still launched from kourou", "soyuz_kourou"),
        ("what does the article finish with", "article_ending"),
        ("how does the piece open", "summary"),
    ],
)
def test_real_knowledge_base_answers_plain_questions(matcher, question, entry_id):
    assert answered_id(matcher, question) == entry_id


@pytest.mark.parametrize(
    "question",
    [
        "who replaced Rogozin?",
        "when will the lunar station be built?",
        "how much does a Soyuz launch cost?",
        "what is the recipe for borscht",
        "who won the world cup",
    ],
)
def test_real_knowledge_base_does_not_answer_near_misses(matcher, question):
    assert matcher.match(question).decision is not Decision.ANSWER


def test_the_word_a_which_question_asks_for_weighs_more(small_matcher):
    def weights(question):
        return {t.stem: t.weight for t in small_matcher.terms(question)}

    plain = weights("year the falcon rocket was built")
    asked = weights("which year was the falcon rocket built")
    assert asked["year"] == pytest.approx(1.5 * plain["year"])
    assert asked["falcon"] == plain["falcon"]


def _ranked_one_entry_at_a_time(index, terms, limit, floor, spread):
    """The ranking by definition: every entry that shares a topic stem, scored on its own by
    the scalar formula, best first, the lower entry on ties."""
    total = sum(term.weight for term in terms)
    weights = {term.stem: term.weight for term in terms if term.known}
    topics = {stem for stem in weights if stem not in index.language.question_stems}
    scored = []
    for entry_index, stems in enumerate(index.entry_stems):
        if total <= 0 or not topics & set(stems):
            continue
        present = [(stem, weight) for stem, weight in weights.items() if stem in stems]
        fit = best_phrasing_fit(
            index.phrasings[entry_index], index.phrasing_weights[entry_index], present, total
        )
        score = entry_score(fit, sum(weight for _, weight in present) / total)
        if score >= floor:
            scored.append((-score, entry_index))
    scored.sort()
    top = -scored[0][0] if scored else 0.0
    return [(entry_index, -negated) for negated, entry_index in scored if -negated >= top - spread][
        :limit
    ]


@pytest.mark.slow
def test_ranking_all_entries_at_once_equals_scoring_each_on_its_own(matcher):
    """The array arithmetic of retrieval.rank must give what the formula gives one entry at a
    time, on every question of every set."""
    import yaml

    from tests.support import REPO

    questions = [
        item["q"]
        for path in sorted((REPO / "tests" / "questions").glob("*.yaml"))
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    ]
    assert len(questions) > 300
    for code, language_matcher in matcher.by_language.items():
        for question in questions:
            terms = language_matcher.terms(question)
            index = language_matcher.index
            fast = [
                (s.entry_index, pytest.approx(s.score, abs=1e-9))
                for s in retrieval.rank(index, terms, 5, 30.0, 12.0)
            ]
            assert fast == _ranked_one_entry_at_a_time(index, terms, 5, 30.0, 12.0), (
                code,
                question,
            )


def test_an_entry_that_does_not_mention_a_name_in_the_question_does_not_answer_it(small_matcher):
    # "Falcon" and "Acme" are capitalised, rare words of the article: names.
    assert {"falcon", "acm"} <= small_matcher.names
    assert answered_id(small_matcher, "who is the chief engineer at acme") == "chief_engineer"
    match = small_matcher.match("who is the chief engineer at falcon")
    assert match.decision is Decision.SUGGEST
    assert match.candidates[0].entry.id == "chief_engineer"


def test_a_form_of_a_synonym_word_is_not_read_as_a_typo_of_another_word(matcher):
    # "ponying" is a form of "pony" (the synonym "pony up"), not a typo of "pinning".
    assert "ponying" in matcher.english.reader.words("who's ponying up the chips")
