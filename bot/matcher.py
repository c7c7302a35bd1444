"""Map a question onto the knowledge base: answer, suggest, or decline.

The idea in one screen:
1. A message becomes *terms*: cleaned (see language.clean), split into words, each word that
   the knowledge base does not know aligned to its nearest knowledge-base word when it looks
   like a typo (rapidfuzz, optimal string alignment), Snowball-stemmed, and folded through the
   curator's synonym groups. Function words drop out; question words (who, when, where, why,
   how many) stay, because they say what kind of answer is wanted.
2. Each term has a *weight*: how informative it is. Knowledge-base words weigh by how few
   entries use them (IDF). Words the knowledge base never uses weigh by how rare they are in
   English, and unknown non-words (names like "SpaceX") weigh the most: a question about
   something the article never mentions must not be answered from the words it shares.
3. An entry's score (0-100) mixes how much of the question's weight its best phrasing covers
   (and how much of that phrasing the question covers) with how much of the question's weight
   appears anywhere in the entry.
4. One clear winner is answered, if it answers the kind of question asked (who, when, where,
   how many) and mentions every name of the article the question uses ("who heads the
   European Space Agency" is not answered by the entry on Roscosmos); close or middling
   candidates are offered as "did you mean"; the rest is declined, with the nearest topics.

Candidate entries come from an inverted index over terms and are scored in order of an upper
bound on their score, stopping when no unscored entry can enter the result (MaxScore); the
result is the same as scoring them all (`prune=False`), at a fraction of the cost.
"""

from __future__ import annotations

import heapq
import math
import re
import sys
from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot import language
from bot.knowledge import Entry, KnowledgeBase

# --- thresholds (chosen with `python -m bot eval tests/questions/tune.yaml`) ---------------
# An answer needs a score this high and this far ahead of the next entry.
ANSWER_MIN_SCORE = 60.0
ANSWER_MARGIN = 4.0
# Below the answer bar but this high: "did you mean…" with the close candidates.
SUGGEST_MIN_SCORE = 42.0
# How far below the top a candidate may be and still be offered beside it.
SUGGEST_SPREAD = 12.0
MAX_SUGGESTIONS = 3
# A declined question still offers the nearest topics when they are at least this close.
RELATED_MIN_SCORE = 30.0

# --- weights --------------------------------------------------------------------------------
# The best phrasing's fit versus the whole entry's coverage of the question.
PHRASING_SHARE = 0.6
# Within a phrasing's fit: F-beta with beta 2, so covering the question matters more than
# covering the phrasing (a terse question covers little of a long phrasing).
FIT_BETA = 2.0
QUESTION_WORD_WEIGHT = 1.0
# The word a which/what question asks for says what the answer must be about: "which *year*"
# cannot be answered by an entry that never mentions years, however much else it shares.
FOCUS_WEIGHT_FACTOR = 1.5
# Capitalised words of the article at least this rare in English are names (see `rarity`):
# 'Roscosmos', 'Kourou' (unknown), 'Ukraine' (5.0) are; 'Space' (3.8), 'Agency' (4.4) are not.
NAME_MIN_RARITY = 4.5
# A word the knowledge base does not know, and that is not itself a real English word, is read
# as a typo of the nearest known word within this many edits (optimal string alignment: a
# swap of neighbours is one edit): one from four letters on, two from eight.
TYPO_MIN_LENGTH = 4
TYPO_TWO_EDITS_LENGTH = 8
# Three-letter words only when two neighbouring letters are swapped ("cna") or one letter is
# left out ("hed").
TYPO_SWAP_LENGTH = 3


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
_CASED_WORD = re.compile(r"[^\W\d_][\w’'-]*")


