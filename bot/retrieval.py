"""Retrieval: the few best entries for a question's terms, without scoring them all (MaxScore).

Candidates are the entries that share a topic stem with the question (sharing only "who" or
"when" makes no candidate), grouped by which of the question's stems they hold. An entry's
score is bounded by how much of the question's weight it could hold and by how well a phrasing
of its weights could fit that much (`fit_bound`, from the one formula in scoring.py), so only
the heaviest stems' postings are read, and only candidates whose bound reaches the best found
so far are scored. The result is exactly that of scoring every candidate (`prune=False`).
"""

from __future__ import annotations

import bisect
import heapq
from typing import TYPE_CHECKING

from bot.index import Scored
from bot.scoring import entry_score, f_beta, score_bound

if TYPE_CHECKING:
    from bot.index import Index
    from bot.terms import Term

# (held weight, the stems held, entries): candidates that hold the same of the question's stems.
Group = tuple[float, tuple[str, ...], set[int]]


def rank(index: Index, terms: list[Term], limit: int, floor: float, spread: float) -> list[Scored]:
    """The `limit` best entries, best first, scoring at least
    `floor` and within `spread` of the best."""
    total = sum(term.weight for term in terms)
    if total <= 0:
        return []
    weights = {term.stem: term.weight for term in terms if term.known}
    # A question's weight for a stem may exceed the knowledge base's (the focus word).
    stretch = max((w / index.weight_of_known(stem) for stem, w in weights.items()), default=1.0)
    groups, unread_stems = candidate_groups(index, weights, total, floor)
    unread = sum(weights[stem] for stem in unread_stems)
    best: list[tuple[float, int]] = []  # a min-heap of (score, -entry_index)
    top = 0.0
    for held, held_stems, entries in groups:
        reach = (held + unread) / total
        if index.prune and score_bound(reach, 1.0) < floor:
            break
        for entry_index in entries:
            bound = entry_score(fit_bound(index, entry_index, held + unread, total, stretch), reach)
            if index.prune and bound * (1 + 1e-9) < floor:
                continue
            stems = index.entry_stems[entry_index]
            present = [(s, weights[s]) for s in held_stems]
            present += [(s, weights[s]) for s in unread_stems if s in stems]
            score = index.score(entry_index, present, total)
            if score >= floor:
                _keep(best, (score, -entry_index), limit)
                top = max(top, score)
                floor = max(floor, top - spread, best[0][0] if len(best) == limit else 0.0)
    ranked = sorted((item for item in best if item[0] >= top - spread), reverse=True)
    return [Scored(-negated, score) for score, negated in ranked]


def _keep(best: list[tuple[float, int]], item: tuple[float, int], limit: int) -> None:
    """Keep `item` among the `limit` best so far (a min-heap; the lower entry index on ties)."""
    if len(best) < limit:
        heapq.heappush(best, item)
    elif item > best[0]:
        heapq.heapreplace(best, item)


def candidate_groups(
    index: Index, weights: dict[str, float], total: float, floor: float
) -> tuple[list[Group], list[str]]:
    """Candidates grouped by the stems they hold, heaviest group first, and the topic stems
    left unread (any candidate might also hold them)."""
    question_stems = index.language.question_stems
    asked = [stem for stem in weights if stem in question_stems]
    topics = sorted(
        (stem for stem in weights if stem not in question_stems),
        key=weights.__getitem__,
        reverse=True,
    )
    unread = sum(weights.values())
    groups: list[Group] = []
    read = 0
    for stem in topics:
        if index.prune and score_bound(unread / total, 1.0) < floor:
            break
        unread -= weights[stem]
        read += 1
        groups = _split(groups, index.holders.get(stem, frozenset()), stem, weights[stem], True)
    # Question words make no candidate, but count exactly towards the candidates' bounds.
    for stem in asked:
        groups = _split(groups, index.holders.get(stem, frozenset()), stem, weights[stem], False)
    groups.sort(key=lambda group: group[0], reverse=True)
    return groups, topics[read:]


def fit_bound(index: Index, entry_index: int, held: float, total: float, stretch: float) -> float:
    """The best fit any phrasing of the entry could have with a question of weight `total` of
    which the entry holds at most `held`: a phrasing of weight w overlaps it by at most
    min(held, stretch * w), and the fit grows with the overlap and falls with w, so only the
    phrasings either side of held / stretch need looking at."""
    weights = index.sorted_weights[entry_index]
    split = bisect.bisect_right(weights, held / stretch)
    best = 0.0
    if split > 0:  # the heaviest phrasing that the question could cover whole
        best = f_beta(stretch * weights[split - 1] / total, stretch)
    if split < len(weights):  # the lightest one heavier than what the entry holds
        best = max(best, f_beta(held / total, held / weights[split]))
    return best


def _split(
    groups: list[Group], holders: frozenset[int], stem: str, weight: float, admit_new: bool
) -> list[Group]:
    """Refine the groups by one stem: members holding it gain it and its weight; with
    `admit_new`, holders in no group yet form a new group."""
    refined: list[Group] = []
    outside = set(holders) if admit_new else None
    for held, stems, entries in groups:
        inside = entries & holders
        if inside:
            refined.append((held + weight, (*stems, stem), inside))
            entries = entries - inside
            if outside is not None:
                outside -= inside
        if entries:
            refined.append((held, stems, entries))
    if outside:
        refined.append((weight, (stem,), outside))
    return refined
