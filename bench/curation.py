"""What the curator's records cost: one write, inline and through asyncio.to_thread, and
grouping `misses` at growing sizes.

- writes: `CurationStore.record_match` for a declined question (a miss row and a tally) and an
  answered one (tallies only), --writes times each, on a fresh file in a temp folder; called
  directly and through `asyncio.to_thread` as the handlers do; p50 and p99 per write;
- grouping: `group_misses` over N synthetic distinct questions ("who" and four words from a
  vocabulary of common English words: --vocabulary words for the realistic case, 40 for a
  topic-dense one where most questions share words), and N up to the 100,000-row cap.

Run from the repository root:

    python bench/curation.py                 # ~1-2 minutes with the 100,000 case
    python bench/curation.py --no-cap        # skip the 100,000 case

Prints tables and writes the same figures to bench/results/curation.json.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

import common

from bot import language
from bot.curation import DEFAULT_MAX_ROWS, CurationStore, Miss, group_misses
from bot.knowledge import load_knowledge
from bot.matcher import Matcher

NAME = "curation"


def _time_writes(store: CurationStore, write, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        write(store)
        times.append((time.perf_counter() - started) * 1e6)
    return times


async def _time_threaded_writes(store: CurationStore, write, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        await asyncio.to_thread(write, store)
        times.append((time.perf_counter() - started) * 1e6)
    return times


def _questions(count: int, vocabulary: list[str], rng: random.Random) -> list[Miss]:
    return [
        Miss(1.8e9 + n, "who " + " ".join(rng.sample(vocabulary, 4)), "decline", (), "en")
        for n in range(count)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--vocabulary", type=int, default=6000)
    parser.add_argument("--no-cap", action="store_true", help="skip the 100,000 case")
    args = parser.parse_args()
    facts = common.machine_facts()
    common.print_machine(facts)
    clock = common.Stopwatch()

    matcher = Matcher(load_knowledge(common.REPO / "knowledge.yaml"))
    declined = matcher.match("how do I bake sourdough bread?")
    answered = matcher.match("who heads roscosmos?")
    writes = []
    with tempfile.TemporaryDirectory() as folder:
        store = CurationStore.in_dir(Path(folder))
        for label, match in (("miss (decline)", declined), ("answer", answered)):

            def write(s: CurationStore, match=match) -> None:
                s.record_match("how do I bake sourdough bread?", match)

            inline = _time_writes(store, write, args.writes)
            threaded = asyncio.run(_time_threaded_writes(store, write, args.writes))
            writes.append(
                {
                    "write": label,
                    "inline_p50_us": common.percentile(inline, 50),
                    "inline_p99_us": common.percentile(inline, 99),
                    "to_thread_p50_us": common.percentile(threaded, 50),
                    "to_thread_p99_us": common.percentile(threaded, 99),
                }
            )
        store.close()
    print("\nwrites (µs per write):")
    print(
        common.table(
            ["write", "inline p50", "p99", "to_thread p50", "p99"],
            [list(w.values()) for w in writes],
            1,
        )
    )

    words = [w for w in language.english_frequencies() if w.isalpha()][
        2000 : 2000 + args.vocabulary
    ]
    cases = [(words[:40], 2000), (words[:40], 10_000), (words, 2000), (words, 10_000)]
    if not args.no_cap:
        cases.append((words, DEFAULT_MAX_ROWS))
    grouping = []
    for vocabulary, count in cases:
        misses = _questions(count, vocabulary, random.Random(1))
        started = time.perf_counter()
        groups = group_misses(misses)
        grouping.append(
            {
                "vocabulary": len(vocabulary),
                "questions": count,
                "groups": len(groups),
                "seconds": time.perf_counter() - started,
            }
        )
        print(f"  grouped {count} questions in {grouping[-1]['seconds']:.2f} s", flush=True)
    print("\ngrouping `misses`:")
    print(
        common.table(
            ["vocabulary", "questions", "groups", "seconds"], [list(g.values()) for g in grouping]
        )
    )
    path = common.write_results(
        NAME,
        {
            "machine": facts,
            "args": vars(args),
            "writes": writes,
            "grouping": grouping,
            "elapsed_s": clock.seconds(),
        },
    )
    print(f"\nfigures written to {path.relative_to(common.REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
