"""Send to the Bot API so that a reply is not lost: bounded retries with backoff.

PTB marks an update handled once its handler returns, so a reply whose request failed would be
lost unless the handler retries. What is safe to retry:
- Telegram said no for now (HTTP 5xx, 429 with retry_after): nothing was sent; retry, waiting
  as long as it asks.
- The connection failed or the answer did not come in time: the message may or may not have
  gone out, and the Bot API has no idempotency key to ask. We retry: at-least-once, because a
  rare double beats a lost answer. Doubles can only come from this case.
- Telegram rejected the request (400 Bad Request, 403 Forbidden, ...): retrying cannot help.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter

T = TypeVar("T")
logger = logging.getLogger(__name__)

# Six tries over about 15 s of backoff (0.25, 0.5, 1, 2, 4 s, each +-25 % jitter): enough to
# ride out a Bot API hiccup, short enough that shutdown's grace period is not blown.
MAX_ATTEMPTS = 6
FIRST_BACKOFF = 0.25
MAX_BACKOFF = 4.0
# Telegram's flood control asks for waits of seconds to a minute; longer is not worth holding
# an update for.
MAX_RETRY_AFTER = 60.0


class DeliveryFailed(Exception):
    """Every attempt failed; the caller's error handler logs it."""


def retry_seconds(retry_after: int | float | dtm.timedelta) -> float:
    if isinstance(retry_after, dtm.timedelta):
        return retry_after.total_seconds()
    return float(retry_after)


async def deliver(
    send: Callable[[], Awaitable[T]],
    what: str = "request",
    retry_deadline: Callable[[], float | None] = lambda: None,
) -> T:
    """Run `send` until it succeeds, retrying what can be retried; raise what cannot.

    `retry_deadline` gives a time.monotonic() deadline once the bot is shutting down: no retry
    starts after it, so shutdown waits at most that long plus one request.
    """
    backoff = FIRST_BACKOFF
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return await send()
        except RetryAfter as error:
            delay = min(retry_seconds(error.retry_after), MAX_RETRY_AFTER)
            reason = f"flood control, retry after {delay:g} s"
        except BadRequest:
            raise
        except NetworkError as error:
            delay = backoff * random.uniform(0.75, 1.25)
            backoff = min(backoff * 2, MAX_BACKOFF)
            reason = f"{type(error).__name__}: {error}"
        deadline = retry_deadline()
        if attempt == MAX_ATTEMPTS or (
            deadline is not None and time.monotonic() + delay > deadline
        ):
            break
        logger.warning(
            "%s failed (%s); retry %d/%d in %.2f s", what, reason, attempt, MAX_ATTEMPTS - 1, delay
        )
        await asyncio.sleep(delay)
    raise DeliveryFailed(f"{what} failed {attempt} time(s); last: {reason}")
