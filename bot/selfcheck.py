"""The curator's self-check: phrasings that another entry matches better than their own, and
phrasings that ask how many of an answer that gives no number.

Each phrasing is asked with itself left out of its entry: if another entry then scores higher
than the rest of its own entry, a reader who types it is likely to get the other answer (or a
"did you mean"). A phrasing that asks "how many"/"how much" tells the matcher the entry answers
a quantity; if its answer names none, every reader's "how many…?" near it is answered without
one. `python -m bot check` prints both as warnings, with the phrasing's line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from bot import retrieval
from bot.index import best_phrasing_fit
from bot.matcher import SUGGEST_MIN_SCORE, LanguageMatcher, Matcher
from bot.scoring import entry_score


@dataclass(frozen=True)
class Overlap:
    entry_id: str
    language: str
    phrasing: str
    own_score: float
    rival_id: str
    rival_score: float
    line: int | None = None

    def __str__(self) -> str:
        return (
            f"entry '{self.entry_id}': phrasing '{self.phrasing}' ({self.language}) is matched "
            f"better by entry '{self.rival_id}' ({self.rival_score:.0f}) than by the rest of "
            f"its own entry ({self.own_score:.0f}); reword it, or move it to '{self.rival_id}'"
        )


@dataclass(frozen=True)
class CountWithoutNumber:
    entry_id: str
    language: str
    phrasing: str
    line: int | None = None

    def __str__(self) -> str:
        return (
            f"entry '{self.entry_id}': phrasing '{self.phrasing}' ({self.language}) asks how "
            'many or how much, but the answer gives no number; reword it ("how many…?" '
            "questions would be answered without one)"
        )


# A number in an answer: digits, or a number word of any of the languages.
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?"
    r"|millions?|billions?|один|одна|два|дві|две|три|чотири|четыре|п'ять|пять|десять|сотн\w*"
    r"|тисяч\w*|тысяч\w*|мільйон\w*|миллион\w*)\b",
    re.IGNORECASE,
)


def counts_without_numbers(matcher: Matcher) -> Iterator[CountWithoutNumber]:
    """Every phrasing, in every language, that asks a quantity of an answer naming none."""
    for code, language_matcher in matcher.by_language.items():
        answer_types = language_matcher.language.answer_types
        counting = {stem for stem, kind in answer_types.items() if kind == "how many"}
        for entry in matcher.knowledge.entries:
            text = entry.text(code)
            if _NUMBER.search(text.answer):
                continue
            for phrasing in text.questions:
                if any(term.stem in counting for term in language_matcher.terms(phrasing)):
                    yield CountWithoutNumber(entry.id, code, phrasing)


def overlaps(matcher: Matcher) -> Iterator[Overlap]:
    """Every phrasing, in every language, that a rival entry matches better than its own."""
    for code, language_matcher in matcher.by_language.items():
        yield from _overlaps_in(language_matcher, code)


def _overlaps_in(matcher: LanguageMatcher, code: str) -> Iterator[Overlap]:
    index = matcher.index
    entries = matcher.knowledge.entries
    for entry_index, entry in enumerate(entries):
        for number, phrasing in enumerate(entry.text(code).questions):
            terms = matcher.terms(phrasing)
            weights = {term.stem: term.weight for term in terms if term.known}
            total = sum(term.weight for term in terms)
            if total <= 0:
                continue
            own = _score_without(matcher, entry_index, number, weights, total)
            # Only rivals that would at least be offered ("did you mean") matter to a reader.
            ranked = retrieval.rank(index, terms, 2, SUGGEST_MIN_SCORE, 100.0)
            rival = next((s for s in ranked if s.entry_index != entry_index), None)
            if rival is not None and rival.score > own + 1e-6:
                rival_entry = entries[rival.entry_index]
                if rival_entry.id not in entry.related:
                    yield Overlap(entry.id, code, phrasing, own, rival_entry.id, rival.score)


def _score_without(
    matcher: LanguageMatcher, entry_index: int, left_out: int, weights: dict, total: float
) -> float:
    """The entry's score for the question if phrasing `left_out` were not in it."""
    index = matcher.index
    kept = [n for n in range(len(index.phrasings[entry_index])) if n != left_out]
    phrasings = [index.phrasings[entry_index][n] for n in kept]
    entry = matcher.knowledge.entries[entry_index]
    texts = (entry.text(matcher.language.code).answer, *entry.tags)
    stems = {s for p in phrasings for s in p} | {
        term.stem
        for text in texts
        for term in matcher.reader.fold(matcher.language.words(matcher.language.clean(text)))
    }
    present = [(stem, weight) for stem, weight in weights.items() if stem in stems]
    phrasing_weights = [index.phrasing_weights[entry_index][n] for n in kept]
    fit = best_phrasing_fit(phrasings, phrasing_weights, present, total)
    return entry_score(fit, sum(weight for _, weight in present) / total)


_ID_LINE = re.compile(r"^\s*-\s+id:\s*['\"]?([\w]+)")
_ITEM_LINE = re.compile(r"^\s*-\s+(.*?)\s*$")


def with_lines(
    found: list[Overlap | CountWithoutNumber], path: Path
) -> list[Overlap | CountWithoutNumber]:
    """The warnings with the line each phrasing stands on (the first after its entry's id)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    where: dict[tuple[str, str], int] = {}
    entry_id = None
    for number, line in enumerate(lines, start=1):
        if match := _ID_LINE.match(line):
            entry_id = match.group(1)
        elif entry_id and (match := _ITEM_LINE.match(line)):
            text = " ".join(match.group(1).strip("'\"").split())
            where.setdefault((entry_id, text), number)
    return [replace(o, line=where.get((o.entry_id, o.phrasing))) for o in found]
