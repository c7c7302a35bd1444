"""The Application factory: the builder, the handlers and what runs at start-up."""

from __future__ import annotations

import logging
import sqlite3
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Message,
    MessageEntity,
)
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.curation import CurationStore
from bot.replies import Action
from bot.telegram import handlers, render
from bot.telegram.delivery import deliver
from bot.telegram.logs import install_redaction
from bot.telegram.services import (
    FloodGuard,
    Library,
    RedisFloodGuard,
    ReloadableLibrary,
    Services,
)
from bot.wording import LANGUAGES, say

logger = logging.getLogger(__name__)

# Telegram's documented broadcast limits: about 30 messages a second overall and 20 a minute
# in one group.
OVERALL_MESSAGES_PER_SECOND = 30
GROUP_MESSAGES_PER_MINUTE = 20
# The long poll's connection, and one for the getUpdates that confirms at shutdown.
GET_UPDATES_CONNECTIONS = 2

PRIVATE_COMMANDS = ("start", "topics", "ask", "article", "help")
GROUP_COMMANDS = ("ask", "topics", "article", "help")


def command_menu(commands: tuple[str, ...], language: str) -> list[BotCommand]:
    return [BotCommand(command, say(f"command_{command}", language)) for command in commands]


class _SentByAPerson(filters.MessageFilter):
    """A message whose sender is a user, not a bot (python-telegram-bot has no such filter)."""

    def filter(self, message: Message) -> bool:
        return message.from_user is not None and not message.from_user.is_bot


# Not from a bot, nor sent through one (inline results of another bot).
SENT_BY_A_PERSON = _SentByAPerson() & ~filters.VIA_BOT


def _mentions(text: str | None, entities: tuple[MessageEntity, ...]) -> list[str]:
    """The text of each mention entity. Offsets count UTF-16 code units, and an entity from a
    client may cut a surrogate pair (an emoji) in half: PTB's parse_entity then raises
    UnicodeDecodeError, so decode leniently here; a cut half is not part of a username."""
    if not text:
        return []
    encoded = text.encode("utf-16-le")
    return [
        encoded[2 * e.offset : 2 * (e.offset + e.length)].decode("utf-16-le", errors="ignore")
        for e in entities
        if e.type == MessageEntity.MENTION
    ]


class _AddressedToBot(filters.MessageFilter):
    """A group message, or a photo's caption, that mentions this bot, or a reply to one of the
    bot's messages."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            return True
        mention = f"@{bot.username}".casefold()
        found = _mentions(message.text, message.entities) + _mentions(
            message.caption, message.caption_entities
        )
        return any(text.casefold() == mention for text in found)


async def _register_commands(application: Application) -> None:
    """The command menu, per scope; a failure here is logged, not fatal."""
    bot = application.bot
    scopes = ((PRIVATE_COMMANDS, BotCommandScopeAllPrivateChats()),
              (GROUP_COMMANDS, BotCommandScopeAllGroupChats()))  # fmt: skip
    try:
        # The default menu in English, and one per language_code the bot writes in.
        for language in LANGUAGES:
            code = None if language == "en" else language
            for commands, scope in scopes:
                menu = command_menu(commands, language)
                await deliver(
                    lambda menu=menu, scope=scope, code=code: bot.set_my_commands(
                        menu, scope=scope, language_code=code
                    ),
                    "setMyCommands",
                )
    except Exception:
        logger.warning("could not register the command menu", exc_info=True)
    logger.info(
        "serving @%s with %d entries",
        bot.username,
        len(application.bot_data["services"].library.current.knowledge),
    )


def open_curation(settings: Settings) -> CurationStore | None:
    """The curator's records under DATA_DIR; None when off, or (logged) when unusable: the
    bot's job is answering, and it goes on without them."""
    if not settings.record_misses:
        return None
    try:
        store = CurationStore.in_dir(
            settings.data_dir,
            retention_days=settings.misses_days,
            max_rows=settings.misses_max_rows,
        )
        store.prune()
        return store
    except (OSError, sqlite3.Error):
        logger.error("cannot record misses under DATA_DIR=%s", settings.data_dir, exc_info=True)
        return None


async def _close_curation(application: Application) -> None:
    store = application.bot_data.get("curation")
    if store is not None:
        store.close()


