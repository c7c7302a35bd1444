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


@pytest.fixture
def small_knowledge_file(tmp_path: Path) -> Path:
    path = tmp_path / "knowledge.yaml"
    path.write_text(SMALL_KNOWLEDGE, encoding="utf-8")
    return path


@pytest.fixture
def small_knowledge(small_knowledge_file: Path) -> KnowledgeBase:
    return load_knowledge(small_knowledge_file)


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


# Property-based tests: 2,000 examples a property in CI; HYPOTHESIS_PROFILE=nightly for 20,000.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "nightly", max_examples=20000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
