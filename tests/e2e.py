"""Running the real Application, built by the project's factory, against the fake Bot API."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
from telegram.ext import Application

from bot.config import Settings
from bot.telegram import web
from bot.telegram.app import build_application
from bot.telegram.runtime import Runtime
from bot.telegram.services import Library
from tests.fake_bot_api import FakeBotAPI
from tests.support import REPO

BOT = "ArticleBot"
GROUP = -100777
WEBHOOK_SECRET = "webhook-test-secret-42"
WEBHOOK_USER = 7100


@functools.cache
def _real_library() -> Library:
    return Library.load(REPO / "knowledge.yaml")


def load_library(path: Path) -> Library:
    """The repository's knowledge base is loaded once for every test (a Library is never
    changed, a reload swaps in a new one); any other file afresh."""
    return _real_library() if path == REPO / "knowledge.yaml" else Library.load(path)


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
            build_application(settings, load_library(settings.knowledge_path)), settings
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


def webhook_settings(port: int) -> dict[str, Any]:
    """Overrides for `running_runtime` that serve the webhook on 127.0.0.1:`port`."""
    return {
        "webhook_url": f"http://127.0.0.1:{port}/telegram",
        "webhook_secret": WEBHOOK_SECRET,
        "listen": "127.0.0.1",
        "port": port,
    }


def question(update_id: int, text: str = "who heads roscosmos?", user: int = WEBHOOK_USER) -> dict:
    """An update as Telegram posts it: a private question."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "text": text,
            "chat": {"id": user, "type": "private"},
            "from": {"id": user, "is_bot": False, "first_name": "U"},
        },
    }


async def post(
    port: int,
    body: bytes | dict,
    secret: str | None = WEBHOOK_SECRET,
    content_type: str = "application/json",
    path: str = "/telegram",
) -> int:
    """POST to the bot's webhook as Telegram would (with the secret, unless None); the status."""
    headers = {"Content-Type": content_type}
    if secret is not None:
        headers[web.SECRET_HEADER] = secret
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"http://127.0.0.1:{port}{path}", data=data, headers=headers) as response,
    ):
        await response.read()
        return response.status