def _builder(settings: Settings) -> ApplicationBuilder:
    """The Application as configured: timeouts, pool, concurrency, Telegram's rate limits."""
    builder = (
        Application.builder()
        .token(settings.token)
        .updater(None)  # updates are received by runtime.py, which confirms only handled ones
        # HTML everywhere; a reply still goes out if the question it quotes was deleted.
        .defaults(Defaults(parse_mode=ParseMode.HTML, allow_sending_without_reply=True))
        .read_timeout(settings.read_timeout)
        .write_timeout(settings.read_timeout)
        .connect_timeout(settings.read_timeout)
        .pool_timeout(settings.read_timeout)
        .connection_pool_size(settings.connection_pool_size)
        # A long poll cancelled at shutdown keeps its connection busy until it times out; the
        # getUpdates that then confirms the finished updates needs one of its own (with a pool
        # of one it waited for the pool, failed, and the answered updates were fetched again).
        .get_updates_connection_pool_size(GET_UPDATES_CONNECTIONS)
        .concurrent_updates(
            settings.concurrent_updates if settings.concurrent_updates > 1 else False
        )
        .post_init(_register_commands)
        .post_shutdown(_close_curation)
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url)
    if settings.rate_limit:
        # Retries on RetryAfter are delivery's job (one place for every retry), so none here.
        builder = builder.rate_limiter(
            AIORateLimiter(
                overall_max_rate=OVERALL_MESSAGES_PER_SECOND,
                overall_time_period=1,
                group_max_rate=GROUP_MESSAGES_PER_MINUTE,
                group_time_period=60,
                max_retries=0,
            )
        )
    return builder


def _services(settings: Settings, library: Library) -> Services:
    """What the handlers share; the Redis client only with REDIS_URL."""
    redis = None
    if settings.redis_url:  # imported only when used: a bot without Redis never loads it
        from redis.asyncio import Redis

        redis = Redis.from_url(settings.redis_url)
    flood = (
        RedisFloodGuard(redis, settings.token, settings.flood_max, settings.flood_window)
        if redis is not None
        else FloodGuard(settings.flood_max, settings.flood_window)
    )
    return Services(
        settings=settings,
        library=ReloadableLibrary(settings.knowledge_path, library, settings.data_dir / "cache"),
        flood=flood,
        redis=redis,
    )


def _handlers(settings: Settings) -> list[BaseHandler]:
    """Which updates each handler serves; the first that matches an update handles it."""
    new_message = filters.UpdateType.MESSAGE & SENT_BY_A_PERSON
    private = new_message & filters.ChatType.PRIVATE
    groups = new_message & filters.ChatType.GROUPS
    admin = private & filters.User(user_id=settings.admin_user_ids)
    addressed = groups & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND & _AddressedToBot()
    return [
        CommandHandler("reload", handlers.reload_knowledge, filters=admin),
        CommandHandler("stats", handlers.stats, filters=admin),
        CommandHandler("start", handlers.start, filters=private),
        CommandHandler("help", handlers.help_command, filters=new_message),
        CommandHandler("topics", handlers.topics, filters=new_message),
        CommandHandler("article", handlers.article, filters=new_message),
        CommandHandler("ask", handlers.ask, filters=new_message),
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, handlers.private_text),
        MessageHandler(private & filters.COMMAND, handlers.unknown_command),
        MessageHandler(private & ~filters.TEXT, handlers.not_text),
        MessageHandler(addressed, handlers.group_addressed),
        # First: a press without data matches every pattern, and is stale.
        CallbackQueryHandler(handlers.stale_button, pattern=render.is_stale),
        CallbackQueryHandler(handlers.feedback_button, pattern=render.is_feedback),
        CallbackQueryHandler(
            handlers.answer_button, pattern=render.is_choice_of(Action.ANSWER, Action.SOURCE)
        ),
        CallbackQueryHandler(handlers.topics_button, pattern=render.is_choice_of(Action.TOPICS)),
        InlineQueryHandler(handlers.inline_query),
    ]


def build_application(settings: Settings, library: Library) -> Application:
    """The bot's Application: its services, handlers and the curator's records."""
    # Wherever the bot runs, its token, webhook secret and Redis password stay out of every log.
    redis_password = urlsplit(settings.redis_url).password if settings.redis_url else None
    install_redaction(settings.token, settings.webhook_secret, redis_password)
    application = _builder(settings).build()
    application.bot_data["services"] = _services(settings, library)
    application.bot_data["curation"] = open_curation(settings)
    application.add_handlers(_handlers(settings))
    application.add_error_handler(handlers.on_error)
    return application
