"""The languages the bot reads (English, Ukrainian, Russian), and which one a message is in.

A Language is everything matching needs to know of one language: how to clean a message, its
words and stems, how common a word is, its function and question words, and the words that ask
for a detail. The matcher is built once per language from that language's phrasings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from bot import language as english
from bot import slavic

# How informative a word is, from its rarity (-log10 of its share of text): 'up' (2.7) ->
# 0.7, 'doing' (3.4) -> 1.4, 'rover' (4.8) -> 2.8; words no list knows count as the rarest.
RARITY_OFFSET = english.RARITY_OFFSET
MIN_INFORMATIVENESS = english.MIN_INFORMATIVENESS
MAX_INFORMATIVENESS = english.MAX_INFORMATIVENESS
SHORT_WORD_INFORMATIVENESS = english.SHORT_WORD_INFORMATIVENESS
FRAMING_INFORMATIVENESS = english.FRAMING_INFORMATIVENESS


@dataclass(frozen=True, eq=False)
class Language:
    code: str
    clean: Callable[[str], str]
    words: Callable[[str], list[str]]
    stems: Callable[[list[str]], list[str]]
    rarity: Callable[[str], float | None]
    is_real_word: Callable[[str], bool]
    frequency: Callable[[str], int]
    stopwords: frozenset[str]
    # Kept although they carry no topic: they say what kind of answer is wanted.
    question_words: frozenset[str]
    framing_words: frozenset[str]
    # Stem of a question word that names the kind of answer -> that kind ("who", "when",
    # "where", "why", "how many"); an entry that never answers it cannot answer the question.
    answer_types: Mapping[str, str]
    # "which"/"what": the word after them is what the question asks for.
    focus_askers: frozenset[str]
    # Words that ask for a detail (a year, a successor, a budget): see details.py.
    detail_words: frozenset[str]
    # A detail an entry gives only by naming one of these words: a month answers "which
    # month" and "what date" ("In January") though the entry never says "month", and "in
    # recent years" answers no "which year".
    given_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # "when *exactly*", "*precisely* when": a time only a date gives (given_by's "date"); "after
    # the sanctions" answers "when" but not this.
    precision_words: frozenset[str] = field(default_factory=frozenset)
    # Endings clipped in casual writing, restored when that makes a known word ("lookin").
    clipped_endings: tuple[tuple[str, str], ...] = ()
    # "how" + "big", "old"…: a measure.
    measure_asker: str | None = None
    measure_words: frozenset[str] = field(default_factory=frozenset)
    # "what will Luna-27 *do*", "what is Russia going to *do*": a future action, asked with a
    # focus asker, one of these markers, then one of these verbs (see details.py); unless a
    # wish comes first ("what does Moscow *hope* China will do" asks what is hoped for).
    future_markers: frozenset[str] = field(default_factory=frozenset)
    # "*Will* China condemn the war?": a yes/no question about what comes next, answered only by
    # an entry with a phrasing that asks so too.
    future_openers: frozenset[str] = field(default_factory=frozenset)
    # "which *other* companies", "who *else*", "*besides* CASC": more than the entry names, unless
    # a phrasing of it asks for the others (or the rest) too (see details.py).
    other_words: frozenset[str] = field(default_factory=frozenset)
    rest_words: frozenset[str] = field(default_factory=frozenset)  # "the rest", "remaining"
    # "the rockets *that were* left at Kourou": a relative clause narrows what is asked about;
    # an entry that does not hold its words does not say it (see details.py).
    relative_pronouns: frozenset[str] = field(default_factory=frozenset)
    linking_verbs: frozenset[str] = field(default_factory=frozenset)
    # "who built it *and* when": a question word after one of these asks a second question.
    joining_words: frozenset[str] = field(default_factory=frozenset)
    doing_words: frozenset[str] = field(default_factory=frozenset)
    wishing_words: frozenset[str] = field(default_factory=frozenset)
    # "Jake *says* China…", "Anna *reckons*…": a speaker the knowledge base does not know,
    # before one of these, is who makes the claim, not what it is about (see terms.py).
    claim_verbs: frozenset[str] = field(default_factory=frozenset)
    # "*Has* China *already* delivered chips?": a question about what has happened, which an
    # entry only about what will be (its phrasings speak of the future, never of the past)
    # cannot answer: the article predicts it, and does not say whether it came (details.py).
    past_openers: frozenset[str] = field(default_factory=frozenset)
    past_markers: frozenset[str] = field(default_factory=frozenset)
    future_words: frozenset[str] = field(default_factory=frozenset)

    def stem(self, word: str) -> str:
        return self.stems([word])[0]

    @cached_property
    def question_stems(self) -> frozenset[str]:
        return frozenset(self.stems(sorted(self.question_words))) | frozenset(self.answer_types)

    @cached_property
    def detail_stems(self) -> frozenset[str]:
        return frozenset(self.stems(sorted(self.detail_words)))

    @cached_property
    def given_by_stems(self) -> dict[str, frozenset[str]]:
        return {word: frozenset(self.stems(list(givers))) for word, givers in self.given_by.items()}

    @cached_property
    def detail_stems_given(self) -> dict[str, frozenset[str]]:
        """given_by by the detail's stem ("month" for "month" and "months")."""
        found: dict[str, frozenset[str]] = {}
        for word, givers in self.given_by_stems.items():
            stem = self.stem(word)
            found[stem] = found.get(stem, frozenset()) | givers
        return found

    def informativeness(self, word: str) -> float:
        if word in self.framing_words:
            return FRAMING_INFORMATIVENESS
        value = self.rarity(word)
        if value is not None:
            return min(MAX_INFORMATIVENESS, max(MIN_INFORMATIVENESS, value - RARITY_OFFSET))
        if len(word) <= 2 and not word.isdigit():
            return SHORT_WORD_INFORMATIVENESS
        return MAX_INFORMATIVENESS


