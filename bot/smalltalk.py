"""Small talk: greetings, thanks, goodbyes and "who are you" are not questions about the article.

A message is small talk only when it is nothing else: "hi, who heads Roscosmos?" is a question.
"""

from __future__ import annotations

import re
import unicodedata

# Kinds of small talk, each with whole-message patterns (after lower-casing and dropping
# punctuation, emoji and a leading @mention).
_ADDRESS = r"(?:\s+(?:there|bot|buddy|mate|friend|all|everyone|guys))?"
PATTERNS = {
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
_COMPILED = {
    kind: re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
    for kind, patterns in PATTERNS.items()
}
_NOISE = re.compile(r"@\w+|[^\w\s']+")
# Small talk is short; a long message that merely starts with "thanks" is something else.
MAX_SMALL_TALK_CHARS = 80


def kind_of(text: str) -> str | None:
    """'greeting', 'thanks', 'goodbye' or 'identity' when that is all the message is."""
    if len(text) > MAX_SMALL_TALK_CHARS:
        return None
    folded = unicodedata.normalize("NFKC", text).replace("’", "'").casefold()
    folded = " ".join(_NOISE.sub(" ", folded).split())
    if not folded:
        return None
    for kind, pattern in _COMPILED.items():
        if pattern.fullmatch(folded):
            return kind
    return None
