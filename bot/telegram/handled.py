"""Which updates were already handled, remembered across restarts (and replicas, with Redis).

Telegram delivers an update again when its receipt was not confirmed: in polling mode when the
bot died before a later getUpdates offset confirmed it, by webhook when the bot did not answer
200. The bot confirms only what it has handled (see intake.py), so nothing is lost; this
record is what keeps those re-deliveries from being answered twice. Only update ids and times
are kept: no user, chat, name or text.

An update is remembered after its handler finished, so a crash can double only the replies
that were in flight at that instant.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)

# Telegram keeps an unconfirmed update for 24 hours; after that it can no longer come back.
KEEP_SECONDS = 24 * 60 * 60
# Forget expired ids every this many updates: bounded size, amortised constant cost.
PRUNE_EVERY = 1000
SQLITE_FILE = "handled-updates.sqlite3"


class HandledUpdates(Protocol):
    async def seen(self, update_id: int) -> bool: ...

    async def remember(self, update_id: int) -> None: ...

    async def close(self) -> None: ...


class SqliteHandledUpdates:
    """The embedded default: one small SQLite file under DATA_DIR.

    WAL with synchronous=NORMAL: a write is in the operating system's hands when the call
    returns, so it survives the process being killed (it could be lost only with the machine's
    power, and then the cost is a double reply, never a lost one). Each call takes tens of
    microseconds, so it runs on the event loop.
    """

    def __init__(self, path: Path, bot_id: int, clock: Callable[[], float] = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._bot_id = bot_id
        self._clock = clock
        self._db = sqlite3.connect(path, isolation_level=None, timeout=5.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS handled ("
            " bot_id INTEGER NOT NULL, update_id INTEGER NOT NULL, handled_at REAL NOT NULL,"
            " PRIMARY KEY (bot_id, update_id)) WITHOUT ROWID"
        )
        self._since_prune = 0
        self._prune()

    @classmethod
    def in_folder(cls, data_dir: Path, bot_id: int) -> SqliteHandledUpdates:
        return cls(data_dir / SQLITE_FILE, bot_id)

    async def seen(self, update_id: int) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM handled WHERE bot_id = ? AND update_id = ?", (self._bot_id, update_id)
        ).fetchone()
        return row is not None

    async def remember(self, update_id: int) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO handled (bot_id, update_id, handled_at) VALUES (?, ?, ?)",
            (self._bot_id, update_id, self._clock()),
        )
        self._since_prune += 1
        if self._since_prune >= PRUNE_EVERY:
            self._prune()

    def _prune(self) -> None:
        self._since_prune = 0
        self._db.execute(
            "DELETE FROM handled WHERE handled_at < ?", (self._clock() - KEEP_SECONDS,)
        )

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM handled").fetchone()[0]

    async def close(self) -> None:
        self._db.close()


class RedisHandledUpdates:
    """With REDIS_URL: one key per handled update, expiring after 24 h, shared by replicas."""

    def __init__(self, redis: Redis, bot_id: int) -> None:
        self._redis = redis
        self._prefix = f"article-bot:{bot_id}:handled:"

    async def seen(self, update_id: int) -> bool:
        return bool(await self._redis.exists(self._prefix + str(update_id)))

    async def remember(self, update_id: int) -> None:
        await self._redis.set(self._prefix + str(update_id), int(time.time()), ex=KEEP_SECONDS)

    async def close(self) -> None:
        """The Redis client belongs to the Runtime, which closes it."""
