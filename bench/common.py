"""Helpers shared by the benchmark scripts in bench/ (not a benchmark itself).

- machine facts (CPU model, cores, Python, package versions, load average),
- resident memory from /proc/<pid>/status,
- percentiles, a plain-text table printer, and the JSON writer for bench/results/,
- the reproducible question generator (in-scope phrasings lightly perturbed, typos,
  out-of-scope questions) and the synthetic knowledge-base generator.

Everything random takes an explicit `random.Random(seed)`, so a given seed always produces the
same questions and the same knowledge base.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import platform
import random
import re
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"

# The scripts run as `python bench/x.py` from a fresh clone: make `bot` and `tests` importable
# even when the package is not installed (it is, editable, in /tmp/venv).
for _path in (str(REPO),):
    if _path not in sys.path:
        sys.path.insert(0, _path)


# --- machine facts ---------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def total_memory_mb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine_facts() -> dict[str, Any]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_mb": round(total_memory_mb() or 0),
        "python": sys.version.split()[0],
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "packages": {
            name: _version(name)
            for name in (
                "rapidfuzz",
                "python-telegram-bot",
                "httpx",
                "aiohttp",
                "PyStemmer",
                "symspellpy",
                "PyYAML",
            )
        },
    }


def print_machine(facts: dict[str, Any]) -> None:
    print(
        f"machine: {facts['cpu_model']}, {facts['cores']} cores "
        f"({facts['cores_usable']} usable), {facts['memory_mb']} MB RAM; "
        f"Python {facts['python']} ({facts['python_executable']}); {facts['platform']}"
    )
    print(
        f"load average at start: {facts['load_average_at_start']} "
        "(other work on the machine skews every figure below)"
    )
    packages = ", ".join(f"{k} {v}" for k, v in facts["packages"].items() if v)
    print(f"packages: {packages}")


# --- memory ----------------------------------------------------------------------------------


def proc_status(pid: int | str = "self") -> dict[str, int]:
    """VmRSS, VmHWM, ... of a process, in kB (empty if the process is gone)."""
    values: dict[str, int] = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return values
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if key.startswith("Vm") and len(parts) == 2 and parts[1] == "kB":
            values[key] = int(parts[0])
    return values


def rss_mb(pid: int | str = "self") -> float:
    return proc_status(pid).get("VmRSS", 0) / 1024


def peak_rss_mb(pid: int | str = "self") -> float:
    return proc_status(pid).get("VmHWM", 0) / 1024


# --- statistics and output -------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); q in 0..100."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:  # NaN
            return "n/a"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], digits: int = 2) -> str:
    cells = [[str(h) for h in headers]] + [[fmt(v, digits) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for number, row in enumerate(cells):
        lines.append(
            "  ".join(
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(row)
            )
        )
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def target_line(name: str, met: bool | None, detail: str) -> str:
    mark = "n/a " if met is None else ("MET " if met else "MISS")
    return f"  [{mark}] {name}: {detail}"


def write_results(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {
        "script": f"bench/{name.split('.')[0]}.py",
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **payload,
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    return path


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.started


# --- text generation -------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


def _function_words() -> frozenset[str]:
    from bot import language

    return frozenset(language.STOPWORDS | language.QUESTION_WORDS | {"how", "not", "no"})


def _typo(word: str, rng: random.Random) -> str:
    """One edit a thumb makes: swap neighbours, drop, double or replace a letter."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double", "replace"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    letters = "abcdefghijklmnopqrstuvwxyz".replace(word[i].lower(), "")
    return word[:i] + rng.choice(letters) + word[i + 1 :]


_PREFIXES = (
    "",
    "",
    "",
    "hey ",
    "hi bot, ",
    "quick question: ",
    "so ",
    "ok so ",
    "can you tell me ",
    "btw ",
    "I wonder ",
)
_SUFFIXES = ("", "", "?", "?", "??", " pls", " thanks", " ?", "!")