ENGLISH = Language(
    code="en",
    clean=english.clean,
    words=english.words,
    stems=english.stems,
    rarity=english.rarity,
    is_real_word=english.is_real_word,
    frequency=lambda word: english.english_frequencies().get(word, 0),
    stopwords=english.STOPWORDS,
    question_words=english.QUESTION_WORDS,
    framing_words=english.FRAMING_WORDS,
    answer_types={
        "who": "who",
        "when": "when",
        "where": "where",
        "whi": "why",
        "quantiti": "how many",
    },
    focus_askers=frozenset({"which", "what", "whose"}),
    detail_words=frozenset(
        """
year years date dates day days month months age size area price prices cost costs budget
amount number numbers percentage percent salary revenue profit population distance speed
weight location address city name names deadline schedule duration length height
successor predecessor replace replaced replacement replaces succeed succeeded resign
resigned fired appointed elected founded founder born birthday funding employees staff
workers headquarters located finish finished complete completed completion ready outcome
winner winners winning won win wins top lose lost instead manufacturer manufacturers supplier
suppliers vendor brand
manufacture manufactures produce produces maker makers gone departed retired sacked called
named purpose goal goals aim aims objective objectives study studies explore research
investigate planning planned plans head heads boss chief leader director ceo president chairman
react reacted reaction reactions respond responded response responses ministry minister
spokesman spokesperson engineers scientists success successful capacity first protest protested
protests retaliate retaliated retaliation
""".split()
    ),
    given_by={
        **dict.fromkeys(("year", "years"), english.YEARS),
        **dict.fromkeys(("month", "months"), english.MONTHS),
        **dict.fromkeys(("date", "dates"), english.MONTHS + english.YEARS),
    },
    precision_words=frozenset({"exactly", "precisely", "exact", "precise"}),
    clipped_endings=(("in", "ing"),),
    measure_asker="how",
    measure_words=frozenset(
        """
big large small old long far fast soon expensive cheap tall heavy wide deep high often
""".split()
    ),
    future_markers=frozenset("will would could might shall going plan plans planning".split()),
    future_openers=frozenset({"will", "shall"}),
    doing_words=frozenset({"do", "doing"}),
    joining_words=frozenset({"and", "or", "also", "plus"}),
    relative_pronouns=frozenset({"that", "which", "who"}),
    linking_verbs=frozenset({"is", "are", "was", "were"}),
    other_words=frozenset("other others else besides except".split()),
    rest_words=frozenset({"rest", "remaining", "remain", "remains"}),
    wishing_words=frozenset(
        "hope hopes hoping hoped expect expects expecting expected want wants wanted wish "
        "wishes ask asks asking asked need needs".split()
    ),
    claim_verbs=frozenset(
        "says said thinks thought reckons claims claimed believes insists swears".split()
    ),
    past_openers=frozenset({"did", "has", "have", "had"}),
    past_markers=frozenset({"already", "yet"}),
    future_words=frozenset(
        "will gonna going might likely future expect expected predict predicts".split()
    ),
)

