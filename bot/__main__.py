"""The command line: run (Telegram), chat (terminal), ask, check, eval.

python -m bot                 Telegram if TELEGRAM_BOT_TOKEN is set, else the terminal chat
python -m bot chat            the same conversation in the terminal
python -m bot ask "question"  one reply; --json for machine-readable lines
python -m bot check           validate the knowledge file
python -m bot eval FILE       score the matcher on a question set
python -m bot run [--webhook] the Telegram bot (needs TELEGRAM_BOT_TOKEN)
python -m bot misses          what readers asked that the bot could not answer, grouped
python -m bot stats           per entry: how often it was given, liked and disliked
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from bot.config import data_dir
from bot.curation import FILE_NAME, CurationStore, entry_stats, group_misses
from bot.evaluation import answered_text
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.matcher import Matcher
from bot.replies import (
    Choice,
    Reply,
    article_reply,
    choice_reply,
    help_reply,
    message_reply,
    render_plain,
    start_reply,
    topics_reply,
)

EXIT_KNOWLEDGE_ERROR = 1
# check's self-check asks every phrasing with itself left out: under a second for this article,
# about 90 s at 10,000 synthetic entries (bench/startup.py), so it is on by default only below this.
SELF_CHECK_MAX_ENTRIES = 2_000

TOKEN_HINT = (
    "No TELEGRAM_BOT_TOKEN is set, so this is the terminal version of the bot.\n"
    "To run it on Telegram: talk to @BotFather, send /newbot, and start again with\n"
    "  TELEGRAM_BOT_TOKEN=<the token BotFather gives you> python -m bot\n"
)


def _load(path: str | None) -> KnowledgeBase:
    try:
        return load_knowledge(path)
    except KnowledgeError as error:
        _print_problems(error)
        raise SystemExit(EXIT_KNOWLEDGE_ERROR) from None


def _load_with_matcher(path: str | None) -> tuple[KnowledgeBase, Matcher]:
    """The knowledge base and its matcher, the build kept under $DATA_DIR/cache."""
    from bot.buildcache import load_with_matcher

    cache = data_dir() / "cache"
    try:
        return load_with_matcher(path, cache)
    except KnowledgeError as error:
        _print_problems(error)
        raise SystemExit(EXIT_KNOWLEDGE_ERROR) from None


def _print_problems(error: KnowledgeError) -> None:
    print(error, file=sys.stderr)  # every problem, a line each


def command_check(args: argparse.Namespace) -> int:
    """Validate the file, then warn (file:line) of phrasings another entry matches better and
    of phrasings asking how many of an answer that gives no number."""
    knowledge = _load(args.knowledge)
    languages = knowledge.languages
    print(
        f"ok: {len(knowledge)} entries" + (f" in {', '.join(languages)}" if languages[1:] else "")
    )
    self_check = (
        len(knowledge) <= SELF_CHECK_MAX_ENTRIES if args.self_check is None else args.self_check
    )
    if self_check and knowledge.path is not None:
        from bot.selfcheck import counts_without_numbers, overlaps, with_lines

        matcher = Matcher(knowledge)
        found = [*overlaps(matcher), *counts_without_numbers(matcher)]
        for warning in with_lines(found, knowledge.path):
            where = f"{knowledge.path}:{warning.line}" if warning.line else str(knowledge.path)
            print(f"warning: {where}: {warning}", file=sys.stderr)
    return 0


def _json_line(matcher: Matcher, question: str) -> str:
    """One message as JSON. `matched` and `answer` only for questions answered in full (a
    partial answer's text, like every reply, is in `reply`); a message that asks several
    things lists them in `parts`."""
    reading = matcher.read(question)
    matches = reading.matches
    answer = answered_text(reading)
    main = reading.main
    record = {
        "question": question,
        "language": reading.language,
        "decision": main.decision.value,
        "matched": answer is not None,
        "id": main.candidates[0].entry.id if main.candidates else None,
        "score": main.score,
        "answer": answer,
        "source": " ".join(m.entry.source for m in reading.answered if m.entry) or None,
        "reply": message_reply(reading, matcher.knowledge).text,
        "suggestions": []
        if answer is not None
        else [
            {"id": c.entry.id, "question": c.entry.title, "score": c.score} for c in main.candidates
        ],
    }
    if len(matches) > 1:
        record["parts"] = [
            {"decision": match.decision.value, "id": match.entry.id if match.entry else None}
            for match in matches
        ]
    return json.dumps(record, ensure_ascii=False)


def command_ask(args: argparse.Namespace) -> int:
    knowledge, matcher = _load_with_matcher(args.knowledge)
    questions: Iterable[str] = args.question or (line.rstrip("\n") for line in sys.stdin)
    for question in questions:
        if args.json:
            print(_json_line(matcher, question), flush=True)
        else:
            print(render_plain(message_reply(matcher.read(question), knowledge)))
    return 0


def command_eval(args: argparse.Namespace) -> int:
    from bot.evaluation import evaluate, load_items, report, summarize

    _, matcher = _load_with_matcher(args.knowledge)
    outcomes = evaluate(matcher, load_items(Path(args.file)))
    print(report(outcomes))
    return 1 if args.require_bar and not summarize(outcomes).passes_bar else 0


def command_chat(args: argparse.Namespace, *, hint: str = "") -> int:
    """The Telegram conversation in a terminal: numbers stand in for buttons."""
    knowledge, matcher = _load_with_matcher(args.knowledge)
    interactive = sys.stdin.isatty()
    if hint:
        print(hint)
    greeting = start_reply(knowledge)
    print(render_plain(greeting))
    print("(type a number to press a button, /topics, /article, /help, or /quit)\n")
    choices: tuple[Choice, ...] = greeting.choices
    while True:
        try:
            line = input("you> " if interactive else "").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not line:
            continue
        reply: Reply
        if line in ("/quit", "/exit"):
            return 0
        if line.isdigit() and 1 <= int(line) <= len(choices):
            reply = choice_reply(choices[int(line) - 1], knowledge)
        elif line.startswith("/start"):
            reply = start_reply(knowledge)
        elif line.startswith("/help"):
            reply = help_reply(knowledge=knowledge)
        elif line.startswith("/article"):
            reply = article_reply(knowledge)
        elif line.startswith("/topics"):
            reply = topics_reply(knowledge)
        else:
            reply = message_reply(matcher.read(line), knowledge)
        choices = reply.choices
        print(f"bot> {render_plain(reply)}\n", flush=True)


def _stores(args: argparse.Namespace) -> list[CurationStore]:
    """One store per --data-dir (default $DATA_DIR, else data/); folders without records are
    said so on stderr and skipped."""
    folders = args.data_dir or [data_dir()]
    stores = []
    for folder in folders:
        if (Path(folder) / FILE_NAME).is_file():
            stores.append(CurationStore.in_dir(Path(folder)))
        else:
            print(f"no records in {folder}/{FILE_NAME}", file=sys.stderr)
    return stores


def command_misses(args: argparse.Namespace) -> int:
    """The curator's to-do list: unanswered questions, grouped, the most asked first."""
    misses = [miss for store in _stores(args) for miss in store.misses(days=args.days)]
    groups = group_misses(misses)
    if args.json:
        print(json.dumps([group.as_json() for group in groups], ensure_ascii=False, indent=1))
        return 0
    if not groups:
        print("No misses recorded.")
    for group in groups:
        nearest = ", ".join(group.nearest) or "-"
        print(f"{group.count:5}  {group.decision:<8}  {group.question}  (nearest: {nearest})")
    return 0


def command_stats(args: argparse.Namespace) -> int:
    """Per entry: answers given, 👍 and 👎, over the records kept (or the last --days)."""
    tallies = [row for store in _stores(args) for row in store.tallies(days=args.days)]
    stats = entry_stats(tallies)
    if args.json:
        print(json.dumps([vars(s) for s in stats], ensure_ascii=False, indent=1))
        return 0
    print(f"{'entry':<34}{'given':>7}{'liked':>7}{'disliked':>10}")
    for s in stats:
        print(f"{s.entry_id:<34}{s.given:>7}{s.liked:>7}{s.disliked:>10}")
    return 0


def command_run(args: argparse.Namespace) -> int:
    from bot.telegram.runner import run

    return run(knowledge_path=args.knowledge, webhook=args.webhook)


def command_default(args: argparse.Namespace) -> int:
    """README's first command: Telegram when a token is set, else the terminal chat."""
    if os.environ.get("TELEGRAM_BOT_TOKEN"):
        args.webhook = False
        return command_run(args)
    return command_chat(args, hint=TOKEN_HINT)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Answer questions about one news article, on Telegram or in the terminal.",
    )
    parser.add_argument(
        "--knowledge",
        metavar="PATH",
        help="knowledge file (default: $KNOWLEDGE_PATH, else knowledge.yaml)",
    )
    parser.set_defaults(handler=command_default)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add_knowledge_commands(commands)
    _add_bot_commands(commands)
    _add_record_commands(commands)
    return parser


