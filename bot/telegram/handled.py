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
from enum import Enum
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
# With Redis, how long a replica's claim on an update it is handling holds: longer than a
# handler can take (delivery's retries and timeouts stay under two minutes). A replica that died
# mid-update lets the update go after this long.
CLAIM_SECONDS = 180


class Claim(Enum):
    NEW = "new"  # not handled before: handle it now
    HANDLED = "handled"  # answered before: acknowledge it, do not answer again
    BUSY = "busy"  # another replica is handling it right now: let Telegram ask again later


class HandledUpdates(Protocol):
    async def claim(self, update_id: int) -> Claim: ...

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

    async def claim(self, update_id: int) -> Claim:
        """One process uses the file, and Intake keeps it from handling an update twice at
        once, so there is nothing to claim: only whether it was handled."""
        return Claim.HANDLED if await self.seen(update_id) else Claim.NEW

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
    """With REDIS_URL: one key per update, shared by replicas. While a replica handles the
    update the key holds "handling" for CLAIM_SECONDS (SET NX: one replica wins); once handled
    it holds the time, for 24 h."""

    HANDLING = b"handling"

    def __init__(self, redis: Redis, bot_id: int) -> None:
        self._redis = redis
        self._prefix = f"article-bot:{bot_id}:handled:"

    async def claim(self, update_id: int) -> Claim:
        key = self._prefix + str(update_id)
        if await self._redis.set(key, self.HANDLING, nx=True, ex=CLAIM_SECONDS):
            return Claim.NEW
        value = await self._redis.get(key)
        if value is None:  # the other claim expired just now: try once more
            won = await self._redis.set(key, self.HANDLING, nx=True, ex=CLAIM_SECONDS)
            return Claim.NEW if won else Claim.BUSY
        return Claim.BUSY if value == self.HANDLING else Claim.HANDLED

    async def seen(self, update_id: int) -> bool:
        value = await self._redis.get(self._prefix + str(update_id))
        return value is not None and value != self.HANDLING

    async def remember(self, update_id: int) -> None:
        await self._redis.set(self._prefix + str(update_id), int(time.time()), ex=KEEP_SECONDS)

    async def close(self) -> None:
        """The Redis client belongs to the Runtime, which closes it."""
