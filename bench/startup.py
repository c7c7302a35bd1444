"""Start-up and footprint of the bot as a process.

What it measures, with tests/fake_bot_api.FakeBotAPI on 127.0.0.1 standing in for Telegram:

- start-up: time from starting `python -m bot run` (subprocess; env TELEGRAM_BOT_TOKEN and
  TELEGRAM_API_BASE_URL point at the fake server, everything else as in production) to its
  first getUpdates arriving at the server; median (and min/max) of --runs runs (default 5),
  with the arrival of each earlier call (getMe, setMyCommands, deleteWebhook) as milestones;
- shutdown: each run is stopped with SIGTERM; the exit code (must be 0) and how long it took;
- memory: VmRSS (and VmHWM) of the bot process from /proc/<pid>/status after it answered
  --questions (default 1,000) private questions from 200 users (5 each, under the default
  flood guard of 10 per 10 s), with production settings, so the default rate limiter (30
  messages/s overall) applies and this part takes ~35 s; plus a breakdown of where the resident
  memory comes from (interpreter, imports, knowledge base + matcher) from separate processes;
- knowledge files: synthetic 10,000- and 100,000-entry FILES written by
  bench/knowledge_files.py (real answers and sources, phrasings recombined from the real
  words), each loaded in a fresh process: `load_knowledge` wall and CPU time (median of
  --load-runs), the matcher build after it, VmHWM after each, and through the command line
  `check`, `ask --json` with one question, and `ask --json` with --ask-questions questions
  on stdin (mean cost a question = the difference over the count);
- CLI paths: wall time of `python -m bot check` and `python -m bot ask "x"` (median of
  --runs), their `python -X importtime` total, the heaviest imports, and whether `telegram`
  ends up in sys.modules (it should not: the CLI paths need no Telegram library); and the
  heaviest imports of `python -m bot run` for comparison.

Run from the repository root:

    python bench/startup.py              # ~2 minutes
    python bench/startup.py --runs 3 --questions 300
    python bench/startup.py --only-knowledge-files            # ~1 minute
    python bench/startup.py --only-knowledge-files --knowledge-sizes 10000

Prints tables and writes the same figures to bench/results/startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
import knowledge_files

NAME = "startup"
TARGET_STARTUP_S = 1.0
TARGET_RSS_MB = 80.0
FIRST_USER = 200_001
MILESTONES = ("getMe", "setMyCommands", "deleteWebhook", "getUpdates")
BENCH_DATA_DIR = Path(tempfile.gettempdir()) / "article-bot-bench-data"


def bot_env(**values: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "TELEGRAM_BOT_TOKEN",
            "TELEGRAM_API_BASE_URL",
            "WEBHOOK_URL",
            "WEBHOOK_SECRET",
            "KNOWLEDGE_PATH",
            "PYTHONTRACEMALLOC",
            "PYTHONPROFILEIMPORTTIME",
        )
    }
    env.update(values)
    return env


def stop(process: subprocess.Popen[Any], timeout: float = 20.0) -> tuple[int | None, float]:
    """SIGTERM, then wait; returns (exit code, seconds to exit). Kills it only on a hang."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None, time.monotonic() - started
    return code, time.monotonic() - started


