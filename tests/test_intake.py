"""Receiving updates: the offset confirms only finished updates, handled ids survive a
restart for 24 h, chats keep their order, and the flood guard's cost and memory are bounded."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from pathlib import Path

import pytest

from bot.telegram.handled import KEEP_SECONDS, PRUNE_EVERY, SqliteHandledUpdates
from bot.telegram.intake import ChatTurns
from bot.telegram.polling import OffsetTracker
from bot.telegram.services import Flood, FloodGuard
from tests.e2e import BOT, GROUP, replies, running_bot, settled
from tests.fake_bot_api import FakeBotAPI

# Four questions whose answers differ, so the order of the replies shows.
IN_ORDER = [
    ("who heads roscosmos?", "names Dmitry Rogozin"),
    ("what did rogozin admit?", "admitted"),
    ("what happened to exomars?", "ExoMars"),
    ("what does CASIC stand for", "CASIC"),
]


def test_offset_stays_at_the_lowest_update_in_flight():
    tracker = OffsetTracker()
    assert [tracker.start(u) for u in (5, 6, 7)] == [True, True, True]
    tracker.finish(6)
    tracker.finish(7)
    assert tracker.offset == 5  # 6 and 7 are done, but 5 is not: confirm nothing yet
    tracker.confirmed(5)
    assert [tracker.start(u) for u in (5, 6, 7)] == [False, False, False]  # re-sent batch
    tracker.finish(5)
    assert tracker.offset == 8
    tracker.confirmed(8)
    assert tracker.start(8) is True


async def test_handled_updates_survive_a_reopen_and_expire_after_a_day(tmp_path: Path):
    now = [1_000_000.0]
    handled = SqliteHandledUpdates(tmp_path / "h.sqlite3", bot_id=1, clock=lambda: now[0])
    await handled.remember(41)
    await handled.close()
    reopened = SqliteHandledUpdates(tmp_path / "h.sqlite3", bot_id=1, clock=lambda: now[0])
    other_bot = SqliteHandledUpdates(tmp_path / "h.sqlite3", bot_id=2, clock=lambda: now[0])
    assert await reopened.seen(41) and not await reopened.seen(42)
    assert not await other_bot.seen(41)
    now[0] += KEEP_SECONDS + 1
    for update_id in range(100, 100 + PRUNE_EVERY):
        await reopened.remember(update_id)
    assert not await reopened.seen(41)
    assert len(reopened) <= PRUNE_EVERY  # bounded: expired ids are dropped as it goes
    await reopened.close()
    await other_bot.close()


async def test_a_chats_turns_keep_arrival_order_and_are_forgotten_when_idle():
    turns, order = ChatTurns(), []

    async def work(key: str, number: int, pause: float) -> None:
        async with turns.turn(key):
            await asyncio.sleep(pause)
            order.append((key, number))

    await asyncio.gather(work("a", 1, 0.05), work("a", 2, 0), work("b", 1, 0), work("a", 3, 0))
    assert [n for key, n in order if key == "a"] == [1, 2, 3]
    assert order[0] == ("b", 1)  # another chat did not wait for "a"
    assert len(turns) == 0


async def test_flood_guard_check_is_one_lookup_and_memory_is_one_window_of_users():
    now = [0.0]
    guard = FloodGuard(max_questions=2, window=10, clock=lambda: now[0])
    for user in range(100_000):
        assert await guard.check(user) is Flood.OK
    assert len(guard) == 100_000
    now[0] = 10.0  # the next window: the previous one's counters are gone at once
    assert await guard.check(1) is Flood.OK
    assert len(guard) == 1


@pytest.mark.slow
async def test_replies_in_one_chat_come_in_the_order_of_its_questions():
    chats = range(51_000, 51_040)
    with FakeBotAPI(username=BOT) as api:
        async with running_bot(api, rate_limit=False, flood_max=1000):
            for chat in chats:
                for text, _ in IN_ORDER:
                    api.private_text(text, user_id=chat)
            await api.wait_for_async(lambda a: len(a.sent_messages()) >= 160, timeout=30)
            await settled(api)
        by_chat = defaultdict(list)
        for message in api.sent_messages():
            by_chat[message["chat"]["id"]].append(message["text"])
    for chat in chats:
        seen = [next(i for i, (_, word) in enumerate(IN_ORDER) if word in t) for t in by_chat[chat]]
        assert seen == [0, 1, 2, 3], (chat, by_chat[chat])


async def test_a_mention_that_cuts_an_emoji_in_half_is_still_understood(caplog):
    caplog.set_level(logging.ERROR)
    text = f"🚀@{BOT} who heads roscosmos?"
    # Offset 1 is the middle of the rocket's surrogate pair.
    entity = {"type": "mention", "offset": 1, "length": len(BOT) + 2}
    with FakeBotAPI(username=BOT) as api:
        async with running_bot(api):
            api.group_text(text, chat_id=GROUP, user_id=7301, entities=[entity])
            [reply] = await replies(api, GROUP)
    assert "Rogozin" in reply["text"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_photo_caption_that_mentions_the_bot_in_a_group_is_answered(caplog):
    caplog.set_level(logging.ERROR)
    caption = f"@{BOT} who heads roscosmos?"
    photo = [{"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 90}]
    with FakeBotAPI(username=BOT) as api:
        async with running_bot(api):
            sent = api.message(
                chat_id=GROUP,
                chat_type="supergroup",
                user_id=7302,
                photo=photo,
                caption=caption,
                caption_entities=[{"type": "mention", "offset": 0, "length": len(BOT) + 1}],
            )
            [reply] = await replies(api, GROUP)
    assert "Rogozin" in reply["text"]
    assert reply["reply_to_message"]["message_id"] == sent["message"]["message_id"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_topics_button_on_a_users_own_message_sends_the_page_instead(caplog):
    caplog.set_level(logging.ERROR)
    with FakeBotAPI(username=BOT) as api:
        async with running_bot(api):
            users_message = api.private_text("hello", user_id=7303)["message"]
            await replies(api, 7303)
            api.callback("t:1", user_id=7303, message=users_message)
            pages = await replies(api, 7303, 2)
            await settled(api)
    assert "What the article covers (2/" in pages[-1]["text"]
    assert api.calls("editMessageText") == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
