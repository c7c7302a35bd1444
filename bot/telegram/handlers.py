"""Thin handlers: read the update, ask the domain for a Reply, send it, log one line.

Private chats get a reply to every message. In groups the bot speaks only when addressed (/ask,
a mention, a reply to one of its messages) and always in thread under the message it answers;
it never answers other bots.
"""

from __future__ import annotations

import asyncio
import html
import logging
import sqlite3
import time
from collections.abc import Callable

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.ext import ContextTypes

from bot.curation import CurationStore, group_misses, stats_report, summarize
from bot.matcher import Match
from bot.replies import (
    Action,
    Reply,
    answer_reply,
    article_reply,
    ask_usage_reply,
    choice_reply,
    gone_reply,
    help_reply,
    inline_answer_reply,
    message_reply,
    not_text_reply,
    slow_down_reply,
    start_reply,
    topics_reply,
    unknown_command_reply,
)
from bot.telegram.delivery import deliver
from bot.telegram.render import decode_choice, decode_feedback, html_pieces, keyboard
from bot.telegram.services import Flood, Services
from bot.wording import language_of, say

logger = logging.getLogger(__name__)

MAX_INLINE_RESULTS = 50
INLINE_DESCRIPTION_CHARS = 100
# Inline results may be cached by Telegram for this long; short, so a reload shows up soon.
INLINE_CACHE_SECONDS = 60

# The toast a 👍/👎 press gets.
FEEDBACK_THANKS = "Thanks for the feedback!"
# /stats lists this many of the week's most asked misses...
STATS_TOP_MISSES = 5
# ...among the week's latest misses, this many at most: grouping 10,000 takes ~2 s, the
# 100,000-row cap ~70 s (bench/curation.py); `python -m bot misses` groups them all.
STATS_MAX_MISSES = 10_000

Context = ContextTypes.DEFAULT_TYPE


def services(context: Context) -> Services:
    return context.bot_data["services"]


def user_language(update: Update) -> str:
    """The language to write in when there is no text to read it from (/start, /help)."""
    user = update.effective_user
    return language_of(user.language_code if user else None)


def curation(context: Context) -> CurationStore | None:
    """The curator's records, or None when RECORD_MISSES=off."""
    return context.bot_data.get("curation")


async def _write(context: Context, write: Callable[[CurationStore], None]) -> None:
    """Run one write off the event loop; a failed write is logged, the reply is already out."""
    store = curation(context)
    if store is None:
        return
    try:
        await asyncio.to_thread(write, store)
    except sqlite3.Error:
        logger.warning("could not record for the curator", exc_info=True)


async def record_match(
    context: Context, question: str, match: Match, *, language: str = "en"
) -> None:
    """The recording hook: what a typed question got (see bot/curation.py for what is kept)."""
    await _write(context, lambda store: store.record_match(question, match, language=language))


async def record_given(context: Context, entry_id: str) -> None:
    """An answer shown without a typed question: a button or a deep link."""
    await _write(context, lambda store: store.record_given(entry_id))


def _log(update: Update, started: float, kind: str, reply: Reply | None = None) -> None:
    chat = update.effective_chat
    logger.info(
        "handled %s chat=%s decision=%s entry=%s score=%s ms=%.1f",
        kind,
        chat.type if chat else "inline",
        reply.decision.value if reply and reply.decision else "-",
        reply.entry_id if reply and reply.entry_id else "-",
        f"{reply.score:.1f}" if reply and reply.score is not None else "-",
        (time.perf_counter() - started) * 1000,
    )


async def send_reply(context: Context, message: Message, reply: Reply) -> None:
    """Send a reply into the message's chat (and topic), in pieces if long, buttons last.
    In groups it is threaded under `message`; in a private chat it needs no quoting."""
    pieces = html_pieces(reply)
    private = message.chat.type == ChatType.PRIVATE
    buttons = keyboard(reply, share_as=context.bot.username if private else None)
    thread_id = message.message_thread_id if message.is_topic_message else None
    reply_to = (
        None if private else ReplyParameters(message.message_id, allow_sending_without_reply=True)
    )
    for number, piece in enumerate(pieces):
        last = number == len(pieces) - 1
        await deliver(
            lambda piece=piece, last=last: context.bot.send_message(
                message.chat_id,
                piece,
                parse_mode=ParseMode.HTML,
                reply_markup=buttons if last else None,
                reply_parameters=reply_to,
                message_thread_id=thread_id,
            ),
            "sendMessage",
            services(context).stop_by,
        )


