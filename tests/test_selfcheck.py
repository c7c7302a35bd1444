"""The curator's self-check: a phrasing that another entry answers better is reported."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge import load_knowledge
from bot.matcher import Matcher
from bot.selfcheck import overlaps, with_lines
from tests.support import SMALL_KNOWLEDGE


def test_a_phrasing_that_belongs_to_another_entry_is_reported_with_its_line(tmp_path: Path):
    misplaced = SMALL_KNOWLEDGE.replace(
        "      - moon base site\n",
        "      - moon base site\n      - jane smith chief engineer\n",
    )
    path = tmp_path / "knowledge.yaml"
    path.write_text(misplaced, encoding="utf-8")
    found = with_lines(list(overlaps(Matcher(load_knowledge(path)))), path)
    [overlap] = [o for o in found if o.phrasing == "jane smith chief engineer"]
    assert (overlap.entry_id, overlap.rival_id) == ("moon_base", "chief_engineer")
    line = misplaced.splitlines().index("      - jane smith chief engineer") + 1
    assert overlap.line == line
    assert "move it to 'chief_engineer'" in str(overlap)


def test_phrasings_that_fit_their_own_entry_are_not_reported(small_knowledge):
    assert list(overlaps(Matcher(small_knowledge))) == []
