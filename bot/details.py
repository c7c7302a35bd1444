"""What a question asks for, and whether an entry gives it.

Most wrong answers are near misses: the question shares an entry's words but asks for a
detail the entry does not give ("in which *year* were CASC and CASIC sanctioned?" when the
article says only "in January"; "who is Rogozin's *successor*?"). Such a question gets the
entry as a partial answer, introduced by what the article does not say.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import cached_property
from itertools import chain, pairwise
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from bot import language as english
from bot.knowledge import KnowledgeBase, normalize_for_source_check
from bot.terms import NAME_MIN_RARITY

if TYPE_CHECKING:
    from bot.index import Index
    from bot.languages import Language
    from bot.terms import Term, TermReader

# A phrasing that asks the same kind of question (see Language.answer_types) must also be
# about what this question is about: at least this share of its topic weight ("where is
# Kourou?" is not answered by an entry whose only "where" phrasing asks where Russia stopped
# launching Soyuz from). Chosen with `python -m bot eval` on the tuning sets.
TYPED_PHRASING_MIN_SHARE = 0.4

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
_ADDRESS = re.compile(r"(?<!\w)[/@]\w+(?:@\w+)?")
_CASED_WORD = re.compile(r"[^\W\d_][\w’'-]*")

# A message reads as another language when at least OTHER_LANGUAGE_MIN_WORDS of its words are
# not English and its words lean, on average, this much (log10 of the frequency ratio) towards
# one of these languages.
OTHER_LANGUAGES = ("fr", "de", "es", "it", "pt", "pl", "nl", "tr", "cs", "ro")
OTHER_LANGUAGE_MIN_WORDS = 2
OTHER_LANGUAGE_MIN_LEAN = 1.0
# wordfreq's small lists stop at words of one in a million: a word missing from a list is
# at most that common there.
SMALL_LIST_FLOOR = 1e-6
_LETTER = re.compile(r"[^\W\d_]")


# Words after "which"/"what" that do not name what is asked: "what *kinds* of products",
# "which *two* companies".
NOT_FOCUS = frozenset("""
type types kinds categories category sorts forms form ways way two three four five several
few fate situation role position status state relationship attitude stance view views up
going deal story became become becomes caused causes led leads remains remained
тип види вид категорії форми способи два дві три кілька доля ситуація роль позиція статус
стан ставлення погляд думка
типы виды вид категории формы способы два две три несколько судьба ситуация роль позиция
статус состояние отношение взгляд мнение
""".split())  # fmt: skip


def focus_word(words: list[str], language: Language) -> str | None:
    """The word a which/what question asks for ("which *city*", "what *year*"), if any."""
    found = focus_words(words, language)
    return found[0] if found else None


# "which Chinese *firms*": the thing asked for may stand a word after an adjective.
MAX_FOCUS_WORDS = 2
# Words of where something is from: before the noun a which-question asks for, they only
# describe it (the entry must still say it: "which *Russian* companies were sanctioned" is not
# answered by an entry about Chinese ones).
ORIGIN_WORDS = frozenset(
    "russian chinese european american ukrainian western foreign international soviet".split()
)


def focus_words(words: list[str], language: Language) -> list[str]:
    """The words right after the first which/what, up to the first function word."""
    skipped = language.stopwords | language.framing_words | NOT_FOCUS
    for position, word in enumerate(words):
        if word in language.focus_askers:
            found: list[str] = []
            for following in words[position + 1 : position + 1 + MAX_FOCUS_WORDS]:
                if following in skipped:
                    break
                found.append(following)
            return found
    return []


# How far apart "what", "will" and "do" may stand in "what will Russia's lunar mission do".
FUTURE_DOING_SPAN = 6


def missing_detail(
    question: str,
    terms: list[Term],
    index: Index,
    entry_index: int,
    phrasings: Iterable[str] = (),
) -> str | None:
    """What the question asks that the entry (with these phrasings) does not give ("when",
    "which year", "how big", "‘successor’", "‘2030’", "what will be done"), or None when the
    entry answers it."""
    language = index.language
    words = language.words(language.clean(question))
    missing = _missing_answer_type(terms, index, entry_index, asked_types(words, language))
    if missing:
        return missing
    missing = _asked_beyond_phrasings(words, language, phrasings)
    if missing:
        return missing
    stems = index.entry_stems[entry_index]
    unnamed = _name_never_used(question, terms)
    if unnamed:
        return unnamed
    folded = {term.word: term.stem for term in terms}  # "boss" reads as its synonym "head"
    for term in terms:
        # A detail asked in a phrase of the synonym groups ("who is *in charge* of CASC?").
        if " " in term.word and term.stem in language.detail_stems and term.stem not in stems:
            return f"‘{term.word}’"
    for asker, asked in pairwise(["", *words]):
        if asked.isdigit() and asked not in stems:
            return f"‘{asked}’"
        if _asks_exact_time(asker, asked, language) and not _named("date", stems, language):
            return "when exactly"
        if _named(asked, stems, language):
            continue  # "In January" gives the month
        if asked in language.given_by and asker in language.focus_askers:
            return _asked_label(asker, asked, language)  # "in recent years" gives no year
        if _holds(asked, stems, folded, language):
            continue
        if asked in language.detail_words:
            return _asked_label(asker, asked, language)
        if asker == language.measure_asker and asked in language.measure_words:
            return f"how {asked}"
    narrowed = _narrowing_clause(words, stems, folded, language)
    if narrowed:
        return narrowed
    if _asks_what_comes(words, language, phrasings):
        return "what will happen"
    if _asks_what_came(words, language, phrasings):
        return "whether it has happened"
    # What a which/what question asks for must be what the entry is about (its phrasings):
    # an answer that names "the main Chinese organizations" as context does not say which
    # firms sell chips.
    about = set(chain.from_iterable(index.phrasings[entry_index]))
    focus = focus_words(words, language)
    for position, word in enumerate(focus):
        word_stems = {term.stem for term in terms if term.word.split()[0] == word}
        # "which *Russian* mission": where it is from only describes what is asked for; the
        # entry need only say it.
        describes = position == 0 and len(focus) > 1 and word in ORIGIN_WORDS
        given = word_stems & (set(stems) if describes else about)
        if word_stems and not given and not _named(word, stems, language):
            return _asked_label("which", word, language)
    return None


def _name_never_used(question: str, terms: list[Term]) -> str | None:
    """ "Is *India* part of the Moon plans?": a name, capitalised inside a sentence, that no
    text of the knowledge base uses is something the article does not speak of. Sentences
    with most words capitalised ("What Is The Main Point") say nothing by their capitals."""
    unknown = {term.word for term in terms if not term.known and not term.word.isdigit()}
    if not unknown:
        return None
    # "@ArticleBot Dima says…": after the address, the speaker of a claim opens the sentence.
    for sentence in _SENTENCE_BREAK.split(_ADDRESS.sub(" ", question).strip()):
        words = _CASED_WORD.findall(sentence)
        capitalised = [word for word in words[1:] if word[:1].isupper()]
        if len(capitalised) * 2 > len(words):
            continue
        for word in capitalised:
            if word.casefold() in unknown:
                return f"‘{word}’"
    return None


def _asks_exact_time(first: str, second: str, language: Language) -> bool:
    """ "when exactly", "precisely when": a question for a date."""

    def asks_when(word: str) -> bool:
        return language.answer_types.get(language.stem(word)) == "when"

    precise = language.precision_words
    return (asks_when(first) and second in precise) or (first in precise and asks_when(second))


def _holds(word: str, stems: Iterable[str], folded: dict[str, str], language: Language) -> bool:
    """The entry uses the word, or the synonym it reads as ("boss" as "head")."""
    return language.stem(word) in stems or folded.get(word) in stems


def _named(detail: str, stems: Iterable[str], language: Language) -> bool:
    """The entry names what gives this detail (a month for "which month"; see given_by)."""
    givers = language.given_by_stems.get(detail)
    return givers is not None and not givers.isdisjoint(stems)


# How many words after "that were" a relative clause is read for.
MAX_CLAUSE_WORDS = 4


def _narrowing_clause(
    words: list[str], stems: Iterable[str], folded: dict[str, str], language: Language
) -> str | None:
    """ "What happened to the Soyuz rockets *that were left at Kourou*?": a relative clause
    inside the question with a word the entry never uses asks about something narrower than
    the entry's topic; the phrase it narrows is what the article does not speak of."""
    for at in range(2, len(words) - 2):
        if words[at] not in language.relative_pronouns:
            continue
        if words[at + 1] not in language.linking_verbs:
            continue
        clause = words[at + 2 : at + 2 + MAX_CLAUSE_WORDS]
        unsaid = [
            word
            for word in clause
            if word not in language.stopwords and not _holds(word, stems, folded, language)
        ]
        if unsaid:
            return f"‘{' '.join(words[at - 1 : at + 2 + len(clause)])}’"
    return None