async def _answer_question(
    update: Update, context: Context, question: str, target: Message, kind: str
) -> None:
    """Match a question and reply under `target`; flood-guarded per user."""
    started = time.perf_counter()
    user = update.effective_user
    message = update.effective_message
    private = message is not None and message.chat.type == ChatType.PRIVATE
    verdict = await services(context).flood.check(user.id) if user else Flood.OK
    if verdict is Flood.SILENT:
        _log(update, started, f"{kind}:flood-silent")
        return
    if verdict is Flood.WARN:
        window = services(context).settings.flood_window
        await send_reply(context, target, slow_down_reply(window, user_language(update)))
        _log(update, started, f"{kind}:flood-warned")
        return
    library = services(context).library.current
    hint = user.language_code if user else None
    reading = library.matcher.read(question, hint)
    reply = message_reply(reading, library.knowledge, brief=not private)
    try:
        await send_reply(context, target, reply)
    finally:  # a question is worth recording even when its reply could not be delivered
        for match in reading.matches:
            await record_match(context, question, match, language=reading.language)
    _log(update, started, kind, reply)


async def private_text(update: Update, context: Context) -> None:
    """A text message in a private chat is a question."""
    message = update.effective_message
    await _answer_question(update, context, message.text or "", message, "private")


async def group_addressed(update: Update, context: Context) -> None:
    """A group message (or a photo's caption) that mentions the bot or replies to it is a
    question."""
    message = update.effective_message
    await _answer_question(update, context, message.text or message.caption or "", message, "group")


async def ask(update: Update, context: Context) -> None:
    """/ask QUESTION; or /ask as a reply, to answer the replied-to message's question."""
    message = update.effective_message
    question = " ".join(context.args or [])
    target = message
    replied = message.reply_to_message
    if not question.strip() and replied is not None and (replied.text or replied.caption):
        question = replied.text or replied.caption or ""
        target = replied
    if not question.strip():
        started = time.perf_counter()
        await send_reply(context, message, ask_usage_reply(user_language(update)))
        _log(update, started, "ask:usage")
        return
    await _answer_question(update, context, question, target, "ask")


async def start(update: Update, context: Context) -> None:
    """/start: what the bot is, with example questions; /start <entry id> (a shared answer's
    deep link) answers that entry."""
    started = time.perf_counter()
    knowledge = services(context).library.current.knowledge
    language = user_language(update)
    shared = knowledge.get(context.args[0]) if context.args else None
    if shared is not None:
        reply = answer_reply(shared, knowledge, language=language)
        await send_reply(context, update.effective_message, reply)
        await record_given(context, shared.id)
        _log(update, started, "start:shared", reply)
        return
    await send_reply(context, update.effective_message, start_reply(knowledge, language))
    _log(update, started, "start")


async def help_command(update: Update, context: Context) -> None:
    """/help: private, group and inline use."""
    started = time.perf_counter()
    message = update.effective_message
    knowledge = services(context).library.current.knowledge
    reply = help_reply(context.bot.username, user_language(update), knowledge=knowledge)
    await send_reply(context, message, reply)
    _log(update, started, "help")


async def topics(update: Update, context: Context) -> None:
    """/topics: every entry, a page of buttons at a time."""
    started = time.perf_counter()
    message = update.effective_message
    knowledge = services(context).library.current.knowledge
    await send_reply(context, message, topics_reply(knowledge, 0, user_language(update)))
    _log(update, started, "topics")


async def article(update: Update, context: Context) -> None:
    """/article: the headline, its author and date when known, and a link to the original."""
    started = time.perf_counter()
    knowledge = services(context).library.current.knowledge
    await send_reply(
        context, update.effective_message, article_reply(knowledge, user_language(update))
    )
    _log(update, started, "article")


async def not_text(update: Update, context: Context) -> None:
    """Stickers, photos, voice… in a private chat: a one-line hint."""
    started = time.perf_counter()
    await send_reply(context, update.effective_message, not_text_reply(user_language(update)))
    _log(update, started, "not-text")


async def unknown_command(update: Update, context: Context) -> None:
    """A command this bot does not have (or may not show this user): point to /help."""
    started = time.perf_counter()
    reply = unknown_command_reply(user_language(update))
    await send_reply(context, update.effective_message, reply)
    _log(update, started, "unknown-command")