class Decision(StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    DECLINE = "decline"


@dataclass(frozen=True)
class Term:
    """One informative unit of a question: a stem (or a synonym group's canonical stem)."""

    word: str
    stem: str
    weight: float
    known: bool


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float
    phrasing: str


@dataclass(frozen=True)
class Match:
    question: str
    decision: Decision
    # Ranked: the answer first; or the suggestions; or, for a decline, the nearest topics.
    candidates: tuple[Candidate, ...]

    @property
    def entry(self) -> Entry | None:
        return self.candidates[0].entry if self.decision is Decision.ANSWER else None

    @property
    def score(self) -> float:
        return self.candidates[0].score if self.candidates else 0.0


class _Reversed(str):
    """Orders the other way round, so that a max-heap of (score, id) prefers the lower id."""

    def __lt__(self, other: str) -> bool:
        return str.__gt__(self, other)

    def __gt__(self, other: str) -> bool:
        return str.__lt__(self, other)


class Matcher:
    """Built once from a knowledge base; `match` is pure and safe to call concurrently."""

    def __init__(self, knowledge: KnowledgeBase, *, prune: bool = True) -> None:
        self.knowledge = knowledge
        self._synonyms = _synonym_table(knowledge.synonyms)
        self._max_phrase = max((len(phrase) for phrase in self._synonyms), default=1)
        self._first_stems = frozenset(phrase[0] for phrase in self._synonyms if len(phrase) > 1)

        # One pass over the knowledge base, each text analysed once, keeping only what
        # matching needs: words for typo alignment, and per entry its stems as tuples.
        vocabulary = {
            word for group in knowledge.synonyms for phrase in group for word in phrase.split()
        }
        frequencies = language.english_frequencies()
        surface: dict[str, str] = {}  # each stem's commonest spelling, for its rarity
        topic_frequency: dict[str, int] = defaultdict(int)
        document_frequency: dict[str, int] = defaultdict(int)
        self._bags: list[tuple[str, ...]] = []
        self._phrasings: list[tuple[tuple[str, ...], ...]] = []
        for entry in knowledge.entries:
            analysed = {
                text: self._analyse_known(text, vocabulary, surface, frequencies)
                for text in (*entry.questions, entry.answer, *entry.tags)
            }
            phrasings = tuple(analysed[text] for text in entry.questions)
            topic = {stem for text in (*entry.questions, *entry.tags) for stem in analysed[text]}
            bag = _stem_tuple(stem for stems in analysed.values() for stem in stems)
            for stem in topic:
                topic_frequency[stem] += 1
            for stem in bag:
                document_frequency[stem] += 1
            self._phrasings.append(phrasings)
            self._bags.append(bag)
        self._vocabulary = sorted(word for word in vocabulary if word not in language.STOPWORDS)
        self._known_words = frozenset(self._vocabulary)
        # Typos of function and framing words ("wich", "happend") align too, and then drop
        # out or weigh little as those words do.
        self._alignable = sorted(
            set(self._vocabulary)
            | {
                word
                for word in language.STOPWORDS | language.QUESTION_WORDS | language.FRAMING_WORDS
                if len(word) >= TYPO_SWAP_LENGTH
            }
        )

        # How many entries are *about* a word: their phrasings and tags use it. Answers repeat
        # context ("Rogozin, the head of Roscosmos") that would make topic words look common,
        # so a word counts its answers only when no phrasing uses it.
        document_frequency.update(topic_frequency)
        # A knowledge-base word weighs its general informativeness times how few entries
        # are about it (IDF, relative to a word in one entry): "roscosmos" much, "russia" little.
        count = len(knowledge.entries)
        top_idf = math.log((count + 1) / 1.5)
        self._weights = {
            stem: language.informativeness(surface.get(stem, stem))
            * math.log((count + 1) / (frequency + 0.5))
            / top_idf
            for stem, frequency in document_frequency.items()
        }
        self._index_of = {entry.id: index for index, entry in enumerate(knowledge.entries)}
        self._phrasing_weights: list[tuple[float, ...]] = [
            tuple(sum(self._weight_of_known(stem) for stem in stems) for stems in phrasings)
            for phrasings in self._phrasings
        ]
        # Each entry's lightest phrasing: a bound on how precise any phrasing's fit can be.
        self._lightest = array(
            "d", (min((w for w in ws if w > 0), default=math.inf) for ws in self._phrasing_weights)
        )
        # Posting lists as sets: splitting candidates by the terms they hold is then set
        # algebra in C, not a Python loop over every posting.
        postings: dict[str, list[int]] = defaultdict(list)
        for entry_index, bag in enumerate(self._bags):
            for stem in bag:
                postings[stem].append(entry_index)
        self._entries_by_stem = {stem: frozenset(entries) for stem, entries in postings.items()}
        self._names = frozenset(self._name_stems(knowledge.article))
        self.prune = prune

    def _analyse_known(
        self, text: str, vocabulary: set[str], surface: dict[str, str], frequencies: dict[str, int]
    ) -> tuple[str, ...]:
        """A knowledge-base text's stems (no typo alignment: the curator's words are right);
        records its words in `vocabulary` and each stem's commonest spelling in `surface`."""
        words = language.words(language.clean(text))
        vocabulary.update(words)
        terms = list(self._fold(words))
        for term in terms:
            if " " in term.word:  # "in charge": its first word says nothing of "head"
                continue
            known = surface.get(term.stem)
            if known is None or frequencies.get(term.word, 0) > frequencies.get(known, 0):
                surface[term.stem] = term.word
        return _stem_tuple(term.stem for term in terms)

    def _name_stems(self, article: str) -> Iterable[str]:
        """The article's names: words capitalised inside a sentence that are rare in English
        ("Roscosmos", "Kourou", "ExoMars"; not "Space" of "European Space Agency")."""
        for sentence in _SENTENCE_BREAK.split(article):
            for word in _CASED_WORD.findall(sentence)[1:]:
                if word[:1].isupper():
                    for term in self._fold(language.words(language.clean(word))):
                        if (
                            len(term.stem) > 1
                            and (language.rarity(term.word.split()[0]) or NAME_MIN_RARITY)
                            >= NAME_MIN_RARITY
                        ):
                            yield term.stem

    # --- text to terms ------------------------------------------------------------------

    def _fold(self, words: list[str]) -> Iterable[Term]:
        """Stem the words, replace synonym phrases by their canonical stem, drop stopwords."""
        stemmed = language.stems(words)
        position = 0
        while position < len(words):
            longest = (
                min(self._max_phrase, len(words) - position)
                if stemmed[position] in self._first_stems
                else 1
            )
            for length in range(longest, 0, -1):
                canonical = self._synonyms.get(tuple(stemmed[position : position + length]))
                if canonical is not None:
                    yield Term(" ".join(words[position : position + length]), canonical, 0.0, True)
                    position += length
                    break
            else:
                word = words[position]
                if word not in language.STOPWORDS:
                    yield Term(word, stemmed[position], 0.0, True)
                position += 1

    def _weight_of_known(self, stem: str) -> float:
        if stem in language.QUESTION_STEMS:
            return QUESTION_WORD_WEIGHT
        return self._weights.get(stem, language.MAX_INFORMATIVENESS)

    def _align_typo(self, word: str) -> str:
        """The knowledge-base word this one is a typo of, or the word itself."""
        if (
            word in self._known_words
            or word in language.STOPWORDS
            or len(word) < TYPO_SWAP_LENGTH
            or word.isdigit()
            or language.is_real_word(word)
            or language.stem(word) in self._weights
        ):
            return word
        if len(word) < TYPO_MIN_LENGTH:
            return self._align_short_typo(word)
        # Two edits only for words no dictionary knows: "presides" is not "besides".
        edits = 2 if len(word) >= TYPO_TWO_EDITS_LENGTH and not language.rarity(word) else 1
        nearest = process.extract(
            word, self._alignable, scorer=OSA.distance, score_cutoff=edits, limit=8
        )
        for known, _, _ in sorted(nearest, key=lambda found: found[1]):
            # A known word plus an ending ("spacex" from "space") is another word, not a
            # typo; a doubled last letter ("admitt") is.
            extra = word[len(known) :] if word.startswith(known) else ""
            if not extra or set(extra) == {known[-1]}:
                return known
        return word

    def _align_short_typo(self, word: str) -> str:
        """Three letters: only a swap of neighbours ("cna") or one letter left out ("hed")."""
        for known in self._alignable:
            if (
                len(known) == len(word)
                and sorted(known) == sorted(word)
                and OSA.distance(word, known) == 1
            ):
                return known
        frequencies = language.english_frequencies()
        longer = [
            known
            for known in self._alignable
            if len(known) == len(word) + 1 and _is_one_letter_more(word, known)
        ]
        return max(longer, key=lambda known: frequencies.get(known, 0), default=word)

    def terms(self, question: str) -> list[Term]:
        """The weighted terms of a user's question, each stem once."""
        words = [self._align_typo(word) for word in language.words(language.clean(question))]
        focus = _focus_word(words)
        terms: dict[str, Term] = {}
        for term in self._fold(words):
            if term.stem in terms:
                continue
            if term.stem in self._weights or term.stem in language.QUESTION_STEMS:
                weight, known = self._weight_of_known(term.stem), True
            else:
                weight, known = language.informativeness(term.word), False
            if focus and term.word.split()[0] == focus:
                weight *= FOCUS_WEIGHT_FACTOR
            terms[term.stem] = Term(term.word, term.stem, weight, known)
        return list(terms.values())

    # --- ranking ------------------------------------------------------------------------

    def rank(self, question: str, limit: int = 5) -> list[Candidate]:
        """At most `limit` entries, best first, that score at least RELATED_MIN_SCORE and
        within SUGGEST_SPREAD of the best."""
        return self._rank_terms(self.terms(question), limit)

    def _rank_terms(self, terms: list[Term], limit: int) -> list[Candidate]:
        """The `limit` best entries, best first: only those scoring at least
        RELATED_MIN_SCORE and within SUGGEST_SPREAD of the best (farther ones are never shown).

        Candidates are the entries that share a topic word with the question (sharing only
        "who" or "when" makes no candidate). An entry's score is bounded by how much of the
        question's weight its bag could cover and how precise its lightest phrasing could be,
        so (MaxScore) only the heaviest terms' posting lists need reading, and candidates are
        scored exactly in order of their bound until it falls below the floor: the result is
        exactly that of scoring every candidate (`prune=False` does, for comparison).
        """
        total = sum(term.weight for term in terms)
        if total <= 0:
            return []
        weights = {term.stem: term.weight for term in terms if term.known}
        asked = [stem for stem in weights if stem in language.QUESTION_STEMS]
        topics = sorted(
            (stem for stem in weights if stem not in language.QUESTION_STEMS),
            key=weights.__getitem__,
            reverse=True,
        )
        unread = sum(weights.values())
        # Candidates split into parts by which terms they hold: (weight held, entries).
        parts: list[tuple[float, set[int]]] = []
        for stem in topics:
            if self.prune and _score_bound(unread / total, 1.0) < RELATED_MIN_SCORE:
                break
            unread -= weights[stem]
            parts = _split(
                parts, self._entries_by_stem.get(stem, frozenset()), weights[stem], admit_new=True
            )
        # Question words make no candidate, but count exactly towards the candidates' bounds.
        for stem in asked:
            unread -= weights[stem]
            parts = _split(
                parts, self._entries_by_stem.get(stem, frozenset()), weights[stem], admit_new=False
            )
        # Most covering part first; an entry may also hold every unread topic word.
        parts.sort(key=lambda part: part[0], reverse=True)
        top = 0.0
        floor = RELATED_MIN_SCORE
        best: list[tuple[float, str, int]] = []  # a min-heap of the `limit` best so far
        for weight, entries in parts:
            reach = (weight + unread) / total
            if self.prune and _score_bound(reach, 1.0) < floor:
                break
            for entry_index in entries:
                if (
                    self.prune
                    and _score_bound(reach, reach * total / self._lightest[entry_index]) < floor
                ):
                    continue
                score = self._score(entry_index, weights, total)
                if score < floor:
                    continue
                item = (score, _Reversed(self.knowledge.entries[entry_index].id), entry_index)
                if len(best) < limit:
                    heapq.heappush(best, item)
                elif item > best[0]:
                    heapq.heapreplace(best, item)
                top = max(top, score)
                floor = max(floor, top - SUGGEST_SPREAD, best[0][0] if len(best) == limit else 0.0)
        ranked = sorted((item for item in best if item[0] >= top - SUGGEST_SPREAD), reverse=True)
        return [
            self._candidate(entry_index, score, weights, total) for score, _, entry_index in ranked
        ]

    def _score(self, entry_index: int, weights: dict[str, float], total: float) -> float:
        """The question's few terms are looked up in the entry's short stem tuples."""
        bag = self._bags[entry_index]
        present = [(stem, weight) for stem, weight in weights.items() if stem in bag]
        fit, _ = self._best_fit(entry_index, present, total)
        bag_overlap = sum(weight for _, weight in present)
        return 100 * (PHRASING_SHARE * fit + (1 - PHRASING_SHARE) * bag_overlap / total)

    def _best_fit(
        self, entry_index: int, present: list[tuple[str, float]], total: float
    ) -> tuple[float, int]:
        """The best phrasing's F-beta fit to the question, and which phrasing (first on ties)."""
        fit, best = 0.0, 0
        for number, (stems, weight) in enumerate(
            zip(self._phrasings[entry_index], self._phrasing_weights[entry_index], strict=True)
        ):
            overlap = sum(term_weight for stem, term_weight in present if stem in stems)
            if overlap and (candidate := _f_beta(overlap / total, overlap / weight)) > fit:
                fit, best = candidate, number
        return fit, best

    def _candidate(
        self, entry_index: int, score: float, weights: dict[str, float], total: float
    ) -> Candidate:
        """The ranked entry, shown with the phrasing that fits the question best."""
        entry = self.knowledge.entries[entry_index]
        _, best = self._best_fit(entry_index, list(weights.items()), total)
        return Candidate(entry, round(score, 1), entry.questions[best])

    def can_answer(self, entry_index: int, terms: list[Term]) -> bool:
        """False when the question asks who/when/where/how many and the entry never says, or
        names someone or something of the article that the entry does not mention."""
        wanted = {term.stem for term in terms if term.stem in language.ANSWER_TYPE_STEMS}
        named = {term.stem for term in terms if term.stem in self._names}
        return all(
            any(stem in phrasing for phrasing in self._phrasings[entry_index]) for stem in wanted
        ) and all(stem in self._bags[entry_index] for stem in named)

    def match(self, question: str) -> Match:
        terms = self.terms(question)
        candidates = self._rank_terms(terms, limit=MAX_SUGGESTIONS + 1)
        top = candidates[0].score if candidates else 0.0
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        best = candidates[0].entry if candidates else None
        # A close rival that the winner offers as a related question anyway does not make the
        # match unclear: the person is one button away from it.
        clear = top - runner_up >= ANSWER_MARGIN or (
            best is not None and len(candidates) > 1 and candidates[1].entry.id in best.related
        )
        if (
            best is not None
            and top >= ANSWER_MIN_SCORE
            and clear
            and self.can_answer(self._index_of[best.id], terms)
        ):
            return Match(question, Decision.ANSWER, (candidates[0],))
        if top >= SUGGEST_MIN_SCORE:
            close = [
                c for c in candidates if c.score >= max(SUGGEST_MIN_SCORE, top - SUGGEST_SPREAD)
            ]
            return Match(question, Decision.SUGGEST, tuple(close[:MAX_SUGGESTIONS]))
        return Match(question, Decision.DECLINE, tuple(candidates[:MAX_SUGGESTIONS]))


def _is_one_letter_more(short: str, long: str) -> bool:
    return any(long[:cut] + long[cut + 1 :] == short for cut in range(len(long)))


def _focus_word(words: list[str]) -> str | None:
    """The word a which/what question asks for ("which *city*", "what *year*"), if any."""
    for word, following in pairwise(words):
        if word in ("which", "what", "whose") and following not in language.STOPWORDS:
            return following
    return None


def _stem_tuple(stems: Iterable[str]) -> tuple[str, ...]:
    """Distinct stems in first-seen order, interned: shared by every entry that uses them."""
    return tuple(sys.intern(stem) for stem in dict.fromkeys(stems))


def _split(
    parts: list[tuple[float, set[int]]], holders: frozenset[int], weight: float, *, admit_new: bool
) -> list[tuple[float, set[int]]]:
    """Refine the parts by one term: members holding it gain its weight; with `admit_new`,
    holders in no part yet form a new part."""
    refined: list[tuple[float, set[int]]] = []
    outside = set(holders) if admit_new else None
    for held, entries in parts:
        inside = entries & holders
        if inside:
            refined.append((held + weight, inside))
            entries = entries - inside
            if outside is not None:
                outside -= inside
        if entries:
            refined.append((held, entries))
    if outside:
        refined.append((weight, outside))
    return refined


def _score_bound(recall: float, precision: float) -> float:
    """The highest score an entry can reach if its bag covers at most `recall` of the question
    and its phrasings at most `precision` of themselves (F-beta grows with both)."""
    recall, precision = min(recall, 1.0), min(precision, 1.0)
    return (
        100
        * (PHRASING_SHARE * _f_beta(recall, precision) + (1 - PHRASING_SHARE) * recall)
        * (1 + 1e-9)
    )  # a hair over, for rounding


def _f_beta(recall: float, precision: float) -> float:
    if recall <= 0 or precision <= 0:
        return 0.0
    beta2 = FIT_BETA * FIT_BETA
    return (1 + beta2) * precision * recall / (beta2 * precision + recall)


def _synonym_table(groups: tuple[tuple[str, ...], ...]) -> dict[tuple[str, ...], str]:
    """Each synonym phrase, as a tuple of stems, to its group's canonical stem(s)."""
    table: dict[tuple[str, ...], str] = {}
    for group in groups:
        canonical = " ".join(language.stems(language.words(language.clean(group[0]))))
        for phrase in group:
            phrase_stems = tuple(language.stems(language.words(language.clean(phrase))))
            if phrase_stems:
                table.setdefault(phrase_stems, canonical)
    return table
