"""The loader accepts the real file and rejects every kind of broken one with file and line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.knowledge import (
    LANGUAGES,
    MAX_FILE_BYTES,
    EntryText,
    KnowledgeError,
    load_knowledge,
)
from tests.conftest import REPO, SMALL_KNOWLEDGE


@pytest.fixture(autouse=True)
def no_settle_pause(monkeypatch):
    """These files are written just before they are read: skip the settle pause (its own tests
    pass Limits explicitly), here and in the `python -m bot` processes started below."""
    monkeypatch.setenv("KNOWLEDGE_SETTLE_SECONDS", "0")


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the first line of `text` that contains `fragment`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


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


def test_yaml_syntax_error_names_the_line_and_the_fix(tmp_path):
    text = SMALL_KNOWLEDGE.replace(
        "    answer: The base will house four people.", "    answer: [The base will house"
    )
    [message] = problems_of(tmp_path, text)
    line = line_of(text, "answer: [The base")
    assert f":{line}: YAML syntax error: the list or mapping opened at line {line}" in message
    assert "close it with ']'" in message


def test_tab_indentation_is_explained(tmp_path):
    text = SMALL_KNOWLEDGE.replace("    answer: The Acme", "\tanswer: The Acme")
    [message] = problems_of(tmp_path, text)
    line = (
        SMALL_KNOWLEDGE.splitlines().index("    answer: The Acme company built the Falcon rocket.")
        + 1
    )
    assert f":{line}:" in message
    assert "does not allow tabs; indent with spaces" in message


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
    assert any("questions item 3 must be non-empty text, not a list" in m for m in messages)


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
    assert 'the closest article sentence is "Its chief engineer is Jane Smith."' in message
    assert 'they first differ at "John Smith." (the article has "Jane Smith.' in message


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
    assert ":1: the tag !!python/object/apply:os.system is not allowed" in message
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
    assert "may be at most 64 MB (KNOWLEDGE_MAX_BYTES)" in str(caught.value)


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
    assert [m.split(": ", 1)[1] for m in messages] == [  # in the order of their lines
        "id 'Rocket' must be short snake_case (a-z, 0-9, _; at most 32 characters)",
        "entry 'chief_engineer': related id 'rocket_builder' does not exist",
        "entry 'moon_base': related id 'nope' does not exist",
        "entry 'base_crew' has an empty answer; write it out",
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


def test_check_command_prints_entry_count_and_languages():
    result = run_cli("check")
    assert result.returncode == 0
    assert re.fullmatch(r"ok: \d+ entries in en, uk, ru", result.stdout.strip())


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


def test_hundred_megabyte_file_is_refused_cleanly_by_the_command_line(tmp_path):
    path = tmp_path / "knowledge.yaml"
    with path.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    result = run_cli("--knowledge", str(path), "check")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"{path}: the file is 100 MB; a knowledge file may be at most 64 MB "
        "(KNOWLEDGE_MAX_BYTES). Check that KNOWLEDGE_PATH names the right file"
    )


def test_the_size_limit_comes_from_the_environment(tmp_path):
    path = tmp_path / "knowledge.yaml"
    path.write_text(SMALL_KNOWLEDGE, encoding="utf-8")
    env = {**os.environ, "KNOWLEDGE_MAX_BYTES": "1000"}
    result = run_cli("--knowledge", str(path), "check", env=env)
    assert result.returncode == 1
    size = len(SMALL_KNOWLEDGE.encode())
    assert (
        f"the file is {size:,} bytes; a knowledge file may be at most 1,000 bytes" in result.stderr
    )


def test_a_limit_that_is_not_a_number_is_refused(tmp_path):
    path = tmp_path / "knowledge.yaml"
    path.write_text(SMALL_KNOWLEDGE, encoding="utf-8")
    env = {**os.environ, "KNOWLEDGE_MAX_ANSWER_CHARS": "lots"}
    result = run_cli("--knowledge", str(path), "check", env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "KNOWLEDGE_MAX_ANSWER_CHARS: must be a whole number above 0, not 'lots'"
    )


# --- languages and article details ---------------------------------------------------------

TRANSLATED_KNOWLEDGE = """\
title: "A small test article"
description: "rockets and a moon base."
url: https://example.org/rockets
published: "2022-04-01"
author: Jane Reporter
uk:
  title: "Невелика тестова стаття"
  description: "ракети і місячна база."
