"""The curator's loop: what readers asked that the bot could not answer, and how answers fared.

A `CurationStore` keeps two things in one SQLite file (DATA_DIR/curation.sqlite3):
- *misses*: every question that was declined, answered only with "did you mean" or answered in
  part, and every answer a reader marked unhelpful. A row holds the question's text (without a
  leading /command and without @mentions), the decision, the nearest entries with their scores,
  the language and the time. Never who asked or where: no user id, chat id, username or name.
- *tallies*: counts per hour, per kind and per entry (answers given, likes, dislikes, and
  how many questions got each decision), for `python -m bot stats` and /stats. No text.

Both are bounded: rows older than `retention_days` go, and misses beyond `max_rows` go oldest
first; both are enforced on every write (two indexed deletes, cheap when there is nothing to
drop). The file is in WAL mode with a busy timeout, and every write is one short transaction,
so several processes on one host may share the file.

`group_misses` turns the rows into the curator's to-do list: near-identical questions grouped
(case-folded, stemmed, rapidfuzz token_set_ratio), ranked by how often they were asked.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from bot import language
from bot.matcher import Match

FILE_NAME = "curation.sqlite3"
DEFAULT_RETENTION_DAYS = 30
# About 30 MB of questions at most; at a few thousand misses a day, weeks of history.
DEFAULT_MAX_ROWS = 100_000
# Longer questions are cut: enough to see what was meant, and no pasted essays kept.
MAX_QUESTION_CHARS = 500
# How many nearest entries a miss keeps (the matcher offers at most three).
MAX_NEAREST = 3
# Grouping: two questions are "the same" when their stemmed content words agree this much
# (token_set_ratio; 85 puts "who won the world cup" with "who won the world cup in 2018" and
# keeps "nasa budget" apart from "spacex budget"; "esa budget" scores 85.7 and joins it)...
GROUP_MIN_SET_SCORE = 85.0
# ...and the shorter is not a mere subset of a much longer one (token_set_ratio scores a
# subset 100: "price" would swallow "price of tea in china").
GROUP_MIN_SORT_SCORE = 60.0
# A busy file waits this long for another process's write to finish, then gives up.
BUSY_TIMEOUT_MS = 2000

DECLINE = "decline"
SUGGEST = "suggest"
PARTIAL = "partial"  # matcher.Decision.PARTIAL, coming; a string works before and after
DISLIKED = "disliked"
ANSWER = "answer"
# Decisions that make a question a miss.
MISS_DECISIONS = frozenset({DECLINE, SUGGEST, PARTIAL})
# Decisions a typed question can get, for the shares in /stats.
QUESTION_DECISIONS = (ANSWER, SUGGEST, PARTIAL, DECLINE)
# Tally kinds besides the decisions: an entry's answer shown (to a question or a button), and
# feedback on it.
GIVEN = "given"
LIKED = "liked"

_QUESTION_STEMS = frozenset(language.stems(sorted(language.QUESTION_WORDS)))
_LEADING_COMMAND = re.compile(r"^\s*/\w+(?:@\w+)?\s*")
_MENTION = re.compile(r"@\w+")
_SPACES = re.compile(r"\s+")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS misses (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    question TEXT NOT NULL,
    decision TEXT NOT NULL,
    nearest TEXT NOT NULL,
    language TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS misses_at ON misses (at);
CREATE TABLE IF NOT EXISTS tallies (
    hour INTEGER NOT NULL,
    kind TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (hour, kind, entry_id)
) WITHOUT ROWID;
"""


def question_as_typed(text: str) -> str:
    """The question without a leading /command (/ask, /ask@Bot) and without any @mention
    (the bot's, or another member's username), whitespace collapsed, cut to a bounded length."""
    text = _LEADING_COMMAND.sub(" ", text)
    text = _MENTION.sub(" ", text)
    return _SPACES.sub(" ", text).strip()[:MAX_QUESTION_CHARS]


@dataclass(frozen=True)
class Miss:
    at: float
    question: str
    decision: str
    # (entry id, score), nearest first.
    nearest: tuple[tuple[str, float], ...]
    language: str


@dataclass(frozen=True)
class MissGroup:
    """Near-identical questions: the phrasing most asked stands for them all."""

    question: str
    count: int
    decision: str
    nearest: tuple[str, ...]
    variants: tuple[str, ...]
    last_seen: float

    def as_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "count": self.count,
            "decision": self.decision,
            "nearest": list(self.nearest),
            "variants": list(self.variants),
            "last_seen": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.last_seen)),
        }


@dataclass(frozen=True)
class EntryStats:
    entry_id: str
    given: int = 0
    liked: int = 0
    disliked: int = 0


@dataclass(frozen=True)
class Summary:
    """What /stats shows: questions in the last day and week, and the week's decisions."""

    last_day: int
    last_week: int
    # Decision -> questions in the last week.
    decisions: dict[str, int] = field(default_factory=dict)


