"""Thin handlers: read the update, ask the domain for a Reply, send it.

Private chats get a reply to every message. In groups the bot speaks only when addressed (/ask,
a mention, a reply to one of its messages) and always in thread under the message it answers;
it never answers other bots. Every handler is wrapped by `logged`, which times it and logs one
line of what the update came to (never what the user wrote).
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ChatType, InlineQueryLimit
from telegram.ext import ContextTypes

from bot.curation import CurationStore, group_misses, stats_report, summarize
from bot.knowledge import Entry, KnowledgeBase
from bot.matcher import Match
from bot.replies import (
    Action,
    Choice,
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
from bot.telegram.services import Flood, Library, Services
from bot.wording import language_of, say

logger = logging.getLogger(__name__)

INLINE_DESCRIPTION_CHARS = 100
# Inline results may be cached by Telegram for this long; short, so a reload shows up soon.
INLINE_CACHE_SECONDS = 60

# The toast a 👍/👎 press gets.
# /stats lists this many of the week's most asked misses...
STATS_TOP_MISSES = 5
# ...among the week's latest misses, this many at most: grouping 10,000 takes ~2 s, the
# 100,000-row cap ~70 s (bench/curation.py); `python -m bot misses` groups them all.
STATS_MAX_MISSES = 10_000

Context = ContextTypes.DEFAULT_TYPE
T = TypeVar("T")


@dataclass(frozen=True)
class Handled:
    """What one update came to, for its log line: a kind ("private", "ask:usage", ...) and
    the reply it got, if any."""

    kind: str
    reply: Reply | None = None


def logged(
    handle: Callable[[Update, Context], Awaitable[Handled]],
) -> Callable[[Update, Context], Awaitable[None]]:
    """The bookkeeping every handler shares: time it, and log one line of what it handled."""

    @functools.wraps(handle)
    async def handle_and_log(update: Update, context: Context) -> None:
        started = time.perf_counter()
        handled = await handle(update, context)
        reply, chat = handled.reply, update.effective_chat
        logger.info(
            "handled %s chat=%s decision=%s entry=%s score=%s ms=%.1f",
            handled.kind,
            chat.type if chat else "inline",
            reply.decision.value if reply and reply.decision else "-",
            reply.entry_id if reply and reply.entry_id else "-",
            f"{reply.score:.1f}" if reply and reply.score is not None else "-",
            (time.perf_counter() - started) * 1000,
        )

    return handle_and_log


def services(context: Context) -> Services:
    return context.bot_data["services"]


def library(context: Context) -> Library:
    """The knowledge base and matcher to answer this update from (taken once per update)."""
    return services(context).library.current


def user_language(update: Update) -> str:
    """The language to write in when there is no text to read it from (/start, /help)."""
    user = update.effective_user
    return language_of(user.language_code if user else None)


def curation(context: Context) -> CurationStore | None:
    """The curator's records, or None when RECORD_MISSES=off."""
    return context.bot_data.get("curation")


async def _send(context: Context, send: Callable[[], Awaitable[T]], what: str) -> T:
    """One Bot API request, retried by delivery until shutdown's deadline."""
    return await deliver(send, what, services(context).retry_deadline)


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


async def send_reply(context: Context, message: Message, reply: Reply) -> None:
    """Reply to `message` in its chat (and forum topic), in pieces if long, buttons last.

    `Message.reply_html` quotes `message` outside private chats and keeps its forum topic; the
    application's Defaults let a reply go out even if the question was deleted meanwhile.
    """
    pieces = html_pieces(reply)
    private = message.chat.type == ChatType.PRIVATE
    buttons = keyboard(reply, share_as=context.bot.username if private else None)
    for number, piece in enumerate(pieces):
        markup = buttons if number == len(pieces) - 1 else None
        await _send(
            context,
            lambda piece=piece, markup=markup: message.reply_html(piece, reply_markup=markup),
            "sendMessage",
        )


async def _answer_question(
    update: Update, context: Context, question: str, target: Message, kind: str
) -> Handled:
    """Match a question and reply under `target`; flood-guarded per user."""
    user = update.effective_user
    verdict = await services(context).flood.check(user.id) if user else Flood.OK
    if verdict is Flood.SILENT:
        return Handled(f"{kind}:flood-silent")
    if verdict is Flood.WARN:
        window = services(context).settings.flood_window
        await send_reply(context, target, slow_down_reply(window, user_language(update)))
        return Handled(f"{kind}:flood-warned")
    served = library(context)
    reading = served.matcher.read(question, user.language_code if user else None)
    private = target.chat.type == ChatType.PRIVATE
    reply = message_reply(reading, served.knowledge, brief=not private)
    try:
        await send_reply(context, target, reply)
    finally:  # a question is worth recording even when its reply could not be delivered
        for match in reading.matches:
            await record_match(context, question, match, language=reading.language)
    return Handled(kind, reply)


