"""The curator's self-check: a phrasing that another entry answers better, or that asks how
many of an answer with no number, is reported."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge import load_knowledge
from bot.matcher import Matcher
from bot.selfcheck import counts_without_numbers, overlaps, with_lines
from tests.support import SMALL_KNOWLEDGE


def with_phrasing(tmp_path: Path, after: str, added: str) -> tuple[Path, int]:
    """The small knowledge file with one phrasing added after another, and its line."""
    text = SMALL_KNOWLEDGE.replace(f"      - {after}\n", f"      - {after}\n      - {added}\n")
    path = tmp_path / "knowledge.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text.splitlines().index(f"      - {added}") + 1


def test_a_phrasing_that_belongs_to_another_entry_is_reported_with_its_line(tmp_path: Path):
    path, line = with_phrasing(tmp_path, "moon base site", "jane smith chief engineer")
    found = with_lines(list(overlaps(Matcher(load_knowledge(path)))), path)
    [overlap] = [o for o in found if o.phrasing == "jane smith chief engineer"]
    assert (overlap.entry_id, overlap.rival_id) == ("moon_base", "chief_engineer")
    assert overlap.line == line
    assert "move it to 'chief_engineer'" in str(overlap)


def test_phrasings_that_fit_their_own_entry_are_not_reported(small_knowledge):
    assert list(overlaps(Matcher(small_knowledge))) == []


def test_a_phrasing_asking_how_many_of_an_answer_without_a_number_is_reported(tmp_path: Path):
    # The crew entry's "how many people…" is answered by "four people"; the builder's is not.
    added = "how many falcon rockets did acme build"
    path, line = with_phrasing(tmp_path, "falcon rocket maker", added)
    found = with_lines(list(counts_without_numbers(Matcher(load_knowledge(path)))), path)
    assert [(w.entry_id, w.phrasing, w.line) for w in found] == [("rocket_builder", added, line)]


def test_the_real_knowledge_base_asks_no_quantity_it_does_not_give(matcher):
    assert list(counts_without_numbers(matcher)) == []
