"""Small talk: greetings, thanks, goodbyes and "who are you" are not questions about the article.

A message is small talk only when it is nothing else: "hi, who heads Roscosmos?" is a question.
"""

from __future__ import annotations

import re
import unicodedata

# Kinds of small talk, each with whole-message patterns (after lower-casing and dropping
# punctuation, emoji and a leading @mention).
_ADDRESS = r"(?:\s+(?:there|bot|buddy|mate|friend|all|everyone|guys))?"
ENGLISH = {
    "greeting": (
        r"(?:hi|hello|hey|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening|day)|sup"
        r"|what'?s up|wassup)" + _ADDRESS + r"(?:\s+how are you(?: doing)?)?",
        r"how are you(?: doing)?" + _ADDRESS,
    ),
    "thanks": (
        r"(?:thanks|thank you|thank u|thx|ty|tysm|cheers|much appreciated|appreciate it)"
        r"(?:\s+(?:a lot|so much|very much))?" + _ADDRESS + r"(?:\s*!*)?",
        r"(?:great|cool|nice|awesome|perfect|ok|okay|got it|good|excellent|wow|makes sense)"
        r"(?:\s+(?:thanks|thank you|thx))?" + _ADDRESS,
    ),
    "goodbye": (
        r"(?:bye|goodbye|good bye|see (?:you|ya)(?: later)?|good night|later|cya|ciao)" + _ADDRESS,
    ),
    "identity": (
        r"(?:who|what) (?:are|r) (?:you|u)" + _ADDRESS,
        r"are you (?:a )?(?:bot|robot|human|real|person|ai)",
        r"what (?:can|do) you do",
        r"what is this bot|what'?s this bot|what is this|how does this (?:bot )?work",
        r"(?:who|what) (?:made|built|created) you",
    ),
}
UKRAINIAN = {
    "greeting": (
        r"(?:привіт|привітик|вітаю|здоров|здрастуйте|добрий (?:день|ранок|вечір)|доброго (?:дня"
        r"|ранку|вечора)|хай|салют)(?:\s+(?:боте|бот|всім))?(?:\s+як справи)?",
        r"як справи",
    ),
    "thanks": (
        r"(?:дякую|дяки|дякс|спасибі|щиро дякую|дуже дякую)(?:\s+(?:тобі|вам|боте|бот))?",
        r"(?:супер|клас|круто|чудово|добре|зрозумів|зрозуміла|ок|окей|ясно)(?:\s+дякую)?",
    ),
    "goodbye": (r"(?:бувай|бувайте|до побачення|па|на все добре|до зустрічі|добраніч)",),
    "identity": (
        r"(?:хто|що) (?:ти|ви)(?: взагалі)?(?: такий| така| таке)?",
        r"(?:ти|ви)(?: взагалі)? (?:хто|що)(?: взагалі)?(?: такий| така| таке)?",
        r"ти (?:бот|людина|робот)",
        r"що (?:ти )?(?:вмієш|можеш)",
    ),
}
RUSSIAN = {
    "greeting": (
        r"(?:привет|приветик|здравствуйте|здравствуй|здорово|добрый (?:день|вечер)|доброе утро"
        r"|хай|салют)(?:\s+(?:бот|всем))?(?:\s+как дела)?",
        r"как дела",
    ),
    "thanks": (
        r"(?:спасибо|спс|благодарю|большое спасибо)(?:\s+(?:тебе|вам|бот))?",
        r"(?:супер|класс|круто|отлично|хорошо|понял|поняла|ок|окей|ясно)(?:\s+спасибо)?",
    ),
    "goodbye": (r"(?:пока|до свидания|всего доброго|до встречи|спокойной ночи)",),
    "identity": (
        r"(?:кто|что) (?:ты|вы)(?: вообще| ваще)?(?: такой| такая| такое)?",
        r"(?:ты|вы)(?: вообще| ваще)? (?:кто|что)(?: вообще| ваще)?(?: такой| такая| такое)?",
        r"ты (?:бот|человек|робот)",
        r"что (?:ты )?(?:умеешь|можешь)",
    ),
}
PATTERNS = {"en": ENGLISH, "uk": UKRAINIAN, "ru": RUSSIAN}
_COMPILED = {
    code: {
        kind: re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
        for kind, patterns in by_kind.items()
    }
    for code, by_kind in PATTERNS.items()
}
_NOISE = re.compile(r"@\w+|[^\w\s']+")
# A word that may open small talk without changing it ("а ты кто?", "so who are you?").
_OPENING_PARTICLES = {
    "en": frozenset({"so", "and", "but"}),
    "uk": frozenset({"а", "і", "ну", "так"}),
    "ru": frozenset({"а", "и", "ну", "так"}),
}
# Small talk is short; a long message that merely starts with "thanks" is something else.
MAX_SMALL_TALK_CHARS = 80


def kind_of(text: str, language: str = "en") -> str | None:
    """'greeting', 'thanks', 'goodbye' or 'identity' when that is all the message is."""
    if len(text) > MAX_SMALL_TALK_CHARS:
        return None
    folded = unicodedata.normalize("NFKC", text).replace("’", "'").casefold()
    folded = " ".join(_NOISE.sub(" ", folded).split())
    first, _, rest = folded.partition(" ")
    if rest and first in _OPENING_PARTICLES.get(language, frozenset()):
        folded = rest
    if not folded:
        return None
    for kind, pattern in _COMPILED.get(language, _COMPILED["en"]).items():
        if pattern.fullmatch(folded):
            return kind
    return None