def wait_for(
    predicate: Any,
    timeout: float,
    process: subprocess.Popen[Any] | None = None,
    interval: float = 0.002,
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if process is not None and process.poll() is not None:
            return None
        time.sleep(interval)
    return None


def one_start(
    args: argparse.Namespace, *, questions: int = 0, importtime: bool = False
) -> dict[str, Any]:
    """Start `python -m bot run` against a fresh fake server; optionally ask questions."""
    from bot.telegram.handled import SQLITE_FILE
    from tests.fake_bot_api import FakeBotAPI

    result: dict[str, Any] = {}
    # The bench's own DATA_DIR, its build cache kept from start to start as in production;
    # but a fresh fake server numbers its updates from 1 again, so the ids an earlier start
    # handled (kept 24 h) go, or the bot would skip the new updates as answered.
    for handled in BENCH_DATA_DIR.glob(f"{SQLITE_FILE}*"):
        handled.unlink()
    with FakeBotAPI() as api, tempfile.TemporaryFile("w+") as log:
        env = bot_env(
            TELEGRAM_BOT_TOKEN=api.token,
            TELEGRAM_API_BASE_URL=api.base_url,
            DATA_DIR=str(BENCH_DATA_DIR),
        )
        command = [
            sys.executable,
            *(["-X", "importtime"] if importtime else []),
            "-m",
            "bot",
            "run",
        ]
        started = time.monotonic()
        process = subprocess.Popen(
            command, cwd=common.REPO, env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL
        )
        try:
            polled = wait_for(lambda: api.calls("getUpdates"), args.start_timeout, process)
            if not polled:
                result["error"] = (
                    f"no getUpdates within {args.start_timeout:g} s (exit {process.poll()})"
                )
            else:
                first = polled[0].time
                result["startup_s"] = first - started
                for method in MILESTONES:
                    calls = api.calls(method)
                    if calls:
                        result[f"{method}_s"] = calls[0].time - started
                result["rss_started_mb"] = common.rss_mb(process.pid)
                if questions:
                    result.update(ask_many(api, process, questions, args))
        finally:
            code, seconds = stop(process)
            result["exit_code"], result["shutdown_s"] = code, seconds
            log.seek(0)
            output = log.read()
            if importtime:
                result["importtime"] = parse_importtime(output)
            if code != 0 or "error" in result:
                result["log_tail"] = [
                    line for line in output.splitlines() if not line.startswith("import time:")
                ][-15:]
    return result


def ask_many(
    api: Any, process: subprocess.Popen[Any], count: int, args: argparse.Namespace
) -> dict[str, Any]:
    from bot.knowledge import load_knowledge

    knowledge = load_knowledge(common.REPO / "knowledge.yaml")
    questions = [item["q"] for item in common.make_questions(knowledge, count, args.seed)]
    users = max(1, args.users)
    started = time.monotonic()
    for number, question in enumerate(questions):
        api.private_text(question, user_id=FIRST_USER + number % users)
    done = wait_for(
        lambda: len(api.sent_messages()) >= count, args.answer_timeout, process, interval=0.05
    )
    answered_at = time.monotonic()
    time.sleep(0.5)  # settle: let anything in flight finish before reading memory
    status = common.proc_status(process.pid)
    sent = api.sent_messages()
    chats = {m["chat"]["id"] for m in sent}
    return {
        "questions": count,
        "users": users,
        "answered": len(sent),
        "all_answered": bool(done),
        "answer_s": answered_at - started,
        "chats_answered": len(chats),
        "rss_after_questions_mb": status.get("VmRSS", 0) / 1024,
        "hwm_after_questions_mb": status.get("VmHWM", 0) / 1024,
    }


def parse_importtime(stderr: str) -> dict[str, Any]:
    """`-X importtime` lines: 'import time: self [us] | cumulative | name' (indent = depth)."""
    entries = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:") :].split("|", 2)
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        entries.append(
            {
                "module": name.strip(),
                "self_us": int(self_us),
                "cumulative_us": int(cumulative_us),
                "depth": depth,
            }
        )
    top_level = [e for e in entries if e["depth"] == min((x["depth"] for x in entries), default=0)]
    modules = {e["module"] for e in entries}
    telegram = sorted(m for m in modules if m == "telegram" or m.startswith("telegram."))
    return {
        "total_s": sum(e["cumulative_us"] for e in top_level) / 1e6,
        "modules": len(entries),
        "imports_telegram": bool(telegram),
        "telegram_modules": len(telegram),
        "heaviest": sorted(
            (
                {
                    "module": e["module"],
                    "cumulative_ms": e["cumulative_us"] / 1000,
                    "depth": e["depth"],
                }
                for e in entries
            ),
            key=lambda e: -e["cumulative_ms"],
        )[:15],
    }


_SYS_MODULES_PROBE = (
    "import atexit, sys\n"
    "def report():\n"
    "    loaded = sorted(m for m in sys.modules if m == 'telegram' or m.startswith('telegram.'))\n"
    "    print('PROBE telegram_in_sys_modules=%s count=%d' % (bool(loaded), len(loaded)),"
    " file=sys.stderr)\n"
    "atexit.register(report)\n"
    "import runpy\n"
    "sys.argv = ['python -m bot', *{argv!r}]\n"
    "runpy.run_module('bot', run_name='__main__', alter_sys=True)\n"
)


def cli_figures(argv: list[str], runs: int) -> dict[str, Any]:
    env = bot_env()
    walls = []
    exit_codes = set()
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "bot", *argv],
            cwd=common.REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        walls.append(time.perf_counter() - started)
        exit_codes.add(done.returncode)
    traced = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", *argv],
        cwd=common.REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    probe = subprocess.run(
        [sys.executable, "-c", _SYS_MODULES_PROBE.format(argv=argv)],
        cwd=common.REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    in_modules = None
    for line in probe.stderr.splitlines():
        if line.startswith("PROBE "):
            in_modules = "telegram_in_sys_modules=True" in line
    return {
        "command": "python -m bot "
        + " ".join(f'"{a}"' if " " in a or a == "x" else a for a in argv),
        "wall_median_s": statistics.median(walls),
        "wall_min_s": min(walls),
        "exit_codes": sorted(exit_codes),
        "importtime": parse_importtime(traced.stderr),
        "telegram_in_sys_modules": in_modules,
    }


_MEMORY_STAGES = (
    "import sys\n"
    "from pathlib import Path\n"
    "def rss():\n"
    "    for line in Path('/proc/self/status').read_text().splitlines():\n"
    "        if line.startswith('VmRSS:'):\n"
    "            return int(line.split()[1]) / 1024\n"
    "print('interpreter', rss())\n"
    "import bot.telegram.runner\n"
    "print('imports for run (telegram, httpx, bot...)', rss())\n"
    "from bot.telegram.services import Library\n"
    "from bot.knowledge import DEFAULT_PATH\n"
    "library = Library.load(DEFAULT_PATH)\n"
    "print('+ knowledge base and matcher (Library.load)', rss())\n"
)


def memory_stages() -> list[tuple[str, float]]:
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_STAGES],
        cwd=common.REPO,
        env=bot_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    stages = []
    for line in done.stdout.splitlines():
        label, _, value = line.rpartition(" ")
        stages.append((label, float(value)))
    return stages


