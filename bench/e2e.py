"""End-to-end throughput: questions through the fake Bot API server, the real Application, back.

What it measures: the bot as `python -m bot run` builds it (`build_application(settings,
Library.load(knowledge.yaml))`, run by tests/e2e.py `running_bot`, i.e. the same Runtime as
production: its own polling, handled updates recorded in SQLite) answering 2,000 private-chat
questions from 200 users (10 each), all queued at once on tests/fake_bot_api.FakeBotAPI
(127.0.0.1 only). For each setting of `concurrent_updates` (default 1 = off, 64, 256):

- replies/s: replies / (last reply's sendMessage arrival - first update queued);
- latency p50 / p99 / max: from the moment getUpdates handed the update to the bot (recorded by
  a subclass of FakeBotAPI when its getUpdates returns the batch) to the arrival of the reply's
  sendMessage at the server;
- lost replies (an update without its sendMessage), doubles (more than one), unexpected replies
  (a sendMessage that is not the reply the matcher gives to any of that chat's questions).
  Each user's 10 questions are chosen so that their replies differ (the expected reply of every
  question is computed up front with the same Matcher and rendering), so every sendMessage is
  paired with exactly the update it answers;
- CPU seconds of the bot and of the fake server over the measured window (per thread from
  /proc), so you can see how much of the 2 cores each used;
- the baseline: for each setting, a bare python-telegram-bot echo bot (its own Updater, one
  handler that sends the text back) answers the same questions through the same fake server
  in the same run; its replies/s and the bot's ratio to it (target: at least 0.9x).

Bench settings: rate_limit=False (AIORateLimiter would cap at 30 messages/s), flood_max=10**9
(the per-user flood guard, default 10 per 10 s, would silence a user's 11th question; here each
user asks exactly 10, at the edge, and warm-up adds more), logging configured as `python -m bot
run` does it (INFO, one line per update) but written to /dev/null.

The fake server runs either in a thread of the bench process, as in the tests (`--server
thread`; it then competes with the bot for the GIL), or in a child process (`--server process`;
closer to production, where Telegram's servers are elsewhere). Default: both.

Run from the repository root:

    python bench/e2e.py                               # ~1 minute
    python bench/e2e.py --concurrency 64 --server process
    python bench/e2e.py --profile        # py-spy (or cProfile) at 64: where the time goes

Prints a table and writes the same figures to bench/results/e2e.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import logging
import multiprocessing
import os
import pstats
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

NAME = "e2e"
TARGET_REPLIES_PER_SECOND = 1000.0
# Issue 10: the bot keeps at least 0.9x the replies/s of a bare PTB echo bot on the same stack.
TARGET_BASELINE_RATIO = 0.9
FIRST_USER = 100_001
WARMUP_FIRST_USER = 900_001
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- the fake server, instrumented -----------------------------------------------------------


def _server_class() -> type:
    from tests.fake_bot_api import FakeBotAPI

    class BenchFakeBotAPI(FakeBotAPI):
        """Records when getUpdates hands each update over, and counts sendMessage calls."""

        def __init__(self) -> None:
            super().__init__()
            self.delivered: dict[int, float] = {}
            self.batches: list[int] = []
            self.sent_count = 0

        async def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
            batch = await super()._get_updates(p)
            now = time.monotonic()
            if batch:
                self.batches.append(len(batch))
            for update in batch:
                self.delivered.setdefault(update["update_id"], now)
            return batch

        def _send_message(self, p: dict[str, Any]) -> dict[str, Any]:
            result = super()._send_message(p)
            self.sent_count += 1
            return result

        def snapshot(self) -> dict[str, Any]:
            sends = []
            for call in self.calls("sendMessage"):
                markup = call.params.get("reply_markup")
                data = (
                    [
                        b.get("callback_data", "")
                        for row in markup.get("inline_keyboard", [])
                        for b in row
                    ]
                    if isinstance(markup, dict)
                    else []
                )
                sends.append(
                    {
                        "time": call.time,
                        "chat_id": call.params.get("chat_id"),
                        "text": call.params.get("text"),
                        "buttons": data,
                        "executed": call.executed,
                        "status": call.status,
                    }
                )
            return {
                "delivered": dict(self.delivered),
                "sends": sends,
                "get_updates_calls": len(self.calls("getUpdates")),
                "batches": list(self.batches),
                "calls": len(self.calls()),
            }

    return BenchFakeBotAPI


def _thread_cpu(tid: int, pid: int | str = "self") -> float:
    try:
        fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _process_cpu(pid: int | str = "self") -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class ThreadServer:
    """FakeBotAPI in a thread of this process (as tests/e2e.py runs it)."""

    mode = "thread"

    def __init__(self) -> None:
        self.api = _server_class()().start()
        self.token, self.base_url = self.api.token, self.api.base_url
        assert self.api._thread is not None
        self._tid = self.api._thread.native_id

    def queue(self, items: list[tuple[int, str]]) -> list[int]:
        return [self.api.private_text(text, user_id=user)["update_id"] for user, text in items]

    async def wait_sent(self, count: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self.api.sent_count < count and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        return self.api.sent_count

    async def polled(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.api.calls("getUpdates") and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return bool(self.api.calls("getUpdates"))

    def cpu(self) -> tuple[float, float]:
        """(bot, server) CPU seconds so far: the server thread vs the rest of this process."""
        server = _thread_cpu(self._tid)
        return _process_cpu() - server, server

    def results(self) -> dict[str, Any]:
        return self.api.snapshot()

    def stop(self) -> None:
        self.api.stop()


def _serve(conn: Any) -> None:
    """The child process of ProcessServer: a FakeBotAPI driven over a pipe."""
    api = _server_class()().start()
    conn.send({"token": api.token, "base_url": api.base_url})
    try:
        while True:
            command, argument = conn.recv()
            if command == "queue":
                conn.send(
                    [api.private_text(text, user_id=user)["update_id"] for user, text in argument]
                )
            elif command == "wait_sent":
                count, timeout = argument
                deadline = time.monotonic() + timeout
                while api.sent_count < count and time.monotonic() < deadline:
                    time.sleep(0.01)
                conn.send(api.sent_count)
            elif command == "polled":
                deadline = time.monotonic() + argument
                while not api.calls("getUpdates") and time.monotonic() < deadline:
                    time.sleep(0.01)
                conn.send(bool(api.calls("getUpdates")))
            elif command == "results":
                conn.send(api.snapshot())
            elif command == "stop":
                break
    finally:
        api.stop()
        conn.send("stopped")


class ProcessServer:
    """FakeBotAPI in a child process (time.monotonic is system-wide, so times compare)."""

    mode = "process"

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(target=_serve, args=(child_conn,), daemon=True)
        self._process.start()
        if not self._conn.poll(30):
            raise RuntimeError("the fake server process did not start")
        hello = self._conn.recv()
        self.token, self.base_url = hello["token"], hello["base_url"]
        self._lock = threading.Lock()

    def _ask(self, command: str, argument: Any = None) -> Any:
        with self._lock:
            self._conn.send((command, argument))
            return self._conn.recv()

    def queue(self, items: list[tuple[int, str]]) -> list[int]:
        return self._ask("queue", items)

    async def wait_sent(self, count: int, timeout: float) -> int:
        return await asyncio.to_thread(self._ask, "wait_sent", (count, timeout))

    async def polled(self, timeout: float) -> bool:
        return await asyncio.to_thread(self._ask, "polled", timeout)

    def cpu(self) -> tuple[float, float]:
        return _process_cpu(), _process_cpu(self._process.pid)

    def results(self) -> dict[str, Any]:
        return self._ask("results")

    def stop(self) -> None:
        with contextlib.suppress(EOFError, OSError):
            self._ask("stop")
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


# --- the workload ----------------------------------------------------------------------------


def reply_key(text: str, buttons: list[str] | tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    return text, tuple(buttons)


def build_workload(users: int, per_user: int, seed: int) -> dict[str, Any]:
    """Each user's questions, with distinct expected replies, in a seeded shuffled order."""
    from bot.knowledge import load_knowledge
    from bot.matcher import Matcher
    from bot.replies import match_reply
    from bot.telegram.render import encode_choice, html_pieces

    knowledge = load_knowledge(common.REPO / "knowledge.yaml")
    matcher = Matcher(knowledge)
    pool = []
    seen_questions = set()
    for item in common.make_questions(knowledge, max(600, per_user * 40), seed):
        if item["q"] in seen_questions:
            continue
        seen_questions.add(item["q"])
        reply = match_reply(matcher.match(item["q"]), knowledge, brief=False)
        pieces = html_pieces(reply)
        if len(pieces) != 1:
            continue
        key = reply_key(pieces[0], [encode_choice(c) for c in reply.choices])
        pool.append((item["q"], item["kind"], reply.decision.value if reply.decision else "-", key))
    rng = random.Random(f"e2e:{seed}")
    by_user: dict[int, list[tuple[str, str, str, Any]]] = {}
    for user in range(FIRST_USER, FIRST_USER + users):
        chosen: list[tuple[str, str, str, Any]] = []
        keys: set[Any] = set()
        for candidate in rng.sample(pool, len(pool)):
            if candidate[3] not in keys:
                chosen.append(candidate)
                keys.add(candidate[3])
                if len(chosen) == per_user:
                    break
        if len(chosen) < per_user:
            raise SystemExit(
                f"cannot find {per_user} questions with distinct replies; use fewer --per-user"
            )
        by_user[user] = chosen
    order = [(user, number) for user in by_user for number in range(per_user)]
    rng.shuffle(order)
    kinds = Counter(by_user[u][n][1] for u, n in order)
    decisions = Counter(by_user[u][n][2] for u, n in order)
    return {"by_user": by_user, "order": order, "kinds": dict(kinds), "decisions": dict(decisions)}


