"""Matching at scale: how `bot.matcher.Matcher` builds and answers as the knowledge base grows.

What it measures, for knowledge bases of the real size (knowledge.yaml, "real") and of 1,000,
10,000 and 100,000 entries (the real entries plus synthetic ones, generated reproducibly from
--seed by recombining the real phrasings' words into phrasings of real lengths; see
bench/common.py `synthetic_knowledge`):

- build: wall time of `Matcher(kb)`, the first build in a fresh process (so it includes
  loading symspellpy's English frequency list, as the bot's start-up does);
- memory: RSS growth of the process over the build (VmRSS from /proc/self/status, after a
  gc.collect() before and after), and the process's peak RSS (VmHWM). With --tracemalloc also
  the tracemalloc peak of a second, traced build (slow; off by default);
- matching: per-question wall time of `matcher.match(q)` over a fixed mixed question set
  (--questions, default 300: half real phrasings lightly perturbed, a quarter with typos, a
  quarter out of scope), p50 / p99 / mean and questions per second. The set is run at least
  once and repeated while it fits in --match-seconds (at most 5 passes);
- naive: the same questions through
  `rapidfuzz.process.extractOne(q, all_phrasings, scorer=fuzz.token_set_ratio,
  processor=utils.default_process)`, as many (in the same shuffled order) as fit in
  --naive-seconds per size; the ratio naive/ours compares mean and p50 over exactly the
  questions the naive run got through;
- at the real size: whether `Matcher(kb)` and `Matcher(kb, prune=False)` make the same
  decisions (decision + top entry id) on every question, when Matcher takes `prune`.

Each size runs in its own child process (clean memory figures; a size that does not finish
within its share of --max-seconds is reported as timed out, with what it finished). Prints a
table and writes the same figures to bench/results/matching.json.

Run from the repository root:

    python bench/matching.py                       # all sizes, ~1-2 minutes on 2 cores
    python bench/matching.py --sizes real,1000     # a quick look
    python bench/matching.py --profile 10000       # cProfile of matching and build at 10,000
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import inspect
import io
import json
import os
import pstats
import selectors
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

NAME = "matching"
DEFAULT_SIZES = "real,1000,10000,100000"
MAX_PASSES = 5
MARK = "@@"  # a worker's result lines start with this

# Targets (milliseconds, megabytes).
TARGET_P50_10K = 1.0
TARGET_P99_10K = 5.0
TARGET_P50_100K = 10.0
TARGET_MEMORY_100K = 300.0


def parse_size(text: str) -> int | str:
    text = text.strip().lower().replace("_", "").replace(",", "")
    if text in ("real", "26"):
        return "real"
    if text.endswith("k") and text[:-1].isdigit():
        return int(text[:-1]) * 1000
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a size is 'real' or a positive number, not {text!r}")
    return int(text)


def parse_sizes(text: str) -> list[int | str]:
    return [parse_size(part) for part in text.split(",") if part.strip()]


def size_label(size: int | str) -> str:
    return "real" if size == "real" else f"{size:,}"


def knowledge_for(size: int | str, seed: int) -> Any:
    from bot.knowledge import load_knowledge

    real = load_knowledge(common.REPO / "knowledge.yaml")
    return real if size == "real" else common.synthetic_knowledge(real, int(size), seed)


def latency_summary(samples_ms: list[float]) -> dict[str, float]:
    total = sum(samples_ms)
    return {
        "n": len(samples_ms),
        "p50_ms": common.percentile(samples_ms, 50),
        "p99_ms": common.percentile(samples_ms, 99),
        "max_ms": max(samples_ms) if samples_ms else float("nan"),
        "mean_ms": total / len(samples_ms) if samples_ms else float("nan"),
        "qps": len(samples_ms) / (total / 1000) if total else float("nan"),
    }


# --- the child process: one size ------------------------------------------------------------


def emit(phase: str, **figures: Any) -> None:
    print(MARK + json.dumps({"phase": phase, **figures}), flush=True)


def _settled_rss() -> float:
    gc.collect()
    return common.rss_mb()


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0: write 5 to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


class PeakSampler:
    """Samples VmRSS every few ms from a thread and remembers where the main thread was
    (the innermost frames under bot/) when it was highest: where the build's peak happens."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.peak_mb = 0.0
        self.peak_stack: list[str] = []
        self._main = threading.main_thread().ident
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="PeakSampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            rss = common.rss_mb()
            if rss > self.peak_mb:
                self.peak_mb = rss
                frame = sys._current_frames().get(self._main)
                stack = []
                while frame is not None:
                    code = frame.f_code
                    if "/bot/" in code.co_filename:
                        where = code.co_filename.split("/bot/", 1)[1]
                        stack.append(f"bot/{where}:{frame.f_lineno} {code.co_name}")
                    frame = frame.f_back
                if stack:  # else the build has returned: keep where it peaked inside
                    self.peak_stack = stack[:4]


