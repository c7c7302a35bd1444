"""The loader accepts the real file and rejects every kind of broken one with file and line."""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import pytest

from bot.knowledge import (
    LANGUAGES,
    MAX_FILE_BYTES,
    EntryText,
    KnowledgeError,
    Limits,
    load_knowledge,
    normalize_phrasing,
)
from tests.support import SMALL_KNOWLEDGE, run_cli


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the first line of `text` that contains `fragment`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


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


def cut(text: str, start: str, end: str) -> str:
    """`text` without the part from `start` up to (not including) `end`."""
    return text[: text.index(start)] + text[text.index(end) :]


ENGINEER_WITHOUT_UK = cut(
    TRANSLATED_KNOWLEDGE,
    "    uk:\n      questions:\n        - Хто головний",
    "    ru:\n      questions:\n        - Кто главный",
)


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
    # One entry a fact, a name or a part of the article (issue 8 added the last two kinds).
    assert 20 <= len(knowledge) <= 50
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
    "one-word source": SMALL_KNOWLEDGE.replace(
        "source: Its chief engineer is Jane Smith.", "source: the"
    ),
    "phrasing in two entries": SMALL_KNOWLEDGE.replace(
        "      - acme engineer name", "      - Falcon rocket maker!"
    ),
    "phrasing with no words": SMALL_KNOWLEDGE.replace("      - moon base site", "      - '???'"),
    "answer too long for one message": SMALL_KNOWLEDGE.replace(
        "answer: Jane Smith is the chief engineer.", "answer: " + "Jane Smith. " * 400
    ),
    "unquoted yes": SMALL_KNOWLEDGE.replace(
        "answer: Jane Smith is the chief engineer.", "answer: yes"
    ),
    "unquoted time": SMALL_KNOWLEDGE.replace("      - moon base site", "      - 12:30"),
    "related names itself": SMALL_KNOWLEDGE.replace("related: [base_crew]", "related: [moon_base]"),
    "related id repeated": SMALL_KNOWLEDGE.replace(
        "related: [base_crew]", "related: [base_crew, base_crew]"
    ),
    "too many phrasings": SMALL_KNOWLEDGE.replace(
        "      - moon base site",
        "\n".join(f"      - moon base site number {n}" for n in range(60)),
    ),
    "phrasing too long": SMALL_KNOWLEDGE.replace(
        "      - moon base site", "      - moon base site" + " and more" * 40
    ),
    "deep nesting": SMALL_KNOWLEDGE.replace(
        "answer: Jane Smith is the chief engineer.", "answer: " + "[" * 30 + "]" * 30
    ),
    "second document": SMALL_KNOWLEDGE + "---\ntitle: another\n",
    "misindented key": SMALL_KNOWLEDGE.replace(
        "    source: Its chief engineer", "   source: Its chief engineer"
    ),
    "colon in unquoted text": SMALL_KNOWLEDGE.replace(
        "answer: Jane Smith is the chief engineer.", "answer: Note: Jane Smith is chief."
    ),
    "missing language block": ENGINEER_WITHOUT_UK,
    "url without a scheme": TRANSLATED_KNOWLEDGE.replace(
        "url: https://example.org/rockets", "url: example.org"
    ),
    "control character": SMALL_KNOWLEDGE.replace("Jane Smith is", "Jane\x07Smith is"),
    "source is the whole article": SMALL_KNOWLEDGE.replace(
        "The base will house four people.\n", "The base will house four people. It opens soon.\n", 1
    ).replace(
        "source: Its chief engineer is Jane Smith.",
        "source: >-\n      The Falcon rocket was built by the Acme company. Its chief engineer is"
        " Jane Smith. A moon base is planned near the south pole. The base will house four"
        " people. It opens soon.",
    ),
    "unknown entry field": SMALL_KNOWLEDGE.replace(
        "    related: [base_crew]", "    see: [base_crew]"
    ),
    "unknown top-level field": SMALL_KNOWLEDGE.replace("synonyms:", "synonym:"),
    "key read as true/false": SMALL_KNOWLEDGE.replace("    related: [base_crew]", "    on: x"),
    "synonym group of one word": SMALL_KNOWLEDGE.replace("  - [lunar, moon]", "  - [lunar]"),
    "no top-level translation": cut(TRANSLATED_KNOWLEDGE, "ru:\n  title", "article: |"),
    "too few translated questions": TRANSLATED_KNOWLEDGE.replace(
        "        - виробник ракети falcon\n", ""
    ),
    "translated answer too long": TRANSLATED_KNOWLEDGE.replace(
        "      answer: Главный инженер — Джейн Смит.", "      answer: '" + "я" * 4097 + "'"
    ),
    "translation not a mapping": TRANSLATED_KNOWLEDGE.replace(
        "    ru:\n      questions:\n        - Кто главный",
        "    ru: Главный инженер\n    rx:\n      questions:\n        - Кто главный",
    ),
}


