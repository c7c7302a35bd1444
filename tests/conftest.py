"""Shared fixtures: a small hand-made knowledge base, the real one, and the fake Bot API.

Helpers that tests import (files, processes, the bot against the fake Bot API) live in
tests/support.py and tests/e2e.py; REPO and SMALL_KNOWLEDGE are also importable from here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matcher import Matcher
from tests.fake_bot_api import FakeBotAPI
from tests.support import REPO, SMALL_KNOWLEDGE

__all__ = ["REPO", "SMALL_KNOWLEDGE"]


@pytest.fixture(autouse=True)
def no_settle_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test files are written just before they are read: skip the loader's settle pause (its
    own tests pass their Limits explicitly), here and in the `python -m bot` processes."""
    monkeypatch.setenv("KNOWLEDGE_SETTLE_SECONDS", "0")


@pytest.fixture
def small_knowledge_file(tmp_path: Path) -> Path:
    path = tmp_path / "knowledge.yaml"
    path.write_text(SMALL_KNOWLEDGE, encoding="utf-8")
    return path


@pytest.fixture
def small_knowledge(small_knowledge_file: Path) -> KnowledgeBase:
    return load_knowledge(small_knowledge_file)


@pytest.fixture(scope="session")
def small_matcher(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    """The matcher over SMALL_KNOWLEDGE, built once: matchers are never changed after."""
    path = tmp_path_factory.mktemp("small") / "knowledge.yaml"
    path.write_text(SMALL_KNOWLEDGE, encoding="utf-8")
    return Matcher(load_knowledge(path))


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return load_knowledge(REPO / "knowledge.yaml")


@pytest.fixture(scope="session")
def matcher(knowledge: KnowledgeBase) -> Matcher:
    return Matcher(knowledge)


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    """A fake Bot API server for @ArticleBot, stopped after the test."""
    with FakeBotAPI() as server:
        yield server


# Tests that start `python -m bot` as a process take half a second each or more (a second
# Python, its imports, the knowledge base): they are marked slow here, by the helpers they call
# (tests/support.py's, or a module's own run_cli), so `pytest -m "not slow"` leaves them out
# wherever they are written.
STARTS_A_PROCESS = frozenset({"run_cli", "run_bot", "start_bot", "kill_and_restart"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        function = getattr(item, "function", None)
        code = getattr(function, "__code__", None)
        if code is not None and STARTS_A_PROCESS & set(code.co_names):
            item.add_marker(pytest.mark.slow)


# Property-based tests: 2,000 examples a property in CI; HYPOTHESIS_PROFILE=nightly for 20,000.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "nightly", max_examples=20000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
