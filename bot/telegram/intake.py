"""Every update, polled or posted to the webhook, goes through `Intake.handle`.

It returns only once the update was handled (its reply sent, or deliberately ignored), so the
caller confirms receipt to Telegram only then: the poller by moving its getUpdates offset past
it, the webhook by answering 200. An update that was handled before (a re-delivery after a
crash) is skipped; updates of one chat are handled one after another, in the order they came,
while different chats go on concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Hashable

from telegram import Update
from telegram.ext import Application

from bot.telegram.handled import Claim, HandledUpdates

logger = logging.getLogger(__name__)


class HandledElsewhere(Exception):
    """Another replica is handling this update right now; Telegram should ask again later."""


def order_key(update: Update) -> Hashable | None:
    """What an update must keep its order within: its chat, else (inline queries) its user."""
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return None


class ChatTurns:
    """One FIFO lock a chat, held while one of its updates is handled; dropped when idle, so
    memory follows the chats in flight, not every chat ever seen."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def turn(self, key: Hashable | None) -> AsyncIterator[None]:
        if key is None:
            yield
            return
        lock, waiting = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        waiting[0] += 1
        try:
            async with lock:  # asyncio.Lock wakes its waiters first come, first served
                yield
        finally:
            waiting[0] -= 1
            if waiting[0] == 0:
                del self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)


class Intake:
    """`take_over_claims`: polling, where only one process can receive at a time, so an update
    claimed by someone else was claimed by a run of this bot that died; take it over."""

    def __init__(
        self, application: Application, handled: HandledUpdates, take_over_claims: bool = False
    ) -> None:
        self.application = application
        self.handled = handled
        self.take_over_claims = take_over_claims
        self.turns = ChatTurns()
        self._in_flight: dict[int, asyncio.Future[None]] = {}
        # time.monotonic() of the last update received; the health check reports it.
        self.last_received: float | None = None

    async def handle(self, update: Update) -> None:
        """Handle `update` unless it was handled before; never raises for a handler's failure
        (the application's error handlers log those, and the update counts as handled).
        Raises HandledElsewhere when another replica holds the update (Redis only)."""
        self.last_received = time.monotonic()
        update_id = update.update_id
        running = self._in_flight.get(update_id)
        if running is not None:  # delivered again while still being handled here
            await asyncio.shield(running)
            return
        done = self._in_flight[update_id] = asyncio.get_running_loop().create_future()
        try:
            # The chat's turn is taken before anything is awaited, so arrival order is kept.
            async with self.turns.turn(order_key(update)):
                claim = await self._claim(update_id)
                if claim is Claim.HANDLED:
                    logger.info("update %d was handled before; not answered again", update_id)
                    return
                if claim is Claim.BUSY and self.take_over_claims:
                    logger.info("update %d was left unfinished by a stopped run", update_id)
                elif claim is Claim.BUSY:
                    raise HandledElsewhere(f"update {update_id} is being handled by a replica")
                app = self.application
                await app.update_processor.process_update(update, app.process_update(update))
                await self._remember(update_id)
        finally:
            del self._in_flight[update_id]
            done.set_result(None)

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def _claim(self, update_id: int) -> Claim:
        try:
            return await self.handled.claim(update_id)
        except Exception as error:  # the record is away: answer anyway (a double beats a loss)
            logger.warning("cannot check update %d against the record: %s", update_id, error)
            return Claim.NEW

    async def _remember(self, update_id: int) -> None:
        try:
            await self.handled.remember(update_id)
        except Exception as error:
            logger.warning("cannot record update %d as handled: %s", update_id, error)