def python_baseline(runs: int) -> float:
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


_LOAD_PROBE = """
import json, sys, time
from pathlib import Path

def status():
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(rest.split()[0]) / 1024
    return found

from bot.knowledge import load_knowledge
from bot.matcher import Matcher

before = status()
wall, cpu = time.perf_counter(), time.process_time()
knowledge = load_knowledge(sys.argv[1])
load_s, load_cpu_s = time.perf_counter() - wall, time.process_time() - cpu
after_load = status()
wall = time.perf_counter()
matcher = Matcher(knowledge)
matcher_s = time.perf_counter() - wall
after_matcher = status()
print(json.dumps({
    "entries": len(knowledge), "load_s": load_s, "load_cpu_s": load_cpu_s,
    "matcher_s": matcher_s, "rss_before_mb": before["VmRSS"],
    "rss_after_load_mb": after_load["VmRSS"], "hwm_after_load_mb": after_load["VmHWM"],
    "rss_after_matcher_mb": after_matcher["VmRSS"],
    "hwm_after_matcher_mb": after_matcher["VmHWM"],
}))
"""


# An unchanged file a second time: the knowledge base and matcher read back from the build
# kept under DATA_DIR/cache (bot/buildcache.py), as `ask` and the bot do.
_KEPT_PROBE = """
import json, sys, time
from pathlib import Path
wall = time.perf_counter()
from bot.buildcache import load_with_matcher
knowledge, matcher = load_with_matcher(sys.argv[1], Path(sys.argv[2]))
kept_s = time.perf_counter() - wall
status = Path("/proc/self/status").read_text().splitlines()
hwm = next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM"))
print(json.dumps({"kept_s": kept_s, "kept_hwm_mb": hwm}))
"""


