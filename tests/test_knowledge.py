"""The loader accepts the real file and rejects every kind of broken one with file and line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.knowledge import MAX_FILE_BYTES, KnowledgeError, load_knowledge
from tests.conftest import REPO, SMALL_KNOWLEDGE


def problems_of(tmp_path: Path, text: str | bytes) -> list[str]:
    path = tmp_path / "knowledge.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(path)
    messages = [str(problem) for problem in caught.value.problems]
    assert all(message.startswith(str(path)) for message in messages)
    return messages


def test_real_knowledge_file_loads_with_sources_from_the_article(knowledge):
    assert 20 <= len(knowledge) <= 40
    assert knowledge.title.startswith("Russia looks to China")
    assert all(len(entry.questions) >= 3 for entry in knowledge.entries)
    assert knowledge.get("no_such_entry") is None
    first = knowledge.entries[0]
    assert knowledge.get(first.id) is first


def test_loaded_entries_are_frozen(small_knowledge):
    entry = small_knowledge.entries[0]
    with pytest.raises(AttributeError):
        entry.answer = "something else"  # type: ignore[misc]
    assert entry.title == "Who built the Falcon rocket?"
    assert entry.related == ("chief_engineer",)


def test_yaml_syntax_error_names_the_line(tmp_path):
    text = SMALL_KNOWLEDGE.replace(
        "    answer: The base will house four people.", "    answer: [The base will house"
    )
    [message] = problems_of(tmp_path, text)
    assert "YAML syntax error" in message
    assert ":5" in message or ":4" in message  # the line where the parser gave up


def test_tab_indentation_is_explained(tmp_path):
    text = SMALL_KNOWLEDGE.replace("    answer: The Acme", "\tanswer: The Acme")
    [message] = problems_of(tmp_path, text)
    line = (
        SMALL_KNOWLEDGE.splitlines().index("    answer: The Acme company built the Falcon rocket.")
        + 1
    )
    assert f":{line}:" in message
    assert "tabs" in message


def test_missing_and_empty_fields_are_each_reported(tmp_path):
    text = SMALL_KNOWLEDGE.replace("    answer: Jane Smith is the chief engineer.\n", "")
    text = text.replace("    answer: The base will house four people.", "    answer: '  '")
    messages = problems_of(tmp_path, text)
    assert any("entry 'chief_engineer' has no answer" in m for m in messages)
    assert any("entry 'base_crew' has an empty answer" in m for m in messages)


def test_wrong_types_are_reported(tmp_path):
    text = SMALL_KNOWLEDGE.replace(
        "    answer: The Acme company built the Falcon rocket.", "    answer: 42"
    )
    text = text.replace("      - falcon rocket maker", "      - [nested, list]")
    messages = problems_of(tmp_path, text)
    assert any("answer must be text, not a number" in m for m in messages)
    assert any("questions item 3 must be non-empty text" in m for m in messages)


def test_too_few_questions(tmp_path):
    text = SMALL_KNOWLEDGE.replace("      - moon base site\n", "")
    [message] = problems_of(tmp_path, text)
    assert "entry 'moon_base' has 2 questions; give at least 3" in message


def test_duplicate_ids_name_both_lines(tmp_path):
    text = SMALL_KNOWLEDGE.replace("id: base_crew", "id: moon_base")
    messages = problems_of(tmp_path, text)
    assert any("id 'moon_base' is used twice (first at line" in m for m in messages)


def test_duplicate_mapping_keys_are_not_silently_dropped(tmp_path):
    text = SMALL_KNOWLEDGE.replace(
        "    answer: The Acme company built the Falcon rocket.",
        "    answer: The Acme company built the Falcon rocket.\n    answer: Someone else.",
    )
    [message] = problems_of(tmp_path, text)
    assert "key 'answer' appears twice" in message


def test_dangling_related_id(tmp_path):
    text = SMALL_KNOWLEDGE.replace("related: [base_crew]", "related: [base_crw]")
    [message] = problems_of(tmp_path, text)
    assert "related id 'base_crw' does not exist" in message


@pytest.mark.parametrize("bad_id", ["Rocket", "rocket-builder", "x" * 33, "1rocket"])
def test_ids_must_be_short_snake_case(tmp_path, bad_id):
    text = SMALL_KNOWLEDGE.replace("id: base_crew", f"id: {bad_id}")
    messages = problems_of(tmp_path, text)
    assert any("must be short snake_case" in m for m in messages)


def test_source_must_be_in_the_article(tmp_path):
    text = SMALL_KNOWLEDGE.replace(
        "source: Its chief engineer is Jane Smith.", "source: Its chief engineer is John Smith."
    )
    [message] = problems_of(tmp_path, text)
    assert "entry 'chief_engineer': the source is not found verbatim" in message


def test_source_check_forgives_curly_quotes_and_line_breaks(tmp_path):
    text = SMALL_KNOWLEDGE.replace(
        "source: Its chief engineer is Jane Smith.",
        "source: >-\n      Its chief\n      engineer is Jane Smith.",
    )
    text = text.replace(
        "The Falcon rocket was built by the Acme company. Its",
        "The Falcon rocket was built by the “Acme” company. Its",
    )
    text = text.replace(
        "source: The Falcon rocket was built by the Acme company.",
        'source: The Falcon rocket was built by the "Acme" company.',
    )
    path = tmp_path / "knowledge.yaml"
    path.write_text(text, encoding="utf-8")
    assert len(load_knowledge(path)) == 4


def test_python_object_tags_are_refused_without_constructing_anything(tmp_path):
    text = SMALL_KNOWLEDGE.replace(
        'title: "A small test article"',
        "title: !!python/object/apply:os.system ['touch " + str(tmp_path / "pwned") + "']",
    )
    [message] = problems_of(tmp_path, text)
    assert "could not determine a constructor" in message
    assert not (tmp_path / "pwned").exists()


def test_alias_bomb_is_refused_at_the_first_alias(tmp_path):
    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        previous = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        bomb.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    [message] = problems_of(tmp_path, "\n".join(bomb) + "\n")
    assert "aliases" in message
    assert ":2:" in message  # refused at the first alias, before anything is expanded


def test_oversized_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "knowledge.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES * 10)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(path)
    assert "may be at most 5 MB" in str(caught.value)


def test_non_utf8_file_names_the_line(tmp_path):
    raw = SMALL_KNOWLEDGE.encode("utf-8").replace(b"Jane Smith is", b"Jane Sm\xefth is")
    [message] = problems_of(tmp_path, raw)
    line = SMALL_KNOWLEDGE.splitlines().index("    answer: Jane Smith is the chief engineer.") + 1
    assert f":{line}: not valid UTF-8" in message


def test_missing_file_is_a_clear_problem(tmp_path):
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(tmp_path / "nowhere.yaml")
    assert "cannot read the file" in str(caught.value)


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    text = SMALL_KNOWLEDGE.replace("related: [base_crew]", "related: [nope]")
    text = text.replace("    answer: The base will house four people.", "    answer: ''")
    text = text.replace("id: rocket_builder", "id: Rocket")
    messages = problems_of(tmp_path, text)
    assert [m.split(": ", 1)[1] for m in messages] == [
        "id 'Rocket' must be short snake_case (a-z, 0-9, _; at most 32 characters)",
        "entry 'base_crew' has an empty answer; write it out",
        "entry 'chief_engineer': related id 'rocket_builder' does not exist",
        "entry 'moon_base': related id 'nope' does not exist",
    ]


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=REPO,
        env=env,
        timeout=60,
    )


def test_check_command_prints_entry_count():
    result = run_cli("check")
    assert result.returncode == 0
    assert result.stdout.startswith("ok: ")
    assert result.stdout.strip().endswith(" entries")


def test_check_command_exits_1_with_every_problem_and_no_traceback(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(
        SMALL_KNOWLEDGE.replace("related: [base_crew]", "related: [gone]").replace(
            "id: base_crew", "id: Base"
        ),
        encoding="utf-8",
    )
    result = run_cli("--knowledge", str(path), "check")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{path}:") for line in lines)
    assert "Traceback" not in result.stderr


def _alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        previous, name = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + "\n"


BROKEN_FILES = {
    "yaml syntax": SMALL_KNOWLEDGE.replace(
        "answer: The base will house four people.", "answer: [unclosed"
    ),
    "tabs": SMALL_KNOWLEDGE.replace("    answer: The Acme", "\tanswer: The Acme"),
    "wrong type": SMALL_KNOWLEDGE.replace(
        "answer: Jane Smith is the chief engineer.", "answer: {nested: mapping}"
    ),
    "duplicate id": SMALL_KNOWLEDGE.replace("id: base_crew", "id: moon_base"),
    "duplicate key": SMALL_KNOWLEDGE.replace(
        "    source: Its chief engineer is Jane Smith.",
        "    source: Its chief engineer is Jane Smith.\n"
        "    source: Its chief engineer is Jane Smith.",
    ),
    "dangling related": SMALL_KNOWLEDGE.replace("related: [base_crew]", "related: [gone]"),
    "empty answer": SMALL_KNOWLEDGE.replace(
        "answer: Jane Smith is the chief engineer.", "answer: ''"
    ),
    "source not in article": SMALL_KNOWLEDGE.replace(
        "source: Its chief engineer is Jane Smith.", "source: Its engineer is John Doe."
    ),
    "python object tag": SMALL_KNOWLEDGE.replace(
        'title: "A small test article"', "title: !!python/object/apply:os.getcwd []"
    ),
    "alias bomb": _alias_bomb(),
    "not utf-8": SMALL_KNOWLEDGE.encode("utf-8").replace(b"Jane", b"J\xe4ne"),
    "not a mapping": "- just\n- a list\n",
}


@pytest.mark.parametrize("kind", sorted(BROKEN_FILES))
def test_every_broken_file_is_refused_cleanly_by_the_command_line(tmp_path, kind):
    path = tmp_path / "knowledge.yaml"
    content = BROKEN_FILES[kind]
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = run_cli("--knowledge", str(path), "check")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and all(re.match(rf"{re.escape(str(path))}(:\d+)?: \S", line) for line in lines)
    assert any(re.match(rf"{re.escape(str(path))}:\d+: ", line) for line in lines)


def test_fifty_megabyte_file_is_refused_cleanly_by_the_command_line(tmp_path):
    path = tmp_path / "knowledge.yaml"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = run_cli("--knowledge", str(path), "check")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"{path}: the file is 50.0 MB; a knowledge file may be at "
        "most 5 MB. Check that KNOWLEDGE_PATH names the right file"
    )
