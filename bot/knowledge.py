"""Read and validate knowledge.yaml into frozen dataclasses.

A curator edits knowledge.yaml by hand, so every problem is reported as `file:line: what is
wrong; what to do`, all problems at once (sorted by line), and nothing half-valid is ever
returned. Only plain text, lists and mappings are ever built: no YAML tag constructs an object,
aliases (the billion-laughs bomb) are refused at the first one, and every limit is checked with
the file and line. Each limit has an environment variable (see `Limits`).

How it reads a file, and why:

- Only a regular file is read, opened with O_NONBLOCK so that a FIFO cannot hang the bot, and
  refused at once if it is a directory, a pipe or a device (`read_stable`).
- A file is accepted only once it holds still: if it was modified in the last
  KNOWLEDGE_SETTLE_SECONDS (0.2 s), it is read again after that pause, and the two reads must
  agree in size, mtime and SHA-256. An in-place rewrite caught half-way (the editor has
  truncated the file and written one entry so far) is therefore never served; a file that keeps
  changing is refused with a hint to write it beside and rename it into place. This covers the
  start, `check` and every reload alike, so a reload needs no extra logic of its own.
- Parsing uses LibYAML's event stream (PyYAML's C parser), composed here into plain values with
  the line of every key and item. PyYAML's own composer and constructor keep the whole tree of
  Nodes (two Marks each) alive, and the garbage collector walks it again and again: at 100,000
  entries `yaml.load(..., CSafeLoader)` took 18 s (7 s with the collector off) and 1.1 GB,
  while iterating the event stream takes about 2.5 s. Entries are validated and turned into
  dataclasses as they stream past, so an entry's raw mapping is garbage as soon as its `Entry`
  exists: loading 100,000 entries (57 MB) takes about 5 s and peaks near 270 MB, of which the
  file's bytes are 57 MB (LibYAML reads them without a decoded copy).
"""

from __future__ import annotations

import bisect
import hashlib
import math
import os
import re
import stat
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, NamedTuple

import yaml
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

LANGUAGES = ("en", "uk", "ru")
TRANSLATED = LANGUAGES[1:]

# Entry ids travel inside Telegram's callback_data (64 bytes) behind a short prefix.
MAX_ID_LENGTH = 32
MIN_QUESTIONS = 3
ID_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")

# --- limits (defaults; each one can be changed by the environment variable in `Limits`) ----

# Sized for 100,000 entries: bench/knowledge_files.py writes 100,000 entries with the real
# answers and sources in 57 MB.
MAX_FILE_BYTES = 64 * 1024 * 1024
# An answer is sent as one Telegram message: telegram.constants.MessageLimit.MAX_TEXT_LENGTH
# (4,096 characters). Named here rather than imported, so that `check` and `ask` never load the
# Telegram library.
MAX_ANSWER_CHARS = 4096
# A phrasing is a question a reader types, and the first one is a button label; the longest
# real phrasing is 85 characters.
MAX_QUESTION_CHARS = 200
# The how-to asks for 8-14 phrasings an entry; the most any real entry has is 17.
MAX_QUESTIONS = 50
# A source is the sentence(s) an answer rests on, not the article: the widest real one (the
# summary) spans 3 sentences.
MAX_SOURCE_SENTENCES = 4
# A source shorter than a whole sentence must still be a clause of this many words; "the"
# would otherwise pass as a verbatim quote.
MIN_SOURCE_WORDS = 6
# A knowledge file nests 5 levels (entries > entry > uk > questions > text); anything much
# deeper is a mistake, and refusing it early keeps the composer's recursion small.
MAX_DEPTH = 12
# A file modified this recently is read twice, this far apart, before it is trusted.
SETTLE_SECONDS = 0.2
# A longer pause would hold up every start and reload for no gain.
MAX_SETTLE_SECONDS = 10.0
# A file still changing after this many pauses is refused (about 2 s with the default pause).
SETTLE_ATTEMPTS = 10
# Each misquoted source costs an alignment against the whole article; past this many, the
# rest get the short message only.
MAX_MISQUOTE_DETAILS = 100

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "knowledge.yaml"

TOP_FIELDS = (
    "title",
    "description",
    "url",
    "published",
    "author",
    "article",
    "synonyms",
    "entries",
    *TRANSLATED,
)
ENTRY_FIELDS = ("id", "questions", "answer", "source", "related", "tags", *TRANSLATED)
ENTRY_TEXT_FIELDS = ("questions", "answer")
ARTICLE_TEXT_FIELDS = ("title", "description")
_FIELD_SETS = {
    fields: frozenset(fields)
    for fields in (TOP_FIELDS, ENTRY_FIELDS, ENTRY_TEXT_FIELDS, ARTICLE_TEXT_FIELDS, LANGUAGES)
}
_TRANSLATED_SET = frozenset(TRANSLATED)


@dataclass(frozen=True, slots=True)
class EntryText:
    """An entry's reader-facing text in one language: its phrasings and its answer."""

    questions: tuple[str, ...]
    answer: str

    @property
    def title(self) -> str:
        """The first phrasing doubles as the display title (buttons, topic lists)."""
        return self.questions[0]


@dataclass(frozen=True, slots=True)
class ArticleText:
    """The article's title and description in one language."""

    title: str
    description: str


_NO_TRANSLATIONS: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Entry:
    """One curated question-and-answer pair, with the article sentence it rests on.

    `questions`, `answer` and `title` are English; `translations` holds the other languages
    (every entry has the same ones) and `text(lang)` picks one, falling back to English."""

    id: str
    questions: tuple[str, ...]
    answer: str
    source: str
    related: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    translations: Mapping[str, EntryText] = field(
        default_factory=lambda: _NO_TRANSLATIONS, hash=False
    )

    @property
    def title(self) -> str:
        """The first phrasing doubles as the entry's display title (buttons, topic lists)."""
        return self.questions[0]

    def text(self, lang: str = "en") -> EntryText:
        translated = self.translations.get(lang)
        return translated if translated is not None else EntryText(self.questions, self.answer)