def _timed_cli(
    argv: list[str], stdin: str | None = None, data_dir: Path | None = None
) -> tuple[float, int, str]:
    started = time.perf_counter()
    env = bot_env(**({"DATA_DIR": str(data_dir)} if data_dir else {}))
    done = subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        cwd=common.REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return time.perf_counter() - started, done.returncode, done.stdout


def _naive_extract_one_ms(path: Path, questions: list[str]) -> float:
    """The naive baseline in the same run: rapidfuzz `extractOne` over every phrasing."""
    from rapidfuzz import fuzz, process, utils

    from bot.knowledge import load_knowledge

    phrasings = [q for entry in load_knowledge(path).entries for q in entry.questions]
    started = time.perf_counter()
    for question in questions:
        process.extractOne(question, phrasings, scorer=fuzz.WRatio, processor=utils.default_process)
    return (time.perf_counter() - started) / len(questions) * 1000


def knowledge_file_figures(sizes: list[int], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Write each synthetic file, then load it from the file in fresh processes."""
    from bot.knowledge import load_knowledge

    real = load_knowledge(common.REPO / "knowledge.yaml")
    questions = [q["q"] for q in common.make_questions(real, args.ask_questions, args.seed)]
    figures = []
    with tempfile.TemporaryDirectory(prefix="bench-knowledge-") as folder:
        for size in sizes:
            path = Path(folder) / f"knowledge-{size}.yaml"
            print(f"writing {size:,} entries ...", file=sys.stderr, flush=True)
            started = time.perf_counter()
            knowledge_files.write_knowledge_file(real, size, path, args.seed)
            written_s = time.perf_counter() - started
            # As a file in place for a while is, in production: a file modified in the last
            # KNOWLEDGE_SETTLE_SECONDS would be read twice on purpose.
            an_hour_ago = time.time() - 3600
            os.utime(path, (an_hour_ago, an_hour_ago))
            print(f"loading {size:,} entries ...", file=sys.stderr, flush=True)
            probes = []
            for _ in range(args.load_runs):
                done = subprocess.run(
                    [sys.executable, "-c", _LOAD_PROBE, str(path)],
                    cwd=common.REPO,
                    env=bot_env(),
                    capture_output=True,
                    text=True,
                    timeout=600,
                )
                if done.returncode != 0:
                    raise SystemExit(f"loading {path} failed:\n{done.stderr[-2000:]}")
                probes.append(json.loads(done.stdout))
            probe = min(probes, key=lambda p: p["load_s"])
            check_s, check_exit, _ = _timed_cli(["--knowledge", str(path), "check"])
            # A fresh DATA_DIR: the first `ask` builds the matcher and keeps the build, the
            # next ones read it back (bot/buildcache.py).
            data_dir = Path(folder) / f"data-{size}"
            one = ["--knowledge", str(path), "ask", "--json", questions[0]]
            one_cold_s, _, _ = _timed_cli(one, data_dir=data_dir)
            one_s, _, _ = _timed_cli(one, data_dir=data_dir)
            many_s, _, out = _timed_cli(
                ["--knowledge", str(path), "ask", "--json"],
                stdin="\n".join(questions) + "\n",
                data_dir=data_dir,
            )
            answered = len(out.splitlines())
            kept = json.loads(
                subprocess.run(
                    [sys.executable, "-c", _KEPT_PROBE, str(path), str(data_dir / "cache")],
                    cwd=common.REPO,
                    env=bot_env(),
                    capture_output=True,
                    text=True,
                    timeout=600,
                    check=True,
                ).stdout
            )
            naive_ms = _naive_extract_one_ms(path, questions[:200])
            figures.append(
                {
                    "entries": size,
                    "file_mb": path.stat().st_size / 1e6,
                    "write_s": written_s,
                    "load_runs": len(probes),
                    "load_s_median": statistics.median(p["load_s"] for p in probes),
                    "load_s_min": probe["load_s"],
                    "load_cpu_s_median": statistics.median(p["load_cpu_s"] for p in probes),
                    "matcher_s_median": statistics.median(p["matcher_s"] for p in probes),
                    "hwm_after_load_mb": max(p["hwm_after_load_mb"] for p in probes),
                    "hwm_after_matcher_mb": max(p["hwm_after_matcher_mb"] for p in probes),
                    "rss_after_matcher_mb": probe["rss_after_matcher_mb"],
                    "check_s": check_s,
                    "check_exit": check_exit,
                    "ask_one_cold_s": one_cold_s,
                    "kept_s": kept["kept_s"],
                    "kept_hwm_mb": kept["kept_hwm_mb"],
                    "ask_one_s": one_s,
                    "naive_extract_one_ms": naive_ms,
                    "ask_questions": answered,
                    "ask_mean_ms": (many_s - one_s) / max(1, answered - 1) * 1000,
                }
            )
    return figures


def print_knowledge_files(figures: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(
        f"\nknowledge files: load from a file in a fresh process (median of {args.load_runs}), "
        "then build the matcher; VmHWM is the process's peak"
    )
    print(
        common.table(
            [
                "entries",
                "file MB",
                "load s",
                "min s",
                "load CPU s",
                "peak MB after load",
                "matcher s",
                "peak MB with matcher",
                "unchanged file, from the kept build s",
                "its peak MB",
            ],
            [
                [
                    f["entries"],
                    f["file_mb"],
                    f["load_s_median"],
                    f["load_s_min"],
                    f["load_cpu_s_median"],
                    f["hwm_after_load_mb"],
                    f["matcher_s_median"],
                    f["hwm_after_matcher_mb"],
                    f["kept_s"],
                    f["kept_hwm_mb"],
                ]
                for f in figures
            ],
            digits=2,
        )
    )
    print("\nknowledge files through the command line (wall time, one run each):")
    print(
        common.table(
            [
                "entries",
                "check s",
                "exit",
                "ask, 1 question, first s",
                "again (build kept) s",
                "questions",
                "ms a question",
                "naive extractOne ms",
            ],
            [
                [
                    f["entries"],
                    f["check_s"],
                    f["check_exit"],
                    f["ask_one_cold_s"],
                    f["ask_one_s"],
                    f["ask_questions"],
                    f["ask_mean_ms"],
                    f["naive_extract_one_ms"],
                ]
                for f in figures
            ],
            digits=2,
        )
    )


def knowledge_file_targets(figures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    checks = []
    for f in figures:
        if f["entries"] == 10_000:
            total = f["load_s_median"] + f["matcher_s_median"]
            checks.append(
                {
                    "target": "10,000 entries from a file: loaded and matcher built <= 1 s "
                    "(a new file: parsed, checked and built)",
                    "met": total <= 1.0,
                    "detail": f"{f['load_s_median']:.2f} s load + {f['matcher_s_median']:.2f} s "
                    "matcher",
                }
            )
            checks.append(
                {
                    "target": "10,000 entries from a file: loaded and matcher built <= 1 s "
                    "(an unchanged file, from the kept build)",
                    "met": f["kept_s"] <= 1.0,
                    "detail": f"{f['kept_s']:.2f} s",
                }
            )
            checks.append(
                {
                    "target": "10,000 entries: `ask --json` <= 1 ms a question (mean), start-up "
                    "with one question <= 2 s",
                    "met": f["ask_mean_ms"] <= 1.0 and f["ask_one_s"] <= 2.0,
                    "detail": f"{f['ask_mean_ms']:.2f} ms over {f['ask_questions']:,} (naive "
                    f"extractOne {f['naive_extract_one_ms']:.2f} ms); {f['ask_one_s']:.2f} s with "
                    f"one ({f['ask_one_cold_s']:.2f} s the first time, building the matcher)",
                }
            )
        if f["entries"] == 100_000:
            total = f["load_s_median"] + f["matcher_s_median"]
            checks.append(
                {
                    "target": "100,000 entries from a file: loaded and matcher built <= 10 s, "
                    "peak <= 400 MB",
                    "met": total <= 10.0 and f["hwm_after_matcher_mb"] <= 400,
                    "detail": f"{f['load_s_median']:.2f} s load + {f['matcher_s_median']:.2f} s "
                    f"matcher, peak {f['hwm_after_load_mb']:.0f} MB after load, "
                    f"{f['hwm_after_matcher_mb']:.0f} MB with the matcher",
                }
            )
            checks.append(
                {
                    "target": "100,000 entries from a file: loaded and matcher built <= 10 s, "
                    "peak <= 400 MB (an unchanged file, from the kept build)",
                    "met": f["kept_s"] <= 10.0 and f["kept_hwm_mb"] <= 400,
                    "detail": f"{f['kept_s']:.2f} s, peak {f['kept_hwm_mb']:.0f} MB",
                }
            )
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python bench/startup.py",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Targets: start-up (process start -> first getUpdates) <= 1 s, median of 5; "
        "RSS <= 80 MB after 1,000 questions; `ask` does not import telegram; "
        "SIGTERM exits 0.",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=5,
        help="start-up runs, and CLI runs, to take the median of (default 5)",
    )
    parser.add_argument(
        "--questions",
        type=int,
        default=1000,
        help="questions answered before reading memory (default 1000)",
    )
    parser.add_argument(
        "--users",
        type=int,
        default=200,
        help="users asking them, round robin (default 200: 5 each at 1,000, "
        "under the default flood guard of 10 per 10 s)",
    )
    parser.add_argument("--seed", type=int, default=1, help="question seed (default 1)")
    parser.add_argument(
        "--start-timeout",
        type=float,
        default=20.0,
        help="give up on a start after this many seconds (default 20)",
    )
    parser.add_argument(
        "--answer-timeout",
        type=float,
        default=90.0,
        help="give up waiting for the answers after this many seconds (default 90)",
    )
    parser.add_argument(
        "--knowledge-sizes",
        default="10000,100000",
        help="synthetic knowledge FILE sizes to load, comma-separated "
        "(default 10000,100000; empty to skip)",
    )
    parser.add_argument(
        "--load-runs",
        type=int,
        default=3,
        help="fresh-process loads of each file to take the median of (default 3)",
    )
    parser.add_argument(
        "--ask-questions",
        type=int,
        default=2000,
        help="questions piped to `ask --json` at each file size (default 2000)",
    )
    parser.add_argument(
        "--only-knowledge-files",
        action="store_true",
        help="measure only the knowledge files (skip start-up, memory and CLI paths)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.load_runs < 1:
        parser.error("--runs and --load-runs must be at least 1")
    sizes = [int(size) for size in args.knowledge_sizes.replace("_", "").split(",") if size]
    if args.only_knowledge_files:
        facts = common.machine_facts()
        common.print_machine(facts)
        figures = knowledge_file_figures(sizes, args)
        print_knowledge_files(figures, args)
        targets = knowledge_file_targets(figures)
        print("\ntargets:")
        for check in targets:
            print(common.target_line(check["target"], check["met"], check["detail"]))
        path = common.write_results(
            f"{NAME}.knowledge-files",
            {"machine": facts, "args": vars(args), "knowledge_files": figures, "targets": targets},
        )
        print(f"figures written to {path.relative_to(common.REPO)}")
        return 0

    facts = common.machine_facts()
    common.print_machine(facts)
    clock = common.Stopwatch()
    baseline = python_baseline(args.runs)
    print(
        f"\nbare interpreter start (python -c pass), median of {args.runs}: "
        f"{baseline * 1000:.0f} ms",
        flush=True,
    )

    print(f"\nstarting `python -m bot run` {args.runs} times ...", file=sys.stderr, flush=True)
    starts = [one_start(args) for _ in range(args.runs)]
    ok = [s for s in starts if "startup_s" in s]
    print(
        f"\n`python -m bot run`: process start -> first call of each kind at the fake server "
        f"(s), {args.runs} runs, stopped with SIGTERM after the first getUpdates"
    )
    headers = ["run", *(f"{m}" for m in MILESTONES), "RSS MB at poll", "exit code", "shutdown s"]
    rows = [
        [
            number + 1,
            *(s.get(f"{m}_s") for m in MILESTONES),
            s.get("rss_started_mb"),
            s.get("exit_code"),
            s.get("shutdown_s"),
        ]
        for number, s in enumerate(starts)
    ]
    if ok:
        rows.append(
            [
                "median",
                *(
                    statistics.median(s[f"{m}_s"] for s in ok if f"{m}_s" in s)
                    if any(f"{m}_s" in s for s in ok)
                    else None
                    for m in MILESTONES
                ),
                statistics.median(s["rss_started_mb"] for s in ok),
                None,
                statistics.median(s["shutdown_s"] for s in starts),
            ]
        )
    print(common.table(headers, rows, digits=3))
    for number, s in enumerate(starts):
        if "error" in s or s.get("exit_code") != 0:
            print(f"  run {number + 1}: {s.get('error', '')} exit {s.get('exit_code')}; log:")
            print("\n".join("    " + line for line in s.get("log_tail", [])))
    startup_median = statistics.median(s["startup_s"] for s in ok) if ok else None

    print(
        f"\nanswering {args.questions:,} questions from {args.users} users (production "
        "settings: rate limiter on, flood guard 10 per 10 s) ...",
        file=sys.stderr,
        flush=True,
    )
    loaded = one_start(args, questions=args.questions)
    print("\nmemory of `python -m bot run` (VmRSS from /proc/<pid>/status):")
    print(
        common.table(
            ["moment", "VmRSS MB", "VmHWM MB", "answered", "seconds"],
            [
                [
                    "first getUpdates",
                    loaded.get("rss_started_mb"),
                    None,
                    None,
                    loaded.get("startup_s"),
                ],
                [
                    f"after {loaded.get('answered', 0):,} of {args.questions:,} questions answered",
                    loaded.get("rss_after_questions_mb"),
                    loaded.get("hwm_after_questions_mb"),
                    loaded.get("answered"),
                    loaded.get("answer_s"),
                ],
            ],
        )
    )
    print(
        f"  exit code after SIGTERM: {loaded.get('exit_code')} "
        f"(shutdown {common.fmt(loaded.get('shutdown_s'))} s)"
    )
    if loaded.get("log_tail") and loaded.get("exit_code") != 0:
        print("\n".join("    " + line for line in loaded["log_tail"]))
    stages = memory_stages()
    print(
        "\nwhere the resident memory comes from (a separate `python -c` doing the same "
        "steps as `run`):"
    )
    previous = 0.0
    stage_rows = []
    for label, value in stages:
        stage_rows.append([label, value, value - previous])
        previous = value
    if loaded.get("rss_after_questions_mb"):
        stage_rows.append(
            [
                f"the running bot after {args.questions:,} questions "
                "(event loop, HTTP pool, caches, flood guard)",
                loaded["rss_after_questions_mb"],
                loaded["rss_after_questions_mb"] - previous,
            ]
        )
    print(common.table(["stage", "VmRSS MB", "added MB"], stage_rows, digits=1))

    print("\nCLI paths ...", file=sys.stderr, flush=True)
    cli = [cli_figures(["check"], args.runs), cli_figures(["ask", "x"], args.runs)]
    traced_run = one_start(args, importtime=True)
    print(f"\nCLI paths: wall time (median of {args.runs}) and `python -X importtime`")
    print(
        common.table(
            [
                "command",
                "wall ms",
                "min ms",
                "exit",
                "import ms",
                "modules",
                "telegram imported",
                "telegram in sys.modules",
            ],
            [
                [
                    c["command"],
                    c["wall_median_s"] * 1000,
                    c["wall_min_s"] * 1000,
                    ",".join(str(x) for x in c["exit_codes"]),
                    c["importtime"]["total_s"] * 1000,
                    c["importtime"]["modules"],
                    c["importtime"]["imports_telegram"],
                    c["telegram_in_sys_modules"],
                ]
                for c in cli
            ]
            + [
                [
                    "python -m bot run (until SIGTERM)",
                    None,
                    None,
                    traced_run.get("exit_code"),
                    traced_run.get("importtime", {}).get("total_s", 0) * 1000,
                    traced_run.get("importtime", {}).get("modules"),
                    traced_run.get("importtime", {}).get("imports_telegram"),
                    None,
                ]
            ],
            digits=0,
        )
    )
    for c in [
        *cli,
        {
            "command": "python -m bot run",
            "importtime": traced_run.get("importtime", {"heaviest": []}),
        },
    ]:
        heaviest = c["importtime"]["heaviest"][:8]
        print(
            f"  heaviest imports of `{c['command']}` (cumulative ms): "
            + ", ".join(f"{h['module']} {h['cumulative_ms']:.0f}" for h in heaviest)
        )

    figures = knowledge_file_figures(sizes, args) if sizes else []
    if figures:
        print_knowledge_files(figures, args)

    ask = cli[1]
    checks = [
        {
            "target": "start-up <= 1 s (process start -> first getUpdates, median)",
            "met": None if startup_median is None else startup_median <= TARGET_STARTUP_S,
            "detail": f"{common.fmt(startup_median, 3)} s (median of {len(ok)})",
        },
        {
            "target": f"RSS <= 80 MB after {args.questions:,} questions answered",
            "met": (loaded.get("rss_after_questions_mb") or 1e9) <= TARGET_RSS_MB
            and loaded.get("all_answered", False),
            "detail": f"{common.fmt(loaded.get('rss_after_questions_mb'), 1)} MB VmRSS "
            f"({loaded.get('answered', 0)} answered)",
        },
        {
            "target": "`python -m bot ask` does not import telegram",
            "met": not ask["importtime"]["imports_telegram"]
            and ask["telegram_in_sys_modules"] is False,
            "detail": f"importtime lists telegram: {ask['importtime']['imports_telegram']}; "
            f"'telegram' in sys.modules at exit: {ask['telegram_in_sys_modules']}",
        },
        {
            "target": "`python -m bot check` does not import telegram",
            "met": not cli[0]["importtime"]["imports_telegram"]
            and cli[0]["telegram_in_sys_modules"] is False,
            "detail": f"importtime lists telegram: {cli[0]['importtime']['imports_telegram']}; "
            f"'telegram' in sys.modules at exit: {cli[0]['telegram_in_sys_modules']}",
        },
        {
            "target": "SIGTERM: exits 0, every run",
            "met": all(s.get("exit_code") == 0 for s in [*starts, loaded, traced_run]),
            "detail": "exit codes "
            + ", ".join(str(s.get("exit_code")) for s in [*starts, loaded, traced_run]),
        },
        *knowledge_file_targets(figures),
    ]
    print("\ntargets:")
    for check in checks:
        print(common.target_line(check["target"], check["met"], check["detail"]))
    print(
        f"\nfinished in {clock.seconds():.0f} s; load average now "
        f"{[round(x, 2) for x in os.getloadavg()]}"
    )
    path = common.write_results(
        NAME,
        {
            "machine": facts,
            "args": vars(args),
            "python_baseline_s": baseline,
            "starts": starts,
            "startup_median_s": startup_median,
            "loaded": loaded,
            "memory_stages_mb": stages,
            "cli": cli,
            "run_importtime": traced_run.get("importtime"),
            "knowledge_files": figures,
            "targets": checks,
            "elapsed_s": clock.seconds(),
        },
    )
    print(f"figures written to {path.relative_to(common.REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