def worker(args: argparse.Namespace) -> int:
    from rapidfuzz import fuzz, process, utils

    from bot.matcher import Matcher

    size = parse_size(args.worker)
    rss_start = _settled_rss()
    clock = common.Stopwatch()
    knowledge = knowledge_for(size, args.seed)
    phrasings = [q for entry in knowledge.entries for q in entry.questions]
    emit(
        "knowledge",
        entries=len(knowledge.entries),
        phrasings=len(phrasings),
        generate_s=clock.seconds(),
        rss_growth_mb=_settled_rss() - rss_start,
    )
    real = knowledge_for("real", args.seed) if size != "real" else knowledge
    questions = [item["q"] for item in common.make_questions(real, args.questions, args.seed)]

    # The naive approach first: it needs no build, so it is measured even if ours times out.
    naive_ms: list[float] = []
    naive_clock = common.Stopwatch()
    for question in questions:
        started = time.perf_counter()
        process.extractOne(
            question, phrasings, scorer=fuzz.token_set_ratio, processor=utils.default_process
        )
        naive_ms.append((time.perf_counter() - started) * 1000)
        if naive_clock.seconds() >= args.naive_seconds:
            break
    emit("naive", samples_ms=naive_ms, of=len(questions), **latency_summary(naive_ms))

    rss_before = _settled_rss()
    peak_before_build = common.peak_rss_mb()
    peak_reset = reset_peak_rss()
    sampler = PeakSampler()
    sampler.start()
    started = time.perf_counter()
    matcher = Matcher(knowledge)
    build_s = time.perf_counter() - started
    sampler.stop()
    build_peak = common.peak_rss_mb() if peak_reset else max(sampler.peak_mb, rss_before)
    rss_after = _settled_rss()
    emit(
        "build",
        build_s=build_s,
        rss_growth_mb=rss_after - rss_before,
        rss_mb=rss_after,
        peak_growth_mb=build_peak - rss_before,
        peak_rss_mb=build_peak,
        peak_source="VmHWM reset before the build" if peak_reset else "sampled VmRSS",
        sampled_peak_mb=sampler.peak_mb,
        peak_at=sampler.peak_stack,
    )

    samples: list[float] = []
    first_pass: list[float] = []
    match_clock = common.Stopwatch()
    for number in range(MAX_PASSES):
        for question in questions:
            started = time.perf_counter()
            matcher.match(question)
            samples.append((time.perf_counter() - started) * 1000)
        if number == 0:
            first_pass = list(samples)
        if match_clock.seconds() >= args.match_seconds:
            break
    slowest_by_text: dict[str, float] = {}
    for ms, question in zip(first_pass, questions, strict=False):
        slowest_by_text[question] = max(ms, slowest_by_text.get(question, 0.0))
    slowest = sorted(((ms, q) for q, ms in slowest_by_text.items()), reverse=True)[:5]
    emit(
        "match",
        passes=len(samples) // len(questions),
        questions=len(questions),
        first_pass_ms=first_pass,
        slowest=[{"ms": ms, "q": q} for ms, q in slowest],
        **latency_summary(samples),
    )

    if size == "real":
        if "prune" in inspect.signature(Matcher).parameters:
            reference = Matcher(knowledge, prune=False)  # type: ignore[call-arg]
            mismatches = []
            for question in questions:
                ours, theirs = matcher.match(question), reference.match(question)
                mine = (
                    ours.decision.value,
                    ours.candidates[0].entry.id if ours.candidates else None,
                )
                ref = (
                    theirs.decision.value,
                    theirs.candidates[0].entry.id if theirs.candidates else None,
                )
                if mine != ref:
                    mismatches.append({"q": question, "pruned": mine, "unpruned": ref})
            emit(
                "equivalence",
                checked=len(questions),
                mismatches=len(mismatches),
                examples=mismatches[:10],
            )
        else:
            emit(
                "equivalence",
                checked=0,
                mismatches=None,
                note="Matcher has no `prune` parameter: n/a",
            )

    if args.tracemalloc:
        if build_s > args.tracemalloc_max_build:
            emit(
                "tracemalloc",
                peak_mb=None,
                note=f"skipped: the build took {build_s:.1f} s "
                f"(> --tracemalloc-max-build {args.tracemalloc_max_build:g})",
            )
        else:
            del matcher
            gc.collect()
            tracemalloc.start()
            traced = Matcher(knowledge)
            _, peak = tracemalloc.get_traced_memory()
            current = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            del traced
            emit("tracemalloc", peak_mb=peak / 2**20, retained_mb=current / 2**20)
    emit("done", peak_rss_mb=max(common.peak_rss_mb(), peak_before_build))
    return 0