@dataclass(frozen=True)
class KnowledgeBase:
    """The article, its entries and synonyms. `title`, `description` and `synonyms` are
    English; `title_in`, `description_in` and `synonyms_for` give the other `languages`."""

    title: str
    description: str
    article: str
    entries: tuple[Entry, ...]
    synonyms: tuple[tuple[str, ...], ...] = ()
    path: Path | None = None
    url: str = ""
    published: str = ""
    author: str = ""
    languages: tuple[str, ...] = ("en",)
    article_translations: Mapping[str, ArticleText] = field(
        default_factory=lambda: _NO_TRANSLATIONS, compare=False
    )
    synonym_translations: Mapping[str, tuple[tuple[str, ...], ...]] = field(
        default_factory=lambda: _NO_TRANSLATIONS, compare=False
    )
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {entry.id: entry for entry in self.entries})

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def __len__(self) -> int:
        return len(self.entries)

    def title_in(self, lang: str) -> str:
        translated = self.article_translations.get(lang)
        return translated.title if translated else self.title

    def description_in(self, lang: str) -> str:
        translated = self.article_translations.get(lang)
        return translated.description if translated else self.description

    def synonyms_for(self, lang: str) -> tuple[tuple[str, ...], ...]:
        if lang == "en":
            return self.synonyms
        return self.synonym_translations.get(lang, ())

    def state(self) -> dict[str, Any]:
        """The validated knowledge base as plain containers (bot/buildcache.py keeps it, so
        that an unchanged file is not parsed and checked again)."""
        return {
            "top": (self.title, self.description, self.article, self.url, self.published),
            "author": self.author,
            "synonyms": self.synonyms,
            "languages": self.languages,
            "article_translations": {
                lang: (text.title, text.description)
                for lang, text in self.article_translations.items()
            },
            "synonym_translations": dict(self.synonym_translations),
            "entries": [
                (
                    e.id, e.questions, e.answer, e.source, e.related, e.tags,
                    {lang: (t.questions, t.answer) for lang, t in e.translations.items()},
                )
                for e in self.entries
            ],
        }  # fmt: skip

    @classmethod
    def restored(cls, state: dict[str, Any], path: Path | None) -> KnowledgeBase:
        title, description, article, url, published = state["top"]
        entries = tuple(
            Entry(
                entry_id, questions, answer, source, related, tags,
                MappingProxyType({lang: EntryText(*text) for lang, text in texts.items()})
                if texts
                else _NO_TRANSLATIONS,
            )
            for entry_id, questions, answer, source, related, tags, texts in state["entries"]
        )  # fmt: skip
        return cls(
            title,
            description,
            article,
            entries,
            state["synonyms"],
            path,
            url=url,
            published=published,
            author=state["author"],
            languages=state["languages"],
            article_translations=MappingProxyType(
                {lang: ArticleText(*text) for lang, text in state["article_translations"].items()}
            ),
            synonym_translations=MappingProxyType(state["synonym_translations"]),
        )


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


@dataclass(frozen=True)
class Limits:
    """The bounds a knowledge file must keep; `from_environment()` reads the overrides."""

    max_file_bytes: int = MAX_FILE_BYTES
    max_answer_chars: int = MAX_ANSWER_CHARS
    max_questions: int = MAX_QUESTIONS
    max_question_chars: int = MAX_QUESTION_CHARS
    max_source_sentences: int = MAX_SOURCE_SENTENCES
    settle_seconds: float = SETTLE_SECONDS

    ENVIRONMENT: ClassVar[Mapping[str, str]] = {
        "max_file_bytes": "KNOWLEDGE_MAX_BYTES",
        "max_answer_chars": "KNOWLEDGE_MAX_ANSWER_CHARS",
        "max_questions": "KNOWLEDGE_MAX_QUESTIONS",
        "max_question_chars": "KNOWLEDGE_MAX_QUESTION_CHARS",
        "max_source_sentences": "KNOWLEDGE_MAX_SOURCE_SENTENCES",
        "settle_seconds": "KNOWLEDGE_SETTLE_SECONDS",
    }

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Limits:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        problems = []
        for name, variable in cls.ENVIRONMENT.items():
            raw = environ.get(variable, "").strip()
            if not raw:
                continue
            kind = float if name == "settle_seconds" else int
            try:
                value = kind(raw)
            except ValueError:
                value = -1
            if not 0 <= value <= (MAX_SETTLE_SECONDS if kind is float else math.inf) or (
                kind is int and value == 0
            ):
                what = (
                    f"0 to {MAX_SETTLE_SECONDS:g} seconds"
                    if kind is float
                    else ("a whole number above 0")
                )
                problems.append(Problem(variable, None, f"must be {what}, not {raw!r}"))
                continue
            values[name] = value
        if problems:
            raise KnowledgeError(problems)
        return cls(**values)


def normalize_for_source_check(text: str) -> str:
    """Fold the differences a copy-paste introduces: Unicode forms, curly quotes, whitespace."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_QUOTES)
    return " ".join(text.split())


_QUOTES = str.maketrans(
    {"‘": "'", "’": "'", "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-"}
)
_NOT_WORD = re.compile(r"[\W_]+")
# The same folding for ASCII text as one bytes.translate: lower case, and every byte that is
# not a letter or digit to a space. A few times faster than the regular expression.
_ASCII_FOLD = bytes(
    (c | 0x20) if chr(c).isalpha() else c if chr(c).isdigit() else 0x20 for c in range(256)
)


def normalize_phrasing(text: str) -> str:
    """What makes two phrasings the same question: case, punctuation and spacing folded."""
    if text.isascii():
        return b" ".join(text.encode().translate(_ASCII_FOLD).split()).decode()
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


# --- reading the file ---------------------------------------------------------------------

_FILE_KINDS = (
    (stat.S_ISDIR, "a directory", "name the .yaml file inside it"),
    (stat.S_ISFIFO, "a named pipe (FIFO)", "name the knowledge file itself"),
    (stat.S_ISCHR, "a character device", "name the knowledge file itself"),
    (stat.S_ISBLK, "a block device", "name the knowledge file itself"),
    (stat.S_ISSOCK, "a socket", "name the knowledge file itself"),
)


def _refuse(path: Path, message: str, line: int | None = None) -> KnowledgeError:
    return KnowledgeError([Problem(str(path), line, message)])


def _not_regular(path: Path, mode: int) -> KnowledgeError:
    for test, kind, fix in _FILE_KINDS:
        if test(mode):
            return _refuse(path, f"this is {kind}, not a regular file; {fix}")
    return _refuse(path, "this is not a regular file; name the knowledge file itself")


def _read_all(fd: int, limit: int) -> bytes:
    chunks = []
    total = 0
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            return b"".join(chunks)


def _digest(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    digest = hashlib.sha256()
    while chunk := os.read(fd, 1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def read_stable(path: Path, limits: Limits) -> bytes:
    """The file's bytes, once it is a regular file within the size limit that holds still.

    A file modified less than `limits.settle_seconds` ago is read again after that pause, and
    accepted only when both reads agree in size, mtime and SHA-256; a file that is replaced
    (renamed over) meanwhile is read afresh. See the module docstring for why."""
    for _attempt in range(SETTLE_ATTEMPTS):
        fd = _open_without_blocking(path)
        try:
            data = _read_settled(fd, path, limits)
        finally:
            os.close(fd)
        if data is not None:
            return data
    raise _refuse(
        path,
        "the file kept changing while it was read (is it still being written?); "
        "write the new version beside it and rename it into place (mv new.yaml "
        f"{path.name}), then reload",
    )


def _open_without_blocking(path: Path) -> int:
    """A descriptor for `path`; O_NONBLOCK, so that opening a FIFO cannot hang the bot."""
    try:
        return os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError:
        raise _not_regular(path, stat.S_IFDIR) from None
    except OSError as error:
        raise _refuse(path, f"cannot read the file: {error.strerror}") from None


def _read_settled(fd: int, path: Path, limits: Limits) -> bytes | None:
    """The bytes of the regular file open at `fd` if they held still, or None to try again."""
    size_limit = limits.max_file_bytes
    before = os.fstat(fd)
    if not stat.S_ISREG(before.st_mode):
        raise _not_regular(path, before.st_mode)
    if before.st_size > size_limit:
        raise _too_big(path, before.st_size, size_limit)
    data = _read_all(fd, size_limit)
    if len(data) > size_limit:
        raise _too_big(path, len(data), size_limit)
    after = os.fstat(fd)
    age = time.time() - after.st_mtime
    held = (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)
    if held and len(data) == after.st_size and age >= limits.settle_seconds:
        return data
    time.sleep(max(limits.settle_seconds - max(age, 0.0), limits.settle_seconds / 4))
    return data if _unchanged_since(fd, path, data, after) else None


def _unchanged_since(fd: int, path: Path, data: bytes, after: os.stat_result) -> bool:
    """Whether the file at `path` is still the one open at `fd`, and still holds `data`."""
    again = os.fstat(fd)
    try:
        current = os.stat(path)
    except OSError:
        return False
    if (again.st_ino, again.st_dev) != (current.st_ino, current.st_dev):
        return False  # renamed over: read the new file
    return (again.st_size, again.st_mtime_ns) == (after.st_size, after.st_mtime_ns) and (
        len(data) == again.st_size and _digest(fd) == hashlib.sha256(data).hexdigest()
    )


def _too_big(path: Path, size: int, limit: int) -> KnowledgeError:
    return _refuse(
        path,
        f"the file is {_size(size)}; a knowledge file may be at most {_size(limit)} "
        "(KNOWLEDGE_MAX_BYTES). Check that KNOWLEDGE_PATH names the right file",
    )


def _size(count: int) -> str:
    megabytes = count / 1024 / 1024
    return f"{megabytes:.1f} MB".replace(".0 MB", " MB") if megabytes >= 1 else f"{count:,} bytes"


def _check_utf8(path: Path, raw: bytes) -> None:
    """Refuse bytes that are not UTF-8, naming the line. The parser then reads the bytes
    themselves: a decoded copy of a non-ASCII file is twice its size or more."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise _refuse(
            path, f"not valid UTF-8 (byte 0x{raw[error.start]:02x}); save the file as UTF-8", line
        ) from None