def _asked_label(asker: str, asked: str, language: Language) -> str:
    """ "which year" after which/what in English, else the word itself: ‘successor’."""
    if language.code == "en" and asker in language.focus_askers:
        return f"{asker} {asked}"
    return f"‘{asked}’"


# What a question asking for others ("which *other* projects") lacks in an entry no phrasing of
# which asks for the others or the rest.
ANYTHING_MORE = "anything more"


def _asked_beyond_phrasings(
    words: list[str], language: Language, phrasings: Iterable[str]
) -> str | None:
    """A future action or more than the entry names, when no phrasing of it asks so too."""
    asks_future = asks_future_doing(words, language)
    asks_others = not language.other_words.isdisjoint(words)
    if not (asks_future or asks_others):
        return None  # most questions: the phrasings need not be read
    phrasing_words = [language.words(language.clean(p)) for p in phrasings]
    if asks_future and not any(asks_future_doing(said, language) for said in phrasing_words):
        return "what will be done"
    covers_others = language.other_words | language.rest_words
    if asks_others and all(covers_others.isdisjoint(said) for said in phrasing_words):
        return ANYTHING_MORE
    return None


def _asks_what_comes(words: list[str], language: Language, phrasings: Iterable[str]) -> bool:
    """ "*Will* China condemn the war later?": a yes/no question about the future, when no
    phrasing of the entry speaks of what will be."""
    openers = language.future_openers
    if not words or words[0] not in openers:
        return False
    return all(openers.isdisjoint(language.words(language.clean(p))) for p in phrasings)


