"""Built matchers kept on disk, keyed by the knowledge file and the code that builds them.

Building the matcher for 10,000 entries takes seconds (every phrasing is cleaned, stemmed and
folded); reading back what the build produced takes a few hundredths. So a build is stored under
DATA_DIR/cache, in `marshal` format (plain containers of strings and numbers only: no code is
ever loaded from it), under a key made of the knowledge file's SHA-256, the language, and the
source of every module whose change changes the build. A cache that cannot be read or written
is simply not used.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import tempfile
from pathlib import Path
from typing import Any

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matcher import Matcher

logger = logging.getLogger(__name__)

# The modules whose code shapes what a build holds.
BUILD_MODULES = (
    "details.py", "index.py", "language.py", "languages.py", "matcher.py", "scoring.py",
    "slavic.py", "terms.py",
)  # fmt: skip
# Builds kept at once: the current file's and a few recent ones (a curator going back and forth).
KEEP_BUILDS = 6


def _code_digest() -> str:
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for name in BUILD_MODULES:
        digest.update((package / name).read_bytes())
    return digest.hexdigest()


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def load_with_matcher(
    path: str | os.PathLike[str] | None, cache_dir: Path | None
) -> tuple[KnowledgeBase, Matcher]:
    """The knowledge base and its matcher, the matcher from the cache when it holds this
    file's build. The file is hashed before and after loading: a file that changed meanwhile
    is neither looked up nor stored."""
    knowledge = load_knowledge(path)
    source = knowledge.path
    before = _file_digest(source) if cache_dir is not None and source is not None else None
    if before is None:
        return knowledge, Matcher(knowledge)
    cache = BuildCache(cache_dir, f"{before}-{_code_digest()}")
    states = {code: cache.load(code) for code in knowledge.languages}
    matcher = Matcher(knowledge, states=states)
    if _file_digest(source) == before:
        for code, language_matcher in matcher.by_language.items():
            if states.get(code) is None:
                cache.store(code, language_matcher.state())
    return knowledge, matcher


class BuildCache:
    """One folder of builds; `load` and `store` never raise."""

    def __init__(self, folder: Path, key: str) -> None:
        self.folder = folder
        self.key = key

    def _path(self, code: str) -> Path:
        name = hashlib.sha256(f"{self.key}-{code}".encode()).hexdigest()[:32]
        return self.folder / f"matcher-{name}.marshal"

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
        builds = sorted(self.folder.glob("matcher-*.marshal"), key=lambda p: p.stat().st_mtime)
        for old in builds[:-KEEP_BUILDS]:
            old.unlink(missing_ok=True)