# --- YAML events to plain values with line numbers ---------------------------------------


class _Mapping(dict):
    """A mapping that remembers where it and each of its keys stand in the file."""

    line: int = 0
    key_lines: dict[str, int]


class _Sequence(list):
    line: int = 0
    item_lines: list[int]


class _Typed:
    """A plain scalar YAML reads as something other than text (`yes`, `0123`, `12:30`)."""

    __slots__ = ("kind", "text")

    def __init__(self, kind: str, text: str) -> None:
        self.kind = kind
        self.text = text


class _Fatal(Exception):
    """A problem after which the rest of the file cannot be read."""

    def __init__(self, line: int | None, message: str) -> None:
        self.line = line
        self.message = message


_TAG = "tag:yaml.org,2002:"
_KINDS = {
    f"{_TAG}bool": "true/false",
    f"{_TAG}int": "a number",
    f"{_TAG}float": "a number",
    f"{_TAG}timestamp": "a date or time",
    f"{_TAG}merge": "a merge key (<<)",
    f"{_TAG}value": "a YAML special value",
    f"{_TAG}yaml": "a YAML special value",
}
_NULL = f"{_TAG}null"
_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers
_ScalarEvent = yaml.ScalarEvent
_SequenceStart = yaml.SequenceStartEvent
_SequenceEnd = yaml.SequenceEndEvent
_MappingStart = yaml.MappingStartEvent
_MappingEnd = yaml.MappingEndEvent
_COLLECTION_TAGS = (None, "!", f"{_TAG}seq", f"{_TAG}map")


def _scalar(event: Any) -> Any:
    value = event.value
    if event.implicit[0]:  # plain: YAML 1.1 may read it as a number, a date, true/false...
        for tag, pattern in _RESOLVERS.get(value[:1], ()):
            if pattern.match(value):
                return None if tag == _NULL else _Typed(_KINDS.get(tag, tag), value)
        return value
    if event.tag in (None, "!", f"{_TAG}str"):
        return value
    raise _Fatal(
        event.start_mark.line + 1,
        f"the tag {_short_tag(event.tag)} is not allowed in a knowledge file; remove it "
        "(only plain text, lists and mappings are read, so no tag can build an object)",
    )


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


class _Events:
    """Composes LibYAML's event stream into _Mapping/_Sequence/str values, with lines."""

    def __init__(self, text: str | bytes) -> None:
        self._loader = yaml.CSafeLoader(text)
        self.next = self._loader.get_event
        self._keys: dict[str, str] = {}  # plain keys already resolved to text

    def close(self) -> None:
        self._loader.dispose()

    def compose(self, event: Any, depth: int) -> Any:
        """The value that starts with `event`: text, a _Typed, None, a _Sequence or a _Mapping."""
        kind = event.__class__
        if kind is _ScalarEvent:
            return _scalar(event)
        line = event.start_mark.line + 1
        if kind is _SequenceStart:
            return self._sequence(event, depth, line)
        if kind is _MappingStart:
            return self._mapping(event, depth, line)
        if kind is yaml.AliasEvent:
            raise _Fatal(
                line,
                "YAML aliases (*name) are not allowed in a knowledge file; "
                "write the value out in full",
            )
        raise _Fatal(line, f"unexpected {kind.__name__} in the YAML; check the structure")

    # Hot loops (about 2 million events at 100,000 entries): quoted and block scalars, and
    # mapping keys (a few distinct words), skip the YAML 1.1 resolution in `_scalar`.

    def _sequence(self, event: Any, depth: int, line: int) -> _Sequence:
        self.check_collection(event, depth, line)
        next_event, compose = self.next, self.compose
        sequence = _Sequence()
        sequence.line = line
        lines = sequence.item_lines = []
        while True:
            item = next_event()
            item_kind = item.__class__
            if item_kind is _SequenceEnd:
                return sequence
            lines.append(item.start_mark.line + 1)
            if item_kind is not _ScalarEvent:
                sequence.append(compose(item, depth + 1))
            elif item.tag is None and not item.implicit[0]:
                sequence.append(item.value)
            else:
                sequence.append(_scalar(item))

    def _mapping(self, event: Any, depth: int, line: int) -> _Mapping:
        self.check_collection(event, depth, line)
        next_event, compose, keys = self.next, self.compose, self._keys
        mapping = _Mapping()
        mapping.line = line
        key_lines = mapping.key_lines = {}
        while True:
            key_event = next_event()
            if key_event.__class__ is _MappingEnd:
                return mapping
            key_line = key_event.start_mark.line + 1
            key = keys.get(key_event.value) if key_event.__class__ is _ScalarEvent else None
            if key is None or key_event.tag is not None or not key_event.implicit[0]:
                key = compose(key_event, depth + 1)
                if isinstance(key, str) and key_event.implicit[0]:
                    keys[key] = key
            if key.__class__ is not str:
                raise _Fatal(key_line, _bad_key(key))
            if key in key_lines:
                raise _repeated_key(key, key_lines[key], key_line)
            key_lines[key] = key_line
            value = next_event()
            value_kind = value.__class__
            if value_kind is not _ScalarEvent:
                mapping[key] = compose(value, depth + 1)
            elif value.tag is None and not value.implicit[0]:
                mapping[key] = value.value
            else:
                mapping[key] = _scalar(value)

    @staticmethod
    def check_collection(event: Any, depth: int, line: int) -> None:
        """Refuse a list or mapping nested too deeply, or one with a tag."""
        if depth > MAX_DEPTH:
            raise _Fatal(
                line,
                f"the YAML nests deeper than {MAX_DEPTH} levels here; a knowledge file needs "
                "at most 5 (entries > entry > uk > questions > text): check the indentation "
                "and the brackets",
            )
        if event.tag not in _COLLECTION_TAGS:
            raise _Fatal(
                line,
                f"the tag {_short_tag(event.tag)} is not allowed in a knowledge file; remove it",
            )