@pytest.mark.parametrize("kind", sorted(BROKEN_FILES))
def test_every_broken_file_is_refused_cleanly_by_the_command_line(tmp_path, kind):
    path = tmp_path / "knowledge.yaml"
    content = BROKEN_FILES[kind]
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = run_cli("--knowledge", str(path), "check", timeout=20)
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
    text = ENGINEER_WITHOUT_UK
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
    [message] = problems_of(tmp_path, cut(TRANSLATED_KNOWLEDGE, "ru:\n  title", "article: |"))
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


# --- only regular files, and files that hold still -----------------------------------------


def test_a_fifo_is_refused_at_once_instead_of_hanging(tmp_path):
    path = tmp_path / "knowledge.yaml"
    os.mkfifo(path)
    result = run_cli("--knowledge", str(path), "check", timeout=20)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"{path}: this is a named pipe (FIFO), not a regular file; name the knowledge file itself"
    )


def test_a_directory_is_refused_with_one_line(tmp_path):
    result = run_cli("--knowledge", str(tmp_path), "check", timeout=20)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"{tmp_path}: this is a directory, not a regular file; name the .yaml file inside it"
    )


def test_a_character_device_is_refused_before_reading_a_byte():
    result = run_cli("--knowledge", "/dev/zero", "check", timeout=20)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "/dev/zero: this is a character device, not a regular file; name the knowledge file itself"
    )


def test_a_file_finished_during_the_settle_pause_is_read_whole(tmp_path):
    path = tmp_path / "knowledge.yaml"
    cut_at = SMALL_KNOWLEDGE.index("  - id: chief_engineer")
    path.write_text(SMALL_KNOWLEDGE[:cut_at], encoding="utf-8")  # a valid one-entry prefix
    finisher = threading.Timer(0.1, lambda: path.write_text(SMALL_KNOWLEDGE, encoding="utf-8"))
    finisher.start()
    try:
        knowledge = load_knowledge(path, Limits(settle_seconds=0.5))
    finally:
        finisher.join()
    assert len(knowledge) == 4


def test_a_file_that_keeps_changing_is_refused(tmp_path):
    path = tmp_path / "knowledge.yaml"
    path.write_text(SMALL_KNOWLEDGE, encoding="utf-8")
    done = threading.Event()

    def keep_writing() -> None:
        count = 0
        while not done.is_set():
            count += 1
            path.write_text(SMALL_KNOWLEDGE + f"# edit {count}\n", encoding="utf-8")
            time.sleep(0.01)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        with pytest.raises(KnowledgeError) as caught:
            load_knowledge(path, Limits(settle_seconds=0.05))
    finally:
        done.set()
        writer.join()
    [problem] = caught.value.problems
    assert "the file kept changing while it was read" in problem.message
    assert "rename it into place" in problem.message


def test_a_file_older_than_the_settle_pause_is_read_once_without_waiting(tmp_path, monkeypatch):
    path = tmp_path / "knowledge.yaml"
    path.write_text(SMALL_KNOWLEDGE, encoding="utf-8")
    an_hour_ago = time.time() - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))

    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"slept {seconds} s for a file that is an hour old")

    monkeypatch.setattr("bot.knowledge.time.sleep", no_sleep)
    assert len(load_knowledge(path, Limits(settle_seconds=5))) == 4


# --- sharper checks --------------------------------------------------------------------------


def test_a_whole_short_sentence_or_a_clause_of_six_words_is_a_source(tmp_path):
    text = SMALL_KNOWLEDGE.replace(
        "The base will house four people.", "Four people will live there."
    ).replace(
        "source: The Falcon rocket was built by the Acme company.",
        "source: The Falcon rocket was built by",
    )
    assert len(load_knowledge(write(tmp_path, text))) == 4


def test_a_source_cut_mid_word_is_not_a_quote(tmp_path):
    text = SMALL_KNOWLEDGE.replace(
        "source: The Falcon rocket was built by the Acme company.",
        "source: alcon rocket was built by the Acme",
    )
    [message] = problems_of(tmp_path, text)
    assert "entry 'rocket_builder': the source is not found verbatim in the article" in message


def test_a_source_may_not_be_the_whole_article(tmp_path):
    text = SMALL_KNOWLEDGE.replace(
        "source: Its chief engineer is Jane Smith.",
        "source: >-\n      The Falcon rocket was built by the Acme company. Its chief engineer"
        " is Jane Smith.\n      A moon base is planned near the south pole.",
    )
    path = write(tmp_path, text)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(path, Limits(max_source_sentences=2, settle_seconds=0))
    [problem] = caught.value.problems
    assert problem.message == (
        "entry 'chief_engineer': the source spans 3 sentences of the article; a source may span "
        "at most 2 (KNOWLEDGE_MAX_SOURCE_SENTENCES): keep only the sentences the answer rests on"
    )


