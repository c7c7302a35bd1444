"""The index: each entry's stems, how much each stem weighs, and the posting arrays retrieval reads.

Knowledge-base words weigh by how few entries are about them (IDF) times how informative they
are in English; words the knowledge base never uses weigh by how rare they are in English, and
unknown non-words (names like "SpaceX") weigh the most, so a question about something the
article never mentions is not answered from the words it happens to share.

Each stem's postings are spans of two flat numpy arrays: the phrasings that hold it and the
entries that hold it anywhere (phrasings, answer, tags). Retrieval over them is in
retrieval.py.
"""

from __future__ import annotations

import math
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import accumulate, chain
from operator import itemgetter
from typing import Any

import numpy as np

from bot import scoring
from bot.forked import in_two_halves
from bot.knowledge import KnowledgeBase
from bot.languages import MAX_INFORMATIVENESS, Language
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

    def __init__(self, knowledge: KnowledgeBase, reader: TermReader):
        self.language = reader.language
        self.entry_ids = [entry.id for entry in knowledge.entries]
        self.phrasings: list[tuple[tuple[str, ...], ...]] = []
        self.entry_stems: list[tuple[str, ...]] = []
        about: dict[str, int] = defaultdict(int)  # how many entries' phrasings or tags use it
        read, spelled = _read_every_text(knowledge, reader)
        # Tags are English keywords; every language's entries are about them too ("esa").
        for questions, tags, answer in read:
            self.phrasings.append(questions)
            stems = tuple(dict.fromkeys(chain(*questions, answer, *tags)))
            self.entry_stems.append(stems + _details_given(stems, reader.language))
            for stem in set(chain(*questions, *tags)):
                about[stem] += 1
        del read
        spellings = commonest_spellings(spelled, self.language.frequency)
        self.weights = stem_weights(about, self.entry_stems, spellings, self.language)
        reader.learn_stems(self.weights)
        weight_of = {stem: self.weight_of_known(stem) for stem in self.weights}
        self.phrasing_weights = [
            tuple(sum([weight_of[stem] for stem in stems]) for stems in phrasings)
            for phrasings in self.phrasings
        ]
        self.postings = Postings.built(self.phrasings, self.phrasing_weights, self.entry_stems)

    def state(self) -> dict[str, Any]:
        """Everything but the language, as plain containers (the postings as bytes)."""
        state = {k: v for k, v in vars(self).items() if k not in ("language", "postings")}
        return {**state, "postings": self.postings.state()}

    @classmethod
    def restored(cls, state: dict[str, Any], reader: TermReader) -> Index:
        index = cls.__new__(cls)
        vars(index).update(state)
        index.language = reader.language
        index.postings = Postings.restored(state["postings"])
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


def best_phrasing_fit(
    phrasings: Sequence[tuple[str, ...]],
    phrasing_weights: Sequence[float],
    present: list[tuple[str, float]],
    total: float,
) -> float:
    """The best phrasing's F-beta fit to a question of weight `total`, from the question's
    stems the entry holds: one entry's share of what retrieval.rank computes for all at once
    (check's self-check asks it of an entry with one phrasing left out)."""
    fit = 0.0
    for phrasing, phrasing_weight in zip(phrasings, phrasing_weights, strict=True):
        overlap = 0.0
        for stem, weight in present:
            if stem in phrasing:
                overlap += weight
        if overlap:
            fit = max(fit, scoring.phrasing_fit(overlap, phrasing_weight, total))
    return fit


def stem_weights(
    about: dict[str, int],
    entry_stems: list[tuple[str, ...]],
    spellings: dict[str, str],
    language: Language,
) -> dict[str, float]:
    """A stem weighs its general informativeness times how few entries are *about* it
    (IDF, relative to a stem in one entry): "roscosmos" much, "russia" little. An entry is
    about the stems of its phrasings and tags (`about` counts those entries); answers repeat
    context ("Rogozin, the head of Roscosmos") that would make topic words look common, so a
    stem counts the answers that use it only when no phrasing or tag does."""
    anywhere: dict[str, int] = defaultdict(int)
    for stems in entry_stems:
        for stem in stems:
            anywhere[stem] += 1
    anywhere.update(about)
    count = len(entry_stems)
    top_idf = math.log((count + 1) / 1.5)
    return {
        stem: language.informativeness(spellings.get(stem, stem))
        * math.log((count + 1) / (frequency + 0.5))
        / top_idf
        for stem, frequency in anywhere.items()
    }


Stems = tuple[str, ...]


def _details_given(stems: Stems, language: Language) -> Stems:
    """The stems of the details an entry gives by naming them ("month" for an entry that says
    "in January"): "in which month did the US sanction CASC?" then shares "month" with it,
    instead of weighing it as a word the knowledge base never uses."""
    held = frozenset(stems)
    return tuple(
        stem
        for stem, givers in language.detail_stems_given.items()
        if stem not in held and not givers.isdisjoint(held)
    )


