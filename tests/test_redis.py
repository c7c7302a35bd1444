"""With REDIS_URL, replicas share handled updates and the flood guard; against a real
redis-server started on 127.0.0.1 at a free port for these tests (never a mock)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

from bot.telegram.handled import KEEP_SECONDS, Claim, RedisHandledUpdates
from bot.telegram.services import Flood, RedisFloodGuard
from tests.e2e import BOT, WEBHOOK_USER, post, question, replies, running_runtime, webhook_settings
from tests.fake_bot_api import FakeBotAPI, FaultPlan
from tests.support import REPO, free_port

USER = WEBHOOK_USER


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI"):
            pytest.fail(
                "redis-server is missing; .ci/run installs it (apt-get install redis-server)"
            )
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path_factory.mktemp("redis"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):  # up to about 10 s for the server to take connections
            ping = subprocess.run(
                [sys.executable, "-c", f"import redis; redis.Redis(port={port}).ping()"],
                capture_output=True,
            )
            if ping.returncode == 0:
                break
            time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


async def test_one_replica_claims_an_update_and_it_is_kept_as_handled_for_a_day(redis: Redis):
    handled, other_replica = RedisHandledUpdates(redis, bot_id=9), RedisHandledUpdates(redis, 9)
    assert await handled.claim(5) is Claim.NEW
    assert await other_replica.claim(5) is Claim.BUSY  # re-delivered to it meanwhile
    assert not await handled.seen(5)
    await handled.remember(5)
    assert await handled.seen(5)
    assert await other_replica.claim(5) is Claim.HANDLED
    assert not await RedisHandledUpdates(redis, bot_id=10).seen(5)
    [key] = await redis.keys("*")
    assert 0 < await redis.ttl(key) <= KEEP_SECONDS


async def test_two_replicas_share_one_flood_window_and_keys_hold_no_user_id(redis: Redis):
    first, second = (
        RedisFloodGuard(redis, "token", 3, 60.0, clock=lambda: 1_000_000.0) for _ in range(2)
    )
    verdicts = [await guard.check(123456789) for guard in (first, second, first, second, first)]
    assert verdicts == [Flood.OK, Flood.OK, Flood.OK, Flood.WARN, Flood.SILENT]
    assert await second.check(987654321) is Flood.OK
    keys = [key.decode() for key in await redis.keys("*")]
    assert len(keys) == 2
    assert not any("123456789" in key or "987654321" in key for key in keys)
    for key in keys:
        assert 0 < await redis.ttl(key) <= 61


async def test_webhook_replicas_behind_a_balancer_answer_a_redelivered_update_once(redis_url):
    ports = [free_port(), free_port()]
    with FakeBotAPI(username=BOT) as api:
        async with (
            # An hour's flood window, so the 12 questions below cannot straddle two windows.
            running_runtime(
                api, redis_url=redis_url, flood_window=3600, **webhook_settings(ports[0])
            ),
            running_runtime(
                api, redis_url=redis_url, flood_window=3600, **webhook_settings(ports[1])
            ),
        ):
            assert await post(ports[0], question(77)) == 200
            assert await post(ports[1], question(77)) == 200  # re-delivered to the other one
            for number in range(12):  # the flood guard counts across both (FLOOD_MAX=10)
                assert await post(ports[number % 2], question(100 + number, user=USER + 1)) == 200
            await api.wait_idle_async(quiet=0.3)
    assert len(api.sent_messages(USER)) == 1
    texts = [m["text"] for m in api.sent_messages(USER + 1)]
    assert len(texts) == 11 and sum("faster than I can read" in t for t in texts) == 1


@pytest.mark.slow
def test_without_redis_url_the_bot_never_imports_redis():
    code = (
        "import sys\n"
        "from bot.config import Settings\n"
        "from bot.telegram.app import build_application\n"
        "from bot.telegram.services import Library\n"
        f"settings = Settings(token={'1234:' + 'a' * 35!r},"
        f" knowledge_path={str(REPO / 'knowledge.yaml')!r})\n"
        "build_application(settings, Library.load(settings.knowledge_path))\n"
        "print('redis' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.slow
async def test_an_update_another_replica_is_handling_gets_503_so_telegram_asks_again(
    redis_url, redis
):
    ports = [free_port(), free_port()]
    with FakeBotAPI(username=BOT) as api:
        api.set_faults(
            FaultPlan(rate=1.0, kinds=("slow",), methods=("sendMessage",), max_faults=1,
                      slow_seconds=1.0)
        )  # fmt: skip
        async with (
            running_runtime(api, redis_url=redis_url, **webhook_settings(ports[0])),
            running_runtime(api, redis_url=redis_url, **webhook_settings(ports[1])),
        ):
            first = asyncio.create_task(post(ports[0], question(31)))
            await api.wait_for_async(lambda a: a.calls("sendMessage"))  # replica 0 is sending
            assert await post(ports[1], question(31)) == 503
            assert await first == 200
            assert await post(ports[1], question(31)) == 200  # asked again: already handled
            await api.wait_idle_async(quiet=0.3)
    assert len(api.sent_messages(USER)) == 1


async def test_polling_takes_over_an_update_a_killed_run_had_claimed(redis_url, redis):
    with FakeBotAPI(username=BOT) as api:
        await RedisHandledUpdates(redis, bot_id=api.bot_user["id"]).claim(1)  # then killed
        async with running_runtime(api, redis_url=redis_url):
            api.private_text("who heads roscosmos?", user_id=USER)
            await replies(api, USER)
