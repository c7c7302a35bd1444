"""The fake Bot API must be indistinguishable from Telegram for the real PTB stack, or the
end-to-end tests built on it prove nothing. These tests drive it with unmodified PTB."""

from __future__ import annotations

import asyncio
import datetime as dtm
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.error import EndPointNotFound, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from tests.fake_bot_api import DEFAULT_USER_ID, FakeBotAPI, FaultPlan, detect_entities

pytestmark = pytest.mark.timeout(10)


def build_app(api: FakeBotAPI) -> Application:
    """A real PTB Application with short timeouts, so faults cannot stall a test."""
    app = (
        Application.builder()
        .token(api.token)
        .base_url(api.base_url)
        .connect_timeout(1)
        .read_timeout(1)
        .write_timeout(1)
        .pool_timeout(1)
        .get_updates_read_timeout(1)
        .get_updates_connect_timeout(1)
        .build()
    )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more")]])
        await update.effective_message.reply_text(f"started {context.args}", reply_markup=keyboard)

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("ok")
        await update.callback_query.edit_message_text(f"pressed {update.callback_query.data}")

    async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.inline_query.query
        await update.inline_query.answer(
            [InlineQueryResultArticle("1", query, InputTextMessageContent(query.upper()))]
        )

    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(button))
    app.add_handler(InlineQueryHandler(inline))
    return app


@asynccontextmanager
async def running(api: FakeBotAPI) -> AsyncIterator[Application]:
    app = build_app(api)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def direct_bot(api: FakeBotAPI, token: str | None = None, read_timeout: float = 1.0) -> Bot:
    request = HTTPXRequest(connect_timeout=1, read_timeout=read_timeout)
    return Bot(token or api.token, base_url=api.base_url, request=request)


# ---------------------------------------------------------------- real PTB Application
async def test_echo_in_private_and_group_and_ptb_call_sequence(api: FakeBotAPI) -> None:
    async with running(api):
        update = api.private_text("hello 42")
        (reply,) = await api.wait_for_async(lambda a: a.sent_messages(DEFAULT_USER_ID))
        in_group = api.group_text("hi all")
        (group_reply,) = await api.wait_for_async(lambda a: a.sent_messages(-100123))
    assert reply["text"] == "hello 42" and reply["chat"]["type"] == "private"
    assert reply["from"]["id"] == api.bot_user["id"]
    assert reply["message_id"] == update["message"]["message_id"] + 1  # one counter per chat
    assert "reply_to_message" not in reply  # PTB 22's reply_text only quotes outside private
    assert group_reply["text"] == "hi all" and group_reply["chat"]["type"] == "supergroup"
    quoted = api.calls("sendMessage")[1].params["reply_parameters"]
    assert quoted["message_id"] == in_group["message"]["message_id"]
    assert group_reply["reply_to_message"]["text"] == "hi all"
    methods = [c.method for c in api.calls()]
    assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    # On stop PTB makes one more getUpdates (timeout=0) to confirm what it fetched.
    assert methods[-1] == "getUpdates" and api.calls("getUpdates")[-1].params["timeout"] == 0
    assert api.updates_confirmed() == in_group["update_id"] + 1 and not api.pending_updates()


async def test_command_entity_reaches_command_handler(api: FakeBotAPI) -> None:
    async with running(api):
        api.private_text("/start a b")
        api.group_text("/start@ArticleBot x")  # addressed to us in a group
        api.group_text("/start@OtherBot y")  # addressed to another bot: ignored by PTB
        await api.wait_for_async(lambda a: len(a.sent_messages()) >= 2)
        await api.wait_idle_async()
    texts = sorted(m["text"] for m in api.sent_messages())
    assert texts == ["started ['a', 'b']", "started ['x']"]
    group_reply = api.sent_messages(-100123)[0]
    assert group_reply["chat"]["type"] == "supergroup"
    assert group_reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "more"
    # PTB JSON-encodes reply_markup inside the form body; the fake decodes it.
    params = api.calls("sendMessage")[0].params
    assert params["reply_markup"] == {
        "inline_keyboard": [[{"text": "More", "callback_data": "more"}]]
    }


async def test_callback_query_is_answered_and_message_edited(api: FakeBotAPI) -> None:
    async with running(api):
        api.private_text("/start")
        shown = (await api.wait_for_async(lambda a: a.sent_messages()))[0]
        update = api.callback("more", message=shown)
        await api.wait_for_async(lambda a: a.calls("editMessageText"))
    (answer,) = api.calls("answerCallbackQuery")
    assert answer.params["callback_query_id"] == update["callback_query"]["id"]
    assert answer.executed and answer.result is True and answer.params["text"] == "ok"
    (edit,) = api.calls("editMessageText")
    assert edit.result["text"] == "pressed more" and "reply_markup" not in edit.result
    assert api.get_message(DEFAULT_USER_ID, shown["message_id"])["text"] == "pressed more"


