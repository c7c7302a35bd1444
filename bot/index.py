"""The index: each entry's stems, how much each stem weighs, and MaxScore retrieval.

Knowledge-base words weigh by how few entries are about them (IDF) times how informative they
are in English; words the knowledge base never uses weigh by how rare they are in English, and
unknown non-words (names like "SpaceX") weigh the most, so a question about something the
article never mentions is not answered from the words it happens to share.

Retrieval over it (MaxScore) is in retrieval.py.
"""

from __future__ import annotations

import math
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.knowledge import KnowledgeBase
from bot.languages import MAX_INFORMATIVENESS, Language
from bot.scoring import entry_score, f_beta
from bot.terms import Term, TermReader

QUESTION_WORD_WEIGHT = 1.0
# The word a which/what question asks for says what the answer must be about: "which *year*"
# cannot be answered by an entry that never mentions years, however much else it shares.
FOCUS_WEIGHT_FACTOR = 1.5


@dataclass(frozen=True)
class Scored:
    """One entry's score for a question."""

    entry_index: int
    score: float


class Index:
    """Built once from a knowledge base; its lookups are pure and safe to call concurrently."""

    def __init__(self, knowledge: KnowledgeBase, reader: TermReader, *, prune: bool = True):
        self.prune = prune
        self.language = reader.language
        self.entry_ids = [entry.id for entry in knowledge.entries]
        spellings: dict[str, str] = {}  # each stem's commonest spelling, for its rarity
        self.phrasings: list[tuple[tuple[str, ...], ...]] = []
        self.entry_stems: list[tuple[str, ...]] = []
        topics: list[set[str]] = []  # per entry, the stems of its phrasings and tags
        frequency = self.language.frequency
        # Tags are English keywords; every language's entries are about them too ("esa").
        for entry in knowledge.entries:
            texts = entry.text(self.language.code)
            read = {
                text: _stems_recording_spellings(reader.read_known(text), spellings, frequency)
                for text in (*texts.questions, texts.answer, *entry.tags)
            }
            self.phrasings.append(tuple(read[text] for text in texts.questions))
            self.entry_stems.append(_stem_tuple(s for stems in read.values() for s in stems))
            topics.append({s for text in (*texts.questions, *entry.tags) for s in read[text]})
        self.weights = stem_weights(topics, self.entry_stems, spellings, self.language)
        reader.learn_stems(self.weights)
        self.phrasing_weights = [
            tuple(sum(self.weight_of_known(stem) for stem in stems) for stems in phrasings)
            for phrasings in self.phrasings
        ]
        # Each entry's phrasing weights, sorted: what bounds how well any phrasing can fit.
        self.sorted_weights = [
            tuple(sorted(w for w in ws if w > 0)) for ws in self.phrasing_weights
        ]
        # Posting lists as sets: splitting candidates by the stems they hold is then set
        # algebra in C, not a Python loop over every posting.
        postings: dict[str, list[int]] = defaultdict(list)
        for entry_index, stems in enumerate(self.entry_stems):
            for stem in stems:
                postings[stem].append(entry_index)
        self.holders = {stem: frozenset(entries) for stem, entries in postings.items()}

    def state(self) -> dict[str, Any]:
        """Everything but the language and the pruning switch, as plain containers."""
        return {k: v for k, v in vars(self).items() if k not in ("language", "prune")}

    @classmethod
    def restored(cls, state: dict[str, Any], reader: TermReader, *, prune: bool = True) -> Index:
        index = cls.__new__(cls)
        vars(index).update(state)
        index.language, index.prune = reader.language, prune
        return index

    def weight_of_known(self, stem: str) -> float:
        if stem in self.language.question_stems:
            return QUESTION_WORD_WEIGHT
        return self.weights.get(stem, MAX_INFORMATIVENESS)

    def weigh(self, terms: Iterable[Term], focus: str | None) -> list[Term]:
        """The question's terms with their weights, each stem once."""
        weighed: dict[str, Term] = {}
        for term in terms:
            if term.stem in weighed:
                continue
            if term.stem in self.weights or term.stem in self.language.question_stems:
                weight, known = self.weight_of_known(term.stem), True
            else:
                weight, known = self.language.informativeness(term.word), False
            if focus and term.word.split()[0] == focus:
                weight *= FOCUS_WEIGHT_FACTOR
            weighed[term.stem] = Term(term.word, term.stem, weight, known)
        return list(weighed.values())

    def score(self, entry_index: int, present: list[tuple[str, float]], total: float) -> float:
        """The entry's score from the question's stems that it holds (`present`, with their
        weights) and the question's whole weight."""
        coverage = 0.0
        for _, weight in present:
            coverage += weight
        fit = phrasing_fit(
            self.phrasings[entry_index], self.phrasing_weights[entry_index], present, total
        )
        return entry_score(fit, coverage / total)


def phrasing_fit(
    phrasings: Sequence[tuple[str, ...]],
    phrasing_weights: Sequence[float],
    present: list[tuple[str, float]],
    total: float,
) -> float:
    """The best phrasing's F-beta fit to a question of weight `total`, from the question's
    stems the entry holds. Plain loops: this runs for every candidate scored."""
    fit = 0.0
    for phrasing, phrasing_weight in zip(phrasings, phrasing_weights, strict=True):
        overlap = 0.0
        for stem, weight in present:
            if stem in phrasing:
                overlap += weight
        if overlap:
            fit = max(fit, f_beta(overlap / total, overlap / phrasing_weight))
    return fit


def stem_weights(
    topics: list[set[str]],
    entry_stems: list[tuple[str, ...]],
    spellings: dict[str, str],
    language: Language,
) -> dict[str, float]:
    """A stem weighs its general informativeness times how few entries are *about* it
    (IDF, relative to a stem in one entry): "roscosmos" much, "russia" little. An entry is
    about the stems of its phrasings and tags; answers repeat context ("Rogozin, the head
    of Roscosmos") that would make topic words look common, so a stem counts the answers
    that use it only when no phrasing or tag does."""
    about: dict[str, int] = defaultdict(int)
    anywhere: dict[str, int] = defaultdict(int)
    for entry_topics, stems in zip(topics, entry_stems, strict=True):
        for stem in entry_topics:
            about[stem] += 1
        for stem in stems:
            anywhere[stem] += 1
    anywhere.update(about)
    count = len(topics)
    top_idf = math.log((count + 1) / 1.5)
    return {
        stem: language.informativeness(spellings.get(stem, stem))
        * math.log((count + 1) / (frequency + 0.5))
        / top_idf
        for stem, frequency in anywhere.items()
    }


def _stems_recording_spellings(
    terms: list[Term], spellings: dict[str, str], frequency: Callable[[str], float]
) -> tuple[str, ...]:
    """The terms' stems; records each stem's commonest spelling in `spellings`."""
    for term in terms:
        if " " in term.word:  # "in charge": its first word says nothing of "head"
            continue
        known = spellings.get(term.stem)
        if known is None or frequency(term.word) > frequency(known):
            spellings[term.stem] = term.word
    return _stem_tuple(term.stem for term in terms)


def _stem_tuple(stems: Iterable[str]) -> tuple[str, ...]:
    """Distinct stems in first-seen order, interned: shared by every entry that uses them."""
    return tuple(sys.intern(stem) for stem in dict.fromkeys(stems))
