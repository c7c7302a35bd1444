"""The curator's records: what is kept, for how long, how it is grouped, and what never is."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from bot.config import load_settings
from bot.curation import (
    FILE_NAME,
    CurationStore,
    Miss,
    entry_stats,
    group_misses,
    question_as_typed,
    summarize,
)
from tests.support import run_cli

DAY = 86400.0
TOKEN = "123456789:" + "A" * 35


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_declines_and_suggestions_are_kept_with_their_nearest_entries_answers_are_not(
    tmp_path, small_matcher
):
    store = CurationStore.in_dir(tmp_path)
    store.record_match("/ask@ArticleBot tell me a joke", small_matcher.match("tell me a joke"))
    store.record_match("falcon base people", small_matcher.match("falcon base people"))
    store.record_match("who built the falcon?", small_matcher.match("who built the falcon?"))
    misses = store.misses()
    assert [(m.question, m.decision) for m in misses] == [
        ("tell me a joke", "decline"),
        ("falcon base people", "suggest"),
    ]
    assert misses[1].nearest[0][0] == "rocket_builder" and misses[1].language == "en"
    given = {s.entry_id: s.given for s in entry_stats(store.tallies())}
    assert given == {"rocket_builder": 1}


def test_question_as_typed_drops_the_command_and_every_mention():
    assert question_as_typed("/ask who runs nasa?") == "who runs nasa?"
    assert question_as_typed("@ArticleBot who runs   nasa? ask @john_doe") == "who runs nasa? ask"
    assert len(question_as_typed("why " * 1000)) == 500


def test_rows_older_than_the_retention_are_pruned(tmp_path, small_matcher):
    clock = Clock()
    store = CurationStore.in_dir(tmp_path, retention_days=30, clock=clock)
    joke = small_matcher.match("tell me a joke")
    store.record_match("an old question", joke)
    clock.now += 29 * DAY
    store.record_match("a recent question", joke)
    assert len(store.misses()) == 2
    clock.now += 2 * DAY  # the first is now 31 days old
    store.record_match("a new question", joke)
    assert [m.question for m in store.misses()] == ["a recent question", "a new question"]
    assert sum(count for kind, _, count in store.tallies() if kind == "decline") == 2
    clock.now += 31 * DAY
    store.prune()  # also at start, when nothing is written
    assert store.misses() == [] and store.tallies() == []


def test_the_row_cap_drops_the_oldest_misses(tmp_path, small_matcher):
    store = CurationStore.in_dir(tmp_path, max_rows=5)
    joke = small_matcher.match("tell me a joke")
    for number in range(12):
        store.record_match(f"question number {number}", joke)
    assert store.row_count() == 5
    assert [m.question for m in store.misses()] == [f"question number {n}" for n in range(7, 12)]
    assert [m.question for m in store.misses(latest=2)] == [
        "question number 10",
        "question number 11",
    ]


def test_the_file_is_in_wal_mode_and_a_second_process_can_write_to_it(tmp_path, small_matcher):
    first = CurationStore.in_dir(tmp_path)
    second = CurationStore.in_dir(tmp_path)  # another replica on the same volume
    joke = small_matcher.match("tell me a joke")
    first.record_match("from the first", joke)
    second.record_match("from the second", joke)
    assert len(first.misses()) == 2
    mode = sqlite3.connect(tmp_path / FILE_NAME).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_recording_settings_come_from_the_environment():
    on = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert on.record_misses and on.misses_days == 30 and on.data_dir == Path("data")
    off = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "RECORD_MISSES": "off",
            "DATA_DIR": "/srv/bot",
            "MISSES_DAYS": "7",
        }
    )
    assert not off.record_misses and off.misses_days == 7 and off.data_dir == Path("/srv/bot")


def _miss(question: str, decision: str = "decline", nearest: str = "moon_base") -> Miss:
    return Miss(1_800_000_000.0, question, decision, ((nearest, 35.0),), "en")


def test_near_identical_questions_are_grouped_and_ranked_by_count():
    groups = group_misses(
        [
            _miss("Who runs NASA?"),
            _miss("who runs nasa"),
            _miss("who runs the NASA?", "suggest"),
            _miss("what is the NASA budget", nearest="rocket_builder"),
            _miss("what is the SpaceX budget", nearest="rocket_builder"),
            _miss("price"),
            _miss("price of tea in china"),
        ]
    )
    assert (groups[0].count, groups[0].decision) == (3, "decline")
    assert groups[0].question in ("Who runs NASA?", "who runs nasa", "who runs the NASA?")
    assert groups[0].nearest == ("moon_base",)
    assert len(groups) == 5  # the budgets stay apart, and "price" does not swallow a question


def test_summary_counts_typed_questions_by_decision():
    week = [("answer", "", 6), ("decline", "", 2), ("given", "moon_base", 9), ("liked", "x", 1)]
    summary = summarize([("answer", "", 1)], week)
    assert (summary.last_day, summary.last_week) == (1, 8)
    assert summary.decisions == {"answer": 6, "decline": 2}


def test_misses_and_stats_commands_combine_several_data_dirs(tmp_path, small_matcher):
    first, second = tmp_path / "replica-1", tmp_path / "replica-2"
    joke = small_matcher.match("tell me a joke")
    CurationStore.in_dir(first).record_match("tell me a joke", joke)
    CurationStore.in_dir(second).record_match("Tell me a joke!", joke)
    CurationStore.in_dir(second).record_feedback("moon_base", False, question="moon base site")
    result = run_cli("misses", "--json", "--data-dir", str(first), "--data-dir", str(second))
    assert result.returncode == 0, result.stderr
    groups = json.loads(result.stdout)
    assert [(g["count"], g["decision"]) for g in groups] == [(2, "decline"), (1, "disliked")]
    assert groups[1]["question"] == "moon base site" and groups[1]["nearest"] == ["moon_base"]

    stats = run_cli("stats", "--data-dir", str(second))
    assert stats.returncode == 0
    [row] = [line.split() for line in stats.stdout.splitlines() if line.startswith("moon_base")]
    assert row == ["moon_base", "0", "0", "1"]


def test_misses_on_an_empty_data_dir_says_so(tmp_path):
    result = run_cli("misses", "--data-dir", str(tmp_path))
    assert result.returncode == 0
    assert "no records in" in result.stderr and "No misses recorded." in result.stdout
    assert not (tmp_path / FILE_NAME).exists()
