"""The bot's HTTP server (tornado, which python-telegram-bot's webhooks extra brings): the
webhook Telegram posts updates to, and the health checks.

Unlike python-telegram-bot's own webhook server, which answers 200 as soon as an update is
queued, this one answers only after the update was handled, so an update that a crash cut off
is delivered again by Telegram. It is meant to face the internet:

- the secret header is compared in constant time as soon as the headers are in, before any of
  the body is read; a wrong one is refused (403) and the body never buffered;
- bodies are limited to MAX_BODY_BYTES, headers to MAX_HEADER_BYTES; a client gets
  HEADER_TIMEOUT seconds for its headers (and to send the next request on a kept-alive
  connection) and BODY_TIMEOUT for its body, so slow clients cannot hold connections open;
- `application/json` is accepted with any parameters (`; charset=utf-8`);
- a body that is not an update is answered 400 (Telegram would retry a 5xx forever); an update
  whose handler fails is logged by the error handler and answered 200 all the same.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram import Bot, Update

from bot.telegram.intake import HandledElsewhere
from bot.telegram.services import ReloadableLibrary

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; 1 MB leaves room for the largest message with
# entities and a reply, and nothing near what would strain memory.
MAX_BODY_BYTES = 1024 * 1024
MAX_HEADER_BYTES = 16 * 1024
HEADER_TIMEOUT = 10.0
BODY_TIMEOUT = 10.0
# /readyz asks the Bot API (getMe) at most this often; probes in between get the last answer.
READY_CHECK_EVERY = 30.0
# /healthz in polling mode fails once getUpdates has failed for this long in a row (retries
# back off to 30 s, so this is a few of them); /readyz counts an answer this recent as the Bot
# API being reachable.
POLL_STALE_AFTER = 90.0


class Health:
    """What /healthz and /readyz report."""

    def __init__(self, bot: Bot, library: ReloadableLibrary, mode: str) -> None:
        self.bot = bot
        self.library = library
        self.mode = mode  # "polling" or "webhook"
        self.stopping = False
        # time.monotonic() of the last getUpdates answered, and of the first of those failing
        # in a row (polling only).
        self.last_poll_ok: Callable[[], float | None] = lambda: None
        self.poll_failing_since: Callable[[], float | None] = lambda: None
        self.last_received: Callable[[], float | None] = lambda: None
        self._api_checked: tuple[float, bool, str] | None = None

    def alive(self) -> tuple[bool, dict[str, Any]]:
        received = self.last_received()
        report: dict[str, Any] = {
            "mode": self.mode,
            "seconds_since_update": None
            if received is None
            else round(time.monotonic() - received),
        }
        if self.stopping:
            return False, {**report, "problem": "shutting down"}
        failing_since = self.poll_failing_since()
        if failing_since is not None and time.monotonic() - failing_since > POLL_STALE_AFTER:
            return False, {**report, "problem": "getUpdates has failed for a while"}
        return True, report

    async def ready(self) -> tuple[bool, dict[str, Any]]:
        entries = len(self.library.current.knowledge)
        api_ok, api_note = await self._bot_api()
        ready = entries > 0 and api_ok and not self.stopping
        return ready, {"entries": entries, "bot_api": api_note, "stopping": self.stopping}

    async def _bot_api(self) -> tuple[bool, str]:
        now = time.monotonic()
        polled = self.last_poll_ok()
        if polled is not None and now - polled <= POLL_STALE_AFTER:
            return True, "getUpdates answered"
        if self._api_checked is not None and now - self._api_checked[0] < READY_CHECK_EVERY:
            return self._api_checked[1], self._api_checked[2]
        try:
            await self.bot.get_me(read_timeout=5, connect_timeout=5)
            result = (True, "getMe answered")
        except Exception as error:
            result = (False, f"getMe failed: {type(error).__name__}")
        self._api_checked = (now, *result)
        return result


class _Json(tornado.web.RequestHandler):
    def reply(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body))


class _Healthz(_Json):
    def initialize(self, health: Health) -> None:
        self.health = health

    def get(self) -> None:
        ok, report = self.health.alive()
        self.reply(200 if ok else 503, {"status": "ok" if ok else "unhealthy", **report})


class _Readyz(_Json):
    def initialize(self, health: Health) -> None:
        self.health = health

    async def get(self) -> None:
        ok, report = await self.health.ready()
        self.reply(200 if ok else 503, {"status": "ready" if ok else "not ready", **report})


@tornado.web.stream_request_body
class _Webhook(_Json):
    """POST from Telegram: check the secret on the headers alone, then read, handle, answer."""

    def initialize(
        self,
        bot: Bot,
        secret: str,
        receive: Callable[[Update], Awaitable[None]],
        health: Health,
    ) -> None:
        self.bot = bot
        self.secret = secret.encode()
        self.receive = receive
        self.health = health
        self.body = bytearray()

    def prepare(self) -> None:
        if self.request.method != "POST":
            return  # tornado answers 405
        given = self.request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self.secret):
            self._refuse(403, "wrong secret")
            return
        media_type = self.request.headers.get("Content-Type", "").split(";")[0]
        if media_type.strip().lower() != "application/json":
            self._refuse(415, "expected application/json")
            return
        if self.health.stopping:  # Telegram retries later, on this replica's successor
            self._refuse(503, "shutting down")

    def _refuse(self, status: int, why: str) -> None:
        self.set_header("Connection", "close")
        self.reply(status, {"ok": False, "description": why})

    def data_received(self, chunk: bytes) -> None:
        self.body += chunk  # bounded by the server's max_body_size

    async def post(self) -> None:
        try:
            data = json.loads(self.body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(data, self.bot)
        except Exception as error:
            logger.warning("webhook: refused a malformed update (%s)", type(error).__name__)
            self.reply(400, {"ok": False, "description": "malformed update"})
            return
        try:
            await self.receive(update)
        except HandledElsewhere:  # Telegram asks again; by then it is handled, or free
            self.reply(503, {"ok": False, "description": "being handled by another replica"})
            return
        self.reply(200, {"ok": True})


class HttpServer:
    """Tornado on the running asyncio loop, with the limits above."""

    def __init__(
        self,
        health: Health,
        listen: str,
        port: int,
        webhook: dict[str, Any] | None = None,
        webhook_path: str = "telegram",
    ) -> None:
        routes: list[Any] = [
            (r"/healthz", _Healthz, {"health": health}),
            (r"/readyz", _Readyz, {"health": health}),
        ]
        if webhook is not None:
            routes.append((rf"/{webhook_path}", _Webhook, {**webhook, "health": health}))
        self._app = tornado.web.Application(routes, log_function=_log_request)
        self._listen, self.port = listen, port
        self._server: tornado.httpserver.HTTPServer | None = None

    def start(self) -> None:
        sockets = tornado.netutil.bind_sockets(self.port, address=self._listen)
        self._server = tornado.httpserver.HTTPServer(
            self._app,
            idle_connection_timeout=HEADER_TIMEOUT,
            body_timeout=BODY_TIMEOUT,
            max_body_size=MAX_BODY_BYTES,
            max_header_size=MAX_HEADER_BYTES,
        )
        self._server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]

    def stop_accepting(self) -> None:
        if self._server is not None:
            self._server.stop()

    async def close(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """Refusals at INFO (a probe or an attack shows in the log), the rest at DEBUG. Only the
    method, path and status: never a header (the secret) or the body (user text)."""
    status = handler.get_status()
    level = logging.INFO if status >= 400 and status != 503 else logging.DEBUG
    logger.log(level, "%s %s %d", handler.request.method, handler.request.path, status)