ru:
  title: "Небольшая тестовая статья"
  description: "ракеты и лунная база."
article: |
  The Falcon rocket was built by the Acme company. Its chief engineer is Jane Smith.
synonyms:
  en:
    - [head, chief, boss]
  uk:
    - [головний, старший]
  ru:
    - [главный, старший]
entries:
  - id: rocket_builder
    questions:
      - Who built the Falcon rocket?
      - which company made the falcon
      - falcon rocket maker
    answer: The Acme company built the Falcon rocket.
    source: The Falcon rocket was built by the Acme company.
    related: [chief_engineer]
    uk:
      questions:
        - Хто збудував ракету Falcon?
        - яка компанія зробила falcon
        - виробник ракети falcon
      answer: Ракету Falcon збудувала компанія Acme.
    ru:
      questions:
        - Кто построил ракету Falcon?
        - какая компания сделала falcon
        - производитель ракеты falcon
      answer: Ракету Falcon построила компания Acme.
  - id: chief_engineer
    questions:
      - Who is the chief engineer?
      - who leads engineering at acme
      - acme engineer name
    answer: Jane Smith is the chief engineer.
    source: Its chief engineer is Jane Smith.
    uk:
      questions:
        - Хто головний інженер?
        - хто керує інженерами acme
        - ім'я інженера acme
      answer: Головна інженерка — Джейн Сміт.
    ru:
      questions:
        - Кто главный инженер?
        - кто руководит инженерами acme
        - имя инженера acme
      answer: Главный инженер — Джейн Смит.
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "knowledge.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_in_three_languages_loads_with_its_article_details(tmp_path):
    knowledge = load_knowledge(write(tmp_path, TRANSLATED_KNOWLEDGE))
    assert LANGUAGES == ("en", "uk", "ru")
    assert knowledge.languages == ("en", "uk", "ru")
    assert knowledge.url == "https://example.org/rockets"
    assert (knowledge.published, knowledge.author) == ("2022-04-01", "Jane Reporter")
    assert knowledge.title_in("uk") == "Невелика тестова стаття"
    assert knowledge.description_in("ru") == "ракеты и лунная база."
    assert knowledge.title_in("en") == knowledge.title == "A small test article"
    assert knowledge.synonyms == (("head", "chief", "boss"),)
    assert knowledge.synonyms_for("en") == knowledge.synonyms
    assert knowledge.synonyms_for("uk") == (("головний", "старший"),)
    entry = knowledge.get("rocket_builder")
    assert entry.title == "Who built the Falcon rocket?"  # English, as before
    assert entry.text("uk").title == "Хто збудував ракету Falcon?"
    assert entry.text("ru").answer == "Ракету Falcon построила компания Acme."
    assert entry.text("en") == EntryText(entry.questions, entry.answer)
    assert set(entry.translations) == {"uk", "ru"}


def test_an_english_only_file_has_one_language_and_falls_back_to_english(small_knowledge):
    assert small_knowledge.languages == ("en",)
    entry = small_knowledge.entries[0]
    assert entry.translations == {}
    assert entry.text("uk") == EntryText(entry.questions, entry.answer)
    assert small_knowledge.title_in("ru") == small_knowledge.title
    assert small_knowledge.synonyms_for("uk") == ()
    assert (small_knowledge.url, small_knowledge.published, small_knowledge.author) == ("", "", "")


def test_entries_are_cheap_frozen_values(tmp_path):
    knowledge = load_knowledge(write(tmp_path, TRANSLATED_KNOWLEDGE))
    entry = knowledge.entries[0]
    with pytest.raises(AttributeError):
        entry.translations = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        entry.translations["uk"] = entry.text("ru")  # type: ignore[index]
    assert not hasattr(entry, "__dict__")  # slots: 100,000 of them stay small
    assert hash(entry) == hash(load_knowledge(write(tmp_path, TRANSLATED_KNOWLEDGE)).entries[0])