# --- the parent: one child per size ----------------------------------------------------------


def run_size(size: int | str, args: argparse.Namespace, timeout: float) -> dict[str, Any]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        str(size),
        "--seed",
        str(args.seed),
        "--questions",
        str(args.questions),
        "--naive-seconds",
        str(args.naive_seconds),
        "--match-seconds",
        str(args.match_seconds),
        "--tracemalloc-max-build",
        str(args.tracemalloc_max_build),
    ]
    if args.tracemalloc:
        command.append("--tracemalloc")
    result: dict[str, Any] = {"size": size, "timeout_s": round(timeout, 1)}
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=common.REPO
    )
    deadline = time.monotonic() + timeout
    selector = selectors.DefaultSelector()
    assert child.stdout is not None
    selector.register(child.stdout, selectors.EVENT_READ)
    last_phase = "start"
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            status = common.proc_status(child.pid)
            result["timed_out_in"] = {
                "knowledge": "naive",
                "naive": "build",
                "build": "match",
                "match": "equivalence",
            }.get(last_phase, last_phase)
            result["rss_at_timeout_mb"] = status.get("VmRSS", 0) / 1024
            child.kill()
            child.wait()
            break
        if not selector.select(timeout=min(remaining, 1.0)):
            continue
        line = child.stdout.readline()
        if not line:
            child.wait()
            break
        if line.startswith(MARK):
            record = json.loads(line[len(MARK) :])
            last_phase = record.pop("phase")
            result[last_phase] = record
            if last_phase != "done":
                print(f"    {size_label(size)}: {last_phase} measured", file=sys.stderr, flush=True)
    selector.close()
    if child.returncode not in (0, -signal.SIGKILL) or "done" not in result:
        errors = child.stderr.read() if child.stderr else ""
        if errors.strip():
            result["stderr_tail"] = errors.strip().splitlines()[-15:]
    child.stdout.close()
    if child.stderr:
        child.stderr.close()
    return result


