"""The shape of a message: its question clauses and its quoted fragments.

A long message often carries context before its question ("I read about the sanctions and got
confused. Who runs Roscosmos?"), and some messages ask two things at once ("who heads Roscosmos
and what did the US sanction?"). Both are found here, from punctuation and question words.
"""

from __future__ import annotations

import re

# Words that open a question clause.
QUESTION_OPENERS = (
    "who|whom|whose|what|whats|what's|when|where|why|how|which|is|are|was|were|does|do|did"
    "|can|could|will|would|has|have|should"
)
_SENTENCES = re.compile(r"(?<=[?!.;])\s+|\n+")
# "…, and what did the US sanction", "… and who heads it": a second question in one sentence.
_SECOND_QUESTION = re.compile(rf"\s*(?:,\s*)?\b(?:and|also|plus|&)\s+(?=(?:{QUESTION_OPENERS})\b)")
_OPENS_QUESTION = re.compile(rf"^\W*(?:@\w+\s+)?(?:{QUESTION_OPENERS})\b", re.IGNORECASE)
# A fragment in quotes, at least this many words long, is a quotation of the article.
MIN_QUOTED_WORDS = 4
_QUOTED = re.compile(r"[\"“”«»„]([^\"“”«»„]+)[\"“”«»„]|(?<!\w)'([^']+)'(?!\w)")


def question_parts(text: str) -> list[str]:
    """The clauses of a message that ask something, in order (none when nothing asks)."""
    parts: list[str] = []
    for sentence in _SENTENCES.split(text.strip()):
        clauses = _SECOND_QUESTION.split(sentence)
        if len(clauses) > 1 and not all(_asks(clause) for clause in clauses[1:]):
            clauses = [sentence]
        parts.extend(clause.strip() for clause in clauses if _asks(clause))
    return parts


def _asks(clause: str) -> bool:
    clause = clause.strip()
    return bool(clause) and (clause.endswith("?") or bool(_OPENS_QUESTION.match(clause)))


def quoted_fragments(text: str) -> list[str]:
    """Quoted passages of at least MIN_QUOTED_WORDS words."""
    found = (first or second for first, second in _QUOTED.findall(text))
    return [fragment.strip() for fragment in found if len(fragment.split()) >= MIN_QUOTED_WORDS]
