"""Running the real Application, built by the project's factory, against the fake Bot API."""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.config import Settings
from bot.telegram.app import build_application
from bot.telegram.runtime import Runtime
from bot.telegram.services import Library
from tests.conftest import REPO
from tests.fake_bot_api import FakeBotAPI

BOT = "ArticleBot"
GROUP = -100777


def settings_for(api: FakeBotAPI, **overrides: Any) -> Settings:
    base = Settings(
        token=api.token,
        api_base_url=api.base_url,
        knowledge_path=REPO / "knowledge.yaml",
        read_timeout=2.0,
        record_misses=False,  # tests that record pass record_misses=True, data_dir=tmp_path
    )
    return dataclasses.replace(base, **overrides)


@contextlib.asynccontextmanager
async def running_runtime(
    api: FakeBotAPI, *, knowledge: Path | None = None, **overrides: Any
) -> AsyncIterator[Runtime]:
    """The bot as `python -m bot run` runs it (Runtime: polling, or a webhook when
    webhook_url is given), in this process; stopped gracefully at the end. Handled updates are
    kept in a fresh DATA_DIR unless `data_dir` is given."""
    with tempfile.TemporaryDirectory(prefix="bot-data-") as data_dir:
        overrides.setdefault("data_dir", Path(data_dir))
        settings = settings_for(api, **overrides)
        if knowledge is not None:
            settings = dataclasses.replace(settings, knowledge_path=knowledge)
        runtime = Runtime(
            build_application(settings, Library.load(settings.knowledge_path)), settings
        )
        try:
            await runtime.start()
            yield runtime
        finally:
            await runtime.stop()


@contextlib.asynccontextmanager
async def running_bot(
    api: FakeBotAPI, *, knowledge: Path | None = None, **overrides: Any
) -> AsyncIterator[Application]:
    """The polling bot, in this process; yields its Application."""
    async with running_runtime(api, knowledge=knowledge, **overrides) as runtime:
        yield runtime.application


async def replies(
    api: FakeBotAPI, chat_id: int, count: int = 1, timeout: float = 5.0
) -> list[dict[str, Any]]:
    """Wait for `count` messages the bot really sent into a chat; return all of them."""
    return await api.wait_for_async(
        lambda a: (sent := a.sent_messages(chat_id)) and len(sent) >= count and sent, timeout
    )


async def settled(api: FakeBotAPI, sentinel_chat: int = 999_001) -> None:
    """Everything queued so far has been handled: a later private question got its answer."""
    before = len(api.sent_messages(sentinel_chat))
    api.private_text("who heads roscosmos", user_id=sentinel_chat)
    await replies(api, sentinel_chat, before + 1)
    await api.wait_idle_async(quiet=0.2)


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [
        (b["text"], b.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]
