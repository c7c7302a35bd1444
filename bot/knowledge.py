"""Read and validate knowledge.yaml into frozen dataclasses.

A curator edits knowledge.yaml by hand, so every problem is reported as `file:line: what is
wrong; what to do`, all problems at once, and nothing half-valid is ever returned. The loader
only ever builds plain strings, lists and mappings (yaml.SafeLoader underneath), refuses YAML
aliases (the billion-laughs bomb) and bounds the size it reads.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# A knowledge file of a few hundred entries is tens of kilobytes; anything near this is a
# mistake (a wrong path, a pasted dump), and reading it would stall start-up.
MAX_FILE_BYTES = 5 * 1024 * 1024
# Entry ids travel inside Telegram's callback_data (64 bytes) behind a short prefix.
MAX_ID_LENGTH = 32
MIN_QUESTIONS = 3
ID_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "knowledge.yaml"


@dataclass(frozen=True)
class Entry:
    """One curated question-and-answer pair, with the article sentence it rests on."""

    id: str
    questions: tuple[str, ...]
    answer: str
    source: str
    related: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The first phrasing doubles as the entry's display title (buttons, topic lists)."""
        return self.questions[0]


@dataclass(frozen=True)
class KnowledgeBase:
    title: str
    description: str
    article: str
    entries: tuple[Entry, ...]
    synonyms: tuple[tuple[str, ...], ...] = ()
    path: Path | None = None
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {entry.id: entry for entry in self.entries})

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def __len__(self) -> int:
        return len(self.entries)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge file cannot be used; `problems` says every reason, with lines."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def normalize_for_source_check(text: str) -> str:
    """Fold the differences a copy-paste introduces: Unicode forms, curly quotes, whitespace."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(
        str.maketrans(
            {"‘": "'", "’": "'", "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-"}
        )
    )
    return " ".join(text.split())


# --- YAML with line numbers --------------------------------------------------------------


class _Mapping(dict):
    """A mapping that remembers where it and each of its keys stand in the file."""

    line: int = 0
    key_lines: dict[str, int]


class _Sequence(list):
    line: int = 0
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that keeps line numbers, rejects duplicate keys and rejects aliases."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                problem="YAML aliases (*name) are not allowed in a knowledge file; "
                "write the value out in full",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> _Mapping:
        mapping = _Mapping()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise yaml.MarkedYAMLError(
                    problem=f"keys must be plain words, not {type(key).__name__}",
                    problem_mark=key_node.start_mark,
                )
            if key in mapping:
                raise yaml.MarkedYAMLError(
                    problem=f"key '{key}' appears twice in one mapping (first at line "
                    f"{mapping.key_lines[key]}); YAML would silently keep only the last one",
                    problem_mark=key_node.start_mark,
                )
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = line
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> _Sequence:
        sequence = _Sequence(self.construct_object(child, deep=True) for child in node.value)
        sequence.line = node.start_mark.line + 1
        sequence.item_lines = [child.start_mark.line + 1 for child in node.value]
        return sequence


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)


def _read_document(path: Path) -> Any:
    display = str(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise KnowledgeError(
            [Problem(display, None, f"cannot read the file: {error.strerror}")]
        ) from None
    if size > MAX_FILE_BYTES:
        raise KnowledgeError(
            [
                Problem(
                    display,
                    None,
                    (
                        f"the file is {size / 1024 / 1024:.1f} MB; a knowledge file may be at most "
                        f"{MAX_FILE_BYTES // 1024 // 1024} MB. "
                        "Check that KNOWLEDGE_PATH names the right file"
                    ),
                )
            ]
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise KnowledgeError(
            [
                Problem(
                    display,
                    line,
                    (f"not valid UTF-8 (byte 0x{raw[error.start]:02x}); save the file as UTF-8"),
                )
            ]
        ) from None
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        message = error.problem or str(error)
        if error.context and error.problem:
            message = f"{error.context}: {error.problem}"
        if "\t" in message or "'\\t'" in message:
            message += " (YAML does not allow tabs for indentation; use spaces)"
        raise KnowledgeError([Problem(display, line, f"YAML syntax error: {message}")]) from None
    except yaml.YAMLError as error:
        raise KnowledgeError([Problem(display, None, f"YAML error: {error}")]) from None
    except RecursionError:
        raise KnowledgeError(
            [Problem(display, None, "the YAML is nested too deeply to be a knowledge file")]
        ) from None


# --- validation ----------------------------------------------------------------------------


class _Validator:
    """Collects every problem of one file, so the curator can fix them in one pass."""

    def __init__(self, path: Path) -> None:
        self.display = str(path)
        self.problems: list[Problem] = []

    def report(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.display, line, message))

    def text(self, mapping: _Mapping, key: str, owner: str, *, required: bool = True) -> str:
        line = mapping.key_lines.get(key, mapping.line)
        if key not in mapping or mapping[key] is None:
            if required:
                self.report(mapping.line, f"{owner} has no {key}; add `{key}:`")
            return ""
        value = mapping[key]
        if not isinstance(value, str):
            self.report(line, f"{owner}: {key} must be text, not {_kind(value)}")
            return ""
        if required and not value.strip():
            self.report(line, f"{owner} has an empty {key}; write it out")
        return " ".join(value.split())

    def texts(self, mapping: _Mapping, key: str, owner: str, *, minimum: int = 0) -> list[str]:
        if key not in mapping or mapping[key] is None:
            if minimum:
                self.report(mapping.line, f"{owner} has no {key}; add a list of at least {minimum}")
            return []
        value = mapping[key]
        line = mapping.key_lines.get(key, mapping.line)
        if not isinstance(value, list):
            self.report(line, f"{owner}: {key} must be a list, not {_kind(value)}")
            return []
        items: list[str] = []
        for index, item in enumerate(value):
            item_line = value.item_lines[index] if isinstance(value, _Sequence) else line
            if not isinstance(item, str) or not item.strip():
                self.report(
                    item_line,
                    f"{owner}: {key} item {index + 1} must be non-empty text, not {_kind(item)}",
                )
                continue
            items.append(" ".join(item.split()))
        if len(items) < minimum and len(items) == len(value):
            self.report(line, f"{owner} has {len(items)} {key}; give at least {minimum}")
        return items


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return "empty text" if not value.strip() else "text"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _entries(document: _Mapping, check: _Validator) -> Iterator[tuple[_Mapping, int]]:
    raw_entries = document.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        line = document.key_lines.get("entries", document.line)
        check.report(line, "`entries:` must be a non-empty list of entries")
        return
    for index, raw in enumerate(raw_entries):
        line = raw_entries.item_lines[index] if isinstance(raw_entries, _Sequence) else None
        if not isinstance(raw, _Mapping):
            check.report(
                line,
                f"entry {index + 1} must be a mapping with id, questions, "
                f"answer and source, not {_kind(raw)}",
            )
            continue
        yield raw, index


def _synonyms(document: _Mapping, check: _Validator) -> tuple[tuple[str, ...], ...]:
    raw = document.get("synonyms")
    if raw is None:
        return ()
    line = document.key_lines["synonyms"]
    if not isinstance(raw, list):
        check.report(line, f"synonyms must be a list of word lists, not {_kind(raw)}")
        return ()
    groups: list[tuple[str, ...]] = []
    for index, group in enumerate(raw):
        group_line = raw.item_lines[index] if isinstance(raw, _Sequence) else line
        words = (
            [w for w in group if isinstance(w, str) and w.strip()]
            if isinstance(group, list)
            else []
        )
        if not isinstance(group, list) or len(words) != len(group) or len(words) < 2:
            check.report(
                group_line,
                "each synonyms group must be a list of at least two words, "
                "e.g. [head, chief, boss]",
            )
            continue
        groups.append(tuple(" ".join(w.lower().split()) for w in words))
    return tuple(groups)


def parse_knowledge(document: Any, path: Path) -> KnowledgeBase:
    """Validate an already-read YAML document; raises KnowledgeError with every problem."""
    check = _Validator(path)
    if not isinstance(document, _Mapping):
        check.report(1, "the file must be a mapping with title, article and entries")
        raise KnowledgeError(check.problems)
    title = check.text(document, "title", "the file")
    description = check.text(document, "description", "the file", required=False)
    article = document.get("article")
    if not isinstance(article, str) or not article.strip():
        check.report(
            document.key_lines.get("article", 1),
            "the file has no article text; add `article: |` with the article, "
            "so that sources can be checked",
        )
        article = ""
    article_index = normalize_for_source_check(article)
    synonyms = _synonyms(document, check)

    entries: list[Entry] = []
    id_lines: dict[str, int] = {}
    related_refs: list[tuple[str, str, int]] = []
    for raw, index in _entries(document, check):
        entry_id = check.text(raw, "id", f"entry {index + 1}")
        owner = f"entry '{entry_id}'" if entry_id else f"entry {index + 1}"
        id_line = raw.key_lines.get("id", raw.line)
        if entry_id:
            if len(entry_id) > MAX_ID_LENGTH or not ID_PATTERN.fullmatch(entry_id):
                check.report(
                    id_line,
                    f"id '{entry_id}' must be short snake_case "
                    f"(a-z, 0-9, _; at most {MAX_ID_LENGTH} characters)",
                )
            if entry_id in id_lines:
                check.report(
                    id_line,
                    f"id '{entry_id}' is used twice (first at line "
                    f"{id_lines[entry_id]}); ids must be unique",
                )
            id_lines.setdefault(entry_id, id_line)
        questions = check.texts(raw, "questions", owner, minimum=MIN_QUESTIONS)
        answer = check.text(raw, "answer", owner)
        source = check.text(raw, "source", owner)
        if source and article_index and normalize_for_source_check(source) not in article_index:
            check.report(
                raw.key_lines.get("source"),
                f"{owner}: the source is not found "
                "verbatim in the article; copy the sentence exactly",
            )
        related = check.texts(raw, "related", owner)
        related_line = raw.key_lines.get("related", raw.line)
        related_refs.extend((owner, other, related_line) for other in related)
        tags = check.texts(raw, "tags", owner)
        for unknown in sorted(
            set(raw) - {"id", "questions", "answer", "source", "related", "tags"}
        ):
            check.report(
                raw.key_lines[unknown],
                f"{owner}: unknown field '{unknown}'; "
                "fields are id, questions, answer, source, related, tags",
            )
        entries.append(
            Entry(entry_id, tuple(questions), answer, source, tuple(related), tuple(tags))
        )
    for owner, other, line in related_refs:
        if other not in id_lines:
            check.report(line, f"{owner}: related id '{other}' does not exist")
    if check.problems:
        raise KnowledgeError(check.problems)
    return KnowledgeBase(title, description, article.strip(), tuple(entries), synonyms, path)


def load_knowledge(path: str | os.PathLike[str] | None = None) -> KnowledgeBase:
    """Read a knowledge file: the given path, else $KNOWLEDGE_PATH, else the bundled one."""
    chosen = Path(path or os.environ.get("KNOWLEDGE_PATH") or DEFAULT_PATH)
    return parse_knowledge(_read_document(chosen), chosen)