def test_a_missing_language_block_is_reported_with_the_entry_line(tmp_path):
    start = TRANSLATED_KNOWLEDGE.index("    uk:\n      questions:\n        - Хто головний")
    end = TRANSLATED_KNOWLEDGE.index("    ru:\n      questions:\n        - Кто главный")
    text = TRANSLATED_KNOWLEDGE[:start] + TRANSLATED_KNOWLEDGE[end:]
    path = write(tmp_path, text)
    result = run_cli("--knowledge", str(path), "check")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    line = line_of(text, "- id: chief_engineer")
    first_uk = line_of(text, "    uk:")
    assert result.stderr.strip() == (
        f"{path}:{line}: entry 'chief_engineer' has no uk: block; add uk: with questions and "
        f"answer (the file is translated to uk: see line {first_uk})"
    )


def test_translated_questions_and_answers_follow_the_english_rules(tmp_path):
    text = TRANSLATED_KNOWLEDGE.replace("        - виробник ракети falcon\n", "")
    text = text.replace(
        "      answer: Главный инженер — Джейн Смит.", "      answer: '" + "я" * 4097 + "'"
    )
    text = text.replace("        - кто руководит инженерами acme", "        - КТО главный инженер")
    messages = problems_of(tmp_path, text)
    assert [m.split(": ", 1)[1] for m in messages] == [
        "entry 'rocket_builder' (uk) has 2 questions; give at least 3",
        "entry 'chief_engineer' (ru): question 2 ('КТО главный инженер') repeats its phrasing "
        f"at line {line_of(text, '- Кто главный инженер?')}; delete one",
        "entry 'chief_engineer' (ru): the answer is 4,097 characters; it is sent as one "
        "Telegram message, which holds at most 4,096 (KNOWLEDGE_MAX_ANSWER_CHARS): shorten it",
    ]


def test_the_same_phrasing_in_two_languages_is_not_a_repeat(tmp_path):
    text = TRANSLATED_KNOWLEDGE.replace(
        "        - виробник ракети falcon", "        - falcon rocket maker"
    )
    assert len(load_knowledge(write(tmp_path, text))) == 2


def test_a_translated_title_block_is_needed_once_entries_are_translated(tmp_path):
    start = TRANSLATED_KNOWLEDGE.index("ru:\n  title")
    end = TRANSLATED_KNOWLEDGE.index("article: |")
    [message] = problems_of(tmp_path, TRANSLATED_KNOWLEDGE[:start] + TRANSLATED_KNOWLEDGE[end:])
    assert message.endswith(
        ":1: the file has no top-level ru: block; add ru: with title and description "
        "(the entries are translated to ru)"
    )


def test_article_details_are_checked(tmp_path):
    text = TRANSLATED_KNOWLEDGE.replace(
        "url: https://example.org/rockets", "url: example.org/rockets"
    )
    text = text.replace('published: "2022-04-01"', "published: 2022-04-01")
    text = text.replace('  title: "Небольшая', '  titel: "Небольшая')
    messages = problems_of(tmp_path, text)
    assert [m.split(": ", 1)[1] for m in messages] == [
        "the file: url must start with https:// or http://, not 'example.org/rockets'; "
        "give the article's full address",
        "the file: published must be text, not a date or time (YAML reads `2022-04-01` as a "
        'date or time); put the value in quotes: published: "2022-04-01"',
        "the file (ru) has no title; add `title:`",
        "the file (ru): unknown field 'titel'; the fields are title, description",
    ]


def test_unknown_fields_are_named_with_the_allowed_ones(tmp_path):
    text = TRANSLATED_KNOWLEDGE.replace("author: Jane Reporter", "writer: Jane Reporter")
    text = text.replace("    related: [chief_engineer]", "    relatd: [chief_engineer]")
    text = text.replace(
        "      answer: Ракету Falcon збудувала компанія Acme.",
        "      answer: Ракету Falcon збудувала компанія Acme.\n      source: x",
    )
    text = text.replace("  ru:\n    - [главный", "  de:\n    - [главный")
    messages = problems_of(tmp_path, text)
    assert [m.split(": ", 1)[1] for m in messages] == [
        "the file: unknown field 'writer'; the fields are title, description, url, published, "
        "author, article, synonyms, entries, uk, ru",
        "synonyms: unknown field 'de'; the fields are en, uk, ru",
        "entry 'rocket_builder': unknown field 'relatd'; the fields are id, questions, answer, "
        "source, related, tags, uk, ru",
        "entry 'rocket_builder' (uk): unknown field 'source'; the fields are questions, answer",
    ]
