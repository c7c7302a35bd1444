"""What a person sees: reply text and its choices, for the terminal and Telegram alike.

A Reply is plain data. `render_html` and `render_plain` turn it into Telegram HTML or terminal
text; choices become inline buttons in Telegram and numbered options in the terminal. Nothing
here echoes what the user typed, so a reply's length is bounded by the knowledge base alone.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from enum import StrEnum

from bot.knowledge import Entry, KnowledgeBase
from bot.matcher import Decision, Match

MAX_RELATED = 3
EXAMPLE_QUESTIONS = 3
# /topics lists this many entries a page: a phone screen of buttons.
TOPICS_PER_PAGE = 8


class Action(StrEnum):
    ANSWER = "answer"  # show an entry's answer
    SOURCE = "source"  # show the article sentence an entry rests on
    TOPICS = "topics"  # show a page of the topic list


@dataclass(frozen=True)
class Choice:
    label: str
    action: Action
    # An entry id for ANSWER and SOURCE, a page number for TOPICS.
    target: str


@dataclass(frozen=True)
class Reply:
    text: str
    title: str | None = None
    choices: tuple[Choice, ...] = ()
    # Kept for logs: what produced the reply.
    decision: Decision | None = None
    entry_id: str | None = None
    score: float | None = None


def article_details(knowledge: KnowledgeBase) -> str:
    """The byline and the original's address, from the optional top-level `author`,
    `published` and `url` of knowledge.yaml ("" when none is set)."""
    author = getattr(knowledge, "author", None)
    published = getattr(knowledge, "published", None)  # a str, or a date (ISO when printed)
    url = getattr(knowledge, "url", None)
    if author and published:
        byline = f"By {author}, published {published}."
    elif author:
        byline = f"By {author}."
    elif published:
        byline = f"Published {published}."
    else:
        byline = ""
    return "\n".join(part for part in (byline, url or "") if part)


def article_reply(knowledge: KnowledgeBase) -> Reply:
    """/article: the headline, its byline and date, and a link to the original."""
    details = article_details(knowledge)
    text = f"It covers {knowledge.description}"
    return Reply(f"{details}\n\n{text}" if details else text, knowledge.title)


def answer_reply(entry: Entry, knowledge: KnowledgeBase, *, score: float | None = None) -> Reply:
    """An entry's answer, with its Source and up to three related questions to go on with."""
    choices = [Choice("Source", Action.SOURCE, entry.id)]
    for related_id in entry.related[:MAX_RELATED]:
        related = knowledge.get(related_id)
        if related is not None:
            choices.append(Choice(related.title, Action.ANSWER, related.id))
    return Reply(entry.answer, None, tuple(choices), Decision.ANSWER, entry.id, score)


def source_reply(entry: Entry, knowledge: KnowledgeBase) -> Reply:
    """The article's own words behind an answer, so a reader can check it."""
    text = f"“{entry.source}”\n\n— {knowledge.title}"
    if details := article_details(knowledge):
        text += f"\n{details}"
    return Reply(
        text,
        f"Source: {entry.title}",
        (Choice("Back to the answer", Action.ANSWER, entry.id),),
        entry_id=entry.id,
    )


def match_reply(match: Match, knowledge: KnowledgeBase, *, brief: bool = False) -> Reply:
    """The reply to a question; `brief` for group chats, where a decline is one short line."""
    if match.decision is Decision.ANSWER and match.entry is not None:
        return answer_reply(match.entry, knowledge, score=match.score)
    choices = tuple(Choice(c.entry.title, Action.ANSWER, c.entry.id) for c in match.candidates)
    if match.decision is Decision.SUGGEST:
        return Reply(
            "Did you mean…",
            None,
            choices,
            Decision.SUGGEST,
            match.candidates[0].entry.id,
            match.score,
        )
    if brief:
        return Reply(
            "The article doesn’t say. Try /topics.", None, (), Decision.DECLINE, None, match.score
        )
    text = "Sorry, the article doesn’t cover that. Send /topics to see what it does cover"
    text += ", or try one of these:" if choices else "."
    return Reply(text, None, choices, Decision.DECLINE, None, match.score)


