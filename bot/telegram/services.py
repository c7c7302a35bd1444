"""What the handlers share: the current knowledge base (swappable on reload) and the flood guard.

Neither is conversation state: a replica that restarts, or a second replica behind the load
balancer, serves every update and every button press the same way.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from bot.buildcache import load_with_matcher
from bot.config import Settings
from bot.knowledge import KnowledgeBase, KnowledgeError
from bot.matcher import Matcher

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Library:
    """One consistent snapshot: a knowledge base and the matcher built from it."""

    knowledge: KnowledgeBase
    matcher: Matcher

    @classmethod
    def load(cls, path: Path, cache_dir: Path | None = None) -> Library:
        """Load the file; the matcher comes from `cache_dir` when it holds this file's build."""
        return cls(*load_with_matcher(path, cache_dir))


class ReloadableLibrary:
    """Hands out the current Library; a reload swaps it in one assignment.

    A handler takes `current` once, at its start, so an update in flight is answered wholly
    from the old knowledge base or wholly from the new one, never from a half-loaded mix.
    """

    def __init__(self, path: Path, library: Library, cache_dir: Path | None = None) -> None:
        self.path = path
        self.cache_dir = cache_dir
        self.current = library
        self._reloading = asyncio.Lock()

    async def reload(self, why: str) -> KnowledgeError | None:
        """Re-read the file off the event loop and swap it in; a broken file is logged and
        returned, and the previous knowledge base stays."""
        async with self._reloading:
            try:
                library = await asyncio.to_thread(Library.load, self.path, self.cache_dir)
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


def _verdict(count: int, max_questions: int) -> Flood:
    """The n-th question of a user in one window."""
    if count <= max_questions:
        return Flood.OK
    return Flood.WARN if count == max_questions + 1 else Flood.SILENT


class FloodGuard:
    """At most `max_questions` per user in each fixed window of `window` seconds.

    One counter a user for the current window; when the window ends the whole table is
    dropped at once. So a check is one dict lookup, and memory is bounded by the users who
    asked within one window. (A fixed window lets a user ask up to twice the limit across a
    window's edge; a flood still gets one warning and then silence.) Kept in memory per
    replica; with REDIS_URL, RedisFloodGuard shares the counters between replicas.
    """

    def __init__(
        self, max_questions: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_questions = max_questions
        self.window = window
        self._clock = clock
        self._window_number = -1
        self._asked: dict[int, int] = {}

    async def check(self, user_id: int) -> Flood:
        window_number = int(self._clock() // self.window)
        if window_number != self._window_number:
            self._window_number, self._asked = window_number, {}
        count = self._asked[user_id] = self._asked.get(user_id, 0) + 1
        return _verdict(count, self.max_questions)

    def __len__(self) -> int:
        """Users counted in the current window."""
        return len(self._asked)


class RedisFloodGuard:
    """FloodGuard's fixed windows, counted in Redis (INCR and EXPIRE in one round trip), so
    every replica sees the same count. Keys name the user by a keyed hash, never by id, and
    expire with their window."""

    def __init__(
        self,
        redis: Redis,
        key_secret: str,
        max_questions: int,
        window: float,
        clock: Callable[[], float] = time.time,  # wall time: the same on every replica
    ) -> None:
        self._redis = redis
        self._clock = clock
        self._key = hashlib.sha256(f"article-bot flood {key_secret}".encode()).digest()
        self.max_questions = max_questions
        self.window = window

    async def check(self, user_id: int) -> Flood:
        window_number = int(self._clock() // self.window)
        user = hashlib.blake2b(str(user_id).encode(), key=self._key, digest_size=12).hexdigest()
        key = f"article-bot:flood:{window_number}:{user}"
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.incr(key)
                pipe.expire(key, max(1, math.ceil(self.window)) + 1)
                count, _ = await pipe.execute()
        except Exception as error:  # Redis away: answering beats silence
            logger.warning("flood guard: Redis unavailable (%s); question let through", error)
            return Flood.OK
        return _verdict(int(count), self.max_questions)


@dataclass
class Services:
    settings: Settings
    library: ReloadableLibrary
    flood: FloodGuard | RedisFloodGuard
    # The Redis client when REDIS_URL is set (handled updates and the flood guard live there).
    redis: Redis | None = None
    # Set when shutdown begins: replies in flight stop retrying by then.
    shutdown_deadline: float | None = None

    def retry_deadline(self) -> float | None:
        """The time.monotonic() after which delivery starts no retry: None until shutdown."""
        return self.shutdown_deadline
