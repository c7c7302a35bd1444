"""Thin handlers: read the update, ask the domain for a Reply, send it, log one line.

Private chats get a reply to every message. In groups the bot speaks only when addressed (/ask,
a mention, a reply to one of its messages) and always in thread under the message it answers;
it never answers other bots.
"""

from __future__ import annotations

import html
import logging
import time

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

from bot.matcher import SUGGEST_MIN_SCORE
from bot.replies import (
    Action,
    Reply,
    ask_usage_reply,
    choice_reply,
    gone_reply,
    help_reply,
    inline_answer_reply,
    match_reply,
    not_text_reply,
    slow_down_reply,
    start_reply,
    topics_reply,
    unknown_command_reply,
)
from bot.telegram.delivery import deliver
from bot.telegram.render import decode_choice, html_pieces, keyboard
from bot.telegram.services import Flood, Services

logger = logging.getLogger(__name__)

# Telegram shows at most 50 inline results; the answers are few and ranked.
MAX_INLINE_ANSWERS = 5
MAX_INLINE_RESULTS = 50
INLINE_DESCRIPTION_CHARS = 100
# Inline results may be cached by Telegram for this long; short, so a reload shows up soon.
INLINE_CACHE_SECONDS = 60

Context = ContextTypes.DEFAULT_TYPE


def services(context: Context) -> Services:
    return context.bot_data["services"]


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
    buttons = keyboard(reply)
    thread_id = message.message_thread_id if message.is_topic_message else None
    reply_to = (
        None
        if message.chat.type == ChatType.PRIVATE
        else ReplyParameters(message.message_id, allow_sending_without_reply=True)
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
        await send_reply(context, target, slow_down_reply(services(context).settings.flood_window))
        _log(update, started, f"{kind}:flood-warned")
        return
    library = services(context).library.current
    reply = match_reply(library.matcher.match(question), library.knowledge, brief=not private)
    await send_reply(context, target, reply)
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
        await send_reply(context, message, ask_usage_reply())
        _log(update, started, "ask:usage")
        return
    await _answer_question(update, context, question, target, "ask")


async def start(update: Update, context: Context) -> None:
    """/start: what the bot is, with example questions."""
    started = time.perf_counter()
    await send_reply(
        context, update.effective_message, start_reply(services(context).library.current.knowledge)
    )
    _log(update, started, "start")


async def help_command(update: Update, context: Context) -> None:
    """/help: private, group and inline use."""
    started = time.perf_counter()
    message = update.effective_message
    await send_reply(context, message, help_reply(context.bot.username))
    _log(update, started, "help")


async def topics(update: Update, context: Context) -> None:
    """/topics: every entry, a page of buttons at a time."""
    started = time.perf_counter()
    message = update.effective_message
    await send_reply(context, message, topics_reply(services(context).library.current.knowledge))
    _log(update, started, "topics")


async def not_text(update: Update, context: Context) -> None:
    """Stickers, photos, voice… in a private chat: a one-line hint."""
    started = time.perf_counter()
    await send_reply(context, update.effective_message, not_text_reply())
    _log(update, started, "not-text")


async def unknown_command(update: Update, context: Context) -> None:
    """A command this bot does not have (or may not show this user): point to /help."""
    started = time.perf_counter()
    await send_reply(context, update.effective_message, unknown_command_reply())
    _log(update, started, "unknown-command")


async def button(update: Update, context: Context) -> None:
    """A button press: acknowledge at once, then send the answer, or page the topic list."""
    started = time.perf_counter()
    query = update.callback_query
    await deliver(lambda: query.answer(), "answerCallbackQuery", services(context).stop_by)
    choice = decode_choice(query.data)
    message = query.message
    if message is None or not isinstance(message, Message):
        _log(update, started, "button:no-message")
        return
    library = services(context).library.current
    reply = choice_reply(choice, library.knowledge) if choice else gone_reply()
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
    _log(update, started, "button", reply)


async def inline_query(update: Update, context: Context) -> None:
    """@Bot question in any chat: ranked answers; topics when empty; a way out when nothing fits."""
    started = time.perf_counter()
    query = update.inline_query
    library = services(context).library.current
    text = query.query.strip()
    if not text:
        entries = list(library.knowledge.entries[:MAX_INLINE_RESULTS])
    else:  # what would at least be offered as "did you mean", best first
        entries = [
            candidate.entry
            for candidate in library.matcher.rank(text, limit=MAX_INLINE_ANSWERS)
            if candidate.score >= SUGGEST_MIN_SCORE
        ]
    results = [
        InlineQueryResultArticle(
            id=entry.id,
            title=entry.title,
            description=entry.answer[:INLINE_DESCRIPTION_CHARS],
            input_message_content=InputTextMessageContent(
                html_pieces(inline_answer_reply(entry, library.knowledge))[0],
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
                title="Not in the article",
                description="The article doesn’t say. Tap to send that, or ask me privately.",
                input_message_content=InputTextMessageContent(
                    html.escape(
                        "The article doesn’t say. Ask @"
                        + (context.bot.username or "")
                        + " for the topics it covers."
                    )
                ),
            )
        ]
        button_to_private = InlineQueryResultsButton(
            text="Ask me in a private chat", start_parameter="inline"
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


async def on_error(update: object, context: Context) -> None:
    """Log what no handler expected; the bot goes on with the next update."""
    logger.error("unhandled error while handling an update", exc_info=context.error)
