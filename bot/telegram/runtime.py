"""The bot while it runs: start, receive updates (polling or webhook), stop gracefully.

`python -m bot run` (runner.py) and the end-to-end tests drive the same Runtime, so the tests
exercise exactly what production runs: python-telegram-bot's Application for handlers and
sending, with receiving done here (polling.py, web.py) so that Telegram is told an update
arrived only once it was handled (intake.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import Application, ContextTypes

from bot.config import Settings
from bot.telegram.delivery import deliver
from bot.telegram.handled import HandledUpdates, RedisHandledUpdates, SqliteHandledUpdates
from bot.telegram.intake import Intake
from bot.telegram.polling import Poller, TokenRejected
from bot.telegram.services import Services
from bot.telegram.web import Health, HttpServer

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "telegram"
# After the grace period, requests still in flight get this long to come back before they are
# cut off (the Bot API read timeout is added to it).
STOP_MARGIN = 1.0


class StartupError(Exception):
    """Something the bot needs at start is not there; the message says what."""


class Runtime:
    def __init__(self, application: Application, settings: Settings) -> None:
        self.application = application
        self.settings = settings
        self.services: Services = application.bot_data["services"]
        self.webhook = settings.webhook_url is not None
        self.health = Health(
            application.bot, self.services.library, "webhook" if self.webhook else "polling"
        )
        self.token_rejected = asyncio.Event()
        self.intake: Intake | None = None
        self.poller: Poller | None = None
        self._poll_task: asyncio.Task[None] | None = None
        self._servers: list[HttpServer] = []
        self._handled: HandledUpdates | None = None
        application.add_error_handler(self._stop_on_rejected_token)

    async def start(self) -> None:
        """Start the Application, open the record of handled updates, then receive."""
        application, settings = self.application, self.settings
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        self._handled = await self._open_handled()
        self.intake = Intake(application, self._handled, take_over_claims=not self.webhook)
        self.health.last_received = lambda: self.intake.last_received if self.intake else None
        if self.webhook:
            await self._receive_by_webhook(self.intake)
        else:
            await self._receive_by_polling(self.intake)
        if settings.health_port and not (self.webhook and settings.health_port == settings.port):
            self._serve(HttpServer(self.health, settings.listen, settings.health_port))

    def _serve(self, server: HttpServer) -> None:
        server.start()
        self._servers.append(server)

    async def _receive_by_webhook(self, intake: Intake) -> None:
        """Serve the webhook (and health checks) on PORT, then tell Telegram where it is."""
        bot, settings = self.application.bot, self.settings
        webhook = {"bot": bot, "secret": settings.webhook_secret or "", "receive": intake.handle}
        self._serve(
            HttpServer(
                self.health, settings.listen, settings.port, webhook, webhook_path=WEBHOOK_PATH
            )
        )
        logger.info("receiving updates by webhook at %s", settings.webhook_url)
        await deliver(
            lambda: bot.set_webhook(
                settings.webhook_url or "",
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            ),
            "setWebhook",
        )

    async def _receive_by_polling(self, intake: Intake) -> None:
        """Drop any webhook (Telegram refuses getUpdates while one is set), then poll."""
        bot = self.application.bot
        await deliver(bot.delete_webhook, "deleteWebhook")
        self.poller = poller = Poller(bot, intake, self.settings.read_timeout)
        self.health.last_poll_ok = lambda: poller.last_poll_ok
        self.health.poll_failing_since = lambda: poller.failing_since
        self._poll_task = asyncio.create_task(self._poll(), name="poller")
        logger.info("receiving updates by long polling")

    async def _open_handled(self) -> HandledUpdates:
        bot_id = self.application.bot.id
        redis = self.services.redis
        if redis is not None:
            try:
                await redis.ping()
            except Exception as error:
                raise StartupError(f"cannot reach Redis at REDIS_URL: {error}") from error
            return RedisHandledUpdates(redis, bot_id)
        try:
            return SqliteHandledUpdates.in_folder(self.settings.data_dir, bot_id)
        except Exception as error:
            raise StartupError(
                f"cannot keep handled updates in DATA_DIR={self.settings.data_dir}: {error}"
            ) from error

    async def _poll(self) -> None:
        assert self.poller is not None
        try:
            await self.poller.run()
        except TokenRejected as error:
            self._token_rejected(str(error))

    async def _stop_on_rejected_token(
        self, update: object, context: ContextTypes.DEFAULT_TYPE
    ) -> None:
        if isinstance(context.error, InvalidToken):
            self._token_rejected(str(context.error))

    def _token_rejected(self, why: str) -> None:
        if not self.token_rejected.is_set():
            logger.critical(
                "Telegram rejected TELEGRAM_BOT_TOKEN while running (%s); exiting: check the "
                "token with @BotFather (/mybots → API Token)",
                why,
            )
            self.token_rejected.set()

    async def wait(self, stop: asyncio.Event) -> bool:
        """Until `stop` is set or Telegram rejects the token; True in the second case."""
        waits = [asyncio.create_task(stop.wait()), asyncio.create_task(self.token_rejected.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
        return self.token_rejected.is_set()

    async def stop(self) -> None:
        """Take no new updates, give the ones in flight the grace period, confirm what
        finished, and close everything."""
        grace = self.settings.shutdown_grace
        if self.services.shutdown_deadline is None:
            self.services.shutdown_deadline = time.monotonic() + grace
        self.health.stopping = True
        if self._poll_task is not None:
            self._poll_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poll_task
        for server in self._servers:
            server.stop_accepting()
        await self._drain(grace + self.settings.read_timeout + STOP_MARGIN)
        if self.poller is not None and not self.token_rejected.is_set():
            await self.poller.confirm_finished()
        for server in self._servers:
            await server.close()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        if self._handled is not None:
            await self._handled.close()
        if self.services.redis is not None:
            await self.services.redis.aclose()

    async def _drain(self, limit: float) -> None:
        deadline = time.monotonic() + limit
        while self.intake is not None and self.intake.in_flight and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self.poller is not None and self.poller.tasks:
            leftover = list(self.poller.tasks)
            for task in leftover:
                task.cancel()
            await asyncio.gather(*leftover, return_exceptions=True)
