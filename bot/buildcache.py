"""Validated knowledge bases and built matchers kept on disk, keyed by the file and the code.

Parsing and checking 10,000 entries takes about half a second and building their matcher more
than a second (every phrasing is cleaned, stemmed and folded); reading back what they produced
takes a few hundredths. So both are stored under DATA_DIR/cache, in `marshal` format (plain
containers of strings, numbers and bytes only: no code is ever loaded from it), under a key made
of the knowledge file's SHA-256, the loader's limits, the language, and the source of every
module whose change changes the result. A cache that cannot be read or written is simply not
used.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import tempfile
from pathlib import Path
from typing import Any

from bot.knowledge import (
    KnowledgeBase,
    Limits,
    knowledge_path,
    load_knowledge,
    parse_file_bytes,
    read_stable,
)
from bot.matcher import Matcher

logger = logging.getLogger(__name__)

# The modules whose code shapes what a build holds.
BUILD_MODULES = (
    "details.py", "index.py", "knowledge.py", "language.py", "languages.py", "matcher.py",
    "scoring.py", "slavic.py", "terms.py",
)  # fmt: skip
# The name the validated knowledge base is kept under, beside one build per language.
KNOWLEDGE = "knowledge"
# Builds kept at once: the current file's and a few recent ones (a curator going back and forth).
KEEP_BUILDS = 6


def _code_digest() -> str:
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for name in BUILD_MODULES:
        digest.update((package / name).read_bytes())
    return digest.hexdigest()


def load_with_matcher(
    path: str | os.PathLike[str] | None, cache_dir: Path | None
) -> tuple[KnowledgeBase, Matcher]:
    """The knowledge base and its matcher, both from the cache when it holds this file's.

    The file is read once (read_stable) and the cache keyed by the SHA-256 of exactly those
    bytes, so a file that changes meanwhile can never be paired with another version's build;
    the limits are in the key too, since they decide what the loader accepts."""
    if cache_dir is None:
        knowledge = load_knowledge(path)
        return knowledge, Matcher(knowledge)
    chosen = knowledge_path(path)
    limits = Limits.from_environment()
    raw = read_stable(chosen, limits)
    digest = hashlib.sha256(raw).hexdigest()
    cache = BuildCache(cache_dir, f"{digest}-{_code_digest()}-{limits!r}")
    knowledge = _restored_knowledge(cache.load(KNOWLEDGE), chosen)
    if knowledge is None:
        knowledge = parse_file_bytes(raw, chosen, limits)
        cache.store(KNOWLEDGE, knowledge.state())
    del raw
    states = {code: cache.load(code) for code in knowledge.languages}
    matcher = Matcher(knowledge, states=states)
    for code, language_matcher in matcher.by_language.items():
        if states.get(code) is None:
            cache.store(code, language_matcher.state())
    return knowledge, matcher


def _restored_knowledge(state: dict[str, Any] | None, path: Path) -> KnowledgeBase | None:
    if state is None:
        return None
    try:
        return KnowledgeBase.restored(state, path)
    except (KeyError, TypeError, ValueError):
        return None  # a store from other code that happens to share the key: build afresh


class BuildCache:
    """One folder of builds; `load` and `store` never raise."""

    def __init__(self, folder: Path, key: str) -> None:
        self.folder = folder
        self.key = key

    def _path(self, code: str) -> Path:
        name = hashlib.sha256(f"{self.key}-{code}".encode()).hexdigest()[:32]
        kind = KNOWLEDGE if code == KNOWLEDGE else "matcher"
        return self.folder / f"{kind}-{name}.marshal"

    def load(self, code: str) -> dict[str, Any] | None:
        try:
            with self._path(code).open("rb") as stored:
                state = marshal.load(stored)
        except (OSError, EOFError, ValueError, TypeError):
            return None
        return state if isinstance(state, dict) else None

    def store(self, code: str, state: dict[str, Any]) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.folder, delete=False, suffix=".tmp") as out:
                marshal.dump(state, out)
            os.replace(out.name, self._path(code))  # atomic: a reader sees all of it or none
            self._forget_old()
        except (OSError, ValueError):
            logger.debug("could not store the matcher build in %s", self.folder, exc_info=True)

    def _forget_old(self) -> None:
        for kind in ("matcher", KNOWLEDGE):
            kept = sorted(self.folder.glob(f"{kind}-*.marshal"), key=lambda p: p.stat().st_mtime)
            for old in kept[:-KEEP_BUILDS]:
                old.unlink(missing_ok=True)
