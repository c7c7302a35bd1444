"""The article's own details (optional url, published, author) in /article, /start, /help and
the Source reply; absent fields leave no trace."""

from __future__ import annotations

import dataclasses

import pytest

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matcher import Matcher
from bot.replies import article_reply, help_reply, source_reply, start_reply
from bot.telegram.services import Library
from tests.e2e import BOT, replies, running_bot
from tests.fake_bot_api import FakeBotAPI
from tests.support import SMALL_KNOWLEDGE

URL = "https://example.com/news/russia-china-space"


@pytest.fixture
def detailed(tmp_path) -> KnowledgeBase:
    """The small knowledge base with the optional top-level details set in its file."""
    path = tmp_path / "knowledge.yaml"
    details = f'url: "{URL}"\npublished: "2022-03-01"\nauthor: "Jane Reporter"\n'
    path.write_text(details + SMALL_KNOWLEDGE, encoding="utf-8")
    return load_knowledge(path)


def test_article_reply_gives_headline_byline_date_and_link(detailed):
    reply = article_reply(detailed)
    assert reply.title == "A small test article"
    assert "By Jane Reporter, published 2022-03-01." in reply.text and URL in reply.text


def test_start_help_and_source_show_the_details_when_set(detailed):
    entry = detailed.entries[0]
    for reply in (
        start_reply(detailed),
        help_reply("Bot", knowledge=detailed),
        source_reply(entry, detailed),
    ):
        assert URL in reply.text and "Jane Reporter" in reply.text


def test_without_details_nothing_is_added(small_knowledge):
    assert article_reply(small_knowledge).text == f"It covers {small_knowledge.description}"
    assert "http" not in start_reply(small_knowledge).text
    assert "http" not in source_reply(small_knowledge.entries[0], small_knowledge).text
    only_date = dataclasses.replace(small_knowledge, published="March 2022")
    assert article_reply(only_date).text.startswith("Published March 2022.\n\n")


async def test_article_command_in_telegram(small_knowledge_file, detailed):
    with FakeBotAPI(username=BOT) as api:
        async with running_bot(api, knowledge=small_knowledge_file) as application:
            application.bot_data["services"].library.current = Library(detailed, Matcher(detailed))
            api.private_text("/article", user_id=4242)
            [reply] = await replies(api, 4242)
    assert reply["text"].startswith("A small test article\nBy Jane Reporter")
    assert URL in reply["text"]