# Out of scope, far from the article.
_FAR = (
    "what is the capital of {place}",
    "how do I bake {food}",
    "who won the {year} world cup",
    "what's the weather in {place} tomorrow",
    "recommend me a good {thing}",
    "how tall is the eiffel tower",
    "what time is it in {place}",
    "how do I reset my {device}",
    "is {food} healthy",
    "translate hello into {language}",
    "who wrote {book}",
    "what's a good name for my {pet}",
    "how many calories in {food}",
    "best {thing} to buy in {year}",
    "how do I learn {language} fast",
)
# Out of scope but near: the article's names, things it does not say.
_NEAR = (
    "how much does a {article_thing} cost",
    "when will {actor} launch its next {article_thing}",
    "what is {person}'s salary",
    "how many cosmonauts are on the iss right now",
    "who will replace {person} next year",
    "what did nasa say about {actor}",
    "how many {article_thing}s does {actor} have",
    "where is {actor}'s headquarters",
    "when was {actor} founded",
    "what is the budget of {actor} in {year}",
    "does {actor} have a mars mission planned",
    "who is the head of {other_agency}",
    "will {actor} land on the moon by {year}",
    "what rocket did spacex launch in {year}",
    "how old is {person}",
)
_FILL = {
    "place": ("france", "peru", "kenya", "norway", "canada", "vietnam", "chile", "egypt"),
    "food": ("sourdough bread", "lasagna", "pancakes", "avocado", "sushi", "banana bread"),
    "year": ("2014", "2018", "2022", "2030", "1998", "2035"),
    "thing": ("laptop", "running shoe", "podcast", "board game", "coffee grinder", "novel"),
    "device": ("router", "iphone", "smart tv", "printer"),
    "language": ("spanish", "japanese", "german", "swahili"),
    "book": ("war and peace", "the hobbit", "dune", "moby dick"),
    "pet": ("cat", "dog", "parrot", "hamster"),
    "article_thing": ("rocket", "satellite", "soyuz launch", "space station", "microchip"),
    "actor": ("roscosmos", "china", "russia", "esa", "the kremlin", "beijing"),
    "person": ("rogozin", "dmitry rogozin", "the roscosmos chief"),
    "other_agency": ("nasa", "isro", "jaxa", "spacex"),
}


def _fill(template: str, rng: random.Random) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: rng.choice(_FILL[m.group(1)]), template)


def _decorate(text: str, rng: random.Random) -> str:
    text = rng.choice(_PREFIXES) + text.rstrip("?!. ") + rng.choice(_SUFFIXES)
    style = rng.random()
    if style < 0.15:
        text = text.upper() if rng.random() < 0.2 else text.capitalize()
    return text


def _synonym_words(knowledge: Any) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for group in knowledge.synonyms:
        single = tuple(w for w in group if " " not in w)
        for word in single:
            table[word] = single
    return table


def _perturb(
    phrasing: str,
    rng: random.Random,
    function_words: frozenset[str],
    synonyms: dict[str, tuple[str, ...]],
) -> str:
    """A real phrasing as someone else might type it: a synonym, a dropped or swapped word."""
    words = phrasing.rstrip("?!. ").split()
    for _ in range(rng.randint(1, 2)):
        choice = rng.random()
        if choice < 0.4:
            spots = [i for i, w in enumerate(words) if w.lower() in synonyms]
            if spots:
                i = rng.choice(spots)
                words[i] = rng.choice(synonyms[words[i].lower()])
        elif choice < 0.65 and len(words) > 3:
            spots = [i for i, w in enumerate(words) if w.lower() in function_words]
            if spots:
                del words[rng.choice(spots)]
        elif choice < 0.85 and len(words) > 2:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
    return _decorate(" ".join(words), rng)


def _with_typos(phrasing: str, rng: random.Random, function_words: frozenset[str]) -> str:
    words = phrasing.rstrip("?!. ").split()
    spots = [i for i, w in enumerate(words) if len(w) >= 4 and w.lower() not in function_words]
    for i in rng.sample(spots, min(len(spots), rng.randint(1, 2))):
        words[i] = _typo(words[i], rng)
    return _decorate(" ".join(words), rng)