def _repeated_key(key: str, first: int, line: int) -> _Fatal:
    return _Fatal(
        line,
        f"key '{key}' appears twice in one mapping (first at line {first}); "
        "YAML would silently keep only the last one: delete or rename one",
    )


def _bad_key(key: Any) -> str:
    if isinstance(key, _Typed):
        return (
            f"the key `{key.text}` is read by YAML as {key.kind}, not as a word; "
            f'put the key in quotes: "{key.text}":'
        )
    return f"keys must be plain words, not {_kind(key)}"


# --- YAML syntax errors, rephrased ---------------------------------------------------------


@dataclass(frozen=True)
class _SyntaxComplaint:
    """What LibYAML said about a syntax error, and where: `mark` is where it stopped, `opened`
    the line where the block, list or quoted text it was reading starts."""

    problem: str
    context: str
    mark: Any
    opened: int | None
    column: int
    lines: list[str]


def _syntax_problem(error: yaml.MarkedYAMLError, lines: list[str]) -> tuple[int | None, str]:
    """LibYAML's message says what it expected; this says what to change."""
    mark, context = error.problem_mark, error.context_mark
    line = mark.line + 1 if mark else None
    complaint = _SyntaxComplaint(
        error.problem or "",
        error.context or "",
        mark,
        context.line + 1 if context else line,
        context.column + 1 if context else 1,
        lines,
    )
    raw = error.problem or str(error)
    if error.context:
        raw = f"{error.context}: {raw}"
    known = next(known for known in _KNOWN_SYNTAX_PROBLEMS if known.says(complaint))
    if known.at_opening:
        line = complaint.opened
    fix = _nested_too_deeply if "maximum nesting depth" in complaint.problem else known.fix
    return line, f"YAML syntax error: {fix(complaint)} (YAML says: {raw})"


def _tab(c: _SyntaxComplaint) -> str:
    return (
        "a tab is used for indentation, and YAML does not allow tabs; indent with spaces "
        "to line up with the line above"
    )


def _unclosed_brackets(c: _SyntaxComplaint) -> str:
    closing = "]" if "]" in c.problem else "}"
    return (
        f"the list or mapping opened at line {c.opened} is not closed; close it with "
        f"'{closing}' (items separated by ', '), or put text that has brackets in quotes"
    )


def _unclosed_quote(c: _SyntaxComplaint) -> str:
    return f"the quote opened at line {c.opened} is never closed; add the closing quote"


def _colon_in_text(c: _SyntaxComplaint) -> str:
    return (
        "': ' inside unquoted text, or a key indented deeper than the keys above it; "
        "put the value in quotes, or indent the key with spaces to line up with its "
        "neighbours"
    )


def _misaligned(c: _SyntaxComplaint) -> str:
    what = "'- ' items" if "'-'" in c.problem else "keys"
    return (
        f"{_indentation(c.lines, c.mark)}indent with spaces to line up with the {what} of the "
        f"block that starts at line {c.opened} (column {c.column}), or with the fields of its "
        "entry; and if a quoted value goes on after its closing quote, put the whole "
        "value in quotes"
    )


def _no_colon(c: _SyntaxComplaint) -> str:
    return (
        f"line {c.opened} is neither `key: value` nor a '- ' item; add the missing ': ' or "
        "'- ', or indent it further as a continuation of the text above"
    )


def _reserved_start(c: _SyntaxComplaint) -> str:
    char = _char_at(c.lines, c.mark)
    return f"unquoted text cannot start with {char!r}; put the value in quotes"


def _unknown_escape(c: _SyntaxComplaint) -> str:
    return (
        "in double quotes a backslash starts an escape; write \\\\ for a backslash, "
        "or use single quotes"
    )


def _directive(c: _SyntaxComplaint) -> str:
    return "a line starting with '%' is a YAML directive; put that text in quotes"


def _block_indentation(c: _SyntaxComplaint) -> str:
    return (
        f"the indentation does not match the block that starts at line {c.opened}: indent with "
        "spaces so that keys of one mapping (and '- ' items of one list) line up"
    )


def _anything_else(c: _SyntaxComplaint) -> str:
    return (
        "check the indentation (spaces only, the keys of one mapping lined up) and put "
        "text that has ': ', ' #' or a leading [ { & * ! | > % @ ` in quotes"
    )


def _nested_too_deeply(c: _SyntaxComplaint) -> str:
    return (
        "the YAML nests too deeply here; a knowledge file needs at most 5 levels: check "
        "the brackets and the indentation"
    )


class _KnownSyntaxProblem(NamedTuple):
    says: Callable[[_SyntaxComplaint], bool]  # whether LibYAML's words name this problem
    fix: Callable[[_SyntaxComplaint], str]
    at_opening: bool  # report it where the block opened, not where LibYAML stopped


# In order: the first that matches is used, and the last matches anything.
_KNOWN_SYNTAX_PROBLEMS = (
    _KnownSyntaxProblem(lambda c: "tab" in c.problem, _tab, False),
    _KnownSyntaxProblem(
        lambda c: "expected ',' or ']'" in c.problem or "expected ',' or '}'" in c.problem,
        _unclosed_brackets,
        True,
    ),
    _KnownSyntaxProblem(
        lambda c: "unexpected end of stream" in c.problem and "quoted" in c.context,
        _unclosed_quote,
        True,
    ),
    _KnownSyntaxProblem(
        lambda c: "mapping values are not allowed" in c.problem, _colon_in_text, False
    ),
    _KnownSyntaxProblem(
        lambda c: "expected '-' indicator" in c.problem or "did not find expected key" in c.problem,
        _misaligned,
        False,
    ),
    _KnownSyntaxProblem(lambda c: "could not find expected ':'" in c.problem, _no_colon, True),
    _KnownSyntaxProblem(lambda c: "cannot start any token" in c.problem, _reserved_start, False),
    _KnownSyntaxProblem(lambda c: "unknown escape" in c.problem, _unknown_escape, False),
    _KnownSyntaxProblem(
        lambda c: "directive" in c.context or "directive" in c.problem, _directive, False
    ),
    _KnownSyntaxProblem(
        lambda c: "block end" in c.problem or "block mapping" in c.context,
        _block_indentation,
        False,
    ),
    _KnownSyntaxProblem(lambda c: True, _anything_else, False),
)


def _indentation(lines: list[str], mark: Any) -> str:
    """'this line is indented 3 spaces, line 23 above 4; ' (empty when it cannot tell)."""
    if not mark or mark.line >= len(lines):
        return ""
    here = lines[mark.line]
    for number in range(mark.line - 1, -1, -1):
        above = lines[number]
        if above.strip() and not above.lstrip().startswith("#"):
            own = len(here) - len(here.lstrip(" "))
            other = len(above) - len(above.lstrip(" "))
            spaces = "space" if own == 1 else "spaces"
            return f"this line is indented {own} {spaces}, line {number + 1} above {other}; "
    return ""


