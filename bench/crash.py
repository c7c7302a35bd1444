"""Crash safety: the bot killed with SIGKILL mid-run and started again at once.

What it measures, with tests/fake_bot_api.FakeBotAPI on 127.0.0.1 standing in for Telegram (it
keeps every update until a later getUpdates offset confirms it, as Telegram does; in webhook
mode it plays Telegram's re-delivery: an update is posted again until it gets a 200):

- for each kill moment, `python -m bot run` (or `run --webhook`) started as a user starts it
  (production settings: rate limiter on, CONCURRENT_UPDATES=16, a fresh DATA_DIR), 200
  questions from 200 users queued at once, SIGKILL once the given number of replies has been
  seen, the same command started again at once with the same DATA_DIR, and every question
  given up to 60 s to be answered;
- lost: users who never got a reply; doubled: replies beyond the first to a user (these can
  only be replies in flight at the instant of the kill);
- in webhook mode, GET /healthz on the webhook port after the restart.

Bar (issue 10): 0 lost in every run, at most 2 % doubled.

Run from the repository root:

    python bench/crash.py                 # ~1 minute
    python bench/crash.py --questions 500 --polling-kills 1,250,490 --webhook-kills 250

Prints a table and writes the same figures to bench/results/crash.json.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests.fake_bot_api import FakeBotAPI  # noqa: E402
from tests.support import free_port  # noqa: E402

NAME = "crash"
FIRST_USER = 400_001
SECRET = "crash-bench-secret-0123"
QUESTIONS = [
    "who heads roscosmos?",
    "what did rogozin admit?",
    "is china helping russia dodge sanctions?",
    "what happened to exomars?",
    "what is the celestial empire?",
    "lunar station with china?",
    "what does CASIC stand for",
    "tell me a joke",
]
MAX_DOUBLED = 0.02


def bot_env(api: FakeBotAPI, data_dir: str, webhook_port: int | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("WEBHOOK_URL", "WEBHOOK_SECRET", "REDIS_URL", "KNOWLEDGE_PATH", "PORT")
    }
    env.update(TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url, DATA_DIR=data_dir)
    if webhook_port is not None:
        env.update(
            WEBHOOK_URL=f"http://127.0.0.1:{webhook_port}/telegram",
            WEBHOOK_SECRET=SECRET,
            LISTEN="127.0.0.1",
            PORT=str(webhook_port),
        )
    return env


def start(env: dict[str, str], webhook: bool) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "bot", "run", *(["--webhook"] if webhook else [])]
    return subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def healthz(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status
    except OSError as error:
        return getattr(error, "code", 0)


def one_run(mode: str, kill_after: int, questions: int) -> dict[str, Any]:
    webhook = mode == "webhook"
    port = free_port() if webhook else None
    users = range(FIRST_USER, FIRST_USER + questions)
    with FakeBotAPI() as api, tempfile.TemporaryDirectory(prefix="crash-data-") as data_dir:
        env = bot_env(api, data_dir, port)
        if webhook:
            api.push_webhooks()
        process = start(env, webhook)
        try:
            api.wait_for(lambda a: a.calls("setWebhook" if webhook else "getUpdates"), 30)
            for number, user in enumerate(users):
                api.private_text(QUESTIONS[number % len(QUESTIONS)], user_id=user)
            api.wait_for(lambda a: len(a.sent_messages()) >= kill_after, timeout=60)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
        at_kill = len(api.sent_messages())
        restarted = start(env, webhook)
        started = time.monotonic()
        try:
            answered = set()
            while time.monotonic() - started < 60 and len(answered) < questions:
                answered = {m["chat"]["id"] for m in api.sent_messages()}
                time.sleep(0.05)
            api.wait_idle(quiet=1.5, timeout=30)
            health = healthz(port) if port is not None else None
        finally:
            restarted.send_signal(signal.SIGTERM)
            try:
                code = restarted.wait(timeout=30)
            except subprocess.TimeoutExpired:
                restarted.kill()
                code = restarted.wait()
        per_user = Counter(m["chat"]["id"] for m in api.sent_messages())
    lost = sum(1 for user in users if per_user[user] == 0)
    doubled = sum(per_user[user] - 1 for user in users if per_user[user] > 1)
    return {
        "mode": mode,
        "kill_after": kill_after,
        "replies_at_kill": at_kill,
        "questions": questions,
        "lost": lost,
        "doubled": doubled,
        "doubled_share": doubled / questions,
        "healthz": health,
        "exit_code_after_sigterm": code,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--polling-kills", default="1,36,120", help="replies seen before each kill")
    parser.add_argument("--webhook-kills", default="36,120")
    args = parser.parse_args(argv)
    plan = [("polling", int(n)) for n in args.polling_kills.split(",") if n] + [
        ("webhook", int(n)) for n in args.webhook_kills.split(",") if n
    ]
    facts = common.machine_facts()
    common.print_machine(facts)
    runs = []
    for mode, kill_after in plan:
        runs.append(one_run(mode, kill_after, args.questions))
        print(f"  {mode} kill after {kill_after}: {runs[-1]}", flush=True)
    print()
    print(
        common.table(
            ["mode", "killed after", "questions", "lost", "doubled", "doubled %", "healthz"],
            [
                (
                    r["mode"],
                    r["replies_at_kill"],
                    r["questions"],
                    r["lost"],
                    r["doubled"],
                    100 * r["doubled_share"],
                    r["healthz"] if r["healthz"] is not None else "-",
                )
                for r in runs
            ],
        )
    )
    met = all(r["lost"] == 0 and r["doubled_share"] <= MAX_DOUBLED for r in runs) and all(
        r["healthz"] == 200 for r in runs if r["mode"] == "webhook"
    )
    print(
        common.target_line(
            "crash bar", met, "0 lost, at most 2 % doubled, /healthz 200 on the webhook port"
        )
    )
    path = common.write_results(NAME, {"machine": facts, "runs": runs, "bar_met": met})
    print(f"\nwritten to {path.relative_to(REPO)}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
