"""The article's own details (optional url, published, author) in /article, /start, /help and
the Source reply; absent fields leave no trace."""

from __future__ import annotations

import dataclasses
import datetime as dtm

import pytest

from bot.knowledge import KnowledgeBase
from bot.matcher import Matcher
from bot.replies import article_reply, help_reply, source_reply, start_reply
from bot.telegram.services import Library
from tests.e2e import BOT, replies, running_bot
from tests.fake_bot_api import FakeBotAPI

URL = "https://example.com/news/russia-china-space"


@dataclasses.dataclass(frozen=True)
class DetailedKnowledge(KnowledgeBase):
    """Stands in for the knowledge base with its coming optional top-level fields."""

    url: str | None = None
    published: dtm.date | str | None = None
    author: str | None = None


def with_details(knowledge: KnowledgeBase, **details: object) -> DetailedKnowledge:
    fields = {f.name: getattr(knowledge, f.name) for f in dataclasses.fields(knowledge) if f.init}
    return DetailedKnowledge(**fields, **details)


@pytest.fixture
def detailed(small_knowledge: KnowledgeBase) -> DetailedKnowledge:
    return with_details(
        small_knowledge, url=URL, published=dtm.date(2022, 3, 1), author="Jane Reporter"
    )


def test_article_reply_gives_headline_byline_date_and_link(detailed):
    reply = article_reply(detailed)
    assert reply.title == "A small test article"
    assert "By Jane Reporter, published 2022-03-01." in reply.text and URL in reply.text


def test_start_help_and_source_show_the_details_when_set(detailed):
    entry = detailed.entries[0]
    for reply in (
        start_reply(detailed),
        help_reply("Bot", detailed),
        source_reply(entry, detailed),
    ):
        assert URL in reply.text and "Jane Reporter" in reply.text


def test_without_details_nothing_is_added(small_knowledge):
    assert article_reply(small_knowledge).text == f"It covers {small_knowledge.description}"
    assert "http" not in start_reply(small_knowledge).text
    assert "http" not in source_reply(small_knowledge.entries[0], small_knowledge).text
    only_date = with_details(small_knowledge, published="March 2022")
    assert article_reply(only_date).text.startswith("Published March 2022.\n\n")


async def test_article_command_in_telegram(small_knowledge_file, detailed):
    with FakeBotAPI(username=BOT) as api:
        async with running_bot(api, knowledge=small_knowledge_file) as application:
            application.bot_data["services"].library.current = Library(detailed, Matcher(detailed))
            api.private_text("/article", user_id=4242)
            [reply] = await replies(api, 4242)
    assert reply["text"].startswith("A small test article\nBy Jane Reporter")
    assert URL in reply["text"]