def ratio(naive: float | None, ours: float | None) -> float | None:
    if not naive or not ours or naive != naive or ours != ours:
        return None
    return naive / ours


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """The row of the table, from a child's records."""
    knowledge = result.get("knowledge", {})
    build = result.get("build", {})
    match = result.get("match", {})
    naive = result.get("naive", {})
    row: dict[str, Any] = {
        "size": result["size"],
        "entries": knowledge.get("entries"),
        "phrasings": knowledge.get("phrasings"),
        "kb_rss_mb": knowledge.get("rss_growth_mb"),
        "build_s": build.get("build_s"),
        "build_rss_mb": build.get("rss_growth_mb"),
        "build_peak_mb": build.get("peak_growth_mb"),
        "build_peak_at": build.get("peak_at"),
        "peak_rss_mb": result.get("done", {}).get("peak_rss_mb") or build.get("peak_rss_mb"),
        "p50_ms": match.get("p50_ms"),
        "p99_ms": match.get("p99_ms"),
        "mean_ms": match.get("mean_ms"),
        "qps": match.get("qps"),
        "passes": match.get("passes"),
        "naive_n": naive.get("n"),
        "naive_p50_ms": naive.get("p50_ms"),
        "naive_p99_ms": naive.get("p99_ms"),
        "naive_mean_ms": naive.get("mean_ms"),
        "naive_qps": naive.get("qps"),
        "tracemalloc_peak_mb": result.get("tracemalloc", {}).get("peak_mb"),
        "timed_out_in": result.get("timed_out_in"),
    }
    if naive.get("samples_ms") and match.get("first_pass_ms"):
        same = match["first_pass_ms"][: len(naive["samples_ms"])]
        ours = latency_summary(same)
        row["same_p50_ms"], row["same_mean_ms"] = ours["p50_ms"], ours["mean_ms"]
        row["ratio_mean"] = ratio(naive["mean_ms"], ours["mean_ms"])
        row["ratio_p50"] = ratio(naive["p50_ms"], ours["p50_ms"])
    else:
        row["ratio_mean"] = row["ratio_p50"] = None
        row["same_p50_ms"] = row["same_mean_ms"] = None
    return row


def targets(
    rows: dict[Any, dict[str, Any]], equivalence: dict[str, Any] | None
) -> list[dict[str, Any]]:
    def get(size: int, key: str) -> float | None:
        row = rows.get(size)
        return None if row is None else row.get(key)

    checks = []

    def add(
        name: str,
        value: float | None,
        limit: float,
        unit: str,
        size: int,
        higher_is_better: bool = False,
    ) -> None:
        if size not in rows:
            checks.append({"target": name, "met": None, "detail": f"size {size:,} not run"})
            return
        if value is None:
            row = rows[size]
            why = (
                f"timed out in {row['timed_out_in']}" if row.get("timed_out_in") else "not measured"
            )
            checks.append({"target": name, "met": False, "detail": why})
            return
        met = value >= limit if higher_is_better else value <= limit
        checks.append(
            {
                "target": name,
                "met": met,
                "value": value,
                "limit": limit,
                "detail": f"{common.fmt(value)} {unit} (target "
                f"{'>=' if higher_is_better else '<='} {limit:g} {unit})",
            }
        )

    add("p50 <= 1 ms at 10,000", get(10000, "p50_ms"), TARGET_P50_10K, "ms", 10000)
    add("p99 <= 5 ms at 10,000", get(10000, "p99_ms"), TARGET_P99_10K, "ms", 10000)
    add("p50 <= 10 ms at 100,000", get(100000, "p50_ms"), TARGET_P50_100K, "ms", 100000)
    add(
        "memory <= 300 MB at 100,000 (build peak: highest VmRSS during Matcher(kb) minus "
        "VmRSS before it)",
        get(100000, "build_peak_mb"),
        TARGET_MEMORY_100K,
        "MB",
        100000,
    )
    add(
        "memory <= 300 MB at 100,000 (retained: VmRSS growth over Matcher(kb))",
        get(100000, "build_rss_mb"),
        TARGET_MEMORY_100K,
        "MB",
        100000,
    )
    slower = []
    compared = 0
    for size, row in rows.items():
        for key in ("ratio_mean", "ratio_p50"):
            if row.get(key) is not None:
                compared += 1
                if row[key] < 1:
                    slower.append(f"{size_label(size)} {key}={row[key]:.2f}")
        if row.get("ratio_mean") is None and row.get("naive_n"):
            slower.append(f"{size_label(size)}: ours not measured")
    checks.append(
        {
            "target": "never slower than naive (naive/ours >= 1 for mean and p50, every size)",
            "met": None if not compared and not slower else not slower,
            "detail": "slower at " + ", ".join(slower)
            if slower
            else f"{compared} ratios compared, all >= 1",
        }
    )
    if equivalence is None:
        checks.append(
            {
                "target": "pruned == unpruned decisions at the real size",
                "met": None,
                "detail": "real size not run",
            }
        )
    elif equivalence.get("mismatches") is None:
        checks.append(
            {
                "target": "pruned == unpruned decisions at the real size",
                "met": None,
                "detail": "n/a (Matcher has no `prune` parameter)",
            }
        )
    else:
        checks.append(
            {
                "target": "pruned == unpruned decisions at the real size",
                "met": equivalence["mismatches"] == 0,
                "detail": f"{equivalence['mismatches']} mismatches of "
                f"{equivalence['checked']} questions",
            }
        )
    return checks


