"""Shared fixtures: a small hand-made knowledge base, and the real one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matcher import Matcher

REPO = Path(__file__).resolve().parent.parent

SMALL_KNOWLEDGE = """\
title: "A small test article"
description: "rockets and a moon base."
article: |
  The Falcon rocket was built by the Acme company. Its chief engineer is Jane Smith.
  A moon base is planned near the south pole. The base will house four people.
synonyms:
  - [head, chief, boss, leader, "in charge"]
  - [lunar, moon]
entries:
  - id: rocket_builder
    questions:
      - Who built the Falcon rocket?
      - which company made the falcon
      - falcon rocket maker
    answer: The Acme company built the Falcon rocket.
    source: The Falcon rocket was built by the Acme company.
    related: [chief_engineer]
  - id: chief_engineer
    questions:
      - Who is the chief engineer?
      - who leads engineering at acme
      - acme engineer name
    answer: Jane Smith is the chief engineer.
    source: Its chief engineer is Jane Smith.
    related: [rocket_builder]
  - id: moon_base
    questions:
      - Where is the moon base planned?
      - location of the lunar base
      - moon base site
    answer: The moon base is planned near the south pole.
    source: A moon base is planned near the south pole.
    related: [base_crew]
  - id: base_crew
    questions:
      - How many people will live in the moon base?
      - moon base crew size
      - how many people does the base house
    answer: The base will house four people.
    source: The base will house four people.
"""


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


# Property-based tests: 2,000 examples a property in CI; HYPOTHESIS_PROFILE=nightly for 20,000.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "nightly", max_examples=20000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