def _asks_what_came(words: list[str], language: Language, phrasings: Iterable[str]) -> bool:
    """ "*Did* the bargaining happen?", "has China *already* sold chips?": a question about
    the past, to an entry whose phrasings speak of what will be and never of what was."""
    asks_past = not language.past_openers.isdisjoint(words[:2]) or not (
        language.past_markers.isdisjoint(words)
    )
    if not asks_past:
        return False
    said = [set(language.words(language.clean(p))) for p in phrasings]
    past = language.past_openers | language.past_markers
    return any(not language.future_words.isdisjoint(s) for s in said) and all(
        past.isdisjoint(s) for s in said
    )


def asks_future_doing(words: list[str], language: Language) -> bool:
    """ "What will Luna-27 do on the Moon?", "what is Russia going to do": a future action.
    A news article rarely says what comes next; an entry does only if a phrasing asks so."""
    for position, word in enumerate(words):
        if word not in language.focus_askers:
            continue
        for at in range(position + 1, min(len(words), position + 1 + FUTURE_DOING_SPAN)):
            if words[at] in language.wishing_words:
                break
            later = words[at + 1 : at + 1 + FUTURE_DOING_SPAN]
            if words[at] in language.future_markers and not language.doing_words.isdisjoint(later):
                return True
    return False


def asked_types(words: list[str], language: Language) -> frozenset[str]:
    """The stems of the question words that ask: the first of the question, and any after
    "and"/"or" (a second question). A later one joins clauses ("what did Rogozin mean *when*
    he said…") and asks nothing."""
    askers = language.question_words | language.focus_askers | {language.measure_asker or ""}
    asked: set[str] = set()
    previous, seen = "", False
    for word in words:
        stem = language.stem(word)
        if word in askers or stem in language.answer_types:
            if not seen or previous in language.joining_words:
                asked.add(stem)
            seen = True
        previous = word
    return frozenset(asked)