def test_phrasings_are_compared_with_case_punctuation_and_spacing_folded(tmp_path):
    assert normalize_phrasing("  Who BUILT the Falcon-rocket?! ") == "who built the falcon rocket"
    assert normalize_phrasing("Хто   збудував, ракету?") == "хто збудував ракету"
    assert normalize_phrasing("🤔 ?!") == ""
    text = SMALL_KNOWLEDGE.replace(
        "      - falcon rocket maker", "      - WHO built the falcon rocket"
    )
    [message] = problems_of(tmp_path, text)
    line = line_of(text, "Who built the Falcon rocket?")
    assert message.endswith(
        f"entry 'rocket_builder': question 3 ('WHO built the falcon rocket') repeats its "
        f"phrasing at line {line}; delete one"
    )


def test_per_entry_limits_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("KNOWLEDGE_MAX_QUESTIONS", "3")
    monkeypatch.setenv("KNOWLEDGE_MAX_QUESTION_CHARS", "30")
    monkeypatch.setenv("KNOWLEDGE_MAX_ANSWER_CHARS", "40")
    text = SMALL_KNOWLEDGE.replace(
        "      - moon base site", "      - moon base site\n      - base?"
    )
    messages = [m.split(": ", 1)[1] for m in problems_of(tmp_path, text)]
    assert (
        "entry 'moon_base' has 4 questions; give at most 3 (KNOWLEDGE_MAX_QUESTIONS): keep the "
        "most different ones"
    ) in messages
    assert (
        "entry 'base_crew': question 1 is 43 characters; a phrasing may be at most 30 "
        "(KNOWLEDGE_MAX_QUESTION_CHARS): write it as a question a reader would type"
    ) in messages
    assert (
        "entry 'moon_base': the answer is 45 characters; it is sent as one Telegram message, "
        "which holds at most 40 (KNOWLEDGE_MAX_ANSWER_CHARS): shorten it"
    ) in messages


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("yes", "true/false"),
        ("off", "true/false"),
        ("0123", "a number"),
        ("12:30", "a number"),
        ("2024-01-02", "a date or time"),
    ],
)
def test_yaml_1_1_surprises_say_to_put_the_value_in_quotes(tmp_path, written, kind):
    text = SMALL_KNOWLEDGE.replace(
        "answer: The base will house four people.", f"answer: {written}"
    ).replace("      - moon base site", f"      - {written}")
    messages = problems_of(tmp_path, text)
    assert [m.split(": ", 1)[1] for m in messages] == [
        f"entry 'moon_base': questions item 3 must be non-empty text, not {kind} (YAML reads "
        f'`{written}` as {kind}); put it in quotes: - "{written}"',
        f"entry 'base_crew': answer must be text, not {kind} (YAML reads `{written}` as "
        f'{kind}); put the value in quotes: answer: "{written}"',
    ]


def test_a_key_yaml_reads_as_true_is_refused_with_the_fix(tmp_path):
    [message] = problems_of(
        tmp_path, SMALL_KNOWLEDGE.replace("    related: [base_crew]", "    on: x")
    )
    assert message.endswith(
        ":33: the key `on` is read by YAML as true/false, not as a word; put the key in "
        'quotes: "on":'
    )


def test_deep_nesting_names_its_line(tmp_path):
    deep = "answer:" + "".join(f"\n{'  ' * (level + 2)}- " for level in range(20)) + "x"
    text = SMALL_KNOWLEDGE.replace("answer: The base will house four people.", deep)
    [message] = problems_of(tmp_path, text)
    assert re.search(r"knowledge\.yaml:\d+: the YAML nests deeper than 12 levels here", message)
    answer_line = text.splitlines().index("    answer:") + 1
    assert f":{answer_line + 11}:" in message  # the 12th level down, where it went too deep


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("KNOWLEDGE_MAX_QUESTIONS", "0", "must be a whole number above 0, not '0'"),
        ("KNOWLEDGE_MAX_BYTES", "64MB", "must be a whole number above 0, not '64MB'"),
        ("KNOWLEDGE_SETTLE_SECONDS", "inf", "must be 0 to 10 seconds, not 'inf'"),
        ("KNOWLEDGE_SETTLE_SECONDS", "nan", "must be 0 to 10 seconds, not 'nan'"),
    ],
)
def test_limits_from_the_environment_are_checked(variable, value, expected):
    with pytest.raises(KnowledgeError) as caught:
        Limits.from_environment({variable: value})
    assert str(caught.value) == f"{variable}: {expected}"
    assert Limits.from_environment({variable: ""}) == Limits()