async def test_inline_query_is_answered(api: FakeBotAPI) -> None:
    async with running(api):
        update = api.inline_query("query")
        (call,) = await api.wait_for_async(lambda a: a.calls("answerInlineQuery"))
    assert call.params["inline_query_id"] == update["inline_query"]["id"]
    (result,) = call.params["results"]
    assert (
        result["type"] == "article" and result["input_message_content"]["message_text"] == "QUERY"
    )


async def test_silence_is_observable(api: FakeBotAPI) -> None:
    async with running(api):
        update = api.sticker()  # no handler matches a sticker
        await api.wait_idle_async(quiet=0.3)
        assert not api.calls("sendMessage")
        assert api.updates_confirmed() == update["update_id"] + 1  # fetched, not answered


@pytest.mark.slow
async def test_lost_get_updates_is_redelivered_once(api: FakeBotAPI) -> None:
    api.set_faults(
        FaultPlan(rate=1, kinds=("lost_response",), methods=("getUpdates",), max_faults=1)
    )
    update = api.private_text("again")
    async with running(api):
        await api.wait_for_async(lambda a: a.sent_messages(), timeout=4)
        await api.wait_idle_async()
    first = api.calls("getUpdates")[0]
    assert first.fault == "lost_response" and first.executed and first.result  # taken, not seen
    assert [m["text"] for m in api.sent_messages()] == ["again"]
    assert api.updates_confirmed() == update["update_id"] + 1
    assert api.fault_counts() == {("getUpdates", "lost_response"): 1}


# ---------------------------------------------------------------- protocol details
async def test_wrong_token_raises_invalid_token(api: FakeBotAPI) -> None:
    bot = direct_bot(api, token="987654321:AAWrongTokenWrongTokenWrongToken")
    with pytest.raises(InvalidToken):
        async with bot:  # initialize() calls getMe; __aenter__ shuts down on failure
            pass
    (call,) = api.calls()
    assert call.method == "getMe" and call.status == 401 and not call.executed
    app = Application.builder().token("1:bad").base_url(api.base_url).build()
    with pytest.raises(InvalidToken):
        async with app:
            pass
    # PTB quirk: Application.shutdown() is a no-op when initialize() failed, so the bot's
    # httpx clients would leak (ResourceWarning) without this.
    await app.bot.shutdown()


async def test_unknown_method_is_404(api: FakeBotAPI) -> None:
    async with direct_bot(api) as bot:
        # PTB maps 404 to InvalidToken, and do_api_request re-raises it as EndPointNotFound.
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("noSuchMethod")
    assert api.calls("noSuchMethod")[0].status == 404


async def test_get_updates_confirms_below_its_offset_and_a_long_poll_wakes_on_an_update(
    api: FakeBotAPI,
) -> None:
    ids = [api.private_text(f"m{i}")["update_id"] for i in range(3)]
    async with direct_bot(api) as bot:
        assert [u.update_id for u in await bot.get_updates(timeout=0)] == ids
        assert [u.update_id for u in await bot.get_updates(timeout=0, limit=1)] == ids[:1]
        got = await bot.get_updates(offset=ids[1] + 1, timeout=0)  # confirms ids[0], ids[1]
        assert [u.update_id for u in got] == ids[2:]
        assert api.updates_confirmed() == ids[1] + 1
        # Confirmed updates never come back, even without an offset.
        assert [u.update_id for u in await bot.get_updates(timeout=0)] == ids[2:]
        # A long poll returns as soon as an update is queued.
        threading.Timer(0.2, api.private_text, args=("late",)).start()
        got = await asyncio.wait_for(bot.get_updates(offset=ids[2] + 1, timeout=30), timeout=10)
        assert [u.message.text for u in got] == ["late"]  # woken by the update, not the 30 s
        assert api.updates_confirmed() == ids[2] + 1  # that long poll confirmed ids[2]
        # A failed getUpdates confirms nothing.
        api.set_faults(FaultPlan(rate=1, kinds=("500",), methods=("getUpdates",)))
        with pytest.raises(NetworkError):
            await bot.get_updates(offset=got[0].update_id + 1, timeout=0)
        assert api.updates_confirmed() == ids[2] + 1 and len(api.pending_updates()) == 1
        # An executed getUpdates whose answer is lost delivers nothing and confirms nothing new.
        api.set_faults(FaultPlan(rate=1, kinds=("lost_response",), methods=("getUpdates",)))
        with pytest.raises(NetworkError):
            await bot.get_updates(timeout=0)
        api.clear_faults()
        assert [u.message.text for u in await bot.get_updates(timeout=0)] == ["late"]
        # A negative offset keeps only the last -offset updates.
        api.private_text("a"), api.private_text("b")
        assert [u.message.text for u in await bot.get_updates(offset=-1, timeout=0)] == ["b"]
        assert [u.message.text for u in await bot.get_updates(timeout=0)] == ["b"]