# --- one run ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet_logging(level: str) -> Iterator[None]:
    """Logging as `python -m bot run` configures it, but into /dev/null."""
    from bot.telegram.logs import configure_logging

    with open(os.devnull, "w", encoding="utf-8") as sink:
        configure_logging(level, stream=sink)
        try:
            yield
        finally:
            logging.basicConfig(level="WARNING", force=True)


async def run_config(
    concurrency: int, mode: str, workload: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    from tests.e2e import running_bot

    server: ThreadServer | ProcessServer = ThreadServer() if mode == "thread" else ProcessServer()
    result: dict[str, Any] = {"concurrency": concurrency, "server": mode}
    try:
        async with running_bot(
            server,
            rate_limit=False,
            concurrent_updates=concurrency,
            flood_max=10**9,
            read_timeout=args.read_timeout,
        ):
            if not await server.polled(10):
                raise RuntimeError("the bot never called getUpdates")
            # Warm-up: connections opened, code paths run once.
            warm = [
                (WARMUP_FIRST_USER + n, text)
                for n, (text, *_rest) in enumerate(workload["by_user"][FIRST_USER][: args.warmup])
            ]
            server.queue(warm)
            warmed = await server.wait_sent(len(warm), 30)
            await asyncio.sleep(0.2)
            items = [
                (user, workload["by_user"][user][number][0]) for user, number in workload["order"]
            ]
            if args.window_profiler is not None:
                args.window_profiler.start()
            cpu_before = server.cpu()
            first_queued = time.monotonic()
            if args.burst:
                update_ids = []
                for start in range(0, len(items), args.burst):
                    update_ids += server.queue(items[start : start + args.burst])
                    await asyncio.sleep(args.burst_gap)
            else:
                update_ids = server.queue(items)
            last_queued = time.monotonic()
            sent = await server.wait_sent(warmed + len(items), args.run_timeout)
            finished_waiting = time.monotonic()
            cpu_after = server.cpu()
            if args.window_profiler is not None:
                args.window_profiler.stop()
            # Linger so that late doubles show up too.
            await asyncio.sleep(args.linger)
            final_sent = await server.wait_sent(0, 0)
        snapshot = server.results()
    finally:
        server.stop()

    result.update(analyse(workload, items, update_ids, snapshot, first_queued))
    result.update(
        {
            "queueing_ms": (last_queued - first_queued) * 1000,
            "sent_at_deadline": sent - warmed,
            "sent_after_linger": final_sent - warmed,
            "timed_out": sent < warmed + len(items),
            "waited_s": finished_waiting - first_queued,
            "bot_cpu_s": cpu_after[0] - cpu_before[0],
            "server_cpu_s": cpu_after[1] - cpu_before[1],
            "warmup": len(warm),
        }
    )
    return result


async def _echo(update: Any, context: Any) -> None:
    """The baseline's whole job: send the question back."""
    await context.bot.send_message(update.effective_chat.id, update.effective_message.text)


async def run_baseline(
    concurrency: int, mode: str, workload: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    """The same questions through the same fake server to a bare python-telegram-bot echo bot
    (Application with PTB's own Updater, the same concurrent_updates and pool): the floor any
    bot on this stack pays for receiving and sending."""
    from telegram.ext import Application, MessageHandler, filters

    server: ThreadServer | ProcessServer = ThreadServer() if mode == "thread" else ProcessServer()
    application = (
        Application.builder()
        .token(server.token)
        .base_url(server.base_url)
        .concurrent_updates(concurrency if concurrency > 1 else False)
        .connection_pool_size(8)
        .read_timeout(args.read_timeout)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, _echo))
    items = [(user, workload["by_user"][user][number][0]) for user, number in workload["order"]]
    try:
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0, timeout=1)
            try:
                if not await server.polled(10):
                    raise RuntimeError("the baseline never called getUpdates")
                warm = [(WARMUP_FIRST_USER + n, "warm-up") for n in range(args.warmup)]
                server.queue(warm)
                warmed = await server.wait_sent(len(warm), 30)
                await asyncio.sleep(0.2)
                first_queued = time.monotonic()
                server.queue(items)
                await server.wait_sent(warmed + len(items), args.run_timeout)
                await asyncio.sleep(args.linger)
            finally:
                await application.updater.stop()
                await application.stop()
        snapshot = server.results()
    finally:
        server.stop()
    asked = Counter(items)
    answered = Counter(
        (send["chat_id"], send["text"])
        for send in snapshot["sends"]
        if send["executed"] and send["chat_id"] < WARMUP_FIRST_USER
    )
    sends = [
        s["time"] for s in snapshot["sends"] if s["executed"] and s["chat_id"] < WARMUP_FIRST_USER
    ]
    replies = sum(min(answered[key], n) for key, n in asked.items())
    duration = (max(sends) - first_queued) if sends else float("nan")
    return {
        "concurrency": concurrency,
        "server": mode,
        "replies": replies,
        "lost": sum(max(0, n - answered[key]) for key, n in asked.items()),
        "duration_s": duration,
        "replies_per_s": replies / duration if sends and duration > 0 else float("nan"),
    }