def _char_at(lines: list[str], mark: Any) -> str:
    if mark and mark.line < len(lines) and mark.column < len(lines[mark.line]):
        return lines[mark.line][mark.column]
    return "this character"


# --- validation ----------------------------------------------------------------------------


def _folded(items: list[Any]) -> list[str] | None:
    """Each item with its whitespace folded, if every item is non-empty text; else None."""
    try:
        folded = [" ".join(item.split()) for item in items]
    except AttributeError:  # not text: a number, a list, nothing...
        return None
    return folded if all(folded) else None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return "empty text" if not value.strip() else "text"
    if isinstance(value, _Typed):
        return value.kind
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _quote_hint(value: Any, key: str) -> str:
    if isinstance(value, _Typed):
        return (
            f" (YAML reads `{value.text}` as {value.kind}); put the value in quotes: "
            f'{key}: "{value.text}"'
        )
    if isinstance(value, dict | list):
        return "; write it as one piece of text"
    return ""


@dataclass
class _Article:
    """The article as the source check sees it: normalised, with its sentence boundaries."""

    index: str
    sentences: list[str]
    starts: list[int]
    start_set: set[int]
    ends: set[int]

    @classmethod
    def of(cls, article: str) -> _Article:
        sentences = [
            normalize_for_source_check(piece)
            for line in article.splitlines()
            for piece in _SENTENCE_END.split(line)
            if piece.strip()
        ]
        starts, ends, offset = [], set(), 0
        for sentence in sentences:
            starts.append(offset)
            ends.add(offset + len(sentence))
            offset += len(sentence) + 1
        return cls(" ".join(sentences), sentences, starts, set(starts), ends)

    def problem(self, source: str, details: bool, max_sentences: int) -> str | None:
        """None if `source` is a whole sentence (or a clause of MIN_SOURCE_WORDS words) of
        the article, else what is wrong with it, for `{owner}: ...`."""
        wanted = normalize_for_source_check(source)
        start = self.index.find(wanted)
        while start >= 0:
            end = start + len(wanted)
            if _word_edge(self.index, start - 1, start) and _word_edge(self.index, end - 1, end):
                break
            start = self.index.find(wanted, start + 1)
        if start < 0:
            return self._misquote(wanted, details)
        whole = start in self.start_set and end in self.ends
        words = len(wanted.split())
        if not whole and words < MIN_SOURCE_WORDS:
            return (
                f"the source {source!r} is {words} word{'s' if words > 1 else ''} and not a "
                "whole sentence of the article; copy the whole sentence the answer rests on "
                f"(or a clause of at least {MIN_SOURCE_WORDS} words)"
            )
        first = bisect.bisect_right(self.starts, start) - 1
        last = bisect.bisect_left(self.starts, end) - 1
        if last - first + 1 > max_sentences:
            return (
                f"the source spans {last - first + 1} sentences of the article; a source may "
                f"span at most {max_sentences} (KNOWLEDGE_MAX_SOURCE_SENTENCES): keep only the "
                "sentences the answer rests on"
            )
        return None

    def _misquote(self, wanted: str, details: bool) -> str:
        short = "the source is not found verbatim in the article; copy the sentence exactly"
        if not details or not wanted:
            return short
        alignment = fuzz.partial_ratio_alignment(wanted, self.index)
        if alignment is None or alignment.score == 0:
            return short
        quoted = self.index[alignment.dest_start : alignment.dest_end]
        source_at, article_at = 0, alignment.dest_start
        for operation in Levenshtein.editops(wanted, quoted):
            source_at, article_at = operation.src_pos, alignment.dest_start + operation.dest_pos
            break
        sentence = self.sentences[max(0, bisect.bisect_right(self.starts, article_at) - 1)]
        return (
            f"the source is not found verbatim in the article; the closest article sentence "
            f'is "{_clip(sentence, 0, 160)}", and they first differ at '
            f'"{_clip(wanted, source_at, 30)}" (the article has '
            f'"{_clip(self.index, article_at, 30)}"); copy the sentence exactly'
        )


# Whitespace after a full stop (or ! ? …), or after one closing quote or bracket behind it.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][\"'”’»)])\s+")


def _word_edge(text: str, before: int, after: int) -> bool:
    if before < 0 or after >= len(text):
        return True
    return not (text[before].isalnum() and text[after].isalnum())


def _clip(text: str, at: int, width: int) -> str:
    """`width` characters of `text` from the start of the word around `at`."""
    start = text.rfind(" ", 0, at) + 1 if at > 0 else 0
    piece = text[start : start + width]
    return piece + ("…" if start + width < len(text) else "")


class _Problems:
    """Collects every problem of one file, so the curator can fix them in one pass; and reads
    the plain fields (text, lists of text), reporting what is wrong with them."""

    def __init__(self, path: Path, limits: Limits) -> None:
        self.display = str(path)
        self.limits = limits
        self.found: list[Problem] = []

    def report(self, line: int | None, message: str) -> None:
        self.found.append(Problem(self.display, line, message))

    def raise_if_any(self) -> None:
        if self.found:
            self.found.sort(key=lambda problem: problem.line or 0)
            raise KnowledgeError(self.found)

    def text(self, mapping: _Mapping, key: str, owner: str, *, required: bool = True) -> str:
        value = mapping.get(key)
        if value.__class__ is str:
            folded = " ".join(value.split())
            if folded or not required:
                return folded
        if value is None:
            if required:
                self.report(mapping.line, f"{owner} has no {key}; add `{key}:`")
            return ""
        line = mapping.key_lines.get(key, mapping.line)
        if value.__class__ is not str:
            self.report(
                line, f"{owner}: {key} must be text, not {_kind(value)}{_quote_hint(value, key)}"
            )
            return ""
        if required and not value.strip():
            self.report(line, f"{owner} has an empty {key}; write it out")
        return " ".join(value.split())

    def texts(self, mapping: _Mapping, key: str, owner: str, *, minimum: int = 0) -> list[str]:
        value = mapping.get(key)
        if value.__class__ is _Sequence:
            folded = _folded(value)
            if folded is not None and len(folded) >= minimum:
                return folded
        if value is None:
            if minimum:
                self.report(mapping.line, f"{owner} has no {key}; add a list of at least {minimum}")
            return []
        line = mapping.key_lines.get(key, mapping.line)
        if not isinstance(value, list):
            self.report(
                line,
                f"{owner}: {key} must be a list, not {_kind(value)}; write it as `{key}: [a, b]` "
                "or one '- ' item a line",
            )
            return []
        items: list[str] = []
        item_lines = value.item_lines
        for index, item in enumerate(value):
            if item.__class__ is not str or not item.strip():
                self.report(item_lines[index], _not_text_item(key, index, item, owner))
                continue
            items.append(" ".join(item.split()))
        if len(items) < minimum and len(items) == len(value):
            self.report(line, f"{owner} has {len(items)} {key}; give at least {minimum}")
        return items

    def answer(self, mapping: _Mapping, owner: str) -> str:
        answer = self.text(mapping, "answer", owner)
        if len(answer) > self.limits.max_answer_chars:
            self.report(
                mapping.key_lines.get("answer", mapping.line),
                f"{owner}: the answer is {len(answer):,} characters; it is sent as one "
                f"Telegram message, which holds at most {self.limits.max_answer_chars:,} "
                "(KNOWLEDGE_MAX_ANSWER_CHARS): shorten it",
            )
        return answer

    def unknown_fields(self, mapping: _Mapping, owner: str, allowed: tuple[str, ...]) -> None:
        if _FIELD_SETS[allowed].issuperset(mapping):
            return
        for unknown in mapping:
            if unknown not in allowed:
                self.report(
                    mapping.key_lines[unknown],
                    f"{owner}: unknown field '{unknown}'; the fields are {', '.join(allowed)}",
                )


