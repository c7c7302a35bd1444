"""The score formula, written once: retrieval applies it to every candidate at once, and check's
self-check to one entry.

An entry's score (0-100) mixes how well its best phrasing fits the question (F-beta of how
much of the question's weight the phrasing covers and how much of the phrasing the question
covers) with how much of the question's weight appears anywhere in the entry.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

Number = TypeVar("Number", float, np.ndarray)

# The best phrasing's fit versus the whole entry's coverage of the question.
PHRASING_SHARE = 0.6
# Within a phrasing's fit: F-beta with beta 2, so covering the question matters more than
# covering the phrasing (a terse question covers little of a long phrasing).
FIT_BETA = 2.0


def phrasing_fit(overlap: Number, phrasing_weight: Number, total: Number) -> Number:
    """How well one phrasing fits a question of weight `total` that it overlaps by `overlap`:
    the F-beta of recall overlap / total and precision overlap / phrasing_weight, which
    simplifies to (1 + beta²) · overlap / (beta² · total + phrasing_weight). Plain arithmetic,
    so it takes numbers or numpy arrays alike."""
    beta2 = FIT_BETA * FIT_BETA
    return (1 + beta2) * overlap / (beta2 * total + phrasing_weight)


def entry_score(fit: Number, coverage: Number) -> Number:
    """The score from the best phrasing's fit and the share of the question the entry holds."""
    return 100 * (PHRASING_SHARE * fit + (1 - PHRASING_SHARE) * coverage)
