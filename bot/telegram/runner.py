"""`python -m bot run`: settings, knowledge, logging, then polling or a webhook.

Everything that can be checked without the network is checked first, so a bad token or a bad
knowledge file stops the bot with one clear message and the right exit code, before Telegram
is ever called.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time

from telegram import Bot, Update
from telegram.error import InvalidToken
from telegram.ext import Application

from bot.config import ConfigError, load_settings
from bot.knowledge import KnowledgeError
from bot.telegram.app import build_application
from bot.telegram.delivery import deliver
from bot.telegram.logs import configure_logging, redact
from bot.telegram.services import Library, Services

EXIT_KNOWLEDGE_ERROR = 1
EXIT_CONFIG_ERROR = 2
WEBHOOK_PATH = "telegram"
# Retries of the start-up calls (deleteWebhook, setWebhook) on network errors.
BOOTSTRAP_RETRIES = 5

logger = logging.getLogger(__name__)


def run(knowledge_path: str | None = None, webhook: bool = False) -> int:
    try:
        settings = load_settings(knowledge_path=knowledge_path, webhook=webhook)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    try:
        library = Library.load(settings.knowledge_path)
    except KnowledgeError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return EXIT_KNOWLEDGE_ERROR

    application = build_application(settings, library)  # also turns token redaction on
    try:
        asyncio.run(_check_token(application.bot))
    except InvalidToken:
        print(
            "error: Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather "
            "(/mybots → API Token)",
            file=sys.stderr,
        )
        return EXIT_CONFIG_ERROR
    except Exception as error:  # the Bot API could not be reached even after retries
        print(
            f"error: cannot reach the Bot API: {redact(str(error)) or type(error).__name__}",
            file=sys.stderr,
        )
        return EXIT_CONFIG_ERROR
    configure_logging(settings.log_level)
    _handle_signals(application)
    try:
        if settings.webhook_url:
            logger.info("receiving updates by webhook at %s", settings.webhook_url)
            application.run_webhook(
                listen=settings.listen,
                port=settings.port,
                url_path=WEBHOOK_PATH,
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
                stop_signals=None,
            )
        else:
            logger.info("receiving updates by long polling")
            application.run_polling(
                allowed_updates=Update.ALL_TYPES,
                bootstrap_retries=BOOTSTRAP_RETRIES,
                stop_signals=None,
            )
    except Exception as error:  # start-up failed after the token was accepted: one line
        print(f"error: {redact(str(error)) or type(error).__name__}", file=sys.stderr)
        logger.debug("start-up failed", exc_info=True)
        return EXIT_CONFIG_ERROR
    return 0


def _handle_signals(application: Application) -> None:
    """SIGTERM/SIGINT: stop taking updates and give replies in flight SHUTDOWN_GRACE seconds;
    SIGHUP: reload the knowledge file. Installed once the event loop runs (post_init)."""
    services: Services = application.bot_data["services"]
    register_commands = application.post_init

    def shut_down() -> None:
        if services.shutdown_deadline is None:
            logger.info(
                "stopping: finishing replies in flight (at most %g s)",
                services.settings.shutdown_grace,
            )
            services.shutdown_deadline = time.monotonic() + services.settings.shutdown_grace
            application.stop_running()

    async def post_init(app: Application) -> None:
        if register_commands is not None:
            await register_commands(app)
        loop = asyncio.get_running_loop()
        for stop_signal in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(stop_signal, shut_down)
        loop.add_signal_handler(
            signal.SIGHUP, lambda: app.create_task(services.library.reload("SIGHUP"))
        )

    application.post_init = post_init


async def _check_token(bot: Bot) -> None:
    """getMe once, with delivery's retries, before anything logs: a rejected token is one line."""
    try:
        await deliver(bot.initialize, "getMe")
    finally:
        await bot.shutdown()