def _not_text_item(key: str, index: int, item: Any, owner: str) -> str:
    hint = ""
    if isinstance(item, _Typed):
        hint = f' (YAML reads `{item.text}` as {item.kind}); put it in quotes: - "{item.text}"'
    elif isinstance(item, dict | list):
        hint = "; write it as one piece of text"
    return f"{owner}: {key} item {index + 1} must be non-empty text, not {_kind(item)}{hint}"


class _Phrasings:
    """The phrasings of every entry, per language: each must have words and a bounded length,
    and lead to one entry only (case, punctuation and spacing folded)."""

    def __init__(self, problems: _Problems) -> None:
        self.problems = problems
        self.limits = problems.limits
        self.seen: dict[str, dict[str, tuple[str, int]]] = {lang: {} for lang in LANGUAGES}
        # Where each entry starts, and its name: a repeated phrasing names the first one's entry.
        self.entry_lines: list[int] = []
        self.entry_owners: list[str] = []
        self.entry_line = 0

    def start_entry(self, line: int, owner: str) -> None:
        self.entry_line = line
        self.entry_lines.append(line)
        self.entry_owners.append(owner)

    def owner_at(self, line: int) -> str:
        """The entry whose mapping holds `line` (a phrasing's line, for a repeat)."""
        return self.entry_owners[bisect.bisect_right(self.entry_lines, line) - 1]

    def questions(self, mapping: _Mapping, owner: str, lang: str) -> tuple[str, ...]:
        """The phrasings, each checked for words, length and repeats (in this language)."""
        value = mapping.get("questions")
        if value.__class__ is _Sequence:
            questions = self._all_fine(value, lang)
            if questions is not None:
                return questions
        if not isinstance(value, list):
            return tuple(self.problems.texts(mapping, "questions", owner, minimum=MIN_QUESTIONS))
        return self._one_by_one(value, owner, lang)

    def _all_fine(self, value: _Sequence, lang: str) -> tuple[str, ...] | None:
        """The common case in one sweep of list comprehensions; None (with nothing recorded)
        if anything is amiss, for `_one_by_one` to report."""
        limits = self.limits
        questions = _folded(value)
        if (
            questions is None
            or not MIN_QUESTIONS <= len(questions) <= limits.max_questions
            or max(map(len, questions)) > limits.max_question_chars
        ):
            return None
        normals = [normalize_phrasing(question) for question in questions]
        seen = self.seen[lang]
        if all(normals) and all(
            seen.setdefault(normal, line) == line
            for normal, line in zip(normals, value.item_lines, strict=True)
        ):
            return tuple(questions)
        for normal, line in zip(normals, value.item_lines, strict=True):
            if seen.get(normal) == line:
                del seen[normal]  # `_one_by_one` will see it again
        return None

    def _one_by_one(self, value: _Sequence, owner: str, lang: str) -> tuple[str, ...]:
        """Every phrasing checked on its own, each problem reported at its line."""
        report, max_questions = self.problems.report, self.limits.max_questions
        if len(value) > max_questions:
            report(
                value.line,
                f"{owner} has {len(value)} questions; give at most {max_questions} "
                "(KNOWLEDGE_MAX_QUESTIONS): keep the most different ones",
            )
        item_lines = value.item_lines
        questions: list[str] = []
        for index, item in enumerate(value):
            line = item_lines[index]
            if item.__class__ is not str or not item.strip():
                report(line, _not_text_item("questions", index, item, owner))
                continue
            question = " ".join(item.split())
            questions.append(question)
            self._check(question, f"{owner}: question {index + 1}", line, lang)
        if len(questions) < MIN_QUESTIONS and len(questions) == len(value):
            report(
                value.line, f"{owner} has {len(questions)} questions; give at least {MIN_QUESTIONS}"
            )
        return tuple(questions)

    def _check(self, question: str, which: str, line: int, lang: str) -> None:
        """Report a phrasing that is too long, has no words, or repeats an earlier one."""
        report, max_chars = self.problems.report, self.limits.max_question_chars
        if len(question) > max_chars:
            report(
                line,
                f"{which} is {len(question):,} characters; a phrasing may be at most "
                f"{max_chars} (KNOWLEDGE_MAX_QUESTION_CHARS): write it as a question a reader "
                "would type",
            )
        normal = normalize_phrasing(question)
        if not normal:
            report(
                line,
                f"{which} ({question!r}) has no words, so no question can ever match it; "
                "write it with words, or delete it",
            )
            return
        first = self.seen[lang].setdefault(normal, line)
        if first == line:
            return
        if first >= self.entry_line:
            report(line, f"{which} ({question!r}) repeats its phrasing at line {first}; delete one")
        else:
            report(
                line,
                f"{which} ({question!r}) is also a phrasing of {self.owner_at(first)} (line "
                f"{first}); a phrasing must lead to one entry: reword or delete one of them",
            )


class _EntryLinks:
    """Entry ids, which must be unique, and the related ids that must name other entries
    (checked once every id is known)."""

    def __init__(self, problems: _Problems) -> None:
        self.problems = problems
        self.id_lines: dict[str, int] = {}
        self.related_refs: list[tuple[str, str, int]] = []

    def add_id(self, entry_id: str, line: int) -> None:
        if len(entry_id) > MAX_ID_LENGTH or not ID_PATTERN.fullmatch(entry_id):
            self.problems.report(
                line,
                f"id '{entry_id}' must be short snake_case "
                f"(a-z, 0-9, _; at most {MAX_ID_LENGTH} characters)",
            )
        if entry_id in self.id_lines:
            self.problems.report(
                line,
                f"id '{entry_id}' is used twice (first at line "
                f"{self.id_lines[entry_id]}); ids must be unique",
            )
        else:
            self.id_lines[entry_id] = line

    def related(self, raw: _Mapping, owner: str, entry_id: str) -> tuple[str, ...]:
        related = self.problems.texts(raw, "related", owner)
        if related:
            line = raw.key_lines["related"]
            listed: set[str] = set()
            for other in related:
                if other == entry_id:
                    self.problems.report(
                        line, f"{owner}: related names the entry itself; name other entries"
                    )
                elif other in listed:
                    self.problems.report(
                        line, f"{owner}: related id '{other}' is listed twice; list it once"
                    )
                else:
                    self.related_refs.append((owner, other, line))
                listed.add(other)
        return tuple(related)

    def check_related_exist(self) -> None:
        for owner, other, line in self.related_refs:
            if other not in self.id_lines:
                self.problems.report(line, f"{owner}: related id '{other}' does not exist")


