"""No reply lost or doubled under Bot API faults; odd updates never crash a handler."""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from tests.e2e import BOT, GROUP, replies, running_bot, settled
from tests.fake_bot_api import FakeBotAPI, FaultPlan

CHATS = 300
FIRST_CHAT = 100_000
QUESTIONS = [
    "who heads roscosmos?",
    "what did rogozin admit?",
    "is china helping russia dodge sanctions?",
    "what happened to exomars?",
    "what is the celestial empire?",
    "tell me a joke",
    "lunar station with china?",
    "what does CASIC stand for",
]
REPORTED_FAULTS = ("500", "502", "429", "drop_before")
UNKNOWABLE_FAULTS = ("slow", "lost_response")


async def ask_from_many_chats(api: FakeBotAPI, plan: FaultPlan | None) -> tuple[int, int, int]:
    """300 private chats ask once each; returns (lost, doubled, unknowable sendMessage faults)."""
    if plan is not None:
        api.set_faults(plan)
    # Short client timeouts, so "slow" responses really time out and retries stay quick.
    async with running_bot(api, read_timeout=1.0, rate_limit=False, flood_max=1000):
        for number in range(CHATS):
            api.private_text(QUESTIONS[number % len(QUESTIONS)], user_id=FIRST_CHAT + number)
        await api.wait_for_async(
            lambda a: len({m["chat"]["id"] for m in a.sent_messages()}) >= CHATS, timeout=90
        )
        await api.wait_idle_async(quiet=1.5, timeout=30)
    per_chat = Counter(m["chat"]["id"] for m in api.sent_messages())
    lost = sum(1 for number in range(CHATS) if per_chat[FIRST_CHAT + number] == 0)
    doubled = sum(count - 1 for count in per_chat.values() if count > 1)
    unknowable = sum(
        n
        for (method, kind), n in api.fault_counts().items()
        if method == "sendMessage" and kind in UNKNOWABLE_FAULTS
    )
    print(
        f"\nfaults={plan.kinds if plan else None} rate={plan.rate if plan else 0} "
        f"lost={lost} doubled={doubled} unknowable_send_faults={unknowable} "
        f"faults={dict(api.fault_counts())}"
    )
    return lost, doubled, unknowable


@pytest.mark.slow
@pytest.mark.timeout(150)
async def test_without_faults_every_chat_gets_exactly_one_reply(api):
    assert await ask_from_many_chats(api, None) == (0, 0, 0)


@pytest.mark.slow
@pytest.mark.timeout(150)
async def test_errors_telegram_reports_lose_and_double_nothing(api):
    plan = FaultPlan(rate=0.2, kinds=REPORTED_FAULTS, seed=20261126, retry_after=1)
    lost, doubled, _ = await ask_from_many_chats(api, plan)
    assert sum(api.fault_counts().values()) > 50  # the faults really happened
    assert (lost, doubled) == (0, 0)


@pytest.mark.slow
@pytest.mark.timeout(150)
async def test_lost_and_slow_responses_lose_nothing_and_double_only_what_cannot_be_known(api):
    plan = FaultPlan(
        rate=0.2,
        kinds=REPORTED_FAULTS + UNKNOWABLE_FAULTS,
        seed=20261127,
        retry_after=1,
        slow_seconds=1.5,
    )
    lost, doubled, unknowable = await ask_from_many_chats(api, plan)
    assert unknowable > 0
    assert lost == 0
    assert doubled <= unknowable


@pytest.mark.slow
async def test_updates_are_neither_dropped_nor_repeated_when_get_updates_fails(api):
    # PTB backs off 1 s, then 1.5x longer, after each failed getUpdates in a row.
    api.set_faults(
        FaultPlan(
            rate=0.25,
            kinds=("500", "drop_before", "lost_response"),
            methods=("getUpdates",),
            seed=7,
        )
    )
    async with running_bot(api, read_timeout=1.0):
        for number in range(20):
            api.private_text("who heads roscosmos?", user_id=7000 + number)
            await api.wait_for_async(
                lambda a, n=number: a.updates_confirmed() > n or len(a.sent_messages()) > n,
                timeout=60,
            )
        await api.wait_for_async(lambda a: len(a.sent_messages()) >= 20, timeout=60)
        await api.wait_idle_async(quiet=1.0, timeout=30)
    assert sum(api.fault_counts().values()) > 0
    assert sorted(m["chat"]["id"] for m in api.sent_messages()) == list(range(7000, 7020))


async def test_odd_updates_get_a_graceful_reply_or_silence_and_never_an_error(api, caplog):
    caplog.set_level(logging.ERROR)
    async with running_bot(api):
        api.message(chat_id=8001, user_id=8001, chat_type="private")  # no text at all
        api.message(chat_id=8002, user_id=None, chat_type="private", text="hi")  # no sender
        api.message("channel_post", chat_id=-100900, chat_type="channel", text="who is rogozin")
        api.message(
            "edited_message",
            chat_id=8003,
            user_id=8003,
            chat_type="private",
            text="who heads roscosmos?",
        )
        api.private_text(
            "who heads roscosmos?",
            user_id=8004,
            forward_origin={"type": "hidden_user", "date": 0, "sender_user_name": "Someone"},
        )
        api.group_text(f"@{BOT} " + "\u202e\u200b" * 50, chat_id=GROUP, user_id=8005)
        api.private_text("/start", user_id=8006)
        [start] = await replies(api, 8006)
        for data in ("", "a:", "zz:top", "a:../../etc", "t:99999", "s:" + "x" * 62, "💥"):
            api.callback(data, user_id=8006, message=start)
        api.inline_query("q" * 256, user_id=8007)
        api.inline_query("🤔" * 128, user_id=8007)
        await settled(api)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert api.sent_messages(-100900) == [] and api.sent_messages(8003) == []
    assert api.sent_messages(8002) == []
    assert len(api.sent_messages(8001)) == 1  # the one-line "text only" hint
    assert len(api.sent_messages(8004)) == 1  # a forwarded question is a question
    assert len(api.calls("answerCallbackQuery")) == 7
    assert len(api.calls("answerInlineQuery")) == 2


async def test_an_unexpected_error_is_logged_without_the_token_and_the_bot_goes_on(
    api, caplog, monkeypatch
):
    from bot.telegram import handlers

    calls = {"n": 0}
    real = handlers.message_reply

    def failing_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError(f"boom near {api.token}")
        return real(*args, **kwargs)

    monkeypatch.setattr(handlers, "message_reply", failing_once)
    caplog.set_level(logging.ERROR)
    async with running_bot(api):
        api.private_text("who heads roscosmos?", user_id=8101)
        await api.wait_for_async(
            lambda a: any(
                "boom" in r.getMessage() or "boom" in (r.exc_text or "") for r in caplog.records
            ),
            timeout=5,
        )
        api.private_text("who heads roscosmos?", user_id=8102)
        await replies(api, 8102)
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "unhandled error" in logged and "boom" in logged
    assert api.token not in logged
