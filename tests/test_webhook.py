"""The webhook server as the internet sees it, and the health checks; the real Runtime in this
process, its webhook on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import pytest

from bot.telegram import web
from tests.e2e import (
    WEBHOOK_SECRET,
    WEBHOOK_USER,
    post,
    question,
    replies,
    running_runtime,
    webhook_settings,
)
from tests.fake_bot_api import FaultPlan
from tests.support import free_port

USER = WEBHOOK_USER


async def get(port: int, path: str) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as r,
    ):
        return r.status, await r.json()


async def raw_exchange(port: int, request: bytes) -> bytes:
    """Send `request` as is and read until the server closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout=20)
    finally:
        writer.close()


async def test_a_question_is_answered_before_the_200_and_a_redelivery_is_not_answered_again(api):
    port = free_port()
    async with running_runtime(api, **webhook_settings(port)):
        assert await post(port, question(1), content_type="application/json; charset=utf-8") == 200
        assert len(api.sent_messages(USER)) == 1  # the reply went out before the answer
        assert await post(port, question(1)) == 200  # Telegram delivering it again
        await api.wait_idle_async(quiet=0.3)
    assert len(api.sent_messages(USER)) == 1
    assert api.calls("setWebhook")[0].params["secret_token"] == WEBHOOK_SECRET


async def test_a_wrong_secret_is_refused_from_the_headers_alone(api):
    port = free_port()
    async with running_runtime(api, **webhook_settings(port)):
        assert await post(port, question(1), secret="wrong") == 403
        assert await post(port, question(1), secret=None) == 403
        # A 100 MB body announced but never sent: the answer comes on the headers alone.
        answer = await raw_exchange(
            port,
            b"POST /telegram HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"X-Telegram-Bot-Api-Secret-Token: wrong\r\nContent-Length: 100000000\r\n\r\n",
        )
        await api.wait_idle_async(quiet=0.3)
    assert answer.startswith(b"HTTP/1.1 403")
    assert api.sent_messages() == []


async def test_bodies_over_a_megabyte_and_other_media_types_are_refused(api):
    port = free_port()
    async with running_runtime(api, **webhook_settings(port)):
        answer = await raw_exchange(
            port,
            b"POST /telegram HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"{web.SECRET_HEADER}: {WEBHOOK_SECRET}\r\n".encode()
            + f"Content-Length: {web.MAX_BODY_BYTES + 1}\r\n\r\n".encode(),
        )
        assert await post(port, question(2), content_type="text/plain") == 415
        await api.wait_idle_async(quiet=0.3)
    assert not answer.startswith(b"HTTP/1.1 200")
    assert api.sent_messages() == []


async def test_malformed_bodies_get_400_so_telegram_does_not_retry_them_forever(api):
    port = free_port()
    async with running_runtime(api, **webhook_settings(port)):
        statuses = [
            await post(port, body)
            for body in (b"{not json", b"[1, 2]", b'{"message": {}}', b"\xff\xfe", b"")
        ]
    assert statuses == [400] * 5


async def test_an_update_whose_handler_fails_is_logged_and_acknowledged(api, caplog, monkeypatch):
    from bot.telegram import handlers

    def failing(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("handler bug")

    monkeypatch.setattr(handlers, "message_reply", failing)
    caplog.set_level(logging.ERROR)
    port = free_port()
    async with running_runtime(api, **webhook_settings(port)):
        assert await post(port, question(5)) == 200
    assert any("handler bug" in (r.exc_text or "") for r in caplog.records)


@pytest.mark.slow
async def test_a_client_that_sends_its_headers_slowly_is_cut_off(api, monkeypatch):
    monkeypatch.setattr(web, "HEADER_TIMEOUT", 0.5)
    port = free_port()
    async with running_runtime(api, **webhook_settings(port)):
        # Half a request line, then nothing: the server must hang up by itself.
        closed = await raw_exchange(port, b"POST /telegram HTTP/1.1\r\nHost: x\r\n")
    assert closed == b""


async def test_healthz_and_readyz_on_the_webhook_port(api):
    port = free_port()
    async with running_runtime(api, **webhook_settings(port)):
        alive, alive_report = await get(port, "/healthz")
        ready, ready_report = await get(port, "/readyz")
    assert (alive, alive_report["status"], alive_report["mode"]) == (200, "ok", "webhook")
    assert (ready, ready_report["status"]) == (200, "ready")
    assert ready_report["entries"] > 0


async def test_polling_serves_health_on_health_port_and_readyz_fails_without_the_bot_api(api):
    port = free_port()
    async with running_runtime(api, health_port=port):
        await api.wait_for_async(lambda a: a.calls("getUpdates"))
        api.private_text("who heads roscosmos?", user_id=USER)
        await replies(api, USER)
        alive, report = await get(port, "/healthz")
        ready, _ = await get(port, "/readyz")
    assert (alive, report["mode"], ready) == (200, "polling", 200)
    assert report["seconds_since_update"] is not None


async def test_a_token_revoked_while_serving_the_webhook_stops_the_bot(api, caplog):
    caplog.set_level(logging.CRITICAL)
    port = free_port()
    async with running_runtime(api, **webhook_settings(port)) as runtime:
        api.token = "123456789:AARevokedRevokedRevokedRevoked12345"  # BotFather: /revoke
        assert await post(port, question(9)) == 200  # logged and acknowledged, not retried
        await asyncio.wait_for(runtime.token_rejected.wait(), timeout=10)
    [line] = [r.getMessage() for r in caplog.records if r.levelno == logging.CRITICAL]
    assert "rejected TELEGRAM_BOT_TOKEN while running" in line


@pytest.mark.slow
async def test_polling_healthz_fails_while_get_updates_keeps_failing_and_recovers(api, monkeypatch):
    monkeypatch.setattr(web, "POLL_STALE_AFTER", 0.5)
    port = free_port()
    async with running_runtime(api, health_port=port):
        assert (await get(port, "/healthz"))[0] == 200  # the first long poll is still open
        api.set_faults(FaultPlan(rate=1.0, kinds=("500",), methods=("getUpdates",)))
        api.private_text("who heads roscosmos?", user_id=USER)  # ends the open long poll
        statuses = [await _wait_for_status(port, 503)]
        api.clear_faults()
        statuses.append(await _wait_for_status(port, 200))
        await replies(api, USER)
    assert statuses == [503, 200]


async def _wait_for_status(port: int, wanted: int) -> int:
    """GET /healthz until it answers `wanted` (at most about 20 s)."""
    for _ in range(200):
        status, _ = await get(port, "/healthz")
        if status == wanted:
            return status
        await asyncio.sleep(0.1)
    return status