class CurationStore:
    """One SQLite file; methods are synchronous and thread-safe (call them via to_thread)."""

    def __init__(
        self,
        path: Path,
        *,
        retention_days: float = DEFAULT_RETENTION_DAYS,
        max_rows: int = DEFAULT_MAX_ROWS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.retention_days = retention_days
        self.max_rows = max_rows
        self._clock = clock
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL is still crash-safe for the database; a power cut may lose the
        # last few records, which is fine for statistics.
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.executescript(_SCHEMA)

    @classmethod
    def in_dir(cls, data_dir: Path, **options: Any) -> CurationStore:
        """The store in DATA_DIR/curation.sqlite3 (the folder is made if need be)."""
        return cls(Path(data_dir) / FILE_NAME, **options)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- writing -----------------------------------------------------------------------------
    def record_match(self, question: str, match: Match, *, language: str = "en") -> None:
        """One typed question and what the matcher decided: tallied always; kept as a miss
        (its text, decision and nearest entries) when it was not simply answered."""
        decision = str(match.decision.value)
        nearest = tuple((c.entry.id, round(c.score, 1)) for c in match.candidates[:MAX_NEAREST])
        now = self._clock()
        with self._lock, self._db:
            self._prune(now)
            self._tally(now, decision, "")
            if decision in (ANSWER, PARTIAL) and match.candidates:
                self._tally(now, GIVEN, match.candidates[0].entry.id)
            if decision in MISS_DECISIONS:
                self._insert_miss(now, question, decision, nearest, language)

    def record_given(self, entry_id: str) -> None:
        """An answer shown through a button (a related question, a suggestion, a deep link)."""
        now = self._clock()
        with self._lock, self._db:
            self._prune(now)
            self._tally(now, GIVEN, entry_id)

    def record_feedback(
        self, entry_id: str, liked: bool, *, question: str = "", language: str = "en"
    ) -> None:
        """👍 or 👎 under an answer; a 👎 is also kept as a miss, `question` being the best
        text known for what was asked (the answer's title when the question is not at hand)."""
        now = self._clock()
        with self._lock, self._db:
            self._prune(now)
            self._tally(now, LIKED if liked else DISLIKED, entry_id)
            if not liked:
                self._insert_miss(now, question, DISLIKED, ((entry_id, 100.0),), language)

    def _tally(self, now: float, kind: str, entry_id: str) -> None:
        self._db.execute(
            "INSERT INTO tallies (hour, kind, entry_id, count) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (hour, kind, entry_id) DO UPDATE SET count = count + 1",
            (int(now // 3600), kind, entry_id),
        )

    def _insert_miss(
        self,
        now: float,
        question: str,
        decision: str,
        nearest: tuple[tuple[str, float], ...],
        language: str,
    ) -> None:
        text = question_as_typed(question)
        if not text:
            return
        self._db.execute(
            "INSERT INTO misses (at, question, decision, nearest, language) VALUES (?, ?, ?, ?, ?)",
            (now, text, decision, json.dumps(nearest), language[:16]),
        )
        # Rows go from the old end only, so ids stay contiguous and this keeps max_rows.
        self._db.execute(
            "DELETE FROM misses WHERE id <= (SELECT MAX(id) FROM misses) - ?", (self.max_rows,)
        )

    def _prune(self, now: float) -> None:
        """Drop what is past retention: two deletes on indexed columns, cheap when there is
        nothing to drop, so every write does it."""
        oldest = now - self.retention_days * 86400
        self._db.execute("DELETE FROM misses WHERE at < ?", (oldest,))
        self._db.execute("DELETE FROM tallies WHERE hour < ?", (int(oldest // 3600),))

    def prune(self) -> None:
        """Drop what is past retention now (the bot does it at start and on every write)."""
        with self._lock, self._db:
            self._prune(self._clock())

    # --- reading -----------------------------------------------------------------------------
    def misses(self, days: float | None = None, *, latest: int | None = None) -> list[Miss]:
        """The misses of the last `days` (default: all kept), oldest first; only the `latest`
        ones when given."""
        since = self._clock() - days * 86400 if days is not None else 0.0
        with self._lock:
            rows = self._db.execute(
                "SELECT at, question, decision, nearest, language FROM "
                "(SELECT * FROM misses WHERE at >= ? ORDER BY id DESC LIMIT ?) ORDER BY id",
                (since, -1 if latest is None else latest),
            ).fetchall()
        return [
            Miss(at, question, decision, tuple((i, float(s)) for i, s in json.loads(near)), lang)
            for at, question, decision, near, lang in rows
        ]

    def tallies(self, days: float | None = None) -> list[tuple[str, str, int]]:
        """(kind, entry id, count) summed over the last `days` (default: all kept)."""
        # Whole hours: "the last day" is the current hour and the 23 before it.
        since = int(self._clock() // 3600) - round(days * 24) if days is not None else -1
        with self._lock:
            return self._db.execute(
                "SELECT kind, entry_id, SUM(count) FROM tallies WHERE hour > ? "
                "GROUP BY kind, entry_id",
                (since,),
            ).fetchall()

    def row_count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM misses").fetchone()[0]


def entry_stats(tallies: Iterable[tuple[str, str, int]]) -> list[EntryStats]:
    """Per entry: answers given, likes, dislikes; most given first."""
    counts: dict[str, Counter[str]] = {}
    for kind, entry_id, count in tallies:
        if kind in (GIVEN, LIKED, DISLIKED) and entry_id:
            counts.setdefault(entry_id, Counter())[kind] += count
    stats = [
        EntryStats(entry_id, c[GIVEN], c[LIKED], c[DISLIKED]) for entry_id, c in counts.items()
    ]
    return sorted(stats, key=lambda s: (-s.given, -s.disliked, s.entry_id))


def summarize(day: Iterable[tuple[str, str, int]], week: Iterable[tuple[str, str, int]]) -> Summary:
    """Questions (typed, not button presses) in the last day and week, by decision."""
    decisions: Counter[str] = Counter()
    for kind, _, count in week:
        if kind in QUESTION_DECISIONS:
            decisions[kind] += count
    last_day = sum(count for kind, _, count in day if kind in QUESTION_DECISIONS)
    return Summary(last_day, sum(decisions.values()), dict(decisions))


def _normalised(question: str) -> str:
    """Cleaned (case-folded, no mentions), function words out, question words kept, stemmed:
    "Who runs the NASA?" and "who runs nasa" become the same "who run nasa"."""
    words = [
        word
        for word in language.words(language.clean(question))
        if word not in language.STOPWORDS or word in language.QUESTION_WORDS
    ]
    return " ".join(language.stems(words))


def group_misses(misses: Iterable[Miss]) -> list[MissGroup]:
    """Near-identical questions together, the most asked first.

    Exact duplicates (after `_normalised`) are merged first; then each distinct form, most
    frequent first, joins the group whose leading form it matches best (GROUP_MIN_SET_SCORE
    and GROUP_MIN_SORT_SCORE) or starts a group of its own.
    """
    by_form: dict[str, list[Miss]] = {}
    for miss in misses:
        by_form.setdefault(_normalised(miss.question) or miss.question.casefold(), []).append(miss)
    forms = sorted(by_form, key=lambda form: (-len(by_form[form]), form))
    leaders: list[str] = []
    members: list[list[Miss]] = []
    # Only leaders sharing a content word are compared: without it the grouping is quadratic
    # (8,000 distinct questions took 17 s); near-identical questions share one anyway.
    by_word: dict[str, list[int]] = {}
    for form in forms:
        keys = set(form.split()) - _QUESTION_STEMS or {form}
        nearby = sorted({leader for key in keys for leader in by_word.get(key, ())})
        found = process.extractOne(
            form,
            {leader: leaders[leader] for leader in nearby},
            scorer=fuzz.token_set_ratio,
            score_cutoff=GROUP_MIN_SET_SCORE,
        )
        if found is not None and fuzz.token_sort_ratio(form, found[0]) >= GROUP_MIN_SORT_SCORE:
            members[found[2]].extend(by_form[form])
            continue
        for key in keys:
            by_word.setdefault(key, []).append(len(leaders))
        leaders.append(form)
        members.append(list(by_form[form]))
    groups = [_group(rows) for rows in members]
    return sorted(groups, key=lambda g: (-g.count, -g.last_seen, g.question))


def _group(rows: list[Miss]) -> MissGroup:
    phrasings = Counter(row.question for row in rows)
    decisions = Counter(row.decision for row in rows)
    nearest: Counter[str] = Counter()
    best: dict[str, float] = {}
    for row in rows:
        for entry_id, score in row.nearest:
            nearest[entry_id] += 1
            best[entry_id] = max(best.get(entry_id, 0.0), score)
    ranked = sorted(nearest, key=lambda e: (-nearest[e], -best[e], e))
    return MissGroup(
        question=phrasings.most_common(1)[0][0],
        count=len(rows),
        decision=decisions.most_common(1)[0][0],
        nearest=tuple(ranked[:MAX_NEAREST]),
        variants=tuple(p for p, _ in phrasings.most_common(5)),
        last_seen=max(row.at for row in rows),
    )


def stats_report(summary: Summary, top_misses: list[MissGroup]) -> str:
    """/stats as text: volumes, the week's shares of each decision, the most asked misses."""
    lines = [
        f"Questions: {summary.last_day} in the last day, {summary.last_week} in the last week."
    ]
    if summary.last_week:
        shares = ", ".join(
            f"{summary.decisions.get(decision, 0) / summary.last_week:.0%} {label}"
            for decision, label in _DECISION_LABELS
        )
        lines.append(f"Last week: {shares}.")
    if top_misses:
        lines.append("\nMost asked misses (last week):")
        lines.extend(
            f"{number}. {group.question} — {group.count}× ({group.decision})"
            for number, group in enumerate(top_misses, start=1)
        )
    else:
        lines.append("\nNo misses in the last week.")
    return "\n".join(lines)


_DECISION_LABELS = (
    (ANSWER, "answered"),
    (SUGGEST, "suggested"),
    (PARTIAL, "partial"),
    (DECLINE, "declined"),
)
