"""A small fake Telegram Bot API server for end-to-end tests.

Why: the real API cannot be used in tests, and mocking PTB's ``Bot`` would hide exactly what
breaks in production (parameter encoding, offsets and long polling, retries after network
faults). This server speaks HTTP on 127.0.0.1 so the unmodified PTB stack (HTTPXRequest,
Updater, Application) talks to it as it would to api.telegram.org.

It runs in its own thread with its own event loop, so a test may drive the bot in-process
(pytest-asyncio) or as a subprocess, and can call the synchronous, thread-safe test API below
from any thread. Usage::

    with FakeBotAPI() as api:
        app = Application.builder().token(api.token).base_url(api.base_url).build()
        api.private_text("hello")
        api.wait_for(lambda a: a.sent_messages())
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import random
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, NoReturn

import aiohttp
from aiohttp import web

DEFAULT_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"
DEFAULT_USER_ID = 424242
FAULT_KINDS = ("500", "502", "429", "drop_before", "slow", "lost_response")
# PTB form-encodes every parameter and JSON-encodes each non-str value (RequestParameter.
# json_value), so values are JSON-decoded - except free text, where "42" must stay a str.
_RAW_STRING_PARAMS = frozenset(
    {
        "text", "caption", "query", "data", "url", "secret_token", "callback_query_id",
        "inline_query_id", "inline_message_id", "parse_mode", "next_offset", "action",
        "language_code", "switch_pm_text", "switch_pm_parameter", "title", "description",
        "short_description", "name", "emoji", "business_connection_id", "ip_address",
    }
)  # fmt: skip
_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}")
_ERRORS = {500: "Internal Server Error", 502: "Bad Gateway"}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


def _u16(s: str) -> int:
    """Entity offsets/lengths are counted in UTF-16 code units, as Telegram does."""
    return len(s.encode("utf-16-le")) // 2


def detect_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command and mention entities Telegram would attach to a user's text."""
    found = [
        {"type": kind, "offset": _u16(text[: m.start()]), "length": _u16(m.group())}
        for rx, kind in ((_COMMAND_RE, "bot_command"), (_MENTION_RE, "mention"))
        for m in rx.finditer(text)
    ]
    return sorted(found, key=lambda e: e["offset"])


def _decode(name: str, value: Any) -> Any:
    if not isinstance(value, str) or name in _RAW_STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


@dataclass
class Call:
    """One request the bot made, whatever became of it."""

    method: str
    params: dict[str, Any]
    time: float  # time.monotonic() at arrival
    executed: bool = False  # the method took effect (a message was really sent, ...)
    fault: str | None = None  # injected fault kind, if any
    status: int | None = None  # HTTP status answered; None while pending or if dropped
    result: Any = None  # the "result" of an executed call
    error: str | None = None  # "description" of an ok=false answer


@dataclass(frozen=True)
class FaultPlan:
    """Which calls fail, and how. Each call to a faultable method draws from
    ``random.Random(seed)``: with probability ``rate`` it gets a fault, kind chosen uniformly
    from ``kinds``. ``methods=None`` means every method except ``exempt`` (the calls PTB needs
    to start at all); an explicit ``methods`` tuple ignores ``exempt``. ``max_faults`` caps the
    total number injected (e.g. rate=1, max_faults=1: "the next call fails once")."""

    rate: float = 0.2
    kinds: tuple[str, ...] = FAULT_KINDS
    methods: tuple[str, ...] | None = None
    seed: int = 1234
    retry_after: int = 1
    slow_seconds: float = 6.0
    max_faults: int | None = None
    exempt: tuple[str, ...] = ("getMe", "deleteWebhook", "setWebhook", "getWebhookInfo")

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown or not self.kinds:
            raise ValueError(f"bad fault kinds {self.kinds!r}; known: {FAULT_KINDS}")

    def applies_to(self, method: str) -> bool:
        return method in self.methods if self.methods is not None else method not in self.exempt


# The tags Telegram's HTML parse mode accepts; anything else is "can't parse entities".
_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    }
)


