"""The curator's loop through the real Application and the fake Bot API: misses recorded,
feedback buttons, /stats for admins, shareable answers, and nothing about who asked."""

from __future__ import annotations

import json
import sqlite3
import struct
from pathlib import Path

from bot.curation import FILE_NAME, CurationStore, entry_stats
from tests.e2e import BOT, GROUP, buttons, replies, running_bot
from tests.support import run_cli

# Distinctive ids, so that finding them in a file cannot be a coincidence.
READER = 918273645
OTHER_READER = 827364519
ADMIN = 736451928
GROUP_CHAT = GROUP

UNANSWERED = [
    "how do I bake sourdough bread?",
    "what is the weather in paris tomorrow",
    "who won the world cup in 2018",
    "best pizza in naples",
    "how much does a tesla cost",
]
ANSWERED = ["who heads roscosmos?", "what did rogozin admit"]


def recording(data_dir: Path, **overrides: object) -> dict[str, object]:
    return {"record_misses": True, "data_dir": data_dir, **overrides}


def url_buttons(message: dict) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {
        b["text"]: b["url"] for row in markup.get("inline_keyboard", []) for b in row if "url" in b
    }


async def test_misses_lists_the_five_unanswered_questions_and_no_answered_one(api, tmp_path):
    async with running_bot(api, **recording(tmp_path)):
        for question in UNANSWERED:
            api.private_text(question, user_id=READER)
        api.private_text(UNANSWERED[0], user_id=OTHER_READER)
        api.group_text(f"@{BOT} {ANSWERED[0]}", chat_id=GROUP_CHAT, user_id=OTHER_READER)
        api.private_text(ANSWERED[1], user_id=READER)
        await replies(api, READER, 6)
        await replies(api, OTHER_READER)
        await replies(api, GROUP_CHAT)
    result = run_cli("misses", "--json", "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    groups = json.loads(result.stdout)
    assert sorted(g["question"] for g in groups) == sorted(UNANSWERED)
    counts = {g["question"]: g["count"] for g in groups}
    assert counts[UNANSWERED[0]] == 2 and groups[0]["question"] == UNANSWERED[0]
    assert all(g["decision"] == "decline" and isinstance(g["nearest"], list) for g in groups)
    assert not any(q in result.stdout for q in ANSWERED)


async def test_no_file_under_data_dir_holds_a_user_id_chat_id_or_name(api, tmp_path):
    async with running_bot(api, **recording(tmp_path)):
        api.private_text(UNANSWERED[0], user_id=READER)
        api.group_text(f"@{BOT} {UNANSWERED[1]}", chat_id=GROUP_CHAT, user_id=OTHER_READER)
        [answer] = await replies(api, READER)
        await replies(api, GROUP_CHAT)
        api.private_text(ANSWERED[0], user_id=READER)
        answer = (await replies(api, READER, 2))[1]
        api.callback(dict(buttons(answer))["👎"], user_id=READER, message=answer)
        await api.wait_for_async(lambda a: a.calls("answerCallbackQuery"))
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert files  # the database, and its WAL while a connection is open
    needles = []
    for number in (READER, OTHER_READER, GROUP_CHAT):
        needles += [str(number).encode(), struct.pack(">q", number), struct.pack(">i", number)]
        needles += [f"user{number}".encode(), f"User{number}".encode()]
    contents = {path: path.read_bytes() for path in files}
    assert any(UNANSWERED[0].encode() in content for content in contents.values())  # it looks
    for path, content in contents.items():
        assert not [n for n in needles if n in content], path


async def test_recording_off_writes_nothing(api, tmp_path):
    data_dir = tmp_path / "data"
    async with running_bot(api, record_misses=False, data_dir=data_dir):
        api.private_text(UNANSWERED[0], user_id=READER)
        await replies(api, READER)
    assert not (data_dir / FILE_NAME).exists()  # the handled-update ids may be there


async def test_thumbs_up_and_down_are_thanked_and_counted(api, tmp_path):
    async with running_bot(api, **recording(tmp_path)):
        api.private_text(ANSWERED[0], user_id=READER)
        [answer] = await replies(api, READER)
        row = answer["reply_markup"]["inline_keyboard"][0]
        assert [b["text"] for b in row] == ["Source", "👍", "👎"]
        assert all(len(b["callback_data"].encode()) <= 64 for b in row)
        api.callback(row[1]["callback_data"], user_id=READER, message=answer)
        api.callback(row[2]["callback_data"], user_id=OTHER_READER, message=answer)
        await api.wait_for_async(lambda a: len(a.calls("answerCallbackQuery")) >= 2)
        await api.wait_idle_async(quiet=0.2)
    toasts = [c.params.get("text") for c in api.calls("answerCallbackQuery")]
    assert toasts == ["Thanks for the feedback!"] * 2
    assert len(api.sent_messages(READER)) == 1  # a vote sends no message
    store = CurationStore.in_dir(tmp_path)
    [stats] = entry_stats(store.tallies())
    assert (stats.entry_id, stats.given, stats.liked, stats.disliked) == ("roscosmos_head", 1, 1, 1)
    [miss] = store.misses()
    assert miss.decision == "disliked" and miss.nearest[0][0] == "roscosmos_head"
    assert miss.question == "Who heads Roscosmos?"  # private: the entry's title stands in


async def test_thumbs_down_in_a_group_keeps_the_question_it_answered(api, tmp_path):
    async with running_bot(api, **recording(tmp_path)):
        api.group_text(f"@{BOT} who is in charge of roscosmos", chat_id=GROUP_CHAT, user_id=READER)
        [answer] = await replies(api, GROUP_CHAT)
        assert not url_buttons(answer)  # Share is offered in private chats only
        api.callback(dict(buttons(answer))["👎"], user_id=READER, message=answer)
        await api.wait_for_async(lambda a: a.calls("answerCallbackQuery"))
        await api.wait_idle_async(quiet=0.2)
    [miss] = CurationStore.in_dir(tmp_path).misses()
    assert miss.question == "who is in charge of roscosmos"


async def test_stats_command_shows_admins_the_week_and_is_hidden_from_others(api, tmp_path):
    async with running_bot(api, **recording(tmp_path, admin_user_ids=frozenset({ADMIN}))):
        api.private_text(UNANSWERED[2], user_id=READER)
        api.private_text(UNANSWERED[2], user_id=OTHER_READER)
        api.private_text(ANSWERED[0], user_id=READER)
        await replies(api, READER, 2)
        await replies(api, OTHER_READER)
        # Records are written just after each reply; /stats must not overtake them.
        store = CurationStore.in_dir(tmp_path)
        await api.wait_for_async(
            lambda _: sum(c for k, _, c in store.tallies() if k != "given") == 3
        )
        api.private_text("/stats", user_id=ADMIN)
        [report] = await replies(api, ADMIN)
        api.private_text("/stats", user_id=READER)
        refused = (await replies(api, READER, 3))[2]
    text = report["text"]
    assert "Questions: 3 in the last day, 3 in the last week." in text
    assert "33% answered" in text and "67% declined" in text and "0% partial" in text
    assert f"1. {UNANSWERED[2]} — 2× (decline)" in text
    assert refused["text"].startswith("I don’t know that command")


async def test_share_link_opens_the_answer_in_a_private_chat(api, tmp_path):
    async with running_bot(api, **recording(tmp_path)):
        api.private_text(ANSWERED[0], user_id=READER)
        [answer] = await replies(api, READER)
        link = url_buttons(answer)["Share this answer"]
        assert link == f"https://t.me/{BOT}?start=roscosmos_head"
        api.private_text("/start roscosmos_head", user_id=OTHER_READER)
        [shared] = await replies(api, OTHER_READER)
        api.private_text("/start inline", user_id=OTHER_READER)
        api.private_text("/start no_such_entry", user_id=OTHER_READER)
        greetings = (await replies(api, OTHER_READER, 3))[1:]
    assert shared["text"] == answer["text"]
    assert buttons(shared)[0][0] == "Source"
    assert all("I answer questions about one news article" in g["text"] for g in greetings)
    [stats] = entry_stats(CurationStore.in_dir(tmp_path).tallies())
    assert stats.given == 2


class BrokenStore:
    """A store whose every write fails as a locked or full disk would."""

    def __getattr__(self, name: str) -> object:
        def fail(*args: object, **kwargs: object) -> None:
            raise sqlite3.OperationalError("database is locked")

        return fail


async def test_a_failing_write_is_logged_and_the_reader_still_gets_the_reply(api, caplog):
    async with running_bot(api) as application:
        application.bot_data["curation"] = BrokenStore()
        api.private_text(UNANSWERED[0], user_id=READER)
        [decline] = await replies(api, READER)
        await api.wait_idle_async(quiet=0.2)
    assert "doesn’t cover that" in decline["text"]
    assert "could not record for the curator" in caplog.text
