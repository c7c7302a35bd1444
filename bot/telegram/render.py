"""Replies as Telegram sees them: HTML text in pieces, and inline keyboards.

Buttons carry everything needed to serve a press in `callback_data` ("a:<entry id>"), so any
replica can answer it without remembering anything, and an id that no longer exists is simply
"gone". Answers also get 👍/👎 ("f+:<entry id>", "f-:<entry id>") beside Source, and in
private chats a Share button: the deep link https://t.me/<bot>?start=<entry id>.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from bot.replies import Action, Choice, Reply
from bot.wording import LANGUAGES, say

# Telegram's limits: 4,096 characters of text a message (after entity parsing), 64 bytes of
# callback_data a button.
MESSAGE_LIMIT = MessageLimit.MAX_TEXT_LENGTH
CALLBACK_DATA_LIMIT = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
# Telegram shows at most this much of a button label; longer ones are cut with an ellipsis.
BUTTON_LABEL_LIMIT = 60

_PREFIX = {Action.ANSWER: "a", Action.SOURCE: "s", Action.TOPICS: "t"}
_ACTION = {prefix: action for action, prefix in _PREFIX.items()}
_FEEDBACK = {"f+": True, "f-": False}
_ENTRY_ID = re.compile(r"[a-z0-9_]+")
LIKE_LABEL = "👍"
DISLIKE_LABEL = "👎"


def encode_choice(choice: Choice) -> str:
    """ "a:<entry id>", with ":uk"/":ru" when the button is under a reply in that language."""
    data = f"{_PREFIX[choice.action]}:{choice.target}"
    if choice.language != "en":
        data += f":{choice.language}"
    if len(data.encode("utf-8")) > CALLBACK_DATA_LIMIT:
        raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {data!r}")
    return data


def decode_choice(data: str | None) -> Choice | None:
    """The choice a button stands for, or None for data this bot never made."""
    if not data or len(data.encode("utf-8", "replace")) > CALLBACK_DATA_LIMIT:
        return None
    prefix, _, rest = data.partition(":")
    target, _, language = rest.partition(":")
    action = _ACTION.get(prefix)
    if action is None or not target or not _ENTRY_ID.fullmatch(target):
        return None
    if language and language not in LANGUAGES:
        return None
    return Choice("", action, target, language or "en")


def render_html(reply: Reply) -> str:
    """Telegram HTML: every piece of text escaped, the title in bold."""
    body = html.escape(reply.text, quote=False)
    if reply.title:
        return f"<b>{html.escape(reply.title, quote=False)}</b>\n{body}"
    return body


def encode_feedback(entry_id: str, liked: bool) -> str:
    data = f"{'f+' if liked else 'f-'}:{entry_id}"
    if len(data.encode("utf-8")) > CALLBACK_DATA_LIMIT:
        raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {data!r}")
    return data


def decode_feedback(data: str | None) -> tuple[str, bool] | None:
    """(entry id, liked) for a 👍/👎 button, or None for any other data."""
    if not data or len(data.encode("utf-8", "replace")) > CALLBACK_DATA_LIMIT:
        return None
    prefix, _, entry_id = data.partition(":")
    if prefix not in _FEEDBACK or not _ENTRY_ID.fullmatch(entry_id):
        return None
    return entry_id, _FEEDBACK[prefix]


def is_choice_of(*actions: Action) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: the data of a button this bot made for one of
    `actions`."""

    def matches(data: object) -> bool:
        choice = decode_choice(data) if isinstance(data, str) else None
        return choice is not None and choice.action in actions

    return matches


def is_feedback(data: object) -> bool:
    """A CallbackQueryHandler pattern: the data of a 👍/👎 button."""
    return isinstance(data, str) and decode_feedback(data) is not None


def is_stale(data: object) -> bool:
    """A CallbackQueryHandler pattern: data this bot did not make (or an older version did)."""
    return not is_feedback(data) and not is_choice_of(*Action)(data)


def share_link(bot_username: str, entry_id: str) -> str:
    """The deep link that opens this answer in a private chat with the bot."""
    return f"https://t.me/{bot_username}?start={entry_id}"


def is_answer(reply: Reply) -> bool:
    """An entry's answer (whole or partial): it leads with that entry's Source button."""
    first = reply.choices[0] if reply.choices else None
    return (
        reply.entry_id is not None
        and reply.decision is not None
        and first is not None
        and first.action is Action.SOURCE
        and first.target == reply.entry_id
    )


def _label(text: str) -> str:
    return text if len(text) <= BUTTON_LABEL_LIMIT else text[: BUTTON_LABEL_LIMIT - 1] + "…"


def keyboard(reply: Reply, share_as: str | None = None) -> InlineKeyboardMarkup | None:
    """One button a row (question labels are long); paging buttons share the last row.
    An answer's Source row also holds 👍 and 👎; with `share_as` (the bot's username) a last
    row holds its Share link."""
    if not reply.choices:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    paging: list[InlineKeyboardButton] = []
    for choice in reply.choices:
        button = InlineKeyboardButton(_label(choice.label), callback_data=encode_choice(choice))
        if choice.action is Action.TOPICS:
            paging.append(button)
        else:
            rows.append([button])
    if paging:
        rows.append(paging)
    if is_answer(reply) and reply.entry_id is not None:
        rows[0] += [
            InlineKeyboardButton(LIKE_LABEL, callback_data=encode_feedback(reply.entry_id, True)),
            InlineKeyboardButton(
                DISLIKE_LABEL, callback_data=encode_feedback(reply.entry_id, False)
            ),
        ]
        if share_as:
            rows.append(
                [
                    InlineKeyboardButton(
                        say("share", reply.language), url=share_link(share_as, reply.entry_id)
                    )
                ]
            )
    return InlineKeyboardMarkup(rows)


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, else a sentence, else a word."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = window.rfind("\n\n")
        if cut < limit // 2:
            sentence_ends = [m.end() for m in re.finditer(r"[.!?…](?:\s|$)", window)]
            cut = sentence_ends[-1] if sentence_ends and sentence_ends[-1] >= limit // 2 else -1
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def html_pieces(reply: Reply) -> list[str]:
    """The reply as Telegram HTML messages, each within the limit once escaped."""
    whole = render_html(reply)
    if len(whole) <= MESSAGE_LIMIT:
        return [whole]
    pieces: list[str] = []
    for number, piece in enumerate(_pieces_within(reply.text, MESSAGE_LIMIT - 256)):
        pieces.append(render_html(Reply(piece, reply.title if number == 0 else None)))
    return pieces


def _pieces_within(text: str, limit: int) -> list[str]:
    """Split until every piece fits once HTML-escaped ("&" grows to "&amp;")."""
    pieces = []
    for piece in split_text(text, limit):
        if len(render_html(Reply(piece))) <= limit or limit < 16:
            pieces.append(piece)
        else:
            pieces.extend(_pieces_within(piece, limit // 2))
    return pieces