def main_run(args: argparse.Namespace) -> int:
    facts = common.machine_facts()
    common.print_machine(facts)
    sizes = parse_sizes(args.sizes)
    print(
        f"sizes: {', '.join(size_label(s) for s in sizes)}; seed {args.seed}; "
        f"{args.questions} questions; naive up to {args.naive_seconds:g} s a size; "
        f"time limit {args.max_seconds:g} s overall\n",
        flush=True,
    )
    clock = common.Stopwatch()
    results = []
    for number, size in enumerate(sizes):
        left = args.max_seconds - clock.seconds()
        # Keep ~8 s for each size still to come (the small ones need about that).
        timeout = max(5.0, left - 8.0 * (len(sizes) - number - 1))
        print(
            f"  size {size_label(size)}: running (up to {timeout:.0f} s) ...",
            file=sys.stderr,
            flush=True,
        )
        results.append(run_size(size, args, timeout))
    rows = {r["size"]: summarise(r) for r in results}
    equivalence = next((r.get("equivalence") for r in results if r["size"] == "real"), None)

    print("\nours: Matcher(kb) build, then matcher.match(q) per question")
    headers = [
        "size",
        "entries",
        "phrasings",
        "KB RSS MB",
        "build s",
        "build RSS MB",
        "build peak MB",
        "peak RSS MB",
        "p50 ms",
        "p99 ms",
        "max ms",
        "mean ms",
        "q/s",
        "passes",
    ]
    table_rows = []
    for result, row in zip(results, rows.values(), strict=True):
        label = size_label(row["size"])
        if row["timed_out_in"]:
            label += f" (timed out in {row['timed_out_in']})"
        table_rows.append(
            [
                label,
                row["entries"],
                row["phrasings"],
                row["kb_rss_mb"],
                row["build_s"],
                row["build_rss_mb"],
                row["build_peak_mb"],
                row["peak_rss_mb"],
                row["p50_ms"],
                row["p99_ms"],
                result.get("match", {}).get("max_ms"),
                row["mean_ms"],
                row["qps"],
                row["passes"],
            ]
        )
    print(common.table(headers, table_rows, digits=3))
    print(
        "\nnaive: rapidfuzz process.extractOne(q, all phrasings, scorer=fuzz.token_set_ratio, "
        "processor=utils.default_process)"
    )
    headers = [
        "size",
        "naive n",
        "naive p50 ms",
        "naive p99 ms",
        "naive mean ms",
        "naive q/s",
        "ours p50 ms",
        "ours mean ms",
        "naive/ours mean",
        "naive/ours p50",
    ]
    table_rows = []
    for row in rows.values():
        table_rows.append(
            [
                size_label(row["size"]),
                row["naive_n"],
                row["naive_p50_ms"],
                row["naive_p99_ms"],
                row["naive_mean_ms"],
                row["naive_qps"],
                row["same_p50_ms"],
                row["same_mean_ms"],
                row["ratio_mean"],
                row["ratio_p50"],
            ]
        )
    print(common.table(headers, table_rows, digits=3))
    if args.tracemalloc:
        print(
            "\ntracemalloc peak of a second, traced build (MB): "
            + ", ".join(
                f"{size_label(s)}={common.fmt(r['tracemalloc_peak_mb'])}" for s, r in rows.items()
            )
        )
    print(
        "\nKB RSS MB = VmRSS growth while generating the knowledge base; build RSS MB = "
        "VmRSS growth over Matcher(kb), what the matcher keeps (gc.collect() before and "
        "after); build peak MB = highest VmRSS during the build (VmHWM reset just before it) "
        "minus VmRSS before it, the transient need; peak RSS = the child's VmHWM over its "
        "whole life (interpreter + knowledge base + naive run + matcher + matching)."
    )
    for row in rows.values():
        if row.get("build_peak_at"):
            print(
                f"  build peak at {size_label(row['size'])} reached in: "
                + " <- ".join(row["build_peak_at"])
            )
    for result in results:
        slowest = result.get("match", {}).get("slowest")
        if slowest and result["size"] != "real" and int(result["size"]) >= 10000:
            print(
                f"  slowest questions at {size_label(result['size'])}: "
                + "; ".join(f"{item['ms']:.1f} ms {item['q']!r}" for item in slowest[:3])
            )
    print(
        "naive n = questions the naive run got through within --naive-seconds; the ratios "
        "compare over exactly those questions."
    )
    if equivalence is not None:
        if equivalence.get("mismatches") is None:
            print("pruned vs unpruned (real size): n/a (Matcher has no `prune` parameter)")
        else:
            print(
                f"pruned vs unpruned (real size): {equivalence['mismatches']} mismatches of "
                f"{equivalence['checked']} questions"
            )
            for example in equivalence.get("examples", []):
                print(f"    {example}")
    for result in results:
        if result.get("stderr_tail"):
            print(f"\nsize {size_label(result['size'])} child stderr (tail):")
            print("\n".join("    " + line for line in result["stderr_tail"]))
    checks = targets(rows, equivalence)
    print("\ntargets:")
    for check in checks:
        print(common.target_line(check["target"], check["met"], check["detail"]))
    print(
        f"\nfinished in {clock.seconds():.0f} s; load average now "
        f"{[round(x, 2) for x in os.getloadavg()]}"
    )
    for result in results:  # the per-question samples stay in the JSON, not the table
        result.get("match", {}).pop("first_pass_ms", None)
        result.get("naive", {}).pop("samples_ms", None)
    path = common.write_results(
        NAME,
        {
            "machine": facts,
            "args": vars(args),
            "sizes": [{k: v for k, v in row.items()} for row in rows.values()],
            "details": results,
            "equivalence_real_size": equivalence,
            "targets": checks,
            "elapsed_s": clock.seconds(),
            "notes": [
                "build RSS = VmRSS growth over Matcher(kb) in a fresh child process",
                "synthetic sizes = the real entries + synthetic ones (bench/common.py)",
                "naive limited to --naive-seconds per size; see naive_n",
            ],
        },
    )
    print(f"figures written to {path.relative_to(common.REPO)}")
    return 0


