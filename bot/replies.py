"""What a person sees: reply text and its choices, for the terminal and Telegram alike.

A Reply is plain data, in the language of the message it answers. `render_plain` turns it into
terminal text (Telegram's HTML is the telegram package's job); choices become inline buttons in
Telegram and numbered options in the terminal. Nothing here echoes what the user typed, so a
reply's length is bounded by the knowledge base alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from bot.knowledge import Entry, KnowledgeBase
from bot.matcher import Decision, Match, Reading
from bot.wording import say

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
    # The language of the reply the button is under: pressing it keeps that language.
    language: str = "en"


@dataclass(frozen=True)
class Reply:
    text: str
    title: str | None = None
    choices: tuple[Choice, ...] = ()
    # Kept for logs: what produced the reply.
    decision: Decision | None = None
    entry_id: str | None = None
    score: float | None = None
    language: str = "en"


def article_details(knowledge: KnowledgeBase, language: str = "en") -> str:
    """The byline and the original's address, from the optional top-level `author`,
    `published` and `url` of knowledge.yaml ("" when none is set)."""
    author, published, url = knowledge.author, knowledge.published, knowledge.url
    if author and published:
        byline = say("byline_both", language, author=author, published=published)
    elif author:
        byline = say("byline_author", language, author=author)
    elif published:
        byline = say("byline_published", language, published=published)
    else:
        byline = ""
    return "\n".join(part for part in (byline, url) if part)


def article_reply(knowledge: KnowledgeBase, language: str = "en") -> Reply:
    """/article: the headline, its byline and date, and a link to the original."""
    details = article_details(knowledge, language)
    text = say("covers", language, description=knowledge.description_in(language))
    return Reply(
        f"{details}\n\n{text}" if details else text, knowledge.title_in(language), language=language
    )


def _title(entry: Entry, language: str) -> str:
    return entry.text(language).title


def answer_reply(
    entry: Entry,
    knowledge: KnowledgeBase,
    *,
    score: float | None = None,
    language: str = "en",
    rivals: tuple[str, ...] = (),
) -> Reply:
    """An entry's answer, with its Source and up to three questions to go on with: any close
    rival the question fitted nearly as well, then the entry's related questions."""
    choices = [Choice(say("source", language), Action.SOURCE, entry.id, language)]
    for related_id in list(dict.fromkeys((*rivals, *entry.related)))[:MAX_RELATED]:
        related = knowledge.get(related_id)
        if related is not None:
            choices.append(Choice(_title(related, language), Action.ANSWER, related.id, language))
    text = entry.text(language).answer
    return Reply(text, None, tuple(choices), Decision.ANSWER, entry.id, score, language)


def source_reply(entry: Entry, knowledge: KnowledgeBase, language: str = "en") -> Reply:
    """The article's own words behind an answer (English, labelled as the original)."""
    text = say("original", language, source=entry.source, title=knowledge.title)
    if details := article_details(knowledge, language):
        text += f"\n{details}"
    return Reply(
        text,
        say("source_of", language, title=_title(entry, language)),
        (Choice(say("back", language), Action.ANSWER, entry.id, language),),
        entry_id=entry.id,
        language=language,
    )


def match_reply(
    match: Match, knowledge: KnowledgeBase, *, brief: bool = False, language: str = "en"
) -> Reply:
    """The reply to a question; `brief` for group chats, where a decline is one short line."""
    entry = match.entry
    if match.decision is Decision.ANSWER and entry is not None:
        rivals = tuple(c.entry.id for c in match.candidates[1:])
        return answer_reply(entry, knowledge, score=match.score, language=language, rivals=rivals)
    if match.decision is Decision.PARTIAL and entry is not None:
        return partial_reply(entry, match.missing or "", knowledge, match.score, language)
    if match.decision is Decision.SMALL_TALK:
        return small_talk_reply(match.missing or "greeting", knowledge, language)
    if match.decision is Decision.OTHER_LANGUAGE:
        return Reply(say("other_language", language), decision=match.decision, language=language)
    choices = tuple(
        Choice(_title(c.entry, language), Action.ANSWER, c.entry.id, language)
        for c in match.candidates
    )
    if match.decision is Decision.SUGGEST:
        top = match.candidates[0].entry.id
        text = say("did_you_mean", language)
        return Reply(text, None, choices, Decision.SUGGEST, top, match.score, language)
    if brief:
        text = say("decline_brief", language)
        return Reply(text, None, (), Decision.DECLINE, None, match.score, language)
    text = say("decline", language) + (say("decline_try", language) if choices else ".")
    return Reply(text, None, choices, Decision.DECLINE, None, match.score, language)


def message_reply(reading: Reading, knowledge: KnowledgeBase, *, brief: bool = False) -> Reply:
    """The reply to a whole message: one question's reply, or every part of a message that
    asks several things, one after another, each with its Source button."""
    language = reading.language
    if len(reading.matches) == 1:
        return match_reply(reading.matches[0], knowledge, brief=brief, language=language)
    replies = [match_reply(m, knowledge, brief=True, language=language) for m in reading.matches]
    # Each answered part's Source, and each "did you mean" part's choices.
    choices = tuple(
        choice
        for match, reply in zip(reading.matches, replies, strict=True)
        for choice in (
            (Choice(say("source_of", language, title=_title(match.entry, language)),
                    Action.SOURCE, match.entry.id, language),)
            if match.entry is not None
            else reply.choices if match.decision is Decision.SUGGEST else ()
        )
    )  # fmt: skip
    first = next((reply for reply in replies if reply.entry_id), replies[0])
    text = "\n\n".join(reply.text for reply in replies)
    return Reply(text, None, choices, first.decision, first.entry_id, first.score, language)


