"""`python -m bot run`: settings, knowledge, logging, then polling or a webhook.

Everything that can be checked without the network is checked first, so a bad token or a bad
knowledge file stops the bot with one clear message and the right exit code, before Telegram
is ever called. Stop signals are caught from the first moment (a SIGTERM while the knowledge
base loads is a clean exit 0, not a traceback); once the bot runs, SIGTERM/SIGINT stop it
gracefully and SIGHUP reloads the knowledge file.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING

from bot.config import ConfigError, load_settings
from bot.knowledge import KnowledgeError

if TYPE_CHECKING:
    from telegram import Bot
    from telegram.ext import Application

    from bot.config import Settings
    from bot.telegram.runtime import Runtime

EXIT_KNOWLEDGE_ERROR = 1
EXIT_CONFIG_ERROR = 2
# Telegram stopped accepting the token while the bot ran (revoked, or the bot deleted).
EXIT_TOKEN_REJECTED = 3
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

logger = logging.getLogger(__name__)


class _StopSignals:
    """SIGTERM/SIGINT noted from the start; handed to the event loop once it runs."""

    def __init__(self) -> None:
        self.requested = False
        for stop_signal in STOP_SIGNALS:
            signal.signal(stop_signal, self._note)

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True

    def attach(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        for stop_signal in STOP_SIGNALS:
            loop.add_signal_handler(stop_signal, stop.set)
        if self.requested:
            stop.set()


def run(knowledge_path: str | None = None, webhook: bool = False) -> int:
    # Stop signals first, before python-telegram-bot is imported (a third of a second, more on
    # a busy machine): a SIGTERM or Ctrl-C while the bot starts is then a clean exit 0.
    signals = _StopSignals()
    from bot.telegram.app import build_application
    from bot.telegram.services import Library

    try:
        settings = load_settings(knowledge_path=knowledge_path, webhook=webhook)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    try:
        library = Library.load(settings.knowledge_path, settings.data_dir / "cache")
    except KnowledgeError as error:
        print(error, file=sys.stderr)  # every problem, a line each
        return EXIT_KNOWLEDGE_ERROR
    application = build_application(settings, library)  # also turns redaction on
    return asyncio.run(_main(application, settings, signals))


async def _main(application: Application, settings: Settings, signals: _StopSignals) -> int:
    from bot.telegram.logs import configure_logging, redact
    from bot.telegram.runtime import Runtime

    stop = asyncio.Event()
    signals.attach(stop)
    refused = await _token_refused(application.bot)
    if refused is not None:
        print(f"error: {refused}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    if stop.is_set():
        return 0
    configure_logging(settings.log_level)
    runtime = Runtime(application, settings)
    library = runtime.services.library
    asyncio.get_running_loop().add_signal_handler(
        signal.SIGHUP, lambda: application.create_task(library.reload("SIGHUP"))
    )
    try:
        await runtime.start()
    except Exception as error:  # start-up failed after the token was accepted: one line
        print(f"error: {redact(str(error)) or type(error).__name__}", file=sys.stderr)
        logger.debug("start-up failed", exc_info=True)
        await _stop_quietly(runtime)
        return EXIT_CONFIG_ERROR
    token_rejected = await runtime.wait(stop)
    if not token_rejected:
        logger.info("stopping: finishing replies in flight (at most %g s)", settings.shutdown_grace)
    await runtime.stop()
    return EXIT_TOKEN_REJECTED if token_rejected else 0


async def _token_refused(bot: Bot) -> str | None:
    """Why the bot cannot start with its token (one line, the token redacted), or None."""
    from telegram.error import InvalidToken

    from bot.telegram.logs import redact

    try:
        await _check_token(bot)
    except InvalidToken:
        return (
            "Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather (/mybots → API Token)"
        )
    except Exception as error:  # the Bot API could not be reached even after retries
        return f"cannot reach the Bot API: {redact(str(error)) or type(error).__name__}"
    return None


async def _stop_quietly(runtime: Runtime) -> None:
    try:
        await runtime.stop()
    except Exception:
        logger.debug("stopping after a failed start-up also failed", exc_info=True)


async def _check_token(bot: Bot) -> None:
    """getMe once, with delivery's retries, before anything logs: a rejected token is one line."""
    from bot.telegram.delivery import deliver

    try:
        await deliver(bot.initialize, "getMe")
    finally:
        await bot.shutdown()