class _TelegramHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in _HTML_TAGS:
            raise _ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"'
            )
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            raise _ApiError(400, f'Bad Request: can\'t parse entities: Unmatched end tag "{tag}"')

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_telegram_html(text: str) -> str:
    """Plain text of a parse_mode=HTML message; malformed markup is a 400, as on Telegram.

    A bare "<" or "&" that is not an entity is also refused, so unescaped user text shows up.
    """
    if re.search(r"<(?![a-zA-Z/])|&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        raise _ApiError(400, "Bad Request: can't parse entities: unescaped character")
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    if parser.open:
        raise _ApiError(400, f'Bad Request: can\'t parse entities: unclosed "{parser.open[-1]}"')
    return "".join(parser.text)


class _ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


class FakeBotAPI:
    """Fake Bot API server plus a synchronous, thread-safe API for tests."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        username: str = "ArticleBot",
        first_name: str = "Article Bot",
    ) -> None:
        self.token = token
        bot_id = token.split(":", 1)[0]
        self.bot_user: dict[str, Any] = {
            "id": int(bot_id) if bot_id.isdigit() else 1,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self._lock = threading.RLock()
        self._calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._confirmed = 0
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._last_msg_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self.webhook: dict[str, Any] = {"url": "", "secret_token": None}
        self.commands: list[Any] = []
        self._plan: FaultPlan | None = None
        self._rng = random.Random()
        self._fault_counts: Counter[tuple[str, str]] = Counter()
        self._plan_faults = 0
        self._last_activity = time.monotonic()
        self._poll_gen = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._closing: asyncio.Event | None = None
        self._waiters: set[asyncio.Future[None]] = set()
        self.port = 0
        self._pusher: asyncio.Task[None] | None = None
        self.webhook_posts: list[tuple[int, int | str]] = []  # (update_id, status or error)
        self._methods: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": lambda p: dict(self.bot_user),
            "sendMessage": self._send_message,
            "editMessageText": lambda p: self._edit(p, with_text=True),
            "editMessageReplyMarkup": lambda p: self._edit(p, with_text=False),
            "deleteMessage": self._delete_message,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": lambda p: {
                "url": self.webhook["url"],
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            },
            "answerInlineQuery": self._answer_inline_query,
            "setMyCommands": lambda p: self._set_commands(p.get("commands") or []),
            "deleteMyCommands": lambda p: self._set_commands([]),
            "getMyCommands": lambda p: list(self.commands),
        }
        for name in (
            "answerCallbackQuery",
            "sendChatAction",
            "setChatMenuButton",
            "setMyDescription",
            "setMyShortDescription",
            "setMyName",
        ):
            self._methods[name] = lambda p: True
        self._canonical = {name.lower(): name for name in [*self._methods, "getUpdates"]}

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        """What ``ApplicationBuilder().base_url()`` takes; PTB appends the token itself."""
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> FakeBotAPI:
        started = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = self._loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(self._serve())
            except BaseException as exc:  # reported to start()
                errors.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="FakeBotAPI", daemon=True)
        self._thread.start()
        started.wait(10)
        if errors or not self.port:
            raise RuntimeError("FakeBotAPI failed to start") from (errors[0] if errors else None)
        return self

    async def _serve(self) -> None:
        self._closing = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # handler_cancellation: a client that gives up (read timeout) aborts its long poll.
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=0.5
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        self.port = sock.getsockname()[1]

    def stop(self) -> None:
        """Quick even with long polls or slow responses pending: they are woken and dropped."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return

        async def shutdown() -> None:
            assert self._closing is not None and self._runner is not None
            self._closing.set()
            self._wake()
            if self._pusher is not None:
                self._pusher.cancel()
                await asyncio.gather(self._pusher, return_exceptions=True)
            await self._runner.cleanup()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout=5)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            self._thread = self._loop = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ HTTP handling
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        try:
            params = {k: _decode(k, v) for k, v in (await self._read_params(request)).items()}
        except ValueError:  # malformed JSON body
            params = {"_unparsable_body": True}
        raw = request.match_info["method"]
        call = Call(self._canonical.get(raw.lower(), raw), params, time.monotonic())
        with self._lock:
            self._calls.append(call)
            if call.method != "getUpdates":
                self._last_activity = call.time
        if request.match_info["token"] != self.token:
            return self._answer(call, 401, {"description": "Unauthorized"})
        if call.method not in self._methods and call.method != "getUpdates":
            return self._answer(call, 404, {"description": "Not Found"})
        if params.get("_unparsable_body"):
            return self._answer(call, 400, {"description": "Bad Request: can't parse JSON"})
        call.fault, plan = self._pick_fault(call.method)
        if call.fault in ("500", "502"):
            return self._answer(call, int(call.fault), {"description": _ERRORS[int(call.fault)]})
        if call.fault == "429" and plan is not None:
            n = plan.retry_after
            return self._answer(
                call,
                429,
                {
                    "description": f"Too Many Requests: retry after {n}",
                    "parameters": {"retry_after": n},
                },
            )
        if call.fault == "drop_before":
            return self._drop(request)
        try:
            if call.method == "getUpdates":
                result: Any = await self._get_updates(params)
            else:
                with self._lock:
                    result = self._methods[call.method](params)
        except _ApiError as exc:
            return self._answer(call, exc.code, {"description": exc.description})
        call.result, call.executed = result, True
        if call.fault == "lost_response":
            return self._drop(request)
        if call.fault == "slow" and plan is not None:
            assert self._closing is not None
            try:
                await asyncio.wait_for(self._closing.wait(), plan.slow_seconds)
                return self._drop(request)  # server is stopping
            except TimeoutError:
                pass
        if call.method == "getUpdates" and result:
            self._last_activity = time.monotonic()
        return self._answer(call, 200, {"result": result})

    @staticmethod
    async def _read_params(request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if not request.body_exists:
            return params
        if request.content_type == "application/json":
            body = await request.json()
            params.update(body if isinstance(body, dict) else {})
            return params
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):  # an upload: keep a summary, not the bytes
                value = {"filename": value.filename, "size": len(value.file.read())}
            params[key] = value
        return params

    @staticmethod
    def _answer(call: Call, status: int, body: dict[str, Any]) -> web.Response:
        call.status = status
        if status != 200:
            call.error = body["description"]
            body = {"ok": False, "error_code": status, **body}
        return web.json_response({"ok": True, **body} if status == 200 else body, status=status)

    @staticmethod
    def _drop(request: web.Request) -> NoReturn:
        """Close the TCP connection with no response at all; the client sees a disconnect."""
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError  # aiohttp treats this as a vanished client: writes nothing

    def _pick_fault(self, method: str) -> tuple[str | None, FaultPlan | None]:
        """One seeded draw per faultable call, so a given call sequence faults reproducibly."""
        with self._lock:
            plan = self._plan
            if plan is None or not plan.applies_to(method):
                return None, plan
            if plan.max_faults is not None and self._plan_faults >= plan.max_faults:
                return None, plan
            if self._rng.random() >= plan.rate:
                return None, plan
            kind = self._rng.choice(plan.kinds)
            self._fault_counts[(method, kind)] += 1
            self._plan_faults += 1
            return kind, plan

    def _wake(self) -> None:
        """Wake every pending long poll (runs on the server loop)."""
        for fut in self._waiters:
            if not fut.done():
                fut.set_result(None)

    # ------------------------------------------------------------------ Bot API methods
    async def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        """Long poll with Telegram's offset rule: an offset confirms (forgets) lower ids."""
        loop, offset = asyncio.get_running_loop(), int(p.get("offset") or 0)
        limit = max(1, min(100, int(p.get("limit") or 100)))
        with self._lock:
            if self.webhook["url"]:
                raise _ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is "
                    "active; use deleteWebhook to delete the webhook first",
                )
            self._confirm(offset)
            self._poll_gen += 1
            gen = self._poll_gen
        self._wake()  # a newer getUpdates terminates older ones, like Telegram
        deadline = loop.time() + max(0.0, float(p.get("timeout") or 0))
        while True:
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.add(fut)  # registered before the check, so no wake-up is missed
            try:
                with self._lock:
                    if gen != self._poll_gen:
                        raise _ApiError(
                            409,
                            "Conflict: terminated by other getUpdates request; "
                            "make sure that only one bot instance is running",
                        )
                    batch = [u for u in self._updates if u["update_id"] >= offset][:limit]
                remaining = deadline - loop.time()
                assert self._closing is not None
                if batch or remaining <= 0 or self._closing.is_set():
                    return copy.deepcopy(batch)
                await asyncio.wait({fut}, timeout=remaining)
            finally:
                self._waiters.discard(fut)

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self._confirmed = max(self._confirmed, offset)
        elif offset < 0:  # "the last -offset updates"; all earlier ones are forgotten
            self._updates = self._updates[offset:]
            if self._updates:
                self._confirmed = max(self._confirmed, self._updates[0]["update_id"])

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        if not isinstance(chat_id, int):
            raise _ApiError(400, "Bad Request: chat not found")
        if chat_id in self._chats:
            return dict(self._chats[chat_id])
        if chat_id > 0:
            return {
                "id": chat_id,
                "type": "private",
                "first_name": self.user(chat_id)["first_name"],
            }
        return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}

    def _new_message(
        self, chat: dict[str, Any], sender: dict[str, Any] | None, **fields: Any
    ) -> dict[str, Any]:
        with self._lock:
            msg_id = self._last_msg_id[chat["id"]] = self._last_msg_id.get(chat["id"], 0) + 1
            msg = {"message_id": msg_id, "date": int(time.time()), "chat": chat}
            if sender is not None:
                msg["from"] = sender
            msg.update(fields)
            self._messages[(chat["id"], msg_id)] = msg
            return msg

    def _bot_sender(self) -> dict[str, Any]:
        return {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}

    @staticmethod
    def _check_text(text: Any, parse_mode: Any = None) -> str:
        """The text a user would see: HTML parsed like Telegram does (and refused as it does)."""
        if isinstance(text, str) and str(parse_mode).upper() == "HTML":
            text = parse_telegram_html(text)
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        return text

    @staticmethod
    def _inline_markup(markup: Any) -> dict[str, Any] | None:
        """Telegram echoes only inline keyboards in the sent Message; checks callback_data."""
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            return None
        for row in markup["inline_keyboard"]:
            for button in row:
                if len(str(button.get("callback_data", "")).encode()) > 64:
                    raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _send_message(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(p.get("chat_id"))
        text = self._check_text(p.get("text"), p.get("parse_mode"))
        fields: dict[str, Any] = {"text": text}
        if p.get("entities"):
            fields["entities"] = p["entities"]
        if (markup := self._inline_markup(p.get("reply_markup"))) is not None:
            fields["reply_markup"] = markup
        reply = p.get("reply_parameters") or {}
        reply_id = reply.get("message_id") if isinstance(reply, dict) else None
        if reply_id := reply_id or p.get("reply_to_message_id"):
            replied = self._messages.get((chat["id"], int(reply_id)))
            replied = replied or {"message_id": int(reply_id), "date": 0, "chat": chat}
            fields["reply_to_message"] = {
                k: v for k, v in replied.items() if k != "reply_to_message"
            }
        return copy.deepcopy(self._new_message(chat, self._bot_sender(), **fields))

    def _edit(self, p: dict[str, Any], with_text: bool) -> Any:
        if p.get("inline_message_id"):
            return True
        msg = self._messages.get((self._chat(p.get("chat_id"))["id"], p.get("message_id")))
        if msg is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if msg.get("from", {}).get("id") != self.bot_user["id"]:
            raise _ApiError(400, "Bad Request: message can't be edited")
        text = (
            self._check_text(p.get("text"), p.get("parse_mode")) if with_text else msg.get("text")
        )
        markup = self._inline_markup(p.get("reply_markup"))
        if text == msg.get("text") and markup == msg.get("reply_markup"):
            raise _ApiError(400, _NOT_MODIFIED)
        msg.update(text=text, edit_date=int(time.time()))
        msg.pop("reply_markup", None)  # an edit without a keyboard removes it, like Telegram
        if markup is not None:
            msg["reply_markup"] = markup
        return copy.deepcopy(msg)

    def _delete_message(self, p: dict[str, Any]) -> bool:
        if self._messages.pop((p.get("chat_id"), p.get("message_id")), None) is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        return True

    def _set_webhook(self, p: dict[str, Any]) -> bool:
        self.webhook = {"url": p.get("url") or "", "secret_token": p.get("secret_token")}
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _delete_webhook(self, p: dict[str, Any]) -> bool:
        self.webhook = {"url": "", "secret_token": None}
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _answer_inline_query(self, p: dict[str, Any]) -> bool:
        if not isinstance(p.get("results"), list) or len(p["results"]) > 50:
            raise _ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        return True

    def _set_commands(self, commands: list[Any]) -> bool:
        self.commands = list(commands)
        return True

    # ------------------------------------------------------------------ test API: updates
    def user(self, user_id: int = DEFAULT_USER_ID, is_bot: bool = False) -> dict[str, Any]:
        """The User dict for ``user_id`` (override fields with :meth:`register_user`)."""
        with self._lock:
            base = {
                "id": user_id,
                "is_bot": is_bot,
                "first_name": f"User{user_id}",
                "username": f"user{user_id}",
                "language_code": "en",
            }
            return {**base, **self._users.get(user_id, {})}

    def register_user(self, user_id: int, **fields: Any) -> None:
        with self._lock:
            self._users[user_id] = fields

    def register_chat(self, chat_id: int, chat_type: str = "private", **fields: Any) -> None:
        """Chat shown in updates and in the bot's sent Messages (type, title, ...)."""
        with self._lock:
            self._chats[chat_id] = {"id": chat_id, "type": chat_type, **fields}

    def queue_update(self, update: dict[str, Any]) -> int:
        """Queue an Update for getUpdates; assigns and returns the next update_id."""
        with self._lock:
            update_id = update["update_id"] = self._next_update_id
            self._next_update_id += 1
            self._updates.append(update)
            self._last_activity = time.monotonic()  # the bot is about to have work to do
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake)
        return update_id

    def message(
        self,
        kind: str = "message",
        *,
        chat_id: int = DEFAULT_USER_ID,
        chat_type: str | None = None,
        user_id: int | None = DEFAULT_USER_ID,
        is_bot: bool = False,
        **fields: Any,
    ) -> dict[str, Any]:
        """Queue any message-like update: kind="edited_message", "channel_post", ...;
        user_id=None (or a channel kind) leaves out ``from``. ``fields`` override/extend.
        Text gets the bot_command/mention entities Telegram would add (PTB relies on them)."""
        with self._lock:
            if chat_type is not None:
                title = {} if chat_type == "private" else {"title": f"Chat {chat_id}"}
                self.register_chat(chat_id, chat_type, **title)
            chat = self._chat(chat_id)
            sender = None if user_id is None or "channel" in kind else self.user(user_id, is_bot)
            text = fields.get("text")
            if isinstance(text, str) and "entities" not in fields and detect_entities(text):
                fields["entities"] = detect_entities(text)
            if kind.startswith("edited_"):
                fields.setdefault("edit_date", int(time.time()))
            update = {kind: copy.deepcopy(self._new_message(chat, sender, **fields))}
            self.queue_update(update)
            return update

    def private_text(
        self, text: str, user_id: int = DEFAULT_USER_ID, chat_id: int | None = None, **extra: Any
    ) -> dict[str, Any]:
        chat_id = user_id if chat_id is None else chat_id
        with self._lock:
            if chat_id not in self._chats:
                u = self.user(user_id)
                self.register_chat(
                    chat_id, "private", first_name=u["first_name"], username=u["username"]
                )
        return self.message(chat_id=chat_id, user_id=user_id, text=text, **extra)

    def group_text(
        self,
        text: str,
        chat_id: int = -100123,
        user_id: int = DEFAULT_USER_ID,
        reply_to: dict[str, Any] | None = None,
        is_bot: bool = False,
        chat_type: str = "supergroup",
        entities: list[dict[str, Any]] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        with self._lock:
            if self._chats.get(chat_id, {}).get("type") != chat_type:
                self.register_chat(chat_id, chat_type, title=f"Group {chat_id}")
        if reply_to is not None:
            extra["reply_to_message"] = {
                k: v for k, v in reply_to.items() if k != "reply_to_message"
            }
        if entities is not None:
            extra["entities"] = entities
        return self.message(chat_id=chat_id, user_id=user_id, is_bot=is_bot, text=text, **extra)

    def sticker(self, user_id: int = DEFAULT_USER_ID, chat_id: int | None = None) -> dict[str, Any]:
        sticker = {
            "file_id": "CAACAgIAAxkBAAEFakeSticker",
            "file_unique_id": "AgADFake",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "\N{THUMBS UP SIGN}",
        }
        return self.message(
            chat_id=user_id if chat_id is None else chat_id, user_id=user_id, sticker=sticker
        )

    def callback(
        self, data: str, user_id: int = DEFAULT_USER_ID, message: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A button press on ``message`` (default: the bot's latest message in the user's chat)."""
        if message is None:
            sent = self.sent_messages(user_id)
            if not sent:
                raise ValueError(f"no bot message in chat {user_id} to attach the callback to")
            message = sent[-1]
        update = {
            "callback_query": {
                "id": str(next(self._ids)),
                "from": self.user(user_id),
                "message": message,
                "chat_instance": f"ci{message['chat']['id']}",
                "data": data,
            }
        }
        self.queue_update(update)
        return update

    def inline_query(
        self, query: str, user_id: int = DEFAULT_USER_ID, offset: str = ""
    ) -> dict[str, Any]:
        update = {
            "inline_query": {
                "id": str(next(self._ids)),
                "from": self.user(user_id),
                "query": query,
                "offset": offset,
                "chat_type": "sender",
            }
        }
        self.queue_update(update)
        return update

    def updates_confirmed(self) -> int:
        """Highest offset the bot has confirmed; == last update_id + 1 when nothing is pending."""
        with self._lock:
            return self._confirmed

    def pending_updates(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._updates)

    # ------------------------------------------------------------------ test API: webhook
    def push_webhooks(
        self, retry_after: float = 0.2, connections: int = 40, timeout: float = 30.0
    ) -> None:
        """Play Telegram's side of a webhook from now on: POST every pending update to the URL
        set by setWebhook, with its secret header, and forget it only when answered 200.
        Anything else (an error status, a refused or cut connection, a timeout) is posted
        again after ``retry_after`` s. Like Telegram, one update a chat at a time, in order,
        and at most ``connections`` requests at once."""
        if self._loop is None:
            raise RuntimeError("start the server first")

        def start() -> None:
            self._pusher = asyncio.ensure_future(self._push(retry_after, connections, timeout))

        self._loop.call_soon_threadsafe(start)

    @staticmethod
    def _order_key(update: dict[str, Any]) -> Any:
        for kind, body in update.items():
            if isinstance(body, dict):
                if isinstance(body.get("chat"), dict):
                    return ("chat", body["chat"]["id"])
                message = body.get("message")
                if isinstance(message, dict) and isinstance(message.get("chat"), dict):
                    return ("chat", message["chat"]["id"])
                if isinstance(body.get("from"), dict):
                    return ("user", body["from"]["id"])
                return (kind, update["update_id"])
        return update.get("update_id")

    async def _push(self, retry_after: float, connections: int, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        posting: set[int] = set()
        not_before: dict[int, float] = {}
        limit = asyncio.Semaphore(connections)

        async def post(session: aiohttp.ClientSession, update: dict[str, Any], url: str) -> None:
            update_id, outcome = update["update_id"], None
            headers = {"Content-Type": "application/json"}
            if self.webhook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
            try:
                async with limit, session.post(url, data=json.dumps(update), headers=headers) as r:
                    await r.read()
                    outcome = r.status
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                outcome = type(error).__name__
            finally:
                with self._lock:
                    self.webhook_posts.append((update_id, outcome or "cancelled"))
                    if outcome == 200:
                        self._updates = [u for u in self._updates if u["update_id"] != update_id]
                        self._confirmed = max(self._confirmed, update_id + 1)
                    else:
                        not_before[update_id] = loop.time() + retry_after
                posting.discard(update_id)
                self._wake()

        client_timeout = aiohttp.ClientTimeout(total=timeout)
        async with aiohttp.ClientSession(timeout=client_timeout) as session:
            tasks: set[asyncio.Task[None]] = set()
            while True:
                now = loop.time()
                with self._lock:
                    url = self.webhook["url"]
                    pending = list(self._updates) if url else []
                ahead: set[Any] = set()  # chats with an earlier update still pending
                for update in pending:
                    key = self._order_key(update)
                    if key in ahead:
                        continue
                    ahead.add(key)
                    update_id = update["update_id"]
                    if update_id in posting or not_before.get(update_id, 0) > now:
                        continue
                    posting.add(update_id)
                    task = asyncio.ensure_future(post(session, copy.deepcopy(update), url))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                fut: asyncio.Future[None] = loop.create_future()
                self._waiters.add(fut)
                try:
                    await asyncio.wait({fut}, timeout=retry_after / 2)
                finally:
                    self._waiters.discard(fut)

    # ------------------------------------------------------------------ test API: calls
    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages a user would really see: executed sendMessage results (even if the
        response was lost or late)."""
        return [
            c.result
            for c in self.calls("sendMessage")
            if c.executed and (chat_id is None or c.result["chat"]["id"] == chat_id)
        ]

    def get_message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """Current state of a stored message (after edits)."""
        with self._lock:
            return copy.deepcopy(self._messages.get((chat_id, message_id)))

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def describe_calls(self) -> str:
        calls = self.calls()
        return (
            "\n".join(
                f"  +{c.time - calls[0].time:6.2f}s {c.method} status={c.status} "
                f"executed={c.executed} fault={c.fault} params={json.dumps(c.params)[:160]}"
                for c in calls
            )
            or "  (no calls)"
        )

    def wait_for(self, predicate: Callable[[FakeBotAPI], Any], timeout: float = 5.0) -> Any:
        """Poll until ``predicate(self)`` is truthy and return its value."""
        deadline = time.monotonic() + timeout
        while not (value := predicate(self)):
            if time.monotonic() > deadline:
                raise TimeoutError(self._timeout_message(predicate, timeout))
            time.sleep(0.01)
        return value

    async def wait_for_async(
        self, predicate: Callable[[FakeBotAPI], Any], timeout: float = 5.0
    ) -> Any:
        """Like :meth:`wait_for` but yields to the caller's loop (for an in-process bot)."""
        deadline = time.monotonic() + timeout
        while not (value := predicate(self)):
            if time.monotonic() > deadline:
                raise TimeoutError(self._timeout_message(predicate, timeout))
            await asyncio.sleep(0.01)
        return value

    def _timeout_message(self, predicate: Callable[..., Any], timeout: float) -> str:
        name = getattr(predicate, "__name__", repr(predicate))
        return f"{name} not satisfied within {timeout}s; recorded calls:\n{self.describe_calls()}"

    def _idle_for(self, quiet: float) -> bool:
        with self._lock:
            return time.monotonic() - self._last_activity >= quiet

    def wait_idle(self, quiet: float = 0.3, timeout: float = 5.0) -> None:
        """Wait until nothing happened for ``quiet`` s: no update queued, no getUpdates
        delivered one, no other call arrived (idle long polls don't count). Use it to
        assert silence, e.g. that the bot did not reply."""
        self.wait_for(lambda api: api._idle_for(quiet), timeout)

    async def wait_idle_async(self, quiet: float = 0.3, timeout: float = 5.0) -> None:
        await self.wait_for_async(lambda api: api._idle_for(quiet), timeout)

    # ------------------------------------------------------------------ test API: faults
    def set_faults(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plan, self._rng, self._plan_faults = plan, random.Random(plan.seed), 0

    def clear_faults(self) -> None:
        with self._lock:
            self._plan = None

    def fault_counts(self) -> dict[tuple[str, str], int]:
        """Faults injected so far, across all plans: {(method, kind): n}."""
        with self._lock:
            return dict(self._fault_counts)
