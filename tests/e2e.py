"""Running the real Application, built by the project's factory, against the fake Bot API."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.telegram.app import build_application
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
async def running_bot(
    api: FakeBotAPI, *, knowledge: Path | None = None, **overrides: Any
) -> AsyncIterator[Application]:
    """Start polling as run_polling does (initialize, post_init, start), stop it cleanly."""
    settings = settings_for(api, **overrides)
    if knowledge is not None:
        settings = dataclasses.replace(settings, knowledge_path=knowledge)
    application = build_application(settings, Library.load(settings.knowledge_path))
    async with application:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        await application.updater.start_polling(
            poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES
        )
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


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
