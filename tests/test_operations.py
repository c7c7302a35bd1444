"""Operating the bot: reloading knowledge, the flood guard, webhooks with a secret."""

from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.request

import pytest

from bot.telegram.services import Flood, FloodGuard
from tests.e2e import BOT, replies, running_bot, settled
from tests.fake_bot_api import FakeBotAPI
from tests.support import SMALL_KNOWLEDGE, bot_env, free_port, start_bot, stop_bot

ADMIN = 4242
USER = 5151


@pytest.fixture
def knowledge_copy(tmp_path):
    path = tmp_path / "knowledge.yaml"
    path.write_text(SMALL_KNOWLEDGE, encoding="utf-8")
    return path


async def test_reload_swaps_in_a_valid_file_for_admins(api, knowledge_copy):
    async with running_bot(api, knowledge=knowledge_copy, admin_user_ids=frozenset({ADMIN})):
        api.private_text("who is the chief engineer", user_id=USER)
        [before] = await replies(api, USER)
        assert "Jane Smith" in before["text"]
        knowledge_copy.write_text(
            SMALL_KNOWLEDGE.replace(
                "answer: Jane Smith is the chief engineer.",
                "answer: Jane Smith, the chief engineer, leads Acme engineering.",
            ),
            encoding="utf-8",
        )
        api.private_text("/reload", user_id=ADMIN)
        [done] = await replies(api, ADMIN)
        assert done["text"] == "Reloaded: 4 entries."
        api.private_text("who is the chief engineer", user_id=USER)
        after = (await replies(api, USER, 2))[1]
    assert "leads Acme engineering" in after["text"]


async def test_reload_of_a_broken_file_is_reported_and_the_old_knowledge_kept(api, knowledge_copy):
    async with running_bot(api, knowledge=knowledge_copy, admin_user_ids=frozenset({ADMIN})):
        knowledge_copy.write_text(
            SMALL_KNOWLEDGE.replace("related: [base_crew]", "related: [nope]"), encoding="utf-8"
        )
        api.private_text("/reload", user_id=ADMIN)
        [report] = await replies(api, ADMIN)
        assert report["text"].startswith("Reload refused; still serving the previous")
        assert f"{knowledge_copy}:33: entry 'moon_base': related id 'nope'" in report["text"]
        api.private_text("who is the chief engineer", user_id=USER)
        [answer] = await replies(api, USER)
    assert "Jane Smith is the chief engineer." in answer["text"]


async def test_reload_from_a_non_admin_looks_like_any_unknown_command(api, knowledge_copy):
    async with running_bot(api, knowledge=knowledge_copy, admin_user_ids=frozenset({ADMIN})):
        api.private_text("/reload", user_id=USER)
        api.private_text("/frobnicate", user_id=USER + 1)
        first = (await replies(api, USER))[0]
        second = (await replies(api, USER + 1))[0]
    assert first["text"] == second["text"]
    assert "reload" not in first["text"].lower()


@pytest.mark.slow
async def test_questions_in_flight_during_reloads_are_all_answered(api, knowledge_copy):
    async with running_bot(
        api, knowledge=knowledge_copy, admin_user_ids=frozenset({ADMIN}), flood_max=1000
    ):
        for number in range(60):
            api.private_text("who built the falcon rocket", user_id=20_000 + number)
            if number % 15 == 0:
                api.private_text("/reload", user_id=ADMIN)
        await api.wait_for_async(lambda a: len(a.sent_messages()) >= 64, timeout=20)
        await settled(api)
    answers = [m for m in api.sent_messages() if 20_000 <= m["chat"]["id"] < 20_060]
    assert len(answers) == 60
    assert all(m["text"] == "The Acme company built the Falcon rocket." for m in answers)


@pytest.mark.slow
def test_sighup_reloads_the_knowledge_file(knowledge_copy):
    with FakeBotAPI(username=BOT) as api:
        process = start_bot(
            bot_env(
                TELEGRAM_BOT_TOKEN=api.token,
                TELEGRAM_API_BASE_URL=api.base_url,
                KNOWLEDGE_PATH=str(knowledge_copy),
            )
        )
        try:
            api.wait_for(lambda a: a.calls("getUpdates"), timeout=20)
            knowledge_copy.write_text(
                SMALL_KNOWLEDGE.replace(
                    "answer: The base will house four people.",
                    "answer: The base will house four people, says the article.",
                ),
                encoding="utf-8",
            )
            process.send_signal(signal.SIGHUP)
            for attempt in range(50):
                api.private_text("moon base crew size", user_id=USER + attempt)
                api.wait_for(lambda a, n=attempt: len(a.sent_messages()) > n, timeout=10)
                if "says the article" in api.sent_messages()[-1]["text"]:
                    break
        finally:
            code, stderr = stop_bot(process)
    assert code == 0
    assert "says the article" in api.sent_messages()[-1]["text"]
    assert "SIGHUP: reloaded 4 entries" in stderr


async def test_flood_guard_warns_once_then_stays_silent_until_the_window_passes():
    now = [0.0]
    guard = FloodGuard(max_questions=3, window=10, clock=lambda: now[0])
    assert [await guard.check(1) for _ in range(3)] == [Flood.OK] * 3
    assert await guard.check(1) is Flood.WARN
    assert await guard.check(1) is Flood.SILENT
    assert await guard.check(2) is Flood.OK  # per user
    now[0] = 10.0
    assert await guard.check(1) is Flood.OK


async def test_flooding_user_gets_one_slow_down_then_silence_and_inline_is_exempt(api):
    async with running_bot(api, flood_max=10, flood_window=60):
        for _ in range(14):
            api.private_text("who heads roscosmos?", user_id=USER)
        for _ in range(3):
            api.inline_query("rogozin", user_id=USER)
        await api.wait_for_async(lambda a: len(a.sent_messages(USER)) >= 11, timeout=10)
        await settled(api)
    texts = [m["text"] for m in api.sent_messages(USER)]
    assert len(texts) == 11
    assert sum("faster than I can read" in text for text in texts) == 1
    assert len(api.calls("answerInlineQuery")) == 3


def _post(url: str, update: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(update).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_webhook_requires_the_secret_header_and_serves_updates():
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    with FakeBotAPI(username=BOT) as api:
        process = start_bot(
            bot_env(
                TELEGRAM_BOT_TOKEN=api.token,
                TELEGRAM_API_BASE_URL=api.base_url,
                WEBHOOK_URL=url,
                WEBHOOK_SECRET="s3cret-token_1",
                LISTEN="127.0.0.1",
                PORT=str(port),
            )
        )
        try:
            api.wait_for(lambda a: a.calls("setWebhook"), timeout=20)
            assert api.calls("setWebhook")[0].params["secret_token"] == "s3cret-token_1"
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "text": "who heads roscosmos?",
                    "chat": {"id": USER, "type": "private"},
                    "from": {"id": USER, "is_bot": False, "first_name": "U"},
                },
            }
            deadline = time.monotonic() + 10
            while True:
                try:
                    status = _post(url, update, secret="wrong")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            assert status == 403
            assert _post(url, update, secret=None) == 403
            api.wait_idle(quiet=0.5)
            assert api.sent_messages() == []
            assert _post(url, update, secret="s3cret-token_1") == 200
            api.wait_for(lambda a: a.sent_messages(USER), timeout=10)
        finally:
            code, _ = stop_bot(process)
    assert code == 0
    assert "Rogozin" in api.sent_messages(USER)[0]["text"]
