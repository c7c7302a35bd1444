"""The Telegram bot end to end: private chats, groups, buttons, inline mode, start-up."""

from __future__ import annotations

from bot.telegram.render import MESSAGE_LIMIT
from tests.e2e import BOT, GROUP, buttons, replies, running_bot, settled

USER = 5001


async def test_private_question_gets_an_html_answer_with_source_and_related_buttons(api):
    async with running_bot(api):
        api.private_text("who heads roscosmos?", user_id=USER)
        [answer] = await replies(api, USER)
    assert "Rogozin" in answer["text"]
    labels = [label for label, _ in buttons(answer)]
    assert labels[:3] == ["Source", "👍", "👎"]
    assert labels[-1] == "Share this answer"
    assert 1 <= len(labels) - 4 <= 3  # the related questions
    send = api.calls("sendMessage")[0].params
    assert send["parse_mode"] == "HTML"
    assert "reply_parameters" not in send  # private replies are not quoted


async def test_source_and_related_buttons_answer_from_callback_data(api):
    async with running_bot(api):
        api.private_text("who heads roscosmos?", user_id=USER)
        [answer] = await replies(api, USER)
        source_data = buttons(answer)[0][1]
        api.callback(source_data, user_id=USER, message=answer)
        source = (await replies(api, USER, 2))[1]
        assert "Dmitry Rogozin" in source["text"] and "Source:" in source["text"]
        assert api.calls("answerCallbackQuery")

        related_label, related_data = buttons(answer)[3]
        api.callback(related_data, user_id=USER, message=answer)
        related = (await replies(api, USER, 3))[2]
    assert related["text"] and related["text"] != answer["text"]
    # The related entry's answer: its Source button names the entry the pressed button did.
    assert related_label.endswith("?") and related_data.startswith("a:")
    assert buttons(related)[0] == ("Source", "s:" + related_data.removeprefix("a:"))


async def test_did_you_mean_offers_buttons_that_answer(api, small_knowledge_file):
    async with running_bot(api, knowledge=small_knowledge_file):
        api.private_text("falcon base people", user_id=USER)
        [reply] = await replies(api, USER)
        assert reply["text"].startswith("Did you mean")
        choices = buttons(reply)
        assert 1 <= len(choices) <= 3
        api.callback(choices[0][1], user_id=USER, message=reply)
        chosen = (await replies(api, USER, 2))[1]
    assert chosen["text"] not in ("", reply["text"])
    assert buttons(chosen)[0][0] == "Source"


async def test_stale_or_malformed_button_gets_a_polite_gone(api):
    async with running_bot(api):
        api.private_text("/topics", user_id=USER)
        [topics] = await replies(api, USER)
        api.callback("a:entry_removed_since", user_id=USER, message=topics)
        api.callback("\x00garbage:::", user_id=USER, message=topics)
        gone = (await replies(api, USER, 3))[1:]
    assert all("That topic is gone" in m["text"] for m in gone)
    assert len(api.calls("answerCallbackQuery")) == 2


async def test_out_of_scope_question_is_declined_with_a_pointer_to_topics(api):
    async with running_bot(api):
        api.private_text("how do I bake sourdough bread?", user_id=USER)
        [decline] = await replies(api, USER)
    assert "doesn’t cover that" in decline["text"]
    assert "/topics" in decline["text"]


async def test_start_help_and_paged_topics(api):
    async with running_bot(api):
        api.private_text("/start", user_id=USER)
        [start] = await replies(api, USER)
        assert "Russia looks to China" in start["text"]
        assert len(buttons(start)) == 3

        api.private_text("/help", user_id=USER)
        help_text = (await replies(api, USER, 2))[1]["text"]
        assert "/ask" in help_text and f"@{BOT}" in help_text and "inline" in help_text

        api.private_text("/topics", user_id=USER)
        topics = (await replies(api, USER, 3))[2]
        assert "(1/" in topics["text"]
        next_data = dict(buttons(topics))["Next »"]
        api.callback(next_data, user_id=USER, message=topics)
        await api.wait_for_async(lambda a: a.calls("editMessageText"))
    edited = api.get_message(USER, topics["message_id"])
    assert "(2/" in edited["text"]
    assert "« Previous" in dict(buttons(edited))


async def test_command_menu_is_registered_for_private_and_group_scopes(api):
    async with running_bot(api):
        await api.wait_for_async(lambda a: len(a.calls("setMyCommands")) >= 2)
    scopes = {c.params["scope"]["type"] for c in api.calls("setMyCommands")}
    assert scopes == {"all_private_chats", "all_group_chats"}


async def test_group_message_without_mention_gets_no_reply(api):
    async with running_bot(api):
        api.group_text("who heads roscosmos?", chat_id=GROUP, user_id=USER)
        api.group_text("@SomeoneElse who heads roscosmos?", chat_id=GROUP, user_id=USER)
        await settled(api)
    assert api.sent_messages(GROUP) == []


async def test_group_mention_gets_a_threaded_reply(api):
    async with running_bot(api):
        update = api.group_text(f"@{BOT} who heads roscosmos?", chat_id=GROUP, user_id=USER)
        [answer] = await replies(api, GROUP)
    assert "Rogozin" in answer["text"]
    reply_to = api.calls("sendMessage")[-1].params["reply_parameters"]
    assert reply_to["message_id"] == update["message"]["message_id"]


