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


def test_an_unchanged_file_is_not_parsed_again_and_comes_back_equal(tmp_path, monkeypatch):
    from bot import buildcache

    fresh, _ = load_with_matcher(REPO / "knowledge.yaml", tmp_path)
    assert len(list(tmp_path.glob("knowledge-*.marshal"))) == 1

    def parse_again(*args):
        raise AssertionError("the cached knowledge base should have been used")

    monkeypatch.setattr(buildcache, "parse_file_bytes", parse_again)
    cached, matcher = load_with_matcher(REPO / "knowledge.yaml", tmp_path)
    assert cached == fresh
    assert [e.text("uk") for e in cached.entries] == [e.text("uk") for e in fresh.entries]
    assert cached.synonyms_for("ru") == fresh.synonyms_for("ru")
    assert cached.title_in("uk") == fresh.title_in("uk")
    assert matcher.read("хто очолює роскосмос?").language == "uk"


def test_a_stricter_limit_is_not_met_by_a_build_kept_under_a_looser_one(tmp_path, monkeypatch):
    from bot.knowledge import KnowledgeError

    path = tmp_path / "knowledge.yaml"
    path.write_text(SMALL_KNOWLEDGE, encoding="utf-8")
    load_with_matcher(path, tmp_path / "cache")
    monkeypatch.setenv("KNOWLEDGE_MAX_ANSWER_CHARS", "20")
    with pytest.raises(KnowledgeError, match="answer"):
        load_with_matcher(path, tmp_path / "cache")
