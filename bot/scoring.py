"""The score formula, written once: used to score an entry and to bound what an entry can score.

An entry's score (0-100) mixes how well its best phrasing fits the question (F-beta of how
much of the question's weight the phrasing covers and how much of the phrasing the question
covers) with how much of the question's weight appears anywhere in the entry.
"""

from __future__ import annotations

# The best phrasing's fit versus the whole entry's coverage of the question.
PHRASING_SHARE = 0.6
# Within a phrasing's fit: F-beta with beta 2, so covering the question matters more than
# covering the phrasing (a terse question covers little of a long phrasing).
FIT_BETA = 2.0


def f_beta(recall: float, precision: float) -> float:
    """How well one phrasing fits: `recall` of the question's weight, `precision` of its own."""
    if recall <= 0 or precision <= 0:
        return 0.0
    beta2 = FIT_BETA * FIT_BETA
    return (1 + beta2) * precision * recall / (beta2 * precision + recall)


def entry_score(fit: float, coverage: float) -> float:
    """The score from the best phrasing's fit and the share of the question the entry holds."""
    return 100 * (PHRASING_SHARE * fit + (1 - PHRASING_SHARE) * coverage)


def score_bound(recall: float, precision: float) -> float:
    """The highest score an entry can reach if it holds at most `recall` of the question and
    its phrasings are at most `precision` covered (the score grows with both)."""
    recall, precision = min(recall, 1.0), min(precision, 1.0)
    return entry_score(f_beta(recall, precision), recall) * (1 + 1e-9)  # a hair over, for rounding
