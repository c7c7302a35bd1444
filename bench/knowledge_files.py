"""Synthetic knowledge FILES for the loading benchmarks (a helper, not a benchmark itself).

`write_knowledge_file(real, size, path)` writes a knowledge.yaml of `size` entries that the loader
accepts: the real file's title, description, article and synonyms; the real entries; then
synthetic entries `syn_000000...`, each with the answer and source of a real entry (so sources
are verbatim article sentences and answers have real lengths) and 3-5 phrasings recombined from
the real phrasings' words by `common.synthetic_knowledge`, made unique after the loader's own
normalisation (a repeat gets one more word until it is new).

    python bench/knowledge_files.py 10000 /tmp/k10k.yaml
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common


def _quoted(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar, and no YAML 1.1 surprise can hit it.
    return json.dumps(text, ensure_ascii=False)


def _flow(items: Any) -> str:
    return "[" + ", ".join(_quoted(item) for item in items) + "]"


def knowledge_text(real: Any, size: int, seed: int = 1) -> str:
    from bot.knowledge import normalize_phrasing

    synthetic = common.synthetic_knowledge(real, size, seed)
    rng = random.Random(f"files:{seed}:{size}")
    seen = {normalize_phrasing(q) for entry in real.entries for q in entry.questions}
    words = sorted({w for entry in real.entries for q in entry.questions for w in common.tokens(q)})
    lines = [
        "# Synthetic knowledge file written by bench/knowledge_files.py; not for the bot.",
        f"title: {_quoted(real.title)}",
        f"description: {_quoted(real.description)}",
        "article: |",
        *(f"  {line}" if line.strip() else "" for line in real.article.splitlines()),
        "synonyms:",
        *(f"  - {_flow(group)}" for group in real.synonyms),
        "entries:",
    ]
    for number, entry in enumerate(synthetic.entries):
        if number < len(real.entries):
            answer, source, questions = entry.answer, entry.source, list(entry.questions)
            related, tags = entry.related, entry.tags
        else:
            model = real.entries[rng.randrange(len(real.entries))]
            answer, source, related, tags = model.answer, model.source, (), entry.tags
            questions = []
            for question in entry.questions:
                while normalize_phrasing(question) in seen:
                    question = f"{question} {rng.choice(words)}"
                seen.add(normalize_phrasing(question))
                questions.append(question)
        lines.append(f"  - id: {entry.id}")
        lines.append("    questions:")
        lines.extend(f"      - {_quoted(question)}" for question in questions)
        lines.append(f"    answer: {_quoted(answer)}")
        lines.append(f"    source: {_quoted(source)}")
        if related:
            lines.append(f"    related: {_flow(related)}")
        if tags:
            lines.append(f"    tags: {_flow(tags)}")
    return "\n".join(lines) + "\n"


def write_knowledge_file(real: Any, size: int, path: Path, seed: int = 1) -> Path:
    path.write_text(knowledge_text(real, size, seed), encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    from bot.knowledge import load_knowledge

    size, path = int(argv[0]), Path(argv[1])
    write_knowledge_file(load_knowledge(common.REPO / "knowledge.yaml"), size, path)
    print(f"{path}: {size:,} entries, {path.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