class _Sources:
    """Each entry's source, checked against the article once the whole file is read."""

    def __init__(self, problems: _Problems) -> None:
        self.problems = problems
        self.sources: list[tuple[str, str, int]] = []

    def add(self, owner: str, source: str, line: int) -> None:
        self.sources.append((owner, source, line))

    def check(self, article: str) -> None:
        if not article:
            return
        index = _Article.of(article)
        max_sentences = self.problems.limits.max_source_sentences
        verdicts: dict[str, str | None] = {}
        details = 0
        for owner, source, line in self.sources:
            if source in verdicts:
                verdict = verdicts[source]
            else:
                verdict = index.problem(source, details < MAX_MISQUOTE_DETAILS, max_sentences)
                verdicts[source] = verdict
                details += verdict is not None
            if verdict is not None:
                self.problems.report(line, f"{owner}: {verdict}")


class _Translations:
    """The uk: and ru: blocks of the entries and of the article: a language one block uses,
    every entry and the top level must have."""

    def __init__(self, problems: _Problems, phrasings: _Phrasings) -> None:
        self.problems = problems
        self.phrasings = phrasings
        self.present: dict[str, int] = {}  # language -> line of its first block
        self.broken_blocks: set[tuple[str, int]] = set()  # (language, entry number)

    def of_entry(self, raw: _Mapping, owner: str, number: int) -> Mapping[str, EntryText]:
        if _TRANSLATED_SET.isdisjoint(raw):
            return _NO_TRANSLATIONS
        translations: dict[str, EntryText] = {}
        for lang in TRANSLATED:
            if lang not in raw:
                continue
            block, block_line = raw[lang], raw.key_lines[lang]
            self.present.setdefault(lang, block_line)
            if not isinstance(block, _Mapping):
                self.broken_blocks.add((lang, number))
                self.problems.report(
                    block_line,
                    f"{owner}: {lang} must be a mapping with questions and answer, "
                    f"not {_kind(block)}",
                )
                continue
            block_owner = f"{owner} ({lang})"
            translated = EntryText(
                self.phrasings.questions(block, block_owner, lang),
                self.problems.answer(block, block_owner),
            )
            self.problems.unknown_fields(block, block_owner, ENTRY_TEXT_FIELDS)
            translations[lang] = translated
        return MappingProxyType(translations) if translations else _NO_TRANSLATIONS

    def of_article(self, document: _Mapping) -> dict[str, ArticleText]:
        return {
            lang: text for lang in TRANSLATED if (text := self._article(document, lang)) is not None
        }

    def _article(self, document: _Mapping, lang: str) -> ArticleText | None:
        if lang not in document:
            return None
        block, line = document[lang], document.key_lines[lang]
        self.present.setdefault(lang, line)
        if not isinstance(block, _Mapping):
            self.problems.report(
                line,
                f"the file: {lang} must be a mapping with title and description, "
                f"not {_kind(block)}",
            )
            return None
        owner = f"the file ({lang})"
        text = self.problems.text
        translated = ArticleText(
            text(block, "title", owner), text(block, "description", owner, required=False)
        )
        self.problems.unknown_fields(block, owner, ARTICLE_TEXT_FIELDS)
        return translated

    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang in LANGUAGES if lang == "en" or lang in self.present)

    def check_complete(
        self, entries: list[Entry], article_texts: dict[str, ArticleText], top_line: int
    ) -> None:
        """Report each entry, and the top level, that lacks a language the file uses."""
        owners, lines = self.phrasings.entry_owners, self.phrasings.entry_lines
        for lang in self.languages()[1:]:
            for number, entry in enumerate(entries):
                if lang in entry.translations or (lang, number) in self.broken_blocks:
                    continue
                self.problems.report(
                    lines[number],
                    f"{owners[number]} has no {lang}: block; add {lang}: with questions and "
                    f"answer (the file is translated to {lang}: see line {self.present[lang]})",
                )
            if lang not in article_texts:
                self.problems.report(
                    top_line,
                    f"the file has no top-level {lang}: block; add {lang}: with title and "
                    f"description (the entries are translated to {lang})",
                )


def _synonyms(problems: _Problems, document: _Mapping) -> dict[str, tuple[tuple[str, ...], ...]]:
    raw = document.get("synonyms")
    if raw is None:
        return {}
    line = document.key_lines["synonyms"]
    if isinstance(raw, _Mapping):
        problems.unknown_fields(raw, "synonyms", LANGUAGES)
        return {
            lang: _synonym_groups(problems, raw[lang], raw.key_lines[lang], f"synonyms.{lang}")
            for lang in LANGUAGES
            if lang in raw
        }
    return {"en": _synonym_groups(problems, raw, line, "synonyms")}


def _synonym_groups(
    problems: _Problems, raw: Any, line: int, owner: str
) -> tuple[tuple[str, ...], ...]:
    if not isinstance(raw, list):
        problems.report(
            line,
            f"{owner} must be a list of word lists (or a mapping of "
            f"{', '.join(LANGUAGES)} to such lists), not {_kind(raw)}",
        )
        return ()
    groups: list[tuple[str, ...]] = []
    for index, group in enumerate(raw):
        words = (
            [w for w in group if w.__class__ is str and w.strip()]
            if isinstance(group, list)
            else []
        )
        if not isinstance(group, list) or len(words) != len(group) or len(words) < 2:
            typed = [w for w in group if isinstance(w, _Typed)] if isinstance(group, list) else []
            hint = (
                f"; YAML reads `{typed[0].text}` as {typed[0].kind}: put it in quotes"
                if typed
                else ""
            )
            problems.report(
                raw.item_lines[index],
                f"each {owner} group must be a list of at least two words, "
                f"e.g. [head, chief, boss]{hint}",
            )
            continue
        groups.append(tuple(" ".join(w.lower().split()) for w in words))
    return tuple(groups)


@dataclass(frozen=True)
class _TopLevel:
    """The article's own fields, as read from the top level."""

    title: str
    description: str
    url: str
    published: str
    author: str
    article: str


def _top_level(problems: _Problems, document: _Mapping) -> _TopLevel:
    text = problems.text
    title = text(document, "title", "the file")
    description = text(document, "description", "the file", required=False)
    url = text(document, "url", "the file", required=False)
    if url and not url.startswith(("https://", "http://")):
        problems.report(
            document.key_lines["url"],
            f"the file: url must start with https:// or http://, not {url[:40]!r}; "
            "give the article's full address",
        )
    published = text(document, "published", "the file", required=False)
    author = text(document, "author", "the file", required=False)
    article = document.get("article")
    if not isinstance(article, str) or not article.strip():
        problems.report(
            document.key_lines.get("article", 1),
            "the file has no article text; add `article: |` with the article, "
            "so that sources can be checked",
        )
        article = ""
    return _TopLevel(title, description, url, published, author, article)