def analyse(
    workload: dict[str, Any],
    items: list[tuple[int, str]],
    update_ids: list[int],
    snapshot: dict[str, Any],
    first_queued: float,
) -> dict[str, Any]:
    """Pair every sendMessage with the update it answers; count lost, doubles, strays."""
    expected: dict[int, dict[Any, int]] = defaultdict(dict)  # chat -> reply key -> update id
    for (user, number), update_id in zip(workload["order"], update_ids, strict=True):
        expected[user][workload["by_user"][user][number][3]] = update_id
    answered: dict[int, int] = Counter()
    latencies: list[float] = []
    queue_to_reply: list[float] = []
    unexpected = 0
    failed_sends = 0
    last_reply = first_queued
    queued_at = first_queued
    delivered = snapshot["delivered"]
    for send in sorted(snapshot["sends"], key=lambda s: s["time"]):
        chat = send["chat_id"]
        if chat not in expected:
            continue  # warm-up
        if not send["executed"]:
            failed_sends += 1
            continue
        update_id = expected[chat].get(reply_key(send["text"], send["buttons"]))
        if update_id is None:
            unexpected += 1
            continue
        answered[update_id] += 1
        if answered[update_id] == 1:
            latencies.append((send["time"] - delivered[update_id]) * 1000)
            queue_to_reply.append((send["time"] - queued_at) * 1000)
            last_reply = max(last_reply, send["time"])
    total = len(update_ids)
    replies = len(latencies)
    duration = last_reply - first_queued
    batches = snapshot["batches"]
    return {
        "questions": total,
        "replies": replies,
        "lost": sum(1 for u in update_ids if answered[u] == 0),
        "doubles": sum(n - 1 for n in answered.values() if n > 1),
        "unexpected": unexpected,
        "failed_sends": failed_sends,
        "undelivered": sum(1 for u in update_ids if u not in delivered),
        "duration_s": duration,
        "replies_per_s": replies / duration if duration > 0 else float("nan"),
        "latency_p50_ms": common.percentile(latencies, 50),
        "latency_p99_ms": common.percentile(latencies, 99),
        "latency_max_ms": max(latencies) if latencies else float("nan"),
        "queue_to_reply_p50_ms": common.percentile(queue_to_reply, 50),
        "get_updates_calls": snapshot["get_updates_calls"],
        "mean_batch": sum(batches) / len(batches) if batches else 0,
        "server_calls": snapshot["calls"],
    }