async def test_group_reply_in_a_forum_topic_stays_in_the_topic_and_survives_a_deleted_question(
    api,
):
    async with running_bot(api):
        api.group_text(
            f"@{BOT} who heads roscosmos?",
            chat_id=GROUP,
            user_id=USER,
            is_topic_message=True,
            message_thread_id=77,
        )
        [answer] = await replies(api, GROUP)
    assert "Rogozin" in answer["text"]
    send = api.calls("sendMessage")[-1].params
    assert send["message_thread_id"] == 77
    assert send["reply_parameters"]["allow_sending_without_reply"] is True


async def test_group_ask_with_bot_name_gets_a_reply(api):
    async with running_bot(api):
        api.group_text(f"/ask@{BOT} who heads roscosmos?", chat_id=GROUP, user_id=USER)
        [answer] = await replies(api, GROUP)
    assert "Rogozin" in answer["text"]


async def test_ask_replying_to_a_members_question_answers_that_question_under_it(api):
    async with running_bot(api):
        question = api.group_text("anyone know who heads roscosmos?", chat_id=GROUP, user_id=77)
        api.group_text("/ask", chat_id=GROUP, user_id=USER, reply_to=question["message"])
        [answer] = await replies(api, GROUP)
    assert "Rogozin" in answer["text"]
    reply_to = api.calls("sendMessage")[-1].params["reply_parameters"]
    assert reply_to["message_id"] == question["message"]["message_id"]


async def test_ask_alone_gets_a_usage_hint(api):
    async with running_bot(api):
        api.group_text("/ask", chat_id=GROUP, user_id=USER)
        [hint] = await replies(api, GROUP)
    assert hint["text"].startswith("Usage: /ask")


async def test_reply_to_the_bot_gets_a_reply(api):
    async with running_bot(api):
        api.group_text(f"@{BOT} who heads roscosmos?", chat_id=GROUP, user_id=USER)
        [first] = await replies(api, GROUP)
        api.group_text("and what did he admit?", chat_id=GROUP, user_id=USER, reply_to=first)
        second = (await replies(api, GROUP, 2))[1]
    assert second["text"] != first["text"]


async def test_group_decline_is_one_short_line(api):
    async with running_bot(api):
        api.group_text(f"@{BOT} how do I bake sourdough?", chat_id=GROUP, user_id=USER)
        [decline] = await replies(api, GROUP)
    assert "\n" not in decline["text"] and len(decline["text"]) < 60
    assert not buttons(decline)


async def test_messages_from_other_bots_get_nothing(api):
    async with running_bot(api):
        api.group_text(f"@{BOT} who heads roscosmos?", chat_id=GROUP, user_id=8080, is_bot=True)
        api.group_text(f"/ask@{BOT} who heads roscosmos?", chat_id=GROUP, user_id=8080, is_bot=True)
        api.message(chat_id=8081, user_id=8081, is_bot=True, text="who heads roscosmos")
        await settled(api)
    assert api.sent_messages(GROUP) == [] and api.sent_messages(8081) == []


async def test_inline_query_gets_ranked_answers_with_their_source(api):
    async with running_bot(api):
        api.inline_query("who heads roscosmos", user_id=USER)
        await api.wait_for_async(lambda a: a.calls("answerInlineQuery"))
    params = api.calls("answerInlineQuery")[0].params
    results = params["results"]
    assert 1 <= len(results) <= 5
    assert results[0]["id"] == "roscosmos_head"
    assert "Rogozin" in results[0]["input_message_content"]["message_text"]
    assert "Source:" in results[0]["input_message_content"]["message_text"]
    assert results[0]["input_message_content"]["parse_mode"] == "HTML"  # the bold title
    assert params["cache_time"] > 0


async def test_empty_inline_query_lists_topics(api):
    async with running_bot(api):
        api.inline_query("", user_id=USER)
        await api.wait_for_async(lambda a: a.calls("answerInlineQuery"))
    results = api.calls("answerInlineQuery")[0].params["results"]
    assert len(results) > 5
    assert len({r["id"] for r in results}) == len(results)


async def test_inline_query_without_match_offers_a_private_chat(api):
    async with running_bot(api):
        api.inline_query("best pizza in naples", user_id=USER)
        await api.wait_for_async(lambda a: a.calls("answerInlineQuery"))
    params = api.calls("answerInlineQuery")[0].params
    [result] = params["results"]
    assert result["title"] == "Not in the article"
    assert params["button"]["start_parameter"]


async def test_five_thousand_character_question_gets_one_reply_within_limits(api):
    async with running_bot(api):
        api.private_text("who heads roscosmos? " * 240, user_id=USER)
        [reply] = await replies(api, USER)
        await api.wait_idle_async(quiet=0.2)
    assert len(api.sent_messages(USER)) == 1
    assert len(reply["text"]) <= MESSAGE_LIMIT


async def test_sticker_gets_a_one_line_hint(api):
    async with running_bot(api):
        api.sticker(user_id=USER)
        [hint] = await replies(api, USER)
    assert hint["text"] == "I can only read text: type your question about the article."
