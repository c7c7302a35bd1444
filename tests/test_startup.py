"""`python -m bot run` as a process: settings errors, the token kept secret, clean shutdown."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from bot.telegram.delivery import MAX_ATTEMPTS
from tests.fake_bot_api import FakeBotAPI, FaultPlan
from tests.support import REPO, SMALL_KNOWLEDGE, bot_env, run_bot, start_bot, stop_bot

# bench/crash.py still imports free_port from here; its home is tests/support.py.
from tests.support import free_port as free_port

USER = 6001


def test_missing_token_exits_2_with_one_clear_line():
    result = run_bot(bot_env())
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather (/newbot) and set "
        "TELEGRAM_BOT_TOKEN"
    ]


def test_malformed_token_exits_2_without_echoing_it():
    token = "not-a-token-but-secret-looking-Zq9"
    result = run_bot(bot_env(TELEGRAM_BOT_TOKEN=token))
    assert result.returncode == 2
    assert "malformed" in result.stderr
    assert token not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_token_the_api_rejects_exits_2_without_echoing_it():
    with FakeBotAPI() as api:
        wrong = "987654321:AAWrongTokenWrongTokenWrongToken123"
        result = run_bot(bot_env(TELEGRAM_BOT_TOKEN=wrong, TELEGRAM_API_BASE_URL=api.base_url))
    assert result.returncode == 2
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in result.stderr
    assert wrong not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_bad_knowledge_file_exits_1_before_any_network_call(tmp_path):
    broken = tmp_path / "knowledge.yaml"
    broken.write_text(
        SMALL_KNOWLEDGE.replace("related: [base_crew]", "related: [nope]"), encoding="utf-8"
    )
    with FakeBotAPI() as api:
        result = run_bot(
            bot_env(
                TELEGRAM_BOT_TOKEN=api.token,
                TELEGRAM_API_BASE_URL=api.base_url,
                KNOWLEDGE_PATH=str(broken),
            )
        )
        assert api.calls() == []
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"{broken}:33: entry 'moon_base': related id 'nope' does not exist"
    )


@pytest.mark.slow
def test_token_never_appears_in_logs_even_at_debug_and_after_errors():
    with FakeBotAPI() as api:
        process = start_bot(
            bot_env(
                TELEGRAM_BOT_TOKEN=api.token,
                TELEGRAM_API_BASE_URL=api.base_url,
                LOG_LEVEL="DEBUG",
                TELEGRAM_READ_TIMEOUT="1",
            )
        )
        try:
            api.wait_for(lambda a: a.calls("getUpdates"), timeout=20)
            api.private_text("who heads roscosmos?", user_id=USER)
            api.wait_for(lambda a: a.sent_messages(USER), timeout=10)
            api.set_faults(
                FaultPlan(
                    rate=1.0, kinds=("500", "drop_before"), methods=("sendMessage",), max_faults=2
                )
            )
            api.private_text("what did rogozin admit?", user_id=USER)
            api.wait_for(lambda a: len(a.sent_messages(USER)) >= 2, timeout=20)
        finally:
            code, stderr = stop_bot(process)
    assert code == 0
    assert "DEBUG" in stderr and "sendMessage" in stderr
    assert api.token not in stderr
    assert api.token.split(":")[1] not in stderr


@pytest.mark.slow
def test_sigterm_finishes_in_flight_replies_exits_0_and_nothing_is_answered_twice(tmp_path):
    with FakeBotAPI() as api:
        env = bot_env(TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url)
        process = start_bot(env)
        try:
            api.wait_for(lambda a: a.calls("getUpdates"), timeout=20)
            for number in range(5):
                api.private_text("who heads roscosmos?", user_id=USER + number)
            api.wait_for(lambda a: len(a.sent_messages()) >= 5, timeout=10)
        finally:
            code, _ = stop_bot(process)
        assert code == 0
        assert api.pending_updates() == []

        # The first bot's last call confirmed the updates; the restarted bot's own first poll
        # (served, so it has started) would get any update it left unconfirmed.
        before = len(api.calls("getUpdates"))
        restarted = start_bot(env)
        try:
            api.wait_for(
                lambda a: any(call.executed for call in a.calls("getUpdates")[before:]),
                timeout=20,
            )
            time.sleep(0.5)
        finally:
            code, _ = stop_bot(restarted, signal.SIGINT)
    assert code == 0
    assert len(api.sent_messages()) == 5


@pytest.mark.slow
def test_a_failed_confirmation_at_shutdown_is_tried_again():
    with FakeBotAPI() as api:
        env = bot_env(TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url)
        process = start_bot(env)
        try:
            api.wait_for(lambda a: a.calls("getUpdates"), timeout=20)
            # The next two getUpdates fail: the poll after the question (the bot then waits
            # before polling again, and is stopped while it waits), and the shutdown's
            # confirmation, which must be tried again.
            plan = FaultPlan(rate=1.0, kinds=("500",), methods=("getUpdates",), max_faults=2)
            api.set_faults(plan)
            api.private_text("who heads roscosmos?", user_id=USER)
            api.wait_for(lambda a: a.sent_messages(USER), timeout=10)
        finally:
            code, _ = stop_bot(process)
        assert code == 0
        assert api.pending_updates() == []


@pytest.mark.parametrize("extra", [{"WEBHOOK_URL": "https://example.invalid/hook"}])
def test_webhook_mode_requires_a_secret(extra):
    result = run_bot(
        bot_env(TELEGRAM_BOT_TOKEN="123456789:AAFakeTokenForTestsOnly_abcdefghijk", **extra)
    )
    assert result.returncode == 2
    assert "WEBHOOK_SECRET" in result.stderr


@pytest.mark.slow
def test_default_command_with_a_token_runs_telegram_not_the_terminal():
    with FakeBotAPI() as api:
        env = bot_env(TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url)
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        try:
            api.wait_for(lambda a: a.calls("getUpdates"), timeout=20)
        finally:
            code, _ = stop_bot(process)
    assert code == 0


@pytest.mark.slow
def test_sigterm_waits_for_a_reply_in_flight():
    with FakeBotAPI() as api:
        process = start_bot(
            bot_env(TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url)
        )
        try:
            api.wait_for(lambda a: a.calls("getUpdates"), timeout=20)
            api.set_faults(
                FaultPlan(
                    rate=1.0,
                    kinds=("slow",),
                    methods=("sendMessage",),
                    max_faults=1,
                    slow_seconds=1.5,
                )
            )
            api.private_text("who heads roscosmos?", user_id=USER)
            api.wait_for(lambda a: a.calls("sendMessage"), timeout=10)
        finally:
            code, _ = stop_bot(process)  # while the reply's response is delayed
    assert code == 0
    [call] = api.calls("sendMessage")
    assert call.executed and call.status == 200  # the bot waited for it, did not cut it off


@pytest.mark.slow
def test_shutdown_is_bounded_when_telegram_keeps_failing():
    with FakeBotAPI() as api:
        process = start_bot(
            bot_env(
                TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url, SHUTDOWN_GRACE="1"
            )
        )
        try:
            api.wait_for(lambda a: a.calls("getUpdates"), timeout=20)
            api.set_faults(FaultPlan(rate=1.0, kinds=("500",), methods=("sendMessage",)))
            api.private_text("who heads roscosmos?", user_id=USER)
            api.wait_for(lambda a: a.calls("sendMessage"), timeout=10)
        finally:
            code, stderr = stop_bot(process)
    assert code == 0
    assert "finishing replies in flight (at most 1 s)" in stderr
    # Without the grace period delivery would try all MAX_ATTEMPTS (about 8 s of backoff).
    assert 1 <= len(api.calls("sendMessage")) < MAX_ATTEMPTS
    assert "sendMessage failed 6 time(s)" not in stderr


@pytest.mark.slow
def test_a_token_revoked_while_running_ends_the_process_with_one_line():
    with FakeBotAPI() as api:
        token = api.token
        process = start_bot(bot_env(TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_BASE_URL=api.base_url))
        try:
            api.wait_for(lambda a: a.calls("getUpdates"), timeout=20)
            api.token = "123456789:AARevokedRevokedRevokedRevoked12345"  # BotFather: /revoke
            _, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 3
    [line] = [line for line in stderr.splitlines() if "rejected TELEGRAM_BOT_TOKEN" in line]
    assert "exiting" in line
    assert token not in stderr and "Traceback" not in stderr


@pytest.mark.slow
def test_debug_logs_hide_the_webhook_secret_and_info_logs_hide_what_users_wrote():
    secret = "Sup3r-Secret-Webhook-Value"
    question = "who heads roscosmos, asks Zebediah?"
    with FakeBotAPI() as api:
        port = free_port()
        debug = start_bot(
            bot_env(
                TELEGRAM_BOT_TOKEN=api.token,
                TELEGRAM_API_BASE_URL=api.base_url,
                WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
                WEBHOOK_SECRET=secret,
                LISTEN="127.0.0.1",
                PORT=str(port),
                LOG_LEVEL="DEBUG",
            )
        )
        try:
            api.wait_for(lambda a: a.calls("setWebhook"), timeout=20)
        finally:
            _, debug_log = stop_bot(debug)
        info = start_bot(bot_env(TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url))
        try:
            api.wait_for(lambda a: a.calls("getUpdates"), timeout=20)
            api.private_text(question, user_id=USER)
            api.wait_for(lambda a: a.sent_messages(USER), timeout=10)
        finally:
            _, info_log = stop_bot(info)
    assert "setWebhook" in debug_log and "REDACTED" in debug_log
    assert secret not in debug_log
    assert "handled private" in info_log
    assert "Zebediah" not in info_log
