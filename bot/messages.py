"""The shape of a message: its question clauses and its quoted fragments.

A long message often carries context before its question ("I read about the sanctions and got
confused. Who runs Roscosmos?"), and some messages ask two things at once ("who heads Roscosmos
and what did the US sanction?"). Both are found here, from punctuation and question words.
"""

from __future__ import annotations

import re

# Words that open a question clause: the wh-words, and the verbs that open a yes/no question.
WH_WORDS = "who|whom|whose|what|whats|what's|when|where|why|how|which"
QUESTION_OPENERS = f"{WH_WORDS}|is|are|was|were|does|do|did|can|could|will|would|has|have|should"
# Sentences end at . ! ? ; and a new line; a dash or a colon also sets context apart ("I read
# about the sanctions and got confused — who runs Roscosmos?").
_SENTENCES = re.compile(r"(?<=[?!.;:])\s+|\s+[—–-]+\s+|\n+")
# "…, and what did the US sanction", "… and who heads it", "… and tell me what…": a second
# question in one sentence.
_SECOND_QUESTION = re.compile(
    rf"\s*(?:,\s*)?\b(?:and|also|plus|&)\s+(?:(?:tell|show) me\s+)?(?=(?:{QUESTION_OPENERS})\b)"
)
_REQUEST = re.compile(
    r"^\W*(?:please\s+)?(?:name|list|tell me|explain|describe|give me|summari[sz]e|define)\b",
    re.IGNORECASE,
)
_OPENS_QUESTION = re.compile(rf"^\W*(?:@\w+\s+)?(?:{QUESTION_OPENERS})\b", re.IGNORECASE)
# A clause after a comma that asks, after a lead-in or none ("I read about it last night and
# got lost, so which firms were hit?", "Hello, I am a student, please tell me who…").
_ASKING_CLAUSE = re.compile(
    rf",\s*(?:(?:so|ok|okay|and|but|please|pls|now|then|like)\s+)*"
    rf"(?:(?:can|could) (?:you|u|ya)\s+)?(?:(?:tell|explain to|show) me\s+)?"
    rf"(?=(?:{QUESTION_OPENERS})\b)",
    re.IGNORECASE,
)
# A clause that asks after a few words of preamble ("two questions who heads Roscosmos and…").
_OPENER = re.compile(rf"\b(?:{QUESTION_OPENERS})\b", re.IGNORECASE)
MAX_PREAMBLE_WORDS = 3
# A fragment in quotes, at least this many words long, is a quotation of the article.
MIN_QUOTED_WORDS = 4
_QUOTED = re.compile(r"[\"“”«»„]([^\"“”«»„]+)[\"“”«»„]|(?<!\w)'([^']+)'(?!\w)")


def question_parts(text: str) -> list[str]:
    """The clauses of a message that ask something, in order (none when nothing asks)."""
    parts: list[str] = []
    for sentence in _SENTENCES.split(text.strip()):
        clauses = _SECOND_QUESTION.split(sentence)
        # "…which firms were hit and when": a bare question word asks more of the same
        # question, not a second one.
        if len(clauses) > 1 and not all(
            _asks(clause) and len(clause.split()) > 1 for clause in clauses[1:]
        ):
            clauses = [sentence]
        if len(clauses) > 1:
            clauses[0] = _without_preamble(clauses[0])
            # "Name the head of Roscosmos and tell me what…": beside a second question, a
            # request asks too.
            if _REQUEST.match(clauses[0]):
                clauses[0] = f"{clauses[0].rstrip('?!. ')}?"
        parts.extend(clause.strip() for clause in clauses if _asks(clause))
    return parts


def _without_preamble(clause: str) -> str:
    """The clause from its question word on, when only a few words come before it."""
    opener = _OPENER.search(clause)
    if opener and 0 < len(clause[: opener.start()].split()) <= MAX_PREAMBLE_WORDS:
        return clause[opener.start() :]
    return clause


def asking_clause(sentence: str) -> str:
    """A sentence that does not open with a question word: its last clause that does, after a
    comma; else the whole sentence."""
    if _OPENS_QUESTION.match(sentence):
        return sentence
    found = list(_ASKING_CLAUSE.finditer(sentence))
    return sentence[found[-1].end() :] if found else sentence


# Words that open a question inside a run-on message ("…and i was wondering *who* is the head
# of roscosmos"): the wh-words only, since "is"/"did" open statements as often.
_WH_WORD = re.compile(rf"\b(?:{WH_WORDS})\b", re.IGNORECASE)
# A run-on tail is tried only after this many words of preamble, and holding this many words.
MIN_RUN_ON_PREAMBLE_WORDS = 4
MIN_RUN_ON_QUESTION_WORDS = 3
MAX_RUN_ON_TRIES = 3


def run_on_questions(text: str) -> list[str]:
    """Voice typing runs the story and the question together with no punctuation: the tails
    of the message from its later wh-words, last first, that stand alone. A message that opens
    with its question has none ("what happened to the engineers *who* worked at Kourou")."""
    tails: list[str] = []
    if _OPENS_QUESTION.match(text):
        return tails
    for found in reversed(list(_WH_WORD.finditer(text))):
        tail = text[found.start() :].strip()
        if len(text[: found.start()].split()) < MIN_RUN_ON_PREAMBLE_WORDS:
            break
        if len(tail.split()) >= MIN_RUN_ON_QUESTION_WORDS and stands_alone(tail):
            tails.append(tail)
        if len(tails) == MAX_RUN_ON_TRIES:
            break
    return tails


def _asks(clause: str) -> bool:
    clause = clause.strip()
    return bool(clause) and (
        clause.endswith("?")
        or bool(_OPENS_QUESTION.match(clause))
        or bool(_ASKING_CLAUSE.search(clause))
    )


# Words that point back at the context: a question holding one cannot be read without it.
_POINTS_BACK = re.compile(
    r"\b(?:it|its|that|this|these|those|they|them|their|he|him|his|she|her|there|ці|це|той|"
    r"та|вони|їх|він|вона|його|її|там|это|этот|эти|тот|они|их|он|она|его|ее|её)\b",
    re.IGNORECASE,
)


def stands_alone(clause: str) -> bool:
    """The clause can be read without what came before it (it points back at nothing)."""
    return not _POINTS_BACK.search(clause)


def quoted_fragments(text: str) -> list[str]:
    """Quoted passages of at least MIN_QUOTED_WORDS words."""
    found = (first or second for first, second in _QUOTED.findall(text))
    return [fragment.strip() for fragment in found if len(fragment.split()) >= MIN_QUOTED_WORDS]