def _add_knowledge_commands(commands: argparse._SubParsersAction) -> None:
    """check, ask, eval: the curator's commands, none of which needs Telegram."""
    check = commands.add_parser("check", help="validate the knowledge file")
    check.add_argument(
        "--self-check",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="warn of phrasings another entry matches better (default: on up to "
        f"{SELF_CHECK_MAX_ENTRIES:,} entries; it asks every phrasing once)",
    )
    check.set_defaults(handler=command_check)

    ask = commands.add_parser("ask", help="print the reply to questions")
    ask.add_argument("question", nargs="*", help="questions (default: one a line on stdin)")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.set_defaults(handler=command_ask)

    evaluate = commands.add_parser("eval", help="score the matcher on a question set")
    evaluate.add_argument("file", help="a YAML question set, e.g. ../shared/questions-dev.yaml")
    evaluate.add_argument(
        "--require-bar",
        action="store_true",
        help="exit 1 unless >= 95 %% in scope correct, >= 95 %% out of scope "
        "not answered and <= 2 %% wrong",
    )
    evaluate.set_defaults(handler=command_eval)


def _add_bot_commands(commands: argparse._SubParsersAction) -> None:
    """chat (the terminal) and run (Telegram)."""
    chat = commands.add_parser("chat", help="talk to the bot in the terminal")
    chat.set_defaults(handler=command_chat)

    run = commands.add_parser("run", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates by webhook (also when WEBHOOK_URL is set)",
    )
    run.set_defaults(handler=command_run)


def _add_record_commands(commands: argparse._SubParsersAction) -> None:
    """misses and stats: what the bot recorded for the curator."""
    for name, handler, about in (
        ("misses", command_misses, "questions the bot could not answer, grouped and ranked"),
        ("stats", command_stats, "per entry: how often it was given, liked and disliked"),
    ):
        records = commands.add_parser(name, help=about)
        records.add_argument("--days", type=float, help="only the last N days (default: all kept)")
        records.add_argument("--json", action="store_true", help="one JSON array")
        records.add_argument(
            "--data-dir",
            action="append",
            metavar="DIR",
            help="a DATA_DIR to read (default: $DATA_DIR, else data/); repeat it to combine "
            "the records of several replicas",
        )
        records.set_defaults(handler=handler)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except BrokenPipeError:  # `python -m bot eval … | head`: the reader has seen enough
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
