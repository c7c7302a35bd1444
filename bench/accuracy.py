"""Accuracy on every question set, as one table (the figures README and docs/internals.md give).

    python bench/accuracy.py [FILE ...]

Default: the sets in tests/questions/ and, when they are beside the checkout, the shared dev
sets. Each set is scored as `python -m bot eval` scores it, per language when it has several.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.evaluation import evaluate, load_items, summarize  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402
from bot.matcher import Matcher  # noqa: E402

SHARED = REPO.parent / "shared"


def default_sets() -> list[Path]:
    shared = [SHARED / "questions-dev.yaml", SHARED / "questions-dev-multilingual.yaml"]
    return [p for p in shared if p.exists()] + sorted((REPO / "tests" / "questions").glob("*.yaml"))


def main(paths: list[Path]) -> None:
    matcher = Matcher(load_knowledge())
    print("| set | lang | n | overall | in scope right | out of scope not answered | wrong |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for path in paths:
        outcomes = evaluate(matcher, load_items(path))
        languages = sorted({o.item.lang for o in outcomes})
        groups = (
            [("all", outcomes)]
            if len(languages) == 1
            else [("all", outcomes)]
            + [(code, [o for o in outcomes if o.item.lang == code]) for code in languages]
        )
        for code, group in groups:
            s = summarize(group)
            overall = (s.correct + s.declined) / s.total
            print(
                f"| {path.name} | {languages[0] if code == 'all' and len(languages) == 1 else code}"
                f" | {s.total} | {overall:.3f} | {s.correct}/{s.in_scope} | "
                f"{s.declined}/{s.out_of_scope} | {s.wrong} ({s.wrong / s.total:.1%}) |"
            )


if __name__ == "__main__":
    main([Path(arg) for arg in sys.argv[1:]] or default_sets())