def _missing_answer_type(
    terms: list[Term], index: Index, entry_index: int, asked: frozenset[str]
) -> str | None:
    """ "who"/"when"/… when no phrasing of the entry asks that about what the question asks."""
    answer_types = index.language.answer_types
    topics = {t.stem: t.weight for t in terms if t.known and t.stem not in answer_types}
    topic_weight = sum(topics.values())
    for term in terms:
        kind = answer_types.get(term.stem)
        if kind is None or term.stem not in asked:
            continue
        typed = [p for p in index.phrasings[entry_index] if term.stem in p]
        shares = [sum(w for s, w in topics.items() if s in p) for p in typed]
        if not typed or (topic_weight and max(shares) < TYPED_PHRASING_MIN_SHARE * topic_weight):
            return kind
    return None


def article_names(article: str, reader: TermReader) -> frozenset[str]:
    """The article's names: words capitalised inside a sentence that are rare in English
    ("Roscosmos", "Kourou", "ExoMars"; not "Space" of "European Space Agency")."""
    return frozenset(_name_stems(article, reader))


def _name_stems(article: str, reader: TermReader) -> Iterable[str]:
    language = reader.language
    for sentence in _SENTENCE_BREAK.split(article):
        for word in _CASED_WORD.findall(sentence)[1:]:
            if not word[:1].isupper():
                continue
            for term in reader.fold(language.words(language.clean(word))):
                rarity = language.rarity(term.word.split()[0]) or NAME_MIN_RARITY
                if len(term.stem) > 1 and rarity >= NAME_MIN_RARITY:
                    yield term.stem


def is_other_language(text: str, reader: TermReader) -> bool:
    """Letters of another script only, or words that other languages' word lists know far
    better than English's ("¿Quién dirige Roscosmos?", "Qui a construit la fusée ?")."""
    letters = _LETTER.findall(text)
    if letters and not any(letter.isascii() for letter in letters):
        return True
    words = [w for w in english.words(english.clean(text)) if not w.isdigit()]
    unknown = [w for w in words if not w.isascii() or not english.is_real_word(w)]
    if len(unknown) < OTHER_LANGUAGE_MIN_WORDS or reader.knows_all(unknown):
        return False
    lean = sum(_foreign_lean(word) for word in words if not reader.knows(word))
    return lean >= OTHER_LANGUAGE_MIN_LEAN * len(words)


def _foreign_lean(word: str) -> float:
    """How much likelier the word is in the commonest other language than in English
    (log10 of the ratio of their frequencies, wordfreq's small lists: words down to one in a
    million, which is all a lean needs, and they load in a tenth of the time)."""
    import wordfreq  # here, not at the top: most messages never need it, and it costs 0.1 s

    english_share = wordfreq.word_frequency(word, "en", wordlist="small")
    other = max(wordfreq.word_frequency(word, code, wordlist="small") for code in OTHER_LANGUAGES)
    return math.log10(max(other, SMALL_LIST_FLOOR) / max(english_share, SMALL_LIST_FLOOR))


class QuotableSources:
    """Each entry's source as quotations are compared with it: normalised once, on the first
    quotation (most messages hold none, so start-up does not pay for it)."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self._knowledge = knowledge

    @cached_property
    def normalised(self) -> list[str]:
        return [normalize_for_source_check(e.source).casefold() for e in self._knowledge.entries]


def entry_quoting(fragment: str, sources: list[str], min_similarity: float) -> int | None:
    """The index of the entry whose source holds the quoted fragment (rapidfuzz
    partial_ratio): of several that hold it equally well, the one resting on the least text
    (the summary quotes the opening sentence too, but the entry on that sentence is about it);
    None when none does, or when two of the same length do."""
    found = process.extract(
        normalize_for_source_check(fragment).casefold(),
        sources,
        scorer=fuzz.partial_ratio,
        score_cutoff=min_similarity,
        limit=None,
    )
    if not found:
        return None
    best = [entry for entry in found if entry[1] >= found[0][1]]
    if len(best) > 1:
        best.sort(key=lambda entry: len(entry[0]))
        if len(best[1][0]) == len(best[0][0]):
            return None  # two as specific as each other: let the words decide
    return best[0][2]