class _Validator:
    """Validates one file: each entry as it streams past (`entry`), then the top level and
    what spans entries (`finish`); every problem goes to one `_Problems`."""

    def __init__(self, path: Path, limits: Limits) -> None:
        self.problems = _Problems(path, limits)
        self.phrasings = _Phrasings(self.problems)
        self.links = _EntryLinks(self.problems)
        self.sources = _Sources(self.problems)
        self.translations = _Translations(self.problems, self.phrasings)
        self.entries: list[Entry] = []
        # One copy of each source and tag. Sources are sentences of the one article, so a big
        # knowledge base repeats them many times over: at 100,000 synthetic entries sharing
        # them (and the tags) lowers the peak from 305 to 271 MB.
        self.shared: dict[str, str] = {}

    def entry(self, raw: Any, index: int, line: int) -> None:
        problems = self.problems
        if not isinstance(raw, _Mapping):
            problems.report(
                line,
                f"entry {index + 1} must be a mapping with id, questions, answer and source, "
                f"not {_kind(raw)}",
            )
            return
        entry_id = problems.text(raw, "id", f"entry {index + 1}")
        owner = f"entry '{entry_id}'" if entry_id else f"entry {index + 1}"
        self.phrasings.start_entry(raw.line, owner)
        if entry_id:
            self.links.add_id(entry_id, raw.key_lines.get("id", raw.line))
        questions = self.phrasings.questions(raw, owner, "en")
        answer = problems.answer(raw, owner)
        source = problems.text(raw, "source", owner)
        if source:
            source = self.shared.setdefault(source, source)
            self.sources.add(owner, source, raw.key_lines["source"])
        related = self.links.related(raw, owner, entry_id)
        tags = tuple(self.shared.setdefault(tag, tag) for tag in problems.texts(raw, "tags", owner))
        translations = self.translations.of_entry(raw, owner, len(self.entries))
        problems.unknown_fields(raw, owner, ENTRY_FIELDS)
        self.entries.append(Entry(entry_id, questions, answer, source, related, tags, translations))

    def finish(self, document: _Mapping, entries_line: int | None) -> KnowledgeBase:
        problems = self.problems
        top = _top_level(problems, document)
        synonyms = _synonyms(problems, document)
        article_texts = self.translations.of_article(document)
        problems.unknown_fields(document, "the file", TOP_FIELDS)
        if entries_line is None:
            problems.report(
                document.key_lines.get("entries", document.line),
                "`entries:` must be a non-empty list of entries",
            )
        self.sources.check(top.article)
        self.links.check_related_exist()
        self.translations.check_complete(self.entries, article_texts, document.line)
        problems.raise_if_any()
        return KnowledgeBase(
            top.title,
            top.description,
            top.article.strip(),
            tuple(self.entries),
            synonyms.get("en", ()),
            Path(problems.display),
            url=top.url,
            published=top.published,
            author=top.author,
            languages=self.translations.languages(),
            article_translations=MappingProxyType(article_texts),
            synonym_translations=MappingProxyType(
                {lang: groups for lang, groups in synonyms.items() if lang != "en"}
            ),
        )


def parse_knowledge(text: str | bytes, path: Path, limits: Limits | None = None) -> KnowledgeBase:
    """Validate a knowledge file's text (or its UTF-8 bytes, which LibYAML reads without a
    copy); raises KnowledgeError with every problem."""
    check = _Validator(path, limits or Limits.from_environment())
    events = _Events(text)
    try:
        document, entries_line = _read_document(events, check)
    except _Fatal as fatal:
        raise KnowledgeError([Problem(str(path), fatal.line, fatal.message)]) from None
    except yaml.MarkedYAMLError as error:
        lines = (text.decode("utf-8", "replace") if isinstance(text, bytes) else text).splitlines()
        line, message = _syntax_problem(error, lines)
        raise KnowledgeError([Problem(str(path), line, message)]) from None
    except yaml.reader.ReaderError as error:
        raise KnowledgeError([_not_text(path, text, error)]) from None
    except yaml.YAMLError as error:
        raise KnowledgeError([Problem(str(path), None, f"YAML error: {error}")]) from None
    finally:
        events.close()
    if not isinstance(document, _Mapping):
        check.problems.report(1, "the file must be a mapping with title, article and entries")
        check.problems.raise_if_any()
    return check.finish(document, entries_line)


def _not_text(path: Path, text: str | bytes, error: yaml.reader.ReaderError) -> Problem:
    newline = b"\n" if isinstance(text, bytes) else "\n"
    line = text[: error.position].count(newline) + 1  # type: ignore[arg-type]
    code = error.character if isinstance(error.character, int) else ord(error.character)
    return Problem(
        str(path),
        line,
        f"the file holds the control character U+{code:04X}, so it is not a text "
        "file (or not only text); check that KNOWLEDGE_PATH names the right file, and delete "
        "the character",
    )


def _read_document(events: _Events, check: _Validator) -> tuple[Any, int | None]:
    """The top-level mapping, with `entries` validated one by one as they stream past."""
    next_event = events.next
    next_event()  # StreamStart
    start = next_event()
    if start.__class__ is yaml.StreamEndEvent:
        return None, None
    top = next_event()
    if top.__class__ is _MappingStart:
        document, entries_line = _read_top_level(events, check, top)
    else:
        document, entries_line = events.compose(top, 1), None
    next_event()  # DocumentEnd
    after = next_event()
    if after.__class__ is not yaml.StreamEndEvent:
        raise _Fatal(
            after.start_mark.line + 1,
            "the file holds a second YAML document (a '---' line); a knowledge file is one "
            "document: remove the '---' and what follows, or merge it into the entries",
        )
    return document, entries_line


def _read_top_level(events: _Events, check: _Validator, top: Any) -> tuple[_Mapping, int | None]:
    """The top-level mapping, in which `entries` holds only their count, and the line of
    `entries:` (None unless it is a non-empty list)."""
    next_event = events.next
    document = _Mapping()
    document.line = top.start_mark.line + 1
    document.key_lines = {}
    entries_line = None
    while (key_event := next_event()).__class__ is not _MappingEnd:
        key_line = key_event.start_mark.line + 1
        key = events.compose(key_event, 1)
        if not isinstance(key, str):
            raise _Fatal(key_line, _bad_key(key))
        if key in document.key_lines:
            raise _repeated_key(key, document.key_lines[key], key_line)
        document.key_lines[key] = key_line
        value_event = next_event()
        if key == "entries" and value_event.__class__ is _SequenceStart:
            events.check_collection(value_event, 1, key_line)
            count = _stream_entries(events, check)
            document[key] = count
            entries_line = key_line if count else None
        else:
            document[key] = events.compose(value_event, 1)
    return document, entries_line


def _stream_entries(events: _Events, check: _Validator) -> int:
    """Hand each item of `entries` to `check` as soon as it is composed; how many there were."""
    index = 0
    while (item := events.next()).__class__ is not _SequenceEnd:
        check.entry(events.compose(item, 2), index, item.start_mark.line + 1)
        index += 1
    return index


def knowledge_path(
    path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> Path:
    """The knowledge file to read: `path`, else $KNOWLEDGE_PATH, else the bundled one."""
    env = os.environ if env is None else env
    return Path(path or env.get("KNOWLEDGE_PATH") or DEFAULT_PATH)


def load_knowledge(
    path: str | os.PathLike[str] | None = None, limits: Limits | None = None
) -> KnowledgeBase:
    """Read a knowledge file: the given path, else $KNOWLEDGE_PATH, else the bundled one."""
    chosen = knowledge_path(path)
    limits = limits or Limits.from_environment()
    return parse_file_bytes(read_stable(chosen, limits), chosen, limits)


def parse_file_bytes(raw: bytes, path: Path, limits: Limits) -> KnowledgeBase:
    """A knowledge file's bytes, as read_stable read them, validated."""
    _check_utf8(path, raw)
    return parse_knowledge(raw, path, limits)
