"""Long polling that confirms an update to Telegram only once it was handled.

python-telegram-bot's Updater confirms a whole batch with the very next getUpdates, before the
handlers have replied: a crash then loses every question in flight. Here the offset sent with
getUpdates is the lowest update still being handled (or one past the newest, when none is), so
whatever was not finished comes back after a restart, and handled.py keeps what was finished
from being answered twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time

from telegram import Bot, Update
from telegram.error import Forbidden, InvalidToken, RetryAfter, TelegramError, TimedOut

from bot.telegram.delivery import MAX_RETRY_AFTER, retry_seconds
from bot.telegram.intake import Intake

logger = logging.getLogger(__name__)

# Seconds Telegram holds a getUpdates open when there is nothing to deliver.
POLL_TIMEOUT = 10
# getUpdates returns at most 100 updates from the offset on, and the ones between the offset and
# the newest seen come back in every batch (each parsed again). Ask again only while they are
# under half a batch, so at least half of every full batch is new (bench/e2e.py: re-asking at
# each finished update cost two thirds of the throughput).
MAX_BATCH = 100
REFETCH_BELOW = MAX_BATCH // 2
# The getUpdates that confirms finished updates at shutdown: tries, and the wait between.
CONFIRM_ATTEMPTS = 3
CONFIRM_RETRY_DELAY = 0.2
# Backoff after failed getUpdates in a row: 0.5 s, then 1.5 times longer each time, at most
# 30 s (each +-25 % jitter); close to python-telegram-bot's Updater.
FIRST_BACKOFF = 0.5
BACKOFF_FACTOR = 1.5
MAX_BACKOFF = 30.0


class TokenRejected(Exception):
    """Telegram no longer accepts the token (revoked, or the bot was deleted): fatal."""


class OffsetTracker:
    """Which getUpdates offset confirms only finished updates.

    Telegram forgets every update below the offset of a getUpdates, and returns the others
    again: the ones still in flight here come back in every batch until they finish, so they
    (and the finished ones above them) are recognised and not started twice.
    """

    def __init__(self) -> None:
        self._in_flight: set[int] = set()
        self._finished: set[int] = set()  # finished, but not yet below a confirmed offset
        self._next = 0  # one past the newest update seen
        self._confirmed = 0  # the offset of the last getUpdates Telegram answered
        self.finished_count = 0
        self._progress = asyncio.Event()

    @property
    def offset(self) -> int:
        return min(self._in_flight) if self._in_flight else self._next

    def confirmed(self, offset: int) -> None:
        """Telegram answered a getUpdates with `offset`: it has forgotten everything below."""
        self._confirmed = max(self._confirmed, offset)
        self._finished = {u for u in self._finished if u >= self._confirmed}

    def start(self, update_id: int) -> bool:
        """True if `update_id` is new and now counts as in flight."""
        if (
            update_id < self._confirmed
            or update_id in self._in_flight
            or update_id in self._finished
        ):
            return False
        self._in_flight.add(update_id)
        self._next = max(self._next, update_id + 1)
        return True

    def finish(self, update_id: int) -> None:
        self._in_flight.discard(update_id)
        self._finished.add(update_id)
        self.finished_count += 1
        self._progress.set()

    async def progress_since(self, finished_count: int) -> None:
        """Wait until an update finishes, unless one did since `finished_count` was read."""
        while self.finished_count == finished_count and self._in_flight:
            self._progress.clear()
            await self._progress.wait()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    @property
    def span(self) -> int:
        """How many ids from the offset up to the newest seen: what Telegram would resend."""
        return self._next - self.offset


class Poller:
    def __init__(self, bot: Bot, intake: Intake, read_timeout: float) -> None:
        self.bot = bot
        self.intake = intake
        self.read_timeout = read_timeout
        self.tracker = OffsetTracker()
        self.tasks: set[asyncio.Task[None]] = set()
        self.last_poll_ok: float | None = None  # time.monotonic() of the last getUpdates answered
        # time.monotonic() of the first of the getUpdates that failed in a row; None while the
        # last one was answered (or none has come back yet).
        self.failing_since: float | None = None
        # The wait after the next getUpdates failure of a kind that backs off.
        self._backoff = FIRST_BACKOFF

    async def run(self) -> None:
        """Poll until cancelled; raises TokenRejected when Telegram refuses the token."""
        while True:
            while self.tracker.span >= REFETCH_BELOW:
                await self.tracker.progress_since(self.tracker.finished_count)
            offset, finished_before = self.tracker.offset, self.tracker.finished_count
            updates = await self._get_updates(offset)
            if updates is None:
                continue
            self.tracker.confirmed(offset)
            fresh = [update for update in updates if self.tracker.start(update.update_id)]
            for update in fresh:
                task = asyncio.create_task(self._handle(update))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            if updates and not fresh:
                # Everything Telegram returned is already in hand: the batch is full of updates
                # behind one still in flight. Ask again only once that changes.
                await self.tracker.progress_since(finished_before)

    async def _get_updates(self, offset: int) -> tuple[Update, ...] | None:
        """One getUpdates from `offset`; None when it failed, after the wait that calls for."""
        try:
            updates = await self.bot.get_updates(
                offset=offset,
                limit=MAX_BATCH,
                timeout=POLL_TIMEOUT,
                allowed_updates=Update.ALL_TYPES,
                read_timeout=self.read_timeout,  # PTB adds the poll's timeout to it
            )
        except (InvalidToken, Forbidden) as error:
            raise TokenRejected(str(error)) from error
        except TimedOut:
            self._failed()
            return None
        except RetryAfter as error:
            self._failed()
            await asyncio.sleep(min(retry_seconds(error.retry_after), MAX_RETRY_AFTER))
            return None
        except TelegramError as error:  # network errors, a 5xx, a conflicting poller
            self._failed()
            delay = self._backoff * random.uniform(0.75, 1.25)
            self._backoff = min(self._backoff * BACKOFF_FACTOR, MAX_BACKOFF)
            logger.warning("getUpdates failed (%s); retrying in %.1f s", error, delay)
            await asyncio.sleep(delay)
            return None
        self._backoff = FIRST_BACKOFF
        self.last_poll_ok, self.failing_since = time.monotonic(), None
        return updates

    def _failed(self) -> None:
        if self.failing_since is None:
            self.failing_since = time.monotonic()

    async def _handle(self, update: Update) -> None:
        try:
            await self.intake.handle(update)
        except Exception:  # Intake logs handler failures itself; this is a bug in the bot
            logger.exception("update %d could not be handled", update.update_id)
        finally:
            self.tracker.finish(update.update_id)

    async def confirm_finished(self) -> None:
        """At shutdown: a getUpdates that confirms what finished, and takes nothing new (on a
        connection of its own: see GET_UPDATES_CONNECTIONS in app.py). Tried CONFIRM_ATTEMPTS
        times: an unconfirmed update is fetched (not answered) again at the next start."""
        for attempt in range(1, CONFIRM_ATTEMPTS + 1):
            try:
                await self.bot.get_updates(
                    offset=self.tracker.offset, timeout=0, limit=1, read_timeout=self.read_timeout
                )
                return
            except TelegramError as error:
                logger.debug("could not confirm the finished updates (try %d): %s", attempt, error)
                if attempt < CONFIRM_ATTEMPTS:
                    await asyncio.sleep(CONFIRM_RETRY_DELAY)
