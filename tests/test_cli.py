"""The command line: ask (text and JSON), chat, eval, and their exit codes."""

from __future__ import annotations

import json
import os

from tests.support import run_cli

JSON_KEYS = [
    "question",
    "language",
    "decision",
    "matched",
    "id",
    "score",
    "answer",
    "source",
    "reply",
    "suggestions",
]


def test_ask_prints_the_answer_and_its_buttons(small_knowledge_file):
    result = run_cli("--knowledge", str(small_knowledge_file), "ask", "who built the falcon?")
    assert result.returncode == 0
    assert "The Acme company built the Falcon rocket." in result.stdout
    assert "[1] Source" in result.stdout
    assert "[2] Who is the chief engineer?" in result.stdout


def test_ask_json_keeps_its_shape_for_answers_and_declines(small_knowledge_file):
    result = run_cli(
        "--knowledge",
        str(small_knowledge_file),
        "ask",
        "--json",
        "who built the falcon rocket",
        "tell me a joke",
    )
    assert result.returncode == 0
    answer, decline = (json.loads(line) for line in result.stdout.splitlines())
    assert list(answer) == JSON_KEYS and list(decline) == JSON_KEYS
    assert answer["decision"] == "answer" and answer["matched"] is True
    assert answer["id"] == "rocket_builder"
    assert answer["answer"] == "The Acme company built the Falcon rocket."
    assert answer["source"] == "The Falcon rocket was built by the Acme company."
    assert decline["decision"] == "decline" and decline["matched"] is False
    assert decline["answer"] is None and decline["source"] is None
    assert isinstance(decline["score"], float)


def test_ask_json_reads_questions_from_stdin_in_order(small_knowledge_file):
    questions = ["moon base crew size", "falcon base people", "", "🤔"]
    result = run_cli(
        "--knowledge", str(small_knowledge_file), "ask", "--json", stdin="\n".join(questions) + "\n"
    )
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in records] == questions
    assert records[0]["id"] == "base_crew"
    suggest = records[1]
    assert suggest["decision"] == "suggest" and suggest["matched"] is False
    assert suggest["suggestions"][0] == {
        "id": "rocket_builder",
        "question": "Who built the Falcon rocket?",
        "score": suggest["suggestions"][0]["score"],
    }
    assert records[2]["decision"] == "decline"


def test_ask_json_counts_a_message_answered_by_half_as_not_answered(small_knowledge_file):
    result = run_cli(
        "--knowledge",
        str(small_knowledge_file),
        "ask",
        "--json",
        "Who built the Falcon rocket, and is it sunny in Paris?",
    )
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["matched"] is False and record["answer"] is None
    assert record["decision"] == "decline"  # the part left unanswered
    assert "The Acme company built the Falcon rocket." in record["reply"]  # the half it can
    assert record["source"] == "The Falcon rocket was built by the Acme company."
    assert record["parts"] == [
        {"decision": "answer", "id": "rocket_builder"},
        {"decision": "decline", "id": None},
    ]


def test_knowledge_path_comes_from_the_environment_too(small_knowledge_file):
    env = {**os.environ, "KNOWLEDGE_PATH": str(small_knowledge_file)}
    result = run_cli("check", env=env)
    assert result.stdout.strip() == "ok: 4 entries"


def test_chat_answers_and_numbers_press_buttons(small_knowledge_file):
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = run_cli(
        "--knowledge",
        str(small_knowledge_file),
        "chat",
        env=env,
        stdin="who built the falcon rocket\n1\n2\n/topics\n/quit\n",
    )
    assert result.returncode == 0
    out = result.stdout
    assert "The Acme company built the Falcon rocket." in out
    assert "“The Falcon rocket was built by the Acme company.”" in out  # [1] Source
    # The Source reply has one button: "2" presses none of the earlier answer's, it is a question.
    assert "Jane Smith is the chief engineer." not in out
    assert "the article doesn’t cover that" in out
    assert "What the article covers (1/1)" in out


def test_default_command_without_token_starts_the_terminal_chat_with_a_hint(small_knowledge_file):
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = run_cli("--knowledge", str(small_knowledge_file), env=env, stdin="falcon maker\n")
    assert result.returncode == 0
    assert "No TELEGRAM_BOT_TOKEN is set" in result.stdout
    assert "@BotFather" in result.stdout
    assert "The Acme company built the Falcon rocket." in result.stdout


def test_eval_scores_a_question_set_and_lists_failures(small_knowledge_file, tmp_path):
    questions = tmp_path / "questions.yaml"
    questions.write_text(
        "items:\n"
        '  - q: "falcon rocket maker?"\n    kind: keyword\n    expect: [["Acme"]]\n'
        '  - q: "who built the falcon rocket"\n    kind: paraphrase\n    expect: [["Boeing"]]\n'
        '  - q: "tell me a joke"\n    kind: out_of_scope_far\n',
        encoding="utf-8",
    )
    result = run_cli("--knowledge", str(small_knowledge_file), "eval", str(questions))
    assert result.returncode == 0
    strict = run_cli(
        "--knowledge", str(small_knowledge_file), "eval", "--require-bar", str(questions)
    )
    assert strict.returncode == 1  # 1 of 2 in scope is below the 95 % bar
    assert "in-scope answered correctly:  1/2" in result.stdout
    assert "out-of-scope not answered:    1/1" in result.stdout
    assert "wrong answers:                1/3" in result.stdout
    assert "[wrong] (paraphrase) 'who built the falcon rocket'" in result.stdout