def make_questions(knowledge: Any, count: int = 300, seed: int = 1) -> list[dict[str, Any]]:
    """`count` questions, shuffled: half in scope (real phrasings lightly perturbed), a quarter
    with typos, a quarter out of scope (half far from the article, half near it).

    Each item: {"q": text, "kind": "perturbed"|"typo"|"out_far"|"out_near", "source_id": the
    entry the phrasing came from, or None}."""
    rng = random.Random(f"questions:{seed}")
    function_words = _function_words()
    synonyms = _synonym_words(knowledge)
    phrasings = [(e.id, q) for e in knowledge.entries for q in e.questions]
    n_perturbed = count // 2
    n_typo = count // 4
    n_out = count - n_perturbed - n_typo
    items: list[dict[str, Any]] = []
    for _ in range(n_perturbed):
        entry_id, text = rng.choice(phrasings)
        items.append(
            {
                "q": _perturb(text, rng, function_words, synonyms),
                "kind": "perturbed",
                "source_id": entry_id,
            }
        )
    for _ in range(n_typo):
        entry_id, text = rng.choice(phrasings)
        items.append(
            {"q": _with_typos(text, rng, function_words), "kind": "typo", "source_id": entry_id}
        )
    for number in range(n_out):
        near = number % 2 == 1
        text = _fill(rng.choice(_NEAR if near else _FAR), rng)
        items.append(
            {
                "q": _decorate(text, rng),
                "kind": "out_near" if near else "out_far",
                "source_id": None,
            }
        )
    rng.shuffle(items)
    return items


# --- synthetic knowledge bases ---------------------------------------------------------------


def synthetic_knowledge(real: Any, size: int, seed: int = 1) -> Any:
    """The real knowledge base plus `size - len(real)` synthetic entries (ids syn_000000...).

    A synthetic phrasing takes a real phrasing as its template (so lengths and sentence shapes
    follow the real distribution), keeps its function and question words, and replaces each
    content word by one of the entry's two topic words or by a content word drawn from the real
    phrasings (as often as it occurs there). 3-5 phrasings an entry; a short answer (6-16
    words drawn from the real answers); the topic words as tags; the real synonyms.
    """
    from bot.knowledge import Entry, KnowledgeBase

    if size <= len(real.entries):
        return real
    rng = random.Random(f"knowledge:{seed}:{size}")
    function_words = _function_words()
    templates = [tokens(q) for e in real.entries for q in e.questions]
    templates = [t for t in templates if t]
    content_tokens = [w for t in templates for w in t if w not in function_words]
    content_vocabulary = sorted(set(content_tokens))
    answer_tokens = [w for e in real.entries for w in tokens(e.answer)]
    entries = list(real.entries)
    for number in range(size - len(real.entries)):
        topic = rng.sample(content_vocabulary, 2)
        questions: list[str] = []
        for _ in range(rng.randint(3, 5)):
            template = rng.choice(templates)
            words: list[str] = []
            used_topic = False
            for word in template:
                if word in function_words:
                    words.append(word)
                elif rng.random() < 0.45:
                    words.append(rng.choice(topic))
                    used_topic = True
                else:
                    words.append(rng.choice(content_tokens))
            if not used_topic:
                spots = [i for i, w in enumerate(words) if w not in function_words]
                if spots:
                    words[rng.choice(spots)] = rng.choice(topic)
                else:
                    words.append(rng.choice(topic))
            text = " ".join(words)
            questions.append(text[0].upper() + text[1:] + "?" if not questions else text)
        answer_words = [topic[0], *(rng.choice(answer_tokens) for _ in range(rng.randint(5, 15)))]
        answer = " ".join(answer_words).capitalize() + "."
        entries.append(
            Entry(
                id=f"syn_{number:06d}",
                questions=tuple(questions),
                answer=answer,
                source=answer,
                related=(),
                tags=tuple(topic),
            )
        )
    return KnowledgeBase(
        real.title, real.description, real.article, tuple(entries), real.synonyms, None
    )
