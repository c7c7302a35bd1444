"""The index: each entry's stems, how much each stem weighs, and MaxScore retrieval.

Knowledge-base words weigh by how few entries are about them (IDF) times how informative they
are in English; words the knowledge base never uses weigh by how rare they are in English, and
unknown non-words (names like "SpaceX") weigh the most, so a question about something the
article never mentions is not answered from the words it happens to share.

Candidates come from an inverted index over stems and are scored in order of an upper bound
on their score, stopping when no unscored entry can enter the result (MaxScore): the result
is the same as scoring them all (`prune=False`), at a fraction of the cost.
"""

from __future__ import annotations

import bisect
import heapq
import math
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bot.knowledge import KnowledgeBase
from bot.languages import MAX_INFORMATIVENESS, Language
from bot.scoring import entry_score, f_beta, score_bound
from bot.terms import Term, TermReader

QUESTION_WORD_WEIGHT = 1.0
# The word a which/what question asks for says what the answer must be about: "which *year*"
# cannot be answered by an entry that never mentions years, however much else it shares.
FOCUS_WEIGHT_FACTOR = 1.5


@dataclass(frozen=True)
class Scored:
    """One entry's score for a question, and which of its phrasings fits it best."""

    entry_index: int
    score: float
    phrasing: int


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

    # --- retrieval --------------------------------------------------------------------------

    def rank(self, terms: list[Term], limit: int, floor: float, spread: float) -> list[Scored]:
        """The `limit` best entries, best first, scoring at least `floor` and within `spread`
        of the best.

        Candidates are the entries that share a topic stem with the question (sharing only
        "who" or "when" makes no candidate). An entry's score is bounded by how much of the
        question's weight it could hold and by how well a phrasing of its weights could fit
        that much (see `fit_bound`), so only the heaviest stems' postings are read, and only
        candidates whose bound reaches the floor are scored.
        """
        total = sum(term.weight for term in terms)
        if total <= 0:
            return []
        weights = {term.stem: term.weight for term in terms if term.known}
        # A question's weight for a stem may exceed the knowledge base's (the focus word).
        stretch = max(
            (weight / self.weight_of_known(stem) for stem, weight in weights.items()),
            default=1.0,
        )
        groups, unread = self._candidate_groups(weights, total, floor)
        best: list[tuple[float, int, int]] = []  # min-heap of (score, -entry_index, phrasing)
        top = 0.0
        for held, entries in groups:
            reach = (held + unread) / total
            if self.prune and score_bound(reach, 1.0) < floor:
                break
            for entry_index in entries:
                if self.prune:
                    fit = self.fit_bound(entry_index, held + unread, total, stretch)
                    if entry_score(fit, reach) * (1 + 1e-9) < floor:
                        continue
                score, phrasing = self.score(entry_index, weights, total)
                if score < floor:
                    continue
                item = (score, -entry_index, phrasing)
                if len(best) < limit:
                    heapq.heappush(best, item)
                elif item > best[0]:
                    heapq.heapreplace(best, item)
                top = max(top, score)
                floor = max(floor, top - spread, best[0][0] if len(best) == limit else 0.0)
        ranked = sorted((item for item in best if item[0] >= top - spread), reverse=True)
        return [Scored(-negated, score, phrasing) for score, negated, phrasing in ranked]

    def _candidate_groups(
        self, weights: dict[str, float], total: float, floor: float
    ) -> tuple[list[tuple[float, set[int]]], float]:
        """Candidates grouped by the weight of the stems they hold, heaviest group first, and
        the weight of topic stems left unread (any candidate might also hold them)."""
        question_stems = self.language.question_stems
        asked = [stem for stem in weights if stem in question_stems]
        topics = sorted(
            (stem for stem in weights if stem not in question_stems),
            key=weights.__getitem__,
            reverse=True,
        )
        unread = sum(weights.values())
        groups: list[tuple[float, set[int]]] = []
        for stem in topics:
            if self.prune and score_bound(unread / total, 1.0) < floor:
                break
            unread -= weights[stem]
            groups = _split(groups, self.holders.get(stem, frozenset()), weights[stem], True)
        # Question words make no candidate, but count exactly towards the candidates' bounds.
        for stem in asked:
            unread -= weights[stem]
            groups = _split(groups, self.holders.get(stem, frozenset()), weights[stem], False)
        groups.sort(key=lambda group: group[0], reverse=True)
        return groups, unread

    def fit_bound(self, entry_index: int, held: float, total: float, stretch: float) -> float:
        """The best fit any phrasing of the entry could have with a question of weight
        `total` of which the entry holds at most `held`: a phrasing of weight w overlaps it by
        at most min(held, stretch * w), and the fit grows with the overlap and falls with w, so
        only the phrasings either side of held / stretch need looking at."""
        weights = self.sorted_weights[entry_index]
        split = bisect.bisect_right(weights, held / stretch)
        best = 0.0
        if split > 0:  # the heaviest phrasing that the question could cover whole
            light = weights[split - 1]
            best = f_beta(stretch * light / total, stretch)
        if split < len(weights):  # the lightest one heavier than what the entry holds
            best = max(best, f_beta(held / total, held / weights[split]))
        return best

    def score(self, entry_index: int, weights: dict[str, float], total: float) -> tuple[float, int]:
        """The entry's score for the question's stems, and its best-fitting phrasing.

        Written as plain loops: this runs for every candidate, and generator expressions
        cost twice as much here (bench/matching.py)."""
        stems = self.entry_stems[entry_index]
        present = [(stem, weight) for stem, weight in weights.items() if stem in stems]
        fit, best, coverage = 0.0, 0, 0.0
        for _, weight in present:
            coverage += weight
        phrasing_weights = self.phrasing_weights[entry_index]
        for number, phrasing in enumerate(self.phrasings[entry_index]):
            overlap = 0.0
            for stem, weight in present:
                if stem in phrasing:
                    overlap += weight
            if (
                overlap
                and (candidate := f_beta(overlap / total, overlap / phrasing_weights[number])) > fit
            ):
                fit, best = candidate, number
        return entry_score(fit, coverage / total), best


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


def _split(
    groups: list[tuple[float, set[int]]], holders: frozenset[int], weight: float, admit_new: bool
) -> list[tuple[float, set[int]]]:
    """Refine the groups by one stem: members holding it gain its weight; with `admit_new`,
    holders in no group yet form a new group."""
    refined: list[tuple[float, set[int]]] = []
    outside = set(holders) if admit_new else None
    for held, entries in groups:
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