@logged
async def private_text(update: Update, context: Context) -> Handled:
    """A text message in a private chat is a question."""
    message = update.effective_message
    return await _answer_question(update, context, message.text or "", message, "private")


@logged
async def group_addressed(update: Update, context: Context) -> Handled:
    """A group message (or a photo's caption) that mentions the bot or replies to it is a
    question."""
    message = update.effective_message
    question = message.text or message.caption or ""
    return await _answer_question(update, context, question, message, "group")


@logged
async def ask(update: Update, context: Context) -> Handled:
    """/ask QUESTION; or /ask as a reply, to answer the replied-to message's question."""
    message = update.effective_message
    question = " ".join(context.args or [])
    target = message
    replied = message.reply_to_message
    if not question.strip() and replied is not None and (replied.text or replied.caption):
        question = replied.text or replied.caption or ""
        target = replied
    if not question.strip():
        await send_reply(context, message, ask_usage_reply(user_language(update)))
        return Handled("ask:usage")
    return await _answer_question(update, context, question, target, "ask")


@logged
async def start(update: Update, context: Context) -> Handled:
    """/start: what the bot is, with example questions; /start <entry id> (a shared answer's
    deep link) answers that entry."""
    knowledge = library(context).knowledge
    language = user_language(update)
    shared = knowledge.get(context.args[0]) if context.args else None
    if shared is not None:
        reply = answer_reply(shared, knowledge, language=language)
        await send_reply(context, update.effective_message, reply)
        await record_given(context, shared.id)
        return Handled("start:shared", reply)
    await send_reply(context, update.effective_message, start_reply(knowledge, language))
    return Handled("start")


@logged
async def help_command(update: Update, context: Context) -> Handled:
    """/help: private, group and inline use."""
    knowledge = library(context).knowledge
    reply = help_reply(context.bot.username, user_language(update), knowledge=knowledge)
    await send_reply(context, update.effective_message, reply)
    return Handled("help")


@logged
async def topics(update: Update, context: Context) -> Handled:
    """/topics: every entry, a page of buttons at a time."""
    reply = topics_reply(library(context).knowledge, 0, user_language(update))
    await send_reply(context, update.effective_message, reply)
    return Handled("topics")


@logged
async def article(update: Update, context: Context) -> Handled:
    """/article: the headline, its author and date when known, and a link to the original."""
    reply = article_reply(library(context).knowledge, user_language(update))
    await send_reply(context, update.effective_message, reply)
    return Handled("article")


@logged
async def not_text(update: Update, context: Context) -> Handled:
    """Stickers, photos, voice… in a private chat: a one-line hint."""
    await send_reply(context, update.effective_message, not_text_reply(user_language(update)))
    return Handled("not-text")


@logged
async def unknown_command(update: Update, context: Context) -> Handled:
    """A command this bot does not have (or may not show this user): point to /help."""
    reply = unknown_command_reply(user_language(update))
    await send_reply(context, update.effective_message, reply)
    return Handled("unknown-command")


async def _acknowledge(
    update: Update, context: Context, toast: str | None = None
) -> Message | None:
    """Answer the button press at once (Telegram shows a spinner until then); the message
    the button is under, when Telegram still shows it."""
    query = update.callback_query
    await _send(context, lambda: query.answer(toast), "answerCallbackQuery")
    return query.message if isinstance(query.message, Message) else None


def _choice(update: Update) -> Choice:
    """The choice a button stands for; its handler's pattern lets only such buttons through."""
    choice = decode_choice(update.callback_query.data)
    if choice is None:
        raise ValueError("a button handler got data its pattern does not match")
    return choice


@logged
async def answer_button(update: Update, context: Context) -> Handled:
    """An answer or Source button: send that entry's answer, or its source sentence."""
    message = await _acknowledge(update, context)
    if message is None:
        return Handled("button:no-message")
    choice = _choice(update)
    reply = choice_reply(choice, library(context).knowledge)
    await send_reply(context, message, reply)
    if choice.action is Action.ANSWER and reply.entry_id:
        await record_given(context, reply.entry_id)
    return Handled("button", reply)


@logged
async def topics_button(update: Update, context: Context) -> Handled:
    """A page of /topics: turned in place on the bot's own message, else sent as a new one."""
    message = await _acknowledge(update, context)
    if message is None:
        return Handled("button:no-message")
    reply = choice_reply(_choice(update), library(context).knowledge)
    own_message = message.from_user is not None and message.from_user.id == context.bot.id
    if not own_message:
        await send_reply(context, message, reply)
        return Handled("button", reply)
    query = update.callback_query
    await _send(
        context,
        lambda: query.edit_message_text(html_pieces(reply)[0], reply_markup=keyboard(reply)),
        "editMessageText",
    )
    return Handled("button", reply)