def _read_every_text(
    knowledge: KnowledgeBase, reader: TermReader
) -> tuple[list[tuple[tuple[Stems, ...], list[Stems], Stems]], dict[tuple[str, str], None]]:
    """Per entry, the stems of its phrasings, of its tags and of its answer; and every (word,
    stem) pair read, first seen first. Each distinct tag and answer is read once (they repeat
    across entries), all over two cores where that pays (bot/forked.py)."""
    code = reader.language.code
    texts: list[str] = []
    position_of: dict[str, int] = {}  # each distinct tag and answer
    # Per entry, where its texts stand in `texts`: its phrasings (first, count), tags, answer.
    plan: list[tuple[int, int, list[int], int]] = []
    for entry in knowledge.entries:
        entry_text = entry.text(code)
        first = len(texts)
        texts += entry_text.questions
        for text in (*entry.tags, entry_text.answer):
            if text not in position_of:
                position_of[text] = len(texts)
                texts.append(text)
        tags = [position_of[text] for text in entry.tags]
        plan.append((first, len(entry_text.questions), tags, position_of[entry_text.answer]))
    del position_of
    read: list[Stems] = []
    spelled: dict[tuple[str, str], None] = {}
    for stems, new_pairs in in_two_halves(partial(_read_texts, reader), texts):
        for pairs in new_pairs:
            reader.learn_words(pairs)
            spelled.update(dict.fromkeys(pairs))
        # Interned: one copy of each stem, shared by every entry that uses it.
        read += (tuple(map(sys.intern, text_stems)) for text_stems in stems)
    return [
        (tuple(read[first : first + count]), [read[t] for t in tags], read[answer])
        for first, count, tags, answer in plan
    ], spelled


def _read_texts(
    reader: TermReader, texts: Sequence[str]
) -> tuple[list[tuple[str, ...]], list[list[tuple[str, str]]]]:
    """Each text's distinct stems, in order; and, in order, the (word, stem) pairs each text
    brings that no text before it in `texts` did (most bring none)."""
    stems: list[tuple[str, ...]] = []
    new_pairs: list[list[tuple[str, str]]] = []
    seen: set[tuple[str, str]] = set()
    for text in texts:
        pairs = reader.read_known(text)
        stems.append(tuple(dict.fromkeys(map(itemgetter(1), pairs))))
        new = [pair for pair in dict.fromkeys(pairs) if pair not in seen]
        if new:
            seen.update(new)
            new_pairs.append(new)
    return stems, new_pairs


def commonest_spellings(
    pairs: Iterable[tuple[str, str]], frequency: Callable[[str], float]
) -> dict[str, str]:
    """Each stem's commonest spelling among the (word, stem) pairs (the first on ties), for
    its rarity. A phrase ("in charge") spells no stem: its first word says nothing of "head"."""
    spellings: dict[str, str] = {}
    for word, stem in pairs:
        if " " in word:
            continue
        known = spellings.get(stem)
        if known is None or frequency(word) > frequency(known):
            spellings[stem] = word
    return spellings


_ARRAYS = {
    "phrasing_entry": np.int32,
    "phrasing_weight": np.float64,
    "phrasing_postings": np.int32,
    "entry_postings": np.int32,
}


@dataclass(frozen=True)
class Postings:
    """Per stem, where its phrasings and its entries lie in two flat arrays (`spans`: start
    and end in `phrasing_postings`, then in `entry_postings`); per phrasing (numbered through
    all entries), its entry and weight. Flat arrays keep 100,000 entries in tens of
    megabytes and are read in C."""

    spans: dict[str, tuple[int, int, int, int]]
    phrasing_entry: np.ndarray
    phrasing_weight: np.ndarray
    phrasing_postings: np.ndarray
    entry_postings: np.ndarray

    @classmethod
    def built(
        cls,
        phrasings: Sequence[tuple[tuple[str, ...], ...]],
        phrasing_weights: Sequence[tuple[float, ...]],
        entry_stems: Sequence[tuple[str, ...]],
    ) -> Postings:
        by_phrasing: dict[str, list[int]] = defaultdict(list)
        by_entry: dict[str, list[int]] = defaultdict(list)
        phrasing_entry: list[int] = []
        for entry_index, entry_phrasings in enumerate(phrasings):
            for stems in entry_phrasings:
                for stem in stems:
                    by_phrasing[stem].append(len(phrasing_entry))
                phrasing_entry.append(entry_index)
        for entry_index, stems in enumerate(entry_stems):
            for stem in stems:
                by_entry[stem].append(entry_index)
        stems = list(by_entry)  # every stem of a phrasing is its entry's too
        phrasing_starts, phrasing_postings = _flat([by_phrasing.get(stem, []) for stem in stems])
        entry_starts, entry_postings = _flat([by_entry[stem] for stem in stems])
        spans = {
            stem: (
                phrasing_starts[row],
                phrasing_starts[row + 1],
                entry_starts[row],
                entry_starts[row + 1],
            )
            for row, stem in enumerate(stems)
        }
        # A phrasing of no weight shares no stem with any question; the floor keeps the
        # arithmetic finite.
        weights = chain.from_iterable(phrasing_weights)
        count = len(phrasing_entry)
        return cls(
            spans,
            np.array(phrasing_entry, dtype=np.int32),
            np.maximum(np.fromiter(weights, dtype=np.float64, count=count), 1e-12),
            phrasing_postings,
            entry_postings,
        )

    def state(self) -> dict[str, Any]:
        arrays = {name: getattr(self, name).tobytes() for name in _ARRAYS}
        return {"spans": self.spans, **arrays}

    @classmethod
    def restored(cls, state: dict[str, Any]) -> Postings:
        arrays = {name: np.frombuffer(state[name], dtype=kind) for name, kind in _ARRAYS.items()}
        return cls(state["spans"], **arrays)


def _flat(rows: list[list[int]]) -> tuple[list[int], np.ndarray]:
    """Rows of numbers as (starts, values): row k is values[starts[k]:starts[k + 1]]."""
    starts = [0, *accumulate(len(numbers) for numbers in rows)]
    values = np.fromiter(chain.from_iterable(rows), dtype=np.int32, count=starts[-1])
    return starts, values
