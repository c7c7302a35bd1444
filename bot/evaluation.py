"""Score the matcher on a question set (the format of shared/questions-dev.yaml).

In scope, an item is correct when the bot answers and the answer contains every keyword of one
of the item's `expect` groups. Out of scope, it is right when the bot does not answer (a
decline, or a "did you mean" that leaves the choice to the person). A wrong answer is any
answer that is not correct: the failure that matters most.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.matcher import Decision, Match, Matcher, Reading

IN_SCOPE_KINDS = ("paraphrase", "typo", "keyword", "casual", "group")
OUT_OF_SCOPE_KINDS = ("out_of_scope_far", "out_of_scope_near")
_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


@dataclass(frozen=True)
class Item:
    question: str
    kind: str
    expect: tuple[tuple[str, ...], ...]
    # The language the question is written in, when the set says (`lang: uk|ru|en`).
    lang: str = "en"

    @property
    def in_scope(self) -> bool:
        return not self.kind.startswith("out_of_scope")


@dataclass(frozen=True)
class Outcome:
    item: Item
    match: Match
    # "correct", "declined" (right for out-of-scope), "unanswered" or "wrong".
    verdict: str


def load_items(path: Path) -> list[Item]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Item(
            str(raw["q"]),
            str(raw["kind"]),
            tuple(tuple(str(k) for k in group) for group in raw.get("expect") or ()),
            str(raw.get("lang") or "en"),
        )
        for raw in document["items"]
    ]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_FOLD).casefold()


def answer_satisfies(answer: str, expect: tuple[tuple[str, ...], ...]) -> bool:
    folded = _fold(answer)
    return any(all(_fold(keyword) in folded for keyword in group) for group in expect)


def answered_text(reading: Reading) -> str | None:
    """The answers a message got, in its language, when every question in it was answered;
    else None (a half-answered message is not an answer to it, as a partial answer is not)."""
    if not reading.answered_in_full:
        return None
    return "\n\n".join(m.entry.text(reading.language).answer for m in reading.matches if m.entry)


def judge(item: Item, reading: Reading) -> Outcome:
    answer = answered_text(reading)
    match = reading.main
    if not item.in_scope:
        return Outcome(item, match, "wrong" if answer is not None else "declined")
    if answer is None:
        return Outcome(item, match, "unanswered")
    good = answer_satisfies(answer, item.expect)
    return Outcome(item, match, "correct" if good else "wrong")


def evaluate(matcher: Matcher, items: list[Item]) -> list[Outcome]:
    return [judge(item, matcher.read(item.question)) for item in items]


@dataclass(frozen=True)
class Summary:
    correct: int  # in scope, answered with the expected facts
    in_scope: int
    declined: int  # out of scope, not answered
    out_of_scope: int
    wrong: int  # any answer without the expected facts
    total: int

    @property
    def passes_bar(self) -> bool:
        """The issue's bar: >= 95 % in scope correct, >= 95 % out of scope not answered,
        <= 2 % wrong answers."""
        return (
            self.correct >= 0.95 * self.in_scope
            and self.declined >= 0.95 * self.out_of_scope
            and self.wrong <= 0.02 * self.total
        )


def summarize(outcomes: list[Outcome]) -> Summary:
    return Summary(
        correct=sum(o.verdict == "correct" for o in outcomes),
        in_scope=sum(o.item.in_scope for o in outcomes),
        declined=sum(o.verdict == "declined" for o in outcomes),
        out_of_scope=sum(not o.item.in_scope for o in outcomes),
        wrong=sum(o.verdict == "wrong" for o in outcomes),
        total=len(outcomes),
    )


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "    - "


def _ratio(part: int, whole: int) -> str:
    return f"{part}/{whole}  {_percent(part, whole)}"


def _calibration(outcomes: list[Outcome]) -> str:
    """How often "did you mean" is shown, and how often its first button was right: when it
    mostly is, the answer bar is too high."""
    shown = [o for o in outcomes if o.match.decision is Decision.SUGGEST]
    in_scope = [o for o in shown if o.item.in_scope]
    first_right = sum(
        answer_satisfies(o.match.candidates[0].entry.answer, o.item.expect) for o in in_scope
    )
    return (
        f"did you mean shown:           {len(shown)} ({len(in_scope)} in scope, first button "
        f"right {first_right}; {len(shown) - len(in_scope)} out of scope)"
    )


def report(outcomes: list[Outcome]) -> str:
    """Per language when the set has several: the summary, a per-kind table, the failures."""
    languages = sorted({o.item.lang for o in outcomes})
    if len(languages) == 1:
        return _report_one(outcomes)
    sections = [f"== all languages\n{_summary_lines(summarize(outcomes))}"]
    for code in languages:
        group = [o for o in outcomes if o.item.lang == code]
        sections.append(f"== {code}\n{_report_one(group)}")
    return "\n\n".join(sections)


def _summary_lines(summary: Summary) -> str:
    right = summary.correct + summary.declined
    return "\n".join(
        [
            f"in-scope answered correctly:  {_ratio(summary.correct, summary.in_scope)}",
            f"out-of-scope not answered:    {_ratio(summary.declined, summary.out_of_scope)}",
            f"wrong answers:                {_ratio(summary.wrong, summary.total)}",
            f"overall right:                {_ratio(right, summary.total)}",
        ]
    )


def _report_one(outcomes: list[Outcome]) -> str:
    summary = summarize(outcomes)
    lines = [
        _summary_lines(summary),
        "",
        _calibration(outcomes),
        "",
        f"{'kind':<18} {'n':>3} {'right':>6} {'answer':>7} {'partial':>8} {'suggest':>8} "
        f"{'decline':>8} {'wrong':>6}",
    ]
    kinds = [
        k for k in (*IN_SCOPE_KINDS, *OUT_OF_SCOPE_KINDS) if any(o.item.kind == k for o in outcomes)
    ]
    kinds += sorted({o.item.kind for o in outcomes} - set(kinds))
    for kind in kinds:
        group = [o for o in outcomes if o.item.kind == kind]
        decisions = Counter(o.match.decision for o in group)
        group_right = sum(o.verdict in ("correct", "declined") for o in group)
        lines.append(
            f"{kind:<18} {len(group):>3} {group_right:>6} {decisions[Decision.ANSWER]:>7} "
            f"{decisions[Decision.PARTIAL]:>8} {decisions[Decision.SUGGEST]:>8} "
            f"{decisions[Decision.DECLINE]:>8} "
            f"{sum(o.verdict == 'wrong' for o in group):>6}"
        )
    failures = [o for o in outcomes if o.verdict in ("wrong", "unanswered")]
    if failures:
        lines += ["", "failures:"]
        for outcome in failures:
            match = outcome.match
            top = ", ".join(f"{c.entry.id} {c.score:.0f}" for c in match.candidates) or "-"
            if match.missing:
                top += f" (missing {match.missing})"
            lines.append(
                f"  [{outcome.verdict}] ({outcome.item.kind}) {outcome.item.question!r}"
                f" -> {match.decision.value}: {top}"
            )
    return "\n".join(lines)