@logged
async def stale_button(update: Update, context: Context) -> Handled:
    """A button this bot did not make, or no longer serves: a polite "gone"."""
    message = await _acknowledge(update, context)
    if message is None:
        return Handled("button:no-message")
    reply = gone_reply(user_language(update))
    await send_reply(context, message, reply)
    return Handled("button", reply)


@logged
async def feedback_button(update: Update, context: Context) -> Handled:
    """👍/👎 under an answer: a "thanks" toast, and a tally; a 👎 is also kept as a miss.

    The question is not in the button (64 bytes hold the entry id, rarely a question too), so
    a 👎 is kept with the question the answer replied to when Telegram shows it (groups), else
    with the entry's title: the curator sees which answer disappointed, if not always why.
    """
    message = await _acknowledge(update, context, say("feedback_thanks", user_language(update)))
    feedback = decode_feedback(update.callback_query.data)
    entry = library(context).knowledge.get(feedback[0]) if feedback else None
    if feedback is None or entry is None:
        return Handled("button:feedback")
    entry_id, liked = feedback
    asked = message.reply_to_message if message is not None else None
    question = (asked.text or asked.caption or "") if asked is not None else ""
    await _write(
        context,
        lambda store: store.record_feedback(entry_id, liked, question=question or entry.title),
    )
    return Handled("button:feedback")


def _inline_answers(
    entries: list[Entry], knowledge: KnowledgeBase, language: str
) -> list[InlineQueryResultArticle]:
    """One result an entry: its title, the start of its answer, and the answer to send."""
    return [
        InlineQueryResultArticle(
            id=entry.id,
            title=entry.text(language).title,
            description=entry.text(language).answer[:INLINE_DESCRIPTION_CHARS],
            input_message_content=InputTextMessageContent(
                html_pieces(inline_answer_reply(entry, knowledge, language))[0]
            ),
        )
        for entry in entries
    ]


def _nothing_fits(language: str, bot_username: str | None) -> InlineQueryResultArticle:
    """The one result when no entry fits: says so, and what sending it would say."""
    sent = say("inline_none_sent", language, name=f"@{bot_username or ''}")
    return InlineQueryResultArticle(
        id="not_in_article",
        title=say("inline_none_title", language),
        description=say("inline_none", language),
        input_message_content=InputTextMessageContent(html.escape(sent)),
    )


@logged
async def inline_query(update: Update, context: Context) -> Handled:
    """@Bot question in any chat: ranked answers; topics when empty; a way out when nothing fits."""
    query = update.inline_query
    served = library(context)
    text = query.query.strip()
    language = user_language(update)
    if not text:
        entries = list(served.knowledge.entries[: InlineQueryLimit.RESULTS])
    else:
        language, entries = served.matcher.offer(text, query.from_user.language_code)
    results = _inline_answers(entries, served.knowledge, language)
    to_private = None
    if not results:
        results = [_nothing_fits(language, context.bot.username)]
        to_private = InlineQueryResultsButton(
            text=say("inline_private", language), start_parameter="inline"
        )
    await _send(
        context,
        lambda: query.answer(results, cache_time=INLINE_CACHE_SECONDS, button=to_private),
        "answerInlineQuery",
    )
    return Handled(f"inline results={len(results)}")


@logged
async def reload_knowledge(update: Update, context: Context) -> Handled:
    """/reload (admins only; the filter hides it from everyone else): re-read knowledge.yaml."""
    reloadable = services(context).library
    error = await reloadable.reload("/reload")
    if error is not None:
        text = "Reload refused; still serving the previous knowledge base.\n" + "\n".join(
            str(problem) for problem in error.problems[:20]
        )
    else:
        text = f"Reloaded: {len(reloadable.current.knowledge)} entries."
    await send_reply(context, update.effective_message, Reply(text))
    return Handled("reload:refused" if error else "reload")


def _stats_text(store: CurationStore) -> str:
    """The last day and week, and the week's most asked misses (reads the database)."""
    summary = summarize(store.tallies(days=1), store.tallies(days=7))
    misses = store.misses(days=7, latest=STATS_MAX_MISSES)
    return stats_report(summary, group_misses(misses)[:STATS_TOP_MISSES])


@logged
async def stats(update: Update, context: Context) -> Handled:
    """/stats (admins only, like /reload): the last day and week, and the most asked misses."""
    store = curation(context)
    if store is None:
        text = "Nothing is recorded (RECORD_MISSES=off)."
    else:
        text = await asyncio.to_thread(_stats_text, store)
    await send_reply(context, update.effective_message, Reply(text, "Statistics"))
    return Handled("stats")


async def on_error(update: object, context: Context) -> None:
    """Log what no handler expected; the bot goes on with the next update."""
    logger.error("unhandled error while handling an update", exc_info=context.error)
