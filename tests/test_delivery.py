"""Delivery retries what may be retried, waits as Telegram asks, and gives up in bounds."""

from __future__ import annotations

import datetime as dtm
import time

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.telegram import delivery
from bot.telegram.delivery import MAX_ATTEMPTS, DeliveryFailed, deliver


@pytest.fixture
def sleeps(monkeypatch):
    waited: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(delivery.asyncio, "sleep", fake_sleep)
    return waited


def failing(*errors: Exception):
    """A send that raises the given errors in turn, then returns "sent"."""
    remaining = list(errors)
    calls = []

    async def send() -> str:
        calls.append(1)
        if remaining:
            raise remaining.pop(0)
        return "sent"

    send.calls = calls  # type: ignore[attr-defined]
    return send


async def test_network_errors_and_timeouts_are_retried_with_growing_backoff(sleeps):
    send = failing(NetworkError("Bad Gateway"), TimedOut(), NetworkError("reset"))
    assert await deliver(send) == "sent"
    assert len(send.calls) == 4
    assert len(sleeps) == 3 and sleeps[0] < sleeps[1] < sleeps[2]


async def test_flood_control_is_waited_out_as_telegram_asks(sleeps):
    send = failing(RetryAfter(dtm.timedelta(seconds=3)))
    assert await deliver(send) == "sent"
    assert sleeps == [3.0]


@pytest.mark.parametrize("error", [BadRequest("chat not found"), Forbidden("bot was blocked")])
async def test_rejections_are_not_retried(sleeps, error):
    send = failing(error)
    with pytest.raises(type(error)):
        await deliver(send)
    assert len(send.calls) == 1 and sleeps == []


async def test_attempts_are_bounded(sleeps):
    send = failing(*[NetworkError("down")] * (MAX_ATTEMPTS + 5))
    with pytest.raises(DeliveryFailed, match=f"failed {MAX_ATTEMPTS} time"):
        await deliver(send, "sendMessage")
    assert len(send.calls) == MAX_ATTEMPTS


async def test_no_retry_starts_after_the_shutdown_deadline(sleeps):
    send = failing(*[NetworkError("down")] * MAX_ATTEMPTS)
    with pytest.raises(DeliveryFailed, match="failed 1 time"):
        await deliver(send, "sendMessage", retry_deadline=lambda: time.monotonic())
    assert len(send.calls) == 1