UKRAINIAN = Language(
    code="uk",
    clean=slavic.clean_ukrainian,
    words=slavic.words,
    stems=slavic.ukrainian_stems,
    rarity=slavic.rarity_in("uk"),
    is_real_word=slavic.is_real_word_in("uk"),
    frequency=slavic.frequency_in("uk"),
    stopwords=slavic.UKRAINIAN_STOPWORDS,
    question_words=slavic.UKRAINIAN_QUESTION_WORDS,
    framing_words=slavic.UKRAINIAN_FRAMING,
    answer_types=slavic.answer_types("uk"),
    focus_askers=frozenset({"який", "яка", "яке", "які", "якого", "якої", "яких", "якій", "якому"}),
    detail_words=slavic.UKRAINIAN_DETAIL_WORDS,
    given_by={
        # Not "місяць": it is the Moon as well as a month.
        **dict.fromkeys(("рік", "року", "роки", "році"), english.YEARS),
        **dict.fromkeys(("дата", "дату"), slavic.UKRAINIAN_MONTHS + english.YEARS),
    },
    joining_words=frozenset({"і", "й", "та", "а", "або"}),
)

RUSSIAN = Language(
    code="ru",
    clean=slavic.clean_russian,
    words=slavic.words,
    stems=slavic.russian_stems,
    rarity=slavic.rarity_in("ru"),
    is_real_word=slavic.is_real_word_in("ru"),
    frequency=slavic.frequency_in("ru"),
    stopwords=slavic.RUSSIAN_STOPWORDS,
    question_words=slavic.RUSSIAN_QUESTION_WORDS,
    framing_words=slavic.RUSSIAN_FRAMING,
    answer_types=slavic.answer_types("ru"),
    focus_askers=frozenset({"какой", "какая", "какое", "какие", "какого", "каких", "каком"}),
    detail_words=slavic.RUSSIAN_DETAIL_WORDS,
    given_by={
        **dict.fromkeys(("год", "года", "году"), english.YEARS),
        **dict.fromkeys(("месяц", "месяца"), slavic.RUSSIAN_MONTHS),
        **dict.fromkeys(("дата", "дату"), slavic.RUSSIAN_MONTHS + english.YEARS),
    },
    joining_words=frozenset({"и", "а", "или"}),
)

LANGUAGES = {language.code: language for language in (ENGLISH, UKRAINIAN, RUSSIAN)}

_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


def detect(text: str, hint: str | None = None) -> str:
    """The language of a message: 'en', 'uk' or 'ru'. Cyrillic letters decide between the
    Slavic two by their own letters and words; `hint` (Telegram's language_code) breaks ties
    for text that is neither ("ExoMars?")."""
    cyrillic = len(_CYRILLIC.findall(text))
    latin = len(_LATIN.findall(text))
    hinted = (hint or "").split("-")[0].lower()
    if cyrillic == 0:
        if latin == 0 and hinted in LANGUAGES:
            return hinted
        if hinted in ("uk", "ru") and slavic.is_language_neutral(text):
            return hinted
        return "en"
    return slavic.ukrainian_or_russian(text, hinted if hinted in ("uk", "ru") else None)