# --- --profile SIZE --------------------------------------------------------------------------


class _Timeout(Exception):
    pass


def _top(profile: cProfile.Profile, count: int = 25) -> tuple[str, list[dict[str, Any]]]:
    stream = io.StringIO()
    stats = pstats.Stats(profile, stream=stream)
    stats.sort_stats("cumulative").print_stats(count)
    rows = []
    for func, (_cc, calls, tottime, cumtime, _callers) in sorted(
        stats.stats.items(), key=lambda item: -item[1][3]
    )[:count]:  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{func[0]}:{func[1]}({func[2]})",
                "calls": calls,
                "tottime_s": tottime,
                "cumtime_s": cumtime,
            }
        )
    text = stream.getvalue()
    start = text.find("   ncalls")
    return (text[start:] if start >= 0 else text).rstrip(), rows


def main_profile(args: argparse.Namespace) -> int:
    from bot.matcher import Matcher

    facts = common.machine_facts()
    common.print_machine(facts)
    size = parse_size(args.profile)
    knowledge = knowledge_for(size, args.seed)
    real = knowledge_for("real", args.seed)
    questions = [item["q"] for item in common.make_questions(real, args.questions, args.seed)]
    print(
        f"\nprofiling at {size_label(size)} ({len(knowledge.entries):,} entries), "
        f"{len(questions)} questions, seed {args.seed}"
    )
    payload: dict[str, Any] = {"machine": facts, "args": vars(args), "size": size}

    def on_alarm(signum: int, frame: Any) -> None:
        raise _Timeout

    signal.signal(signal.SIGALRM, on_alarm)

    def build(limit: float, profile: cProfile.Profile | None) -> tuple[Any, float]:
        """Matcher(kb), interrupted after `limit` seconds (then None)."""
        built = None
        signal.alarm(max(1, int(limit)))
        started = time.perf_counter()
        try:
            if profile is not None:
                profile.enable()
            built = Matcher(knowledge)
        except _Timeout:
            pass
        finally:
            if profile is not None:
                profile.disable()
            signal.alarm(0)
        return built, time.perf_counter() - started

    # 1. A plain build, to have a matcher to profile matching with.
    matcher, plain_s = build(args.build_seconds, None)
    print(
        f"\nplain Matcher(kb) build: {plain_s:.2f} s"
        + (
            ""
            if matcher is not None
            else f", INTERRUPTED after {args.build_seconds:g} s (--build-seconds)"
        )
    )
    payload["plain_build_s"] = plain_s
    # 2. Matching, profiled.
    if matcher is not None:
        match_profile = cProfile.Profile()
        started = time.perf_counter()
        match_profile.enable()
        for question in questions:
            matcher.match(question)
        match_profile.disable()
        match_s = time.perf_counter() - started
        text, rows = _top(match_profile)
        print(
            f"\n== matcher.match over {len(questions)} questions: {match_s:.2f} s under "
            f"cProfile ({match_s / len(questions) * 1000:.2f} ms a question with profiler "
            "overhead); top 25 by cumulative time =="
        )
        print(text)
        payload["match"] = {"seconds": match_s, "questions": len(questions), "top": rows}
        del matcher
        gc.collect()
    else:
        print("\nmatching not profiled: the build did not finish")
    # 3. The build, profiled (cProfile roughly doubles its time), within a limit.
    build_profile = cProfile.Profile()
    built, build_s = build(args.profile_build_seconds, build_profile)
    text, rows = _top(build_profile)
    state = (
        "finished"
        if built is not None
        else (
            f"INTERRUPTED after {args.profile_build_seconds:g} s (--profile-build-seconds): "
            "partial profile"
        )
    )
    print(
        f"\n== Matcher(kb) build: {build_s:.2f} s under cProfile, {state}; "
        "top 25 by cumulative time =="
    )
    print(text)
    payload["build"] = {"seconds": build_s, "finished": built is not None, "top": rows}
    path = common.write_results(f"{NAME}.profile", payload)
    print(f"\nfigures written to {path.relative_to(common.REPO)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python bench/matching.py",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Targets: p50 <= 1 ms and p99 <= 5 ms at 10,000; p50 <= 10 ms at 100,000; "
        "never slower than naive; memory <= 300 MB at 100,000.",
    )
    parser.add_argument(
        "--sizes",
        default=DEFAULT_SIZES,
        help=f"comma-separated sizes: 'real' and/or entry counts (default {DEFAULT_SIZES})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        help="seed of the synthetic entries and the questions (default 1)",
    )
    parser.add_argument(
        "--questions", type=int, default=300, help="size of the mixed question set (default 300)"
    )
    parser.add_argument(
        "--naive-seconds",
        type=float,
        default=12.0,
        help="time budget of the naive rapidfuzz run per size (default 12)",
    )
    parser.add_argument(
        "--match-seconds",
        type=float,
        default=3.0,
        help="repeat the question set while under this many seconds, at most "
        f"{MAX_PASSES} passes (default 3)",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=170.0,
        help="overall time limit; a size that would overrun it is stopped "
        "and reported as timed out (default 170)",
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also report the tracemalloc peak of a second, traced build",
    )
    parser.add_argument(
        "--tracemalloc-max-build",
        type=float,
        default=15.0,
        help="skip the traced build where the plain build took longer (default 15 s)",
    )
    parser.add_argument(
        "--profile",
        metavar="SIZE",
        help="instead of the benchmark: cProfile the build and the matching at "
        "SIZE and print the top 25 functions by cumulative time",
    )
    parser.add_argument(
        "--build-seconds",
        type=float,
        default=120.0,
        help="with --profile: give up on the plain build (needed to profile "
        "matching) after this long (default 120)",
    )
    parser.add_argument(
        "--profile-build-seconds",
        type=float,
        default=45.0,
        help="with --profile: interrupt (and still report, partially) the "
        "profiled build after this long (default 45)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.questions < 1:
        parser.error("--questions must be at least 1")
    if args.worker:
        return worker(args)
    if args.profile:
        return main_profile(args)
    return main_run(args)


if __name__ == "__main__":
    sys.exit(main())