def inline_answer_reply(entry: Entry, knowledge: KnowledgeBase) -> Reply:
    """An answer sent into any chat through inline mode: it carries its source with it."""
    return Reply(
        f"{entry.answer}\n\nSource: “{entry.source}” ({knowledge.title})",
        entry.title,
        decision=Decision.ANSWER,
        entry_id=entry.id,
    )


def slow_down_reply(window_seconds: float) -> Reply:
    return Reply(
        f"You’re asking faster than I can read. Please wait {window_seconds:g} seconds "
        "and ask again."
    )


def gone_reply() -> Reply:
    """For a button from an older knowledge base whose entry no longer exists."""
    return Reply(
        "That topic is gone: the knowledge base has changed since this button was "
        "made. Send /topics for the current list."
    )


def start_reply(knowledge: KnowledgeBase) -> Reply:
    examples = knowledge.entries[:EXAMPLE_QUESTIONS]
    text = (
        f"I answer questions about one news article: “{knowledge.title}”.\n\n"
        f"It covers {knowledge.description}\n\n"
        "Ask me anything about it in your own words; I answer from the article only and "
        "say so when it doesn’t tell. Try one of these, or send /topics for everything I know."
    )
    if details := article_details(knowledge):
        text += f"\n\nThe article: {details}"
    return Reply(text, "Hello!", tuple(Choice(e.title, Action.ANSWER, e.id) for e in examples))


def help_reply(bot_username: str | None = None, knowledge: KnowledgeBase | None = None) -> Reply:
    name = f"@{bot_username}" if bot_username else "@<bot>"
    text = (
        "Private chat: just type a question about the article.\n"
        f"Groups: /ask <question>, mention me ({name} <question>), or reply to one of my "
        "messages. Reply to someone’s question with /ask to have me answer it. I stay quiet "
        "otherwise.\n"
        f"Any chat: type {name} <question> in the message box to pick an answer inline.\n"
        "/topics lists everything the article covers. Every answer has a Source button with "
        "the article’s own words. /article names the article and links to it."
    )
    if knowledge is not None and (details := article_details(knowledge)):
        text += f"\n\n“{knowledge.title}”. {details}"
    return Reply(text, "How to use me")


def ask_usage_reply() -> Reply:
    return Reply("Usage: /ask <question>, or reply /ask to a message with a question.")


def unknown_command_reply() -> Reply:
    return Reply("I don’t know that command. Send /help to see what I can do, or just ask.")


def not_text_reply() -> Reply:
    return Reply("I can only read text: type your question about the article.")


def topics_reply(knowledge: KnowledgeBase, page: int = 0) -> Reply:
    """One page of the topic list; out-of-range pages show the nearest real page."""
    pages = max(1, math.ceil(len(knowledge.entries) / TOPICS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = knowledge.entries[page * TOPICS_PER_PAGE : (page + 1) * TOPICS_PER_PAGE]
    choices = [Choice(entry.title, Action.ANSWER, entry.id) for entry in shown]
    if page > 0:
        choices.append(Choice("« Previous", Action.TOPICS, str(page - 1)))
    if page < pages - 1:
        choices.append(Choice("Next »", Action.TOPICS, str(page + 1)))
    text = f"What the article covers ({page + 1}/{pages}). Pick a question:"
    return Reply(text, "Topics", tuple(choices))


def render_html(reply: Reply) -> str:
    """Telegram HTML: every piece of text escaped, the title in bold."""
    body = html.escape(reply.text, quote=False)
    if reply.title:
        return f"<b>{html.escape(reply.title, quote=False)}</b>\n{body}"
    return body


def render_plain(reply: Reply) -> str:
    """Terminal text: the title, the text, and the choices numbered from 1."""
    lines = [reply.title] if reply.title else []
    lines.append(reply.text)
    lines.extend(
        f"  [{number}] {choice.label}" for number, choice in enumerate(reply.choices, start=1)
    )
    return "\n".join(lines)


def choice_reply(choice: Choice, knowledge: KnowledgeBase) -> Reply:
    """What pressing a button (or typing its number) shows; stale entry ids get gone_reply."""
    if choice.action is Action.TOPICS:
        return topics_reply(knowledge, int(choice.target) if choice.target.isdigit() else 0)
    entry = knowledge.get(choice.target)
    if entry is None:
        return gone_reply()
    if choice.action is Action.SOURCE:
        return source_reply(entry, knowledge)
    return answer_reply(entry, knowledge)