async def button(update: Update, context: Context) -> None:
    """A button press: acknowledge at once, then send the answer, or page the topic list."""
    started = time.perf_counter()
    query = update.callback_query
    feedback = decode_feedback(query.data)
    if feedback is not None:
        await _feedback(update, context, *feedback)
        _log(update, started, "button:feedback")
        return
    await deliver(lambda: query.answer(), "answerCallbackQuery", services(context).stop_by)
    choice = decode_choice(query.data)
    message = query.message
    if message is None or not isinstance(message, Message):
        _log(update, started, "button:no-message")
        return
    library = services(context).library.current
    reply = choice_reply(choice, library.knowledge) if choice else gone_reply(user_language(update))
    own_message = message.from_user is not None and message.from_user.id == context.bot.id
    if choice is not None and choice.action is Action.TOPICS and own_message:
        await deliver(
            lambda: query.edit_message_text(
                html_pieces(reply)[0],
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply),
            ),
            "editMessageText",
            services(context).stop_by,
        )
    else:
        await send_reply(context, message, reply)
        if choice is not None and choice.action is Action.ANSWER and reply.entry_id:
            await record_given(context, reply.entry_id)
    _log(update, started, "button", reply)


async def _feedback(update: Update, context: Context, entry_id: str, liked: bool) -> None:
    """👍/👎 under an answer: a "thanks" toast, and a tally; a 👎 is also kept as a miss.

    The question is not in the button (64 bytes hold the entry id, rarely a question too), so
    a 👎 is kept with the question the answer replied to when Telegram shows it (groups), else
    with the entry's title: the curator sees which answer disappointed, if not always why.
    """
    query = update.callback_query
    await deliver(
        lambda: query.answer(FEEDBACK_THANKS), "answerCallbackQuery", services(context).stop_by
    )
    entry = services(context).library.current.knowledge.get(entry_id)
    if entry is None:
        return
    message = query.message if isinstance(query.message, Message) else None
    asked = message.reply_to_message if message is not None else None
    question = (asked.text or asked.caption or "") if asked is not None else ""
    await _write(
        context,
        lambda store: store.record_feedback(entry_id, liked, question=question or entry.title),
    )


async def inline_query(update: Update, context: Context) -> None:
    """@Bot question in any chat: ranked answers; topics when empty; a way out when nothing fits."""
    started = time.perf_counter()
    query = update.inline_query
    library = services(context).library.current
    text = query.query.strip()
    language = user_language(update)
    if not text:
        entries = list(library.knowledge.entries[:MAX_INLINE_RESULTS])
    else:
        language, entries = library.matcher.offer(text, query.from_user.language_code)
    results = [
        InlineQueryResultArticle(
            id=entry.id,
            title=entry.text(language).title,
            description=entry.text(language).answer[:INLINE_DESCRIPTION_CHARS],
            input_message_content=InputTextMessageContent(
                html_pieces(inline_answer_reply(entry, library.knowledge, language))[0],
                parse_mode=ParseMode.HTML,
            ),
        )
        for entry in entries
    ]
    button_to_private = None
    if not results:
        results = [
            InlineQueryResultArticle(
                id="not_in_article",
                title=say("inline_none_title", language),
                description=say("inline_none", language),
                input_message_content=InputTextMessageContent(
                    html.escape(
                        say("inline_none_sent", language, name=f"@{context.bot.username or ''}")
                    )
                ),
            )
        ]
        button_to_private = InlineQueryResultsButton(
            text=say("inline_private", language), start_parameter="inline"
        )
    await deliver(
        lambda: query.answer(results, cache_time=INLINE_CACHE_SECONDS, button=button_to_private),
        "answerInlineQuery",
        services(context).stop_by,
    )
    _log(update, started, f"inline results={len(results)}")


async def reload_knowledge(update: Update, context: Context) -> None:
    """/reload (admins only; the filter hides it from everyone else): re-read knowledge.yaml."""
    started = time.perf_counter()
    holder = services(context).library
    error = await holder.reload("/reload")
    if error is not None:
        text = "Reload refused; still serving the previous knowledge base.\n" + "\n".join(
            str(p) for p in error.problems[:20]
        )
    else:
        text = f"Reloaded: {len(holder.current.knowledge)} entries."
    await send_reply(context, update.effective_message, Reply(text))
    _log(update, started, "reload:refused" if error else "reload")


async def stats(update: Update, context: Context) -> None:
    """/stats (admins only, like /reload): the last day and week, and the most asked misses."""
    started = time.perf_counter()
    store = curation(context)
    if store is None:
        text = "Nothing is recorded (RECORD_MISSES=off)."
    else:

        def read() -> str:
            summary = summarize(store.tallies(days=1), store.tallies(days=7))
            misses = store.misses(days=7, latest=STATS_MAX_MISSES)
            return stats_report(summary, group_misses(misses)[:STATS_TOP_MISSES])

        text = await asyncio.to_thread(read)
    await send_reply(context, update.effective_message, Reply(text, "Statistics"))
    _log(update, started, "stats")


async def on_error(update: object, context: Context) -> None:
    """Log what no handler expected; the bot goes on with the next update."""
    logger.error("unhandled error while handling an update", exc_info=context.error)
