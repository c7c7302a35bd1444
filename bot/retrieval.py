"""Retrieval: every entry's score for a question at once, over the index's posting arrays.

Candidates are the entries that share a topic stem with the question (sharing only "who" or
"when" makes no candidate). The question's overlap with every phrasing, and the share of it
every entry holds, are weighted counts over the postings of its stems (`np.bincount`); the
score formula (scoring.py) then runs on arrays. Scoring every candidate this way costs a few
passes in C over the postings the question touches, so it is exact with no pruning to get
wrong, and 10,000 entries cost well under a millisecond.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bot.index import Scored
from bot.scoring import entry_score, phrasing_fit

if TYPE_CHECKING:
    from bot.index import Index, Postings
    from bot.terms import Term


def rank(index: Index, terms: list[Term], limit: int, floor: float, spread: float) -> list[Scored]:
    """The `limit` best entries, best first (the lower entry on ties), scoring at least
    `floor` and within `spread` of the best."""
    total = sum(term.weight for term in terms)
    if total <= 0:
        return []
    postings = index.postings
    # Each known stem's spans in the posting arrays (see index.Postings), with its weight.
    topics: list[tuple[tuple[int, int, int, int], float]] = []
    asked: list[tuple[tuple[int, int, int, int], float]] = []
    for term in terms:
        span = postings.spans.get(term.stem) if term.known else None
        if span is not None:
            (asked if term.stem in index.language.question_stems else topics).append(
                (span, term.weight)
            )
    if not topics:
        return []
    entry_count = len(index.entry_ids)
    entries = postings.entry_postings
    held = _weighted_counts(entries, [(s[2], s[3], w) for s, w in topics], entry_count)
    candidates = np.flatnonzero(held > 0)  # (of a boolean array: five times faster)
    if not len(candidates):
        return []
    if asked:
        held += _weighted_counts(entries, [(s[2], s[3], w) for s, w in asked], entry_count)
    phrasing_spans = [(s[0], s[1], w) for s, w in topics + asked]
    fit = _best_phrasing_fit(postings, phrasing_spans, total, entry_count)
    scores = entry_score(fit[candidates], held[candidates] / total)
    top = scores.max()
    if top < floor:
        return []
    kept = np.flatnonzero(scores >= max(floor, top - spread))
    best_first = kept[np.argsort(-scores[kept], kind="stable")][:limit]
    return [Scored(int(candidates[i]), float(scores[i])) for i in best_first]


def _weighted_counts(
    values: np.ndarray, spans: list[tuple[int, int, float]], size: int
) -> np.ndarray:
    """For each number below `size`, the summed weights of the spans of `values` it is in."""
    numbers = np.concatenate([values[start:end] for start, end, _ in spans])
    weights = np.repeat([weight for *_, weight in spans], [end - start for start, end, _ in spans])
    return np.bincount(numbers, weights, minlength=size)


def _best_phrasing_fit(
    postings: Postings, spans: list[tuple[int, int, float]], total: float, entry_count: int
) -> np.ndarray:
    """Per entry, its best phrasing's fit (0 where no phrasing shares a stem)."""
    overlap = _weighted_counts(postings.phrasing_postings, spans, len(postings.phrasing_entry))
    touched = np.flatnonzero(overlap > 0)
    fits = phrasing_fit(overlap[touched], postings.phrasing_weight[touched], total)
    best = np.zeros(entry_count)
    np.maximum.at(best, postings.phrasing_entry[touched], fits)
    return best