def partial_reply(
    entry: Entry, missing: str, knowledge: KnowledgeBase, score: float | None, language: str
) -> Reply:
    """A near miss: what the article does not say, then what it does say, with its Source."""
    if missing.startswith("‘"):
        unsaid = say("unsaid_about", language, missing=missing)
    else:
        kind = f"missing_{missing}"
        unsaid = say("unsaid", language, missing=say(kind, language) if kind in _KINDS else missing)
    answer = answer_reply(entry, knowledge, score=score, language=language)
    text = f"{unsaid} {say('what_it_says', language, answer=answer.text)}"
    return Reply(text, None, answer.choices, Decision.PARTIAL, entry.id, score, language)


_KINDS = {f"missing_{kind}" for kind in ("who", "when", "where", "why", "how many")}


def small_talk_reply(kind: str, knowledge: KnowledgeBase, language: str = "en") -> Reply:
    """One short friendly line for hello, thanks, goodbye and "who are you"."""
    if kind not in ("greeting", "thanks", "goodbye", "identity"):
        kind = "greeting"
    text = say(kind, language, title=knowledge.title_in(language))
    return Reply(text, decision=Decision.SMALL_TALK, language=language)


def inline_answer_reply(entry: Entry, knowledge: KnowledgeBase, language: str = "en") -> Reply:
    """An answer sent into any chat through inline mode: it carries its source with it."""
    source = say("inline_source", language, source=entry.source, title=knowledge.title)
    text = f"{entry.text(language).answer}\n\n{source}"
    return Reply(text, _title(entry, language), decision=Decision.ANSWER, entry_id=entry.id,
                 language=language)  # fmt: skip


def slow_down_reply(window_seconds: float, language: str = "en") -> Reply:
    return Reply(say("slow_down", language, seconds=f"{window_seconds:g}"), language=language)


def gone_reply(language: str = "en") -> Reply:
    """For a button from an older knowledge base whose entry no longer exists."""
    return Reply(say("gone", language), language=language)


def start_reply(knowledge: KnowledgeBase, language: str = "en") -> Reply:
    examples = knowledge.entries[:EXAMPLE_QUESTIONS]
    text = say(
        "start",
        language,
        title=knowledge.title_in(language),
        description=knowledge.description_in(language),
    )
    if details := article_details(knowledge, language):
        text += f"\n\n{say('the_article', language)}: {details}"
    choices = tuple(Choice(_title(e, language), Action.ANSWER, e.id, language) for e in examples)
    return Reply(text, say("start_title", language), choices, language=language)


def help_reply(
    bot_username: str | None = None,
    language: str = "en",
    *,
    knowledge: KnowledgeBase | None = None,
) -> Reply:
    name = f"@{bot_username}" if bot_username else "@<bot>"
    text = say("help", language, name=name)
    if knowledge is not None and (details := article_details(knowledge, language)):
        text += f"\n\n“{knowledge.title_in(language)}”. {details}"
    return Reply(text, say("help_title", language), language=language)


def ask_usage_reply(language: str = "en") -> Reply:
    return Reply(say("ask_usage", language), language=language)


def unknown_command_reply(language: str = "en") -> Reply:
    return Reply(say("unknown_command", language), language=language)


def not_text_reply(language: str = "en") -> Reply:
    return Reply(say("not_text", language), language=language)


def topics_reply(knowledge: KnowledgeBase, page: int = 0, language: str = "en") -> Reply:
    """One page of the topic list; out-of-range pages show the nearest real page."""
    pages = max(1, math.ceil(len(knowledge.entries) / TOPICS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = knowledge.entries[page * TOPICS_PER_PAGE : (page + 1) * TOPICS_PER_PAGE]
    choices = [Choice(_title(e, language), Action.ANSWER, e.id, language) for e in shown]
    if page > 0:
        choices.append(Choice(say("previous", language), Action.TOPICS, str(page - 1), language))
    if page < pages - 1:
        choices.append(Choice(say("next", language), Action.TOPICS, str(page + 1), language))
    text = say("topics", language, page=page + 1, pages=pages)
    return Reply(text, say("topics_title", language), tuple(choices), language=language)


def render_plain(reply: Reply) -> str:
    """Terminal text: the title, the text, and the choices numbered from 1."""
    lines = [reply.title] if reply.title else []
    lines.append(reply.text)
    lines.extend(
        f"  [{number}] {choice.label}" for number, choice in enumerate(reply.choices, start=1)
    )
    return "\n".join(lines)


def choice_reply(choice: Choice, knowledge: KnowledgeBase) -> Reply:
    """What pressing a button (or typing its number) shows, in the button's language; stale
    entry ids get gone_reply."""
    language = choice.language
    if choice.action is Action.TOPICS:
        page = int(choice.target) if choice.target.isdigit() else 0
        return topics_reply(knowledge, page, language)
    entry = knowledge.get(choice.target)
    if entry is None:
        return gone_reply(language)
    if choice.action is Action.SOURCE:
        return source_reply(entry, knowledge, language)
    return answer_reply(entry, knowledge, language=language)