async def test_stop_is_quick_with_a_long_poll_pending() -> None:
    api = FakeBotAPI().start()
    async with direct_bot(api, read_timeout=1) as bot:
        threading.Timer(0.2, api.stop).start()
        # The pending 30 s long poll ends with the server, not after its timeout.
        assert await asyncio.wait_for(bot.get_updates(timeout=30), timeout=10) == ()


def test_detected_entity_offsets_count_utf16_code_units() -> None:
    assert detect_entities("\N{GRINNING FACE} /help@ArticleBot hi @some_user") == [
        {"type": "bot_command", "offset": 3, "length": 16},
        {"type": "mention", "offset": 23, "length": 10},
    ]
    assert detect_entities("mail me@example.org or /x") == [
        {"type": "bot_command", "offset": 23, "length": 2}
    ]


def test_free_text_params_stay_strings_and_markup_is_decoded(api: FakeBotAPI) -> None:
    url = f"{api.base_url}{api.token}/sendMessage"
    body = {"chat_id": "-100123", "text": "42", "reply_markup": '{"inline_keyboard": []}'}
    httpx.post(url, data=body).raise_for_status()
    httpx.post(url, json={"chat_id": -100123, "text": "7", "reply_parameters": {"message_id": 1}})
    first, second = api.sent_messages(-100123)
    assert first["text"] == "42" and first["chat"]["type"] == "supergroup"
    assert second["text"] == "7" and second["reply_to_message"]["message_id"] == 1
    assert api.calls()[0].params["reply_markup"] == {"inline_keyboard": []}


# ---------------------------------------------------------------- fault injection
def only(kind: str, **kw: object) -> FaultPlan:
    return FaultPlan(rate=1.0, kinds=(kind,), methods=("sendMessage",), **kw)


@pytest.mark.parametrize("kind", ["500", "502"])
async def test_server_error_is_not_executed(api: FakeBotAPI, kind: str) -> None:
    api.set_faults(only(kind))
    async with direct_bot(api) as bot:
        with pytest.raises(NetworkError):
            await bot.send_message(DEFAULT_USER_ID, "hi")
    (call,) = api.calls("sendMessage")
    assert call.fault == kind and call.status == int(kind) and not call.executed
    assert not api.sent_messages()


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_raises_retry_after(api: FakeBotAPI) -> None:
    api.set_faults(only("429", retry_after=3))
    async with direct_bot(api) as bot:
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(DEFAULT_USER_ID, "hi")
    retry_after = info.value.retry_after  # PTB 22: int (deprecated) or timedelta (opt-in)
    if isinstance(retry_after, dtm.timedelta):
        retry_after = retry_after.total_seconds()
    assert retry_after == 3 and not api.calls("sendMessage")[0].executed


async def test_drop_before_is_a_connection_error_not_executed(api: FakeBotAPI) -> None:
    api.set_faults(only("drop_before"))
    async with direct_bot(api) as bot:
        with pytest.raises(NetworkError) as info:
            await bot.send_message(DEFAULT_USER_ID, "hi")
    assert not isinstance(info.value, TimedOut) and "RemoteProtocolError" in str(info.value)
    (call,) = api.calls("sendMessage")
    assert call.status is None and not call.executed and not api.sent_messages()


async def test_lost_response_is_executed_but_client_fails(api: FakeBotAPI) -> None:
    api.set_faults(only("lost_response"))
    async with direct_bot(api) as bot:
        with pytest.raises(NetworkError):
            await bot.send_message(DEFAULT_USER_ID, "hi")
        api.clear_faults()
        await bot.send_message(DEFAULT_USER_ID, "again")
    lost, ok = api.calls("sendMessage")
    assert lost.executed and lost.status is None and ok.status == 200
    assert [m["text"] for m in api.sent_messages()] == ["hi", "again"]  # the user saw both


async def test_slow_is_executed_and_times_out(api: FakeBotAPI) -> None:
    api.set_faults(only("slow", slow_seconds=1.0))
    async with direct_bot(api, read_timeout=0.3) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(DEFAULT_USER_ID, "hi")
    assert api.calls("sendMessage")[0].executed and len(api.sent_messages()) == 1


async def test_fault_choice_is_seeded_and_counted(api: FakeBotAPI) -> None:
    def run() -> list[str | None]:
        api.set_faults(FaultPlan(rate=0.5, kinds=("500", "429"), seed=7))
        api.clear_calls()
        with httpx.Client() as client:
            for _ in range(20):
                client.post(f"{api.base_url}{api.token}/sendChatAction", data={"chat_id": "1"})
        return [c.fault for c in api.calls()]

    first = run()
    assert first == run() and {"500", "429", None} == set(first)
    assert sum(api.fault_counts().values()) == 2 * sum(f is not None for f in first)
    httpx.post(f"{api.base_url}{api.token}/getMe").raise_for_status()  # exempt by default
