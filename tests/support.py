"""What tests share besides fixtures: the repository, a small knowledge file, and the bot as a
process (`python -m bot ...`) with a clean environment."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

SMALL_KNOWLEDGE = """\
title: "A small test article"
description: "rockets and a moon base."
article: |
  The Falcon rocket was built by the Acme company. Its chief engineer is Jane Smith.
  A moon base is planned near the south pole. The base will house four people.
synonyms:
  - [head, chief, boss, leader, "in charge"]
  - [lunar, moon]
entries:
  - id: rocket_builder
    questions:
      - Who built the Falcon rocket?
      - which company made the falcon
      - falcon rocket maker
    answer: The Acme company built the Falcon rocket.
    source: The Falcon rocket was built by the Acme company.
    related: [chief_engineer]
  - id: chief_engineer
    questions:
      - Who is the chief engineer?
      - who leads engineering at acme
      - acme engineer name
    answer: Jane Smith is the chief engineer.
    source: Its chief engineer is Jane Smith.
    related: [rocket_builder]
  - id: moon_base
    questions:
      - Where is the moon base planned?
      - location of the lunar base
      - moon base site
    answer: The moon base is planned near the south pole.
    source: A moon base is planned near the south pole.
    related: [base_crew]
  - id: base_crew
    questions:
      - How many people will live in the moon base?
      - moon base crew size
      - how many people does the base house
    answer: The base will house four people.
    source: The base will house four people.
"""


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=REPO,
        env=env,
        timeout=timeout,
    )


def bot_env(**values: str) -> dict[str, str]:
    """The environment of a bot process; DATA_DIR is a fresh folder unless given."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "WEBHOOK_URL", "REDIS_URL")
    }
    env["DATA_DIR"] = tempfile.mkdtemp(prefix="bot-data-")
    env.update(values)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_bot(env: dict[str, str], *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=timeout,
    )


def start_bot(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )


def stop_bot(process: subprocess.Popen, sig: int = signal.SIGTERM) -> tuple[int, str]:
    process.send_signal(sig)
    try:
        _, stderr = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
    return process.returncode, stderr
