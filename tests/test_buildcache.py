"""Built matchers kept on disk: the same answers as a fresh build, never a stale one."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.buildcache import load_with_matcher
from bot.knowledge import load_knowledge
from bot.matcher import Matcher
from tests.support import REPO, SMALL_KNOWLEDGE

QUESTIONS = [
    item["q"]
    for name in ("tune2.yaml", "multilingual-tune.yaml")
    for item in yaml.safe_load((REPO / "tests" / "questions" / name).read_text("utf-8"))["items"]
]


def builds(folder: Path) -> list[Path]:
    return sorted(folder.glob("matcher-*.marshal"))


@pytest.mark.slow  # builds the real knowledge base twice and asks 320 questions of each
def test_a_cached_build_answers_exactly_as_a_fresh_build(tmp_path):
    fresh = Matcher(load_knowledge(REPO / "knowledge.yaml"))
    load_with_matcher(REPO / "knowledge.yaml", tmp_path)  # builds and stores, one per language
    assert len(builds(tmp_path)) == 3
    _, cached = load_with_matcher(REPO / "knowledge.yaml", tmp_path)
    for question in QUESTIONS:
        assert cached.read(question) == fresh.read(question), question


def test_an_edited_file_is_built_again_not_read_from_the_cache(tmp_path):
    path = tmp_path / "knowledge.yaml"
    path.write_text(SMALL_KNOWLEDGE, encoding="utf-8")
    cache = tmp_path / "cache"
    load_with_matcher(path, cache)
    path.write_text(SMALL_KNOWLEDGE.replace("falcon rocket maker", "who designed the falcon"))
    _, matcher = load_with_matcher(path, cache)
    assert matcher.match("who designed the falcon").entry.id == "rocket_builder"
    assert len(builds(cache)) == 2


def test_a_damaged_cache_file_is_ignored_and_replaced(tmp_path):
    path = tmp_path / "knowledge.yaml"
    path.write_text(SMALL_KNOWLEDGE, encoding="utf-8")
    cache = tmp_path / "cache"
    load_with_matcher(path, cache)
    [stored] = builds(cache)
    stored.write_bytes(b"\x00not a build")
    _, matcher = load_with_matcher(path, cache)
    assert matcher.match("who built the falcon rocket?").entry.id == "rocket_builder"
    assert stored.read_bytes() != b"\x00not a build"


def test_a_cache_folder_that_cannot_be_written_only_costs_the_build(tmp_path):
    path = tmp_path / "knowledge.yaml"
    path.write_text(SMALL_KNOWLEDGE, encoding="utf-8")
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    _, matcher = load_with_matcher(path, blocked / "cache")
    assert matcher.match("who built the falcon rocket?").entry.id == "rocket_builder"