# --- --profile -------------------------------------------------------------------------------


def _frame_name(frame: str) -> str:
    """'func (path/file.py:123)' -> 'func (path/file.py)'; shorten site-packages paths."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path = where.rsplit(":", 1)[0] if ":" in where else where
    for marker in ("site-packages/", "lib/python3."):
        if marker in path:
            path = path.split(marker, 1)[1]
            if marker.startswith("lib/"):
                path = "stdlib/" + path.split("/", 1)[-1]
    path = path.replace(str(common.REPO) + "/", "")
    return f"{name} ({path})"


def _component(frame: str) -> str:
    name = _frame_name(frame)
    path = name.split(" (", 1)[-1].rstrip(")")
    head = path.split("/", 1)[0]
    if path.startswith("bot/"):
        return "bot/" + path.split("/")[1].removesuffix(".py") if "/" in path[4:] else path
    if path.startswith("tests/"):
        return "tests/fake_bot_api (server)"
    if head in (
        "telegram",
        "httpx",
        "httpcore",
        "h11",
        "aiohttp",
        "anyio",
        "yarl",
        "multidict",
        "rapidfuzz",
        "yaml",
        "Stemmer",
    ):
        return head
    if "importlib" in path or head == "_distutils_hack":
        return "import machinery"
    if head == "stdlib":
        module = path.split("/")[1].removesuffix(".py")
        return f"stdlib {module}"
    return head or "?"


# Frames on (nearly) every stack that say nothing about where the time goes.
_SCAFFOLDING = (
    "<module> (",
    "main (bench/",
    "main (e2e.py",
    "main_run (",
    "main_profile (",
    "run (asyncio/",
    "Runner.run (",
    "BaseEventLoop.run_",
    "BaseEventLoop._run_once (",
    "Handle._run (",
    "Thread.run (",
    "Thread._bootstrap",
    "_serve (",
    "spawn_main (",
    "_main (multiprocessing",
    "BaseProcess._bootstrap",
    "BaseProcess.run",
)
# Where the bot's time goes, by what it is doing: (label, substrings of a frame's name). A sample
# counts for a row when any frame of its stack matches (inclusive time).
_KEY_FUNCTIONS = (
    ("handler total (private_text)", ("private_text (bot/",)),
    ("  matcher.match", ("Matcher.match (",)),
    (
        "  reply building (match_reply, html_pieces, keyboard)",
        ("match_reply (", "html_pieces (", "keyboard (bot/"),
    ),
    ("  sendMessage request (Bot.send_message)", ("Bot.send_message (",)),
    ("    httpx client (AsyncClient.send)", ("AsyncClient.send (",)),
    (
        "    httpcore connection pool (handle_async_request)",
        ("AsyncConnectionPool.handle_async_request (",),
    ),
    (
        "      pool scan (_assign_requests_to_connections)",
        ("AsyncConnectionPool._assign_requests_to_connections (",),
    ),
    (
        "        has_expired on pooled connections (getpeername/readable)",
        ("AsyncHTTP11Connection.has_expired (",),
    ),
    (
        "    failed 'import sniffio' (httpcore current_async_library)",
        ("current_async_library (httpcore",),
    ),
    ("    parsing the sent Message (Message.de_json)", ("Message.de_json (",)),
    ("  logging (Logger.info/handle)", ("Logger._log (", "Logger.handle (")),
    ("  flood guard", ("FloodGuard.check (",)),
    (
        "getUpdates polling (Updater loop)",
        ("polling_action_cb (", "Bot.get_updates (", "ExtBot.get_updates ("),
    ),
    ("  Update.de_json", ("Update.de_json (",)),
    ("handler selection (check_update, filters)", ("check_update (",)),
    ("all import machinery (any import at run time)", ("_find_and_load (",)),
    (
        "fake server: aiohttp request handling",
        ("RequestHandler._handle_request (", "RequestHandler.start ("),
    ),
    ("fake server: FakeBotAPI._handle", ("FakeBotAPI._handle (",)),
)
_PROCESS_FRAMES = re.compile(r'(?:process \d+:"[^"]*";)+')


def summarise_pyspy(raw: Path, top: int = 25) -> dict[str, Any]:
    threads: Counter[str] = Counter()
    names: dict[str, str] = {}
    children: dict[str, str] = {}
    key_functions: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    components: Counter[str] = Counter()
    per_thread_components: dict[str, Counter[str]] = defaultdict(Counter)
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        # --subprocesses prefixes 'process PID:"command line";' (nested for children; a
        # command line may hold ';'), then --threads adds 'thread (TID): Name'.
        processes = _PROCESS_FRAMES.match(stack)
        pids = re.findall(r"process (\d+):", processes.group(0)) if processes else []
        if processes:
            stack = stack[processes.end() :]
        frames = stack.split(";")
        thread = "?"
        if frames and frames[0].startswith("thread ("):
            head = frames.pop(0)
            tid, _, name = head.partition(": ")
            tid = tid.removeprefix("thread (").rstrip(")")
            if name:
                names[tid] = name
            thread = tid
        if pids and pids[-1] != pids[0]:
            children[thread] = pids[-1]
        if not frames:
            continue
        total += count
        threads[thread] += count
        leaf = frames[-1]
        self_time[_frame_name(leaf)] += count
        components[_component(leaf)] += count
        per_thread_components[thread][_component(leaf)] += count
        names_here = {_frame_name(f) for f in frames}
        for name in names_here:
            if not name.startswith(_SCAFFOLDING):
                inclusive[name] += count
        for label, needles in _KEY_FUNCTIONS:
            if any(needle in name for name in names_here for needle in needles):
                key_functions[label] += count
    label = {
        tid: f"{names.get(tid, 'thread')} ({tid})"
        + (f" in child process {children[tid]}" if tid in children else "")
        for tid in threads
    }
    return {
        "samples": total,
        "threads": {label[t]: n for t, n in threads.most_common()},
        "components": components.most_common(),
        "per_thread_components": {
            label[t]: c.most_common(12) for t, c in per_thread_components.items()
        },
        "self": self_time.most_common(top),
        "key_functions": [(label, key_functions[label]) for label, _ in _KEY_FUNCTIONS],
        "inclusive": inclusive.most_common(top),
    }


def print_profile(summary: dict[str, Any]) -> None:
    total = summary["samples"] or 1
    print(f"\n== py-spy: {summary['samples']} samples of threads not sleeping ==")
    print(
        "note: a thread blocked in epoll (EpollSelector.select, 'selectors.py') is counted "
        "as running by py-spy: most of the fake server thread's samples are such waits; the "
        "CPU seconds in the run table are the real CPU use. py-spy's sampling also slows the "
        "bot, so the profiled run's replies/s is lower than an unprofiled one."
    )
    print(
        common.table(
            ["thread", "samples", "share %"],
            [[t, n, 100 * n / total] for t, n in summary["threads"].items()],
            1,
        )
    )
    print("\nself time by component (the leaf frame's package or bot module):")
    print(
        common.table(
            ["component", "samples", "share %"],
            [[c, n, 100 * n / total] for c, n in summary["components"][:20]],
            1,
        )
    )
    for thread, components in summary["per_thread_components"].items():
        subtotal = sum(n for _, n in components) or 1
        print(
            f"\n  {thread}: "
            + ", ".join(f"{c} {100 * n / subtotal:.0f}%" for c, n in components[:8])
        )
    print(
        "\nwhere the time goes (inclusive: samples with the function anywhere on the stack, "
        "share of all samples):"
    )
    print(
        common.table(
            ["what", "samples", "share %"],
            [[label, n, 100 * n / total] for label, n in summary["key_functions"]],
            1,
        )
    )
    print(
        "\ntop 25 functions by inclusive time (on the stack; event-loop and bench "
        "scaffolding left out):"
    )
    print(
        common.table(
            ["function", "samples", "share %"],
            [[f, n, 100 * n / total] for f, n in summary["inclusive"]],
            1,
        )
    )
    print("\ntop 25 functions by self time (leaf):")
    print(
        common.table(
            ["function", "samples", "share %"],
            [[f, n, 100 * n / total] for f, n in summary["self"]],
            1,
        )
    )


class PySpyWindow:
    """py-spy attached to this process (and its children) for the measured window only."""

    name = "py-spy"

    def __init__(self, spy: str, output: Path) -> None:
        self.spy, self.output = spy, output
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.spy,
                "record",
                "--pid",
                str(os.getpid()),
                "--threads",
                "--subprocesses",
                "--rate",
                "250",
                "--format",
                "raw",
                "--output",
                str(self.output),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)  # attach before the first update is queued

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class CProfileWindow:
    """cProfile of the main thread (the bot's event loop) for the measured window only."""

    name = "cProfile"

    def __init__(self) -> None:
        self.profile = cProfile.Profile()

    def start(self) -> None:
        self.profile.enable()

    def stop(self) -> None:
        self.profile.disable()


def main_profile(args: argparse.Namespace) -> int:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not args.concurrency_given:
        args.concurrency = "64"
    if args.server == "both":
        args.server = "thread"
    if "," in str(args.concurrency):
        args.concurrency = str(args.concurrency).split(",")[0]
    args.no_write = True
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(os.environ.get("BENCH_PYSPY_RAW") or Path(folder) / "pyspy.txt")
        if Path(spy).exists() and args.profiler != "cprofile":
            args.window_profiler = PySpyWindow(spy, raw)
            print(f"profiling the measured window with py-spy ({spy}), 250 samples/s\n")
        else:
            args.window_profiler = CProfileWindow()
            print(
                "cProfile (py-spy not installed, or --profiler cprofile) of the main thread "
                "only: the bot's event loop, not the fake server thread\n"
            )
        main_run(args)
        profiler = args.window_profiler
        if isinstance(profiler, PySpyWindow):
            if not raw.exists():
                print("py-spy wrote no samples", file=sys.stderr)
                return 1
            summary = summarise_pyspy(raw)
            print_profile(summary)
            payload: dict[str, Any] = {"profiler": "py-spy", "summary": summary}
        else:
            stream = io.StringIO()
            stats = pstats.Stats(profiler.profile, stream=stream)
            stats.sort_stats("cumulative").print_stats(25)
            stats.sort_stats("tottime").print_stats(25)
            print(stream.getvalue())
            payload = {"profiler": "cProfile", "text": stream.getvalue()}
    payload["args"] = {k: v for k, v in vars(args).items() if k != "window_profiler"}
    path = common.write_results(f"{NAME}.profile", payload)
    print(f"\nfigures written to {path.relative_to(common.REPO)}")
    return 0


# --- main ------------------------------------------------------------------------------------


def main_run(args: argparse.Namespace) -> int:
    facts = common.machine_facts()
    common.print_machine(facts)
    concurrencies = [int(c) for c in str(args.concurrency).split(",") if c.strip()]
    modes = ["thread", "process"] if args.server == "both" else [args.server]
    clock = common.Stopwatch()
    workload = build_workload(args.users, args.per_user, args.seed)
    total = args.users * args.per_user
    print(
        f"\n{total:,} questions from {args.users} users ({args.per_user} each, private chats), "
        f"{'all queued at once' if not args.burst else f'in bursts of {args.burst}'}; "
        f"kinds {workload['kinds']}; expected decisions {workload['decisions']}"
    )
    print(
        "settings: rate_limit=False, flood_max=10**9 (flood guard effectively off), "
        f"read_timeout={args.read_timeout:g}, logging {args.log_level} to /dev/null; "
        f"{args.warmup} warm-up questions first\n",
        flush=True,
    )
    results: list[dict[str, Any]] = []
    baselines: list[dict[str, Any]] = []
    with _quiet_logging(args.log_level):
        for mode in modes:
            for concurrency in concurrencies:
                print(
                    f"  server in a {mode}, concurrent_updates={concurrency} ...",
                    file=sys.stderr,
                    flush=True,
                )
                results.append(asyncio.run(run_config(concurrency, mode, workload, args)))
                if not args.no_baseline:
                    print("    ... and the bare PTB echo bot", file=sys.stderr, flush=True)
                    baselines.append(asyncio.run(run_baseline(concurrency, mode, workload, args)))
    headers = [
        "server",
        "concurrent",
        "replies",
        "lost",
        "doubles",
        "stray",
        "queue ms",
        "seconds",
        "replies/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "getUpdates",
        "batch",
        "bot CPU s",
        "server CPU s",
    ]
    rows = [
        [
            r["server"],
            r["concurrency"] if r["concurrency"] > 1 else "1 (off)",
            r["replies"],
            r["lost"],
            r["doubles"],
            r["unexpected"],
            r["queueing_ms"],
            r["duration_s"],
            r["replies_per_s"],
            r["latency_p50_ms"],
            r["latency_p99_ms"],
            r["latency_max_ms"],
            r["get_updates_calls"],
            r["mean_batch"],
            r["bot_cpu_s"],
            r["server_cpu_s"],
        ]
        for r in results
    ]
    print(
        "\nreplies/s = replies / (last reply's sendMessage - first update queued); latency = "
        "getUpdates handing the update over -> its sendMessage arriving at the server"
    )
    print(common.table(headers, rows))
    print(
        "queue ms = time to queue all updates on the fake server (inside 'seconds'); "
        "stray = sendMessage in a benchmark chat that answers none of its questions; batch = "
        "mean updates per non-empty getUpdates; CPU = over the measured window (thread "
        "mode: the server thread vs the rest of the process)"
    )
    if baselines:
        print(
            "\nbaseline: a bare python-telegram-bot echo bot (PTB's Updater, one MessageHandler "
            "that sends the text back), same fake server, same questions, same run"
        )
        print(
            common.table(
                [
                    "server",
                    "concurrent",
                    "bot replies/s",
                    "bare PTB replies/s",
                    "ratio",
                    "PTB lost",
                ],
                [
                    [
                        r["server"],
                        r["concurrency"] if r["concurrency"] > 1 else "1 (off)",
                        r["replies_per_s"],
                        b["replies_per_s"],
                        r["replies_per_s"] / b["replies_per_s"],
                        b["lost"],
                    ]
                    for r, b in zip(results, baselines, strict=True)
                ],
            )
        )
    checks = []
    for number, r in enumerate(results):
        label = f"server {r['server']}, concurrent_updates={r['concurrency']}"
        checks.append(
            {
                "target": f">= {TARGET_REPLIES_PER_SECOND:g} replies/s ({label})",
                "met": r["replies_per_s"] >= TARGET_REPLIES_PER_SECOND,
                "detail": f"{r['replies_per_s']:.0f} replies/s",
            }
        )
        checks.append(
            {
                "target": f"0 lost, 0 doubles ({label})",
                "met": r["lost"] == 0 and r["doubles"] == 0 and r["unexpected"] == 0,
                "detail": f"{r['lost']} lost, {r['doubles']} doubles, {r['unexpected']} stray",
            }
        )
        if baselines:
            ratio = r["replies_per_s"] / baselines[number]["replies_per_s"]
            checks.append(
                {
                    "target": f">= {TARGET_BASELINE_RATIO:g}x the bare PTB echo bot ({label})",
                    "met": ratio >= TARGET_BASELINE_RATIO,
                    "detail": f"{ratio:.2f}x",
                }
            )
    print("\ntargets:")
    for check in checks:
        print(common.target_line(check["target"], check["met"], check["detail"]))
    print(
        f"\nfinished in {clock.seconds():.0f} s; load average now "
        f"{[round(x, 2) for x in os.getloadavg()]}"
    )
    if not args.no_write:
        path = common.write_results(
            NAME,
            {
                "machine": facts,
                "args": {k: v for k, v in vars(args).items() if k != "window_profiler"},
                "workload": {
                    "questions": total,
                    "users": args.users,
                    "kinds": workload["kinds"],
                    "expected_decisions": workload["decisions"],
                },
                "runs": results,
                "baselines": baselines,
                "targets": checks,
                "elapsed_s": clock.seconds(),
                "notes": [
                    "rate_limit=False",
                    "flood_max=10**9 (flood guard off)",
                    "latency from getUpdates handing the update over to sendMessage arrival",
                    "logging INFO to /dev/null as configure_logging does",
                ],
            },
        )
        print(f"figures written to {path.relative_to(common.REPO)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="python bench/e2e.py",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Target: >= 1,000 replies/s on 2 cores with the fake server included; "
        "0 lost replies, 0 doubles.",
    )
    parser.add_argument(
        "--concurrency",
        default="1,16,64",
        help="comma-separated concurrent_updates values; 1 = off "
        "(default 1,16,64; 16 is the production default)",
    )
    parser.add_argument(
        "--server",
        choices=("thread", "process", "both"),
        default="both",
        help="where the fake Bot API server runs (default both)",
    )
    parser.add_argument("--users", type=int, default=200, help="users (default 200)")
    parser.add_argument("--per-user", type=int, default=10, help="questions per user (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="question seed (default 1)")
    parser.add_argument(
        "--burst",
        type=int,
        default=0,
        help="queue in bursts of this many updates instead of all at once",
    )
    parser.add_argument(
        "--burst-gap", type=float, default=0.05, help="seconds between bursts (default 0.05)"
    )
    parser.add_argument(
        "--warmup", type=int, default=10, help="warm-up questions before measuring (default 10)"
    )
    parser.add_argument(
        "--run-timeout",
        type=float,
        default=40.0,
        help="give up waiting for replies after this many seconds (default 40)",
    )
    parser.add_argument(
        "--linger",
        type=float,
        default=0.5,
        help="seconds to wait after the last reply for doubles (default 0.5)",
    )
    parser.add_argument(
        "--read-timeout",
        type=float,
        default=10.0,
        help="Settings.read_timeout (default 10, as in production)",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        help="bot logging level, to /dev/null (default INFO, as production)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile one run (--concurrency, default 64; server thread) with "
        "py-spy if installed, else cProfile, and print where the time goes",
    )
    parser.add_argument(
        "--profiler",
        choices=("auto", "cprofile"),
        default="auto",
        help="with --profile: auto = py-spy if installed, else cProfile",
    )
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the bare python-telegram-bot echo bot that each setting is compared with",
    )
    parser.add_argument("--no-write", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.concurrency_given = any(a.startswith("--concurrency") for a in argv)
    if args.users < 1 or args.per_user < 1:
        parser.error("--users and --per-user must be at least 1")
    args.window_profiler = None
    if args.profile:
        return main_profile(args)
    return main_run(args)


if __name__ == "__main__":
    sys.exit(main())
