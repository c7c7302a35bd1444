"""A bot killed with SIGKILL mid-run and started again loses no question and answers twice
only what was in flight; in polling mode and by webhook, with Telegram's re-delivery played by
the fake Bot API (it keeps every update until a later offset or a 200 confirms it)."""

from __future__ import annotations

import signal
import subprocess
from collections import Counter

import pytest

from tests.fake_bot_api import FakeBotAPI
from tests.support import bot_env, free_port, start_bot, stop_bot

QUESTIONS = 50
FIRST_USER = 300_000
KILL_AFTER = 20  # replies seen before the kill
# What can be in flight at the instant of a kill: the updates handled at once
# (CONCURRENT_UPDATES, default 16).
IN_FLIGHT = 16
ASKED = [
    "who heads roscosmos?",
    "what did rogozin admit?",
    "what happened to exomars?",
    "lunar station with china?",
]


def lost_and_doubled(api: FakeBotAPI, users: range) -> tuple[int, int]:
    per_chat = Counter(m["chat"]["id"] for m in api.sent_messages())
    lost = sum(1 for user in users if per_chat[user] == 0)
    doubled = sum(per_chat[user] - 1 for user in users if per_chat[user] > 1)
    return lost, doubled


def kill_and_restart(api: FakeBotAPI, env: dict[str, str], started: str) -> subprocess.Popen:
    """Ask QUESTIONS questions from as many users; SIGKILL the bot after KILL_AFTER replies;
    start it again with the same DATA_DIR; return the new process once all are answered."""
    process = start_bot(env)
    try:
        api.wait_for(lambda a: a.calls(started), timeout=20)
        for number in range(QUESTIONS):
            api.private_text(ASKED[number % len(ASKED)], user_id=FIRST_USER + number)
        api.wait_for(lambda a: len(a.sent_messages()) >= KILL_AFTER, timeout=30)
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=10)
    at_kill = len(api.sent_messages())
    assert at_kill < QUESTIONS, "the kill came too late to prove anything"
    restarted = start_bot(env)
    users = range(FIRST_USER, FIRST_USER + QUESTIONS)
    try:
        api.wait_for(lambda a: lost_and_doubled(a, users)[0] == 0, timeout=60)
        api.wait_idle(quiet=1.0, timeout=30)
    except BaseException:
        stop_bot(restarted)
        raise
    print(f"\nkilled after {at_kill} replies; now {lost_and_doubled(api, users)} (lost, doubled)")
    return restarted


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_polling_bot_killed_mid_run_loses_nothing_and_doubles_at_most_what_was_in_flight():
    with FakeBotAPI() as api:
        env = bot_env(TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url)
        restarted = kill_and_restart(api, env, "getUpdates")
        code, _ = stop_bot(restarted)
        lost, doubled = lost_and_doubled(api, range(FIRST_USER, FIRST_USER + QUESTIONS))
        assert api.pending_updates() == []
    assert code == 0
    assert lost == 0
    assert doubled <= IN_FLIGHT


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_webhook_bot_killed_mid_run_loses_nothing_and_doubles_at_most_what_was_in_flight():
    port = free_port()
    with FakeBotAPI() as api:
        env = bot_env(
            TELEGRAM_BOT_TOKEN=api.token,
            TELEGRAM_API_BASE_URL=api.base_url,
            WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
            WEBHOOK_SECRET="crash-test-secret-1",
            LISTEN="127.0.0.1",
            PORT=str(port),
        )
        api.push_webhooks()
        restarted = kill_and_restart(api, env, "setWebhook")
        code, _ = stop_bot(restarted)
        lost, doubled = lost_and_doubled(api, range(FIRST_USER, FIRST_USER + QUESTIONS))
        assert api.pending_updates() == []
        assert any(status != 200 for _, status in api.webhook_posts)  # re-delivery happened
    assert code == 0
    assert lost == 0
    assert doubled <= IN_FLIGHT
