"""What the handlers share: the current knowledge base (swappable on reload) and the flood guard.

Neither is conversation state: a replica that restarts, or a second replica behind the load
balancer, serves every update and every button press the same way.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from bot.config import Settings
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.matcher import Matcher

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Library:
    """One consistent snapshot: a knowledge base and the matcher built from it."""

    knowledge: KnowledgeBase
    matcher: Matcher

    @classmethod
    def load(cls, path: Path) -> Library:
        knowledge = load_knowledge(path)
        return cls(knowledge, Matcher(knowledge))


class LibraryHolder:
    """Hands out the current Library; a reload swaps it in one assignment.

    A handler takes `current` once, at its start, so an update in flight is answered wholly
    from the old knowledge base or wholly from the new one, never from a half-loaded mix.
    """

    def __init__(self, path: Path, library: Library) -> None:
        self.path = path
        self.current = library
        self._reloading = asyncio.Lock()

    async def reload(self, why: str) -> KnowledgeError | None:
        """Re-read the file off the event loop and swap it in; a broken file is logged and
        returned, and the previous knowledge base stays."""
        async with self._reloading:
            try:
                library = await asyncio.to_thread(Library.load, self.path)
            except KnowledgeError as error:
                logger.error(
                    "%s: reload refused, still serving the previous knowledge base:\n%s", why, error
                )
                return error
            self.current = library
        logger.info("%s: reloaded %d entries from %s", why, len(library.knowledge), self.path)
        return None


class Flood(Enum):
    OK = "ok"
    WARN = "warn"  # the first question over the limit: say "slow down" once
    SILENT = "silent"  # further ones, until the window has passed


class FloodGuard:
    """At most `max_questions` per user in a sliding window of `window` seconds.

    Kept in memory per replica: it protects this process, and losing it on restart only means
    a flooding user gets a fresh window.
    """

    # Forget users idle for a window once this many are tracked, to bound memory.
    PRUNE_AT = 10_000

    def __init__(
        self, max_questions: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_questions = max_questions
        self.window = window
        self._clock = clock
        self._asked: dict[int, deque[float]] = {}
        self._warned: set[int] = set()

    def check(self, user_id: int) -> Flood:
        now = self._clock()
        if len(self._asked) >= self.PRUNE_AT:
            self._prune(now)
        asked = self._asked.setdefault(user_id, deque())
        while asked and now - asked[0] >= self.window:
            asked.popleft()
        if len(asked) < self.max_questions:
            asked.append(now)
            self._warned.discard(user_id)
            return Flood.OK
        if user_id in self._warned:
            return Flood.SILENT
        self._warned.add(user_id)
        return Flood.WARN

    def _prune(self, now: float) -> None:
        for user_id in [
            u for u, asked in self._asked.items() if not asked or now - asked[-1] >= self.window
        ]:
            del self._asked[user_id]
            self._warned.discard(user_id)


@dataclass
class Services:
    settings: Settings
    library: LibraryHolder
    flood: FloodGuard
    # Set when shutdown begins: replies in flight stop retrying by then.
    shutdown_deadline: float | None = None

    def stop_by(self) -> float | None:
        return self.shutdown_deadline
