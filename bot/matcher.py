"""Map a question onto the knowledge base: answer, answer in part, suggest, or decline.

The steps live in their own modules: languages.py tells the language, terms.py turns text into
stems, index.py weighs them, retrieval.py scores every candidate at once, scoring.py holds
the score formula, details.py says what a question asks for. This module is the decision policy,
one matcher per language of the knowledge base:

1. One clear winner (score at least ANSWER_MIN_SCORE, ANSWER_MARGIN ahead) is answered if it
   mentions every name of the article the question uses ("who heads the European Space
   Agency" is not answered by the entry on Roscosmos) and gives the detail asked for.
2. If the question asks for something the winner does not give (who, when, where, why, how
   many, which year, how big, a detail word like "successor" it never uses), the reply is a
   *partial* answer: "the article doesn't say …; what it says".
3. Close or middling candidates are offered as "did you mean"; the rest is declined, with the
   nearest topics.

A message with several questions gets each matched by the same rules (see `match_message`);
a quoted fragment of the article is looked up in the entries' sources; small talk and languages
the bot does not read get their own replies.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot import details, retrieval, smalltalk
from bot.index import Index
from bot.knowledge import Entry, KnowledgeBase
from bot.languages import ENGLISH, LANGUAGES, Language, detect
from bot.messages import (
    asking_clause,
    question_parts,
    quoted_fragments,
    run_on_questions,
    stands_alone,
)
from bot.terms import Term, TermReader

# --- thresholds (chosen with `python -m bot eval` on tests/questions/tune*.yaml) -------------
# An answer needs a score this high and this far ahead of the next entry.
ANSWER_MIN_SCORE = 60.0
ANSWER_MARGIN = 4.0
# A score this high answers even with a close rival: both hold nearly all of the question,
# so the first is answered and the rival offered beside it (its button under the answer).
# Chosen on the English sets; in Russian it answered the wrong one of two close entries, so
# Ukrainian and Russian keep the "did you mean" (as with LONE_ANSWER_MIN_SCORE below).
CLOSE_RIVAL_ANSWER_SCORE = {"en": 75.0}
# ...if it is ahead at all: a tie (both 100 for a bare "Roscosmos") is a coin flip, so a
# "did you mean".
CLOSE_RIVAL_MIN_LEAD = 0.5
# A lone candidate (no other within SUGGEST_SPREAD: a "did you mean" with one button) is
# answered from this score: over the English sets its button was right 3 times in 4 from 53
# on, and the near-miss checks still apply. Ukrainian and Russian keep the full bar: their
# checks lack the English ones for future actions, measures and relative clauses, and two
# Russian near misses at 59-60 would be answered.
LONE_ANSWER_MIN_SCORE = {"en": 53.0}
# ...when the entry holds all but this share of the question's known topic words.
LONE_MAX_LACKING_SHARE = 0.2
# Below the answer bar but this high: "did you mean…" with the close candidates.
SUGGEST_MIN_SCORE = 42.0
# How far below the top a candidate may be and still be offered beside it.
SUGGEST_SPREAD = 12.0
MAX_SUGGESTIONS = 3
# A declined question still offers the nearest topics when they are at least this close.
RELATED_MIN_SCORE = 30.0
# The words of the story before a question weigh this share of their weight.
CONTEXT_WEIGHT = 0.1
# Inline mode offers at most this many entries.
MAX_INLINE_OFFERS = 5
# A quoted fragment this close to part of an entry's source (rapidfuzz partial_ratio) is a
# question about that sentence.
QUOTE_MIN_SIMILARITY = 88.0


class Decision(StrEnum):
    ANSWER = "answer"
    PARTIAL = "partial"  # the best entry, introduced by what the article does not say
    SUGGEST = "suggest"
    DECLINE = "decline"
    SMALL_TALK = "small_talk"  # hello, thanks, who are you
    OTHER_LANGUAGE = "other_language"  # a language the bot does not read


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float


@dataclass(frozen=True)
class Match:
    decision: Decision
    # Ranked: the answer first (then any close rival, offered beside it); or the
    # suggestions; or, for a decline, the nearest topics.
    candidates: tuple[Candidate, ...] = ()
    # PARTIAL: what the article does not say ("which year"); SMALL_TALK: its kind.
    missing: str | None = None

    @property
    def entry(self) -> Entry | None:
        """The entry answered (in full or in part), if any."""
        if self.decision in (Decision.ANSWER, Decision.PARTIAL) and self.candidates:
            return self.candidates[0].entry
        return None

    @property
    def answered(self) -> bool:
        return self.decision is Decision.ANSWER and bool(self.candidates)

    @property
    def score(self) -> float:
        return self.candidates[0].score if self.candidates else 0.0


@dataclass(frozen=True)
class Reading:
    """What the bot made of a message: the language to reply in, and each question's match."""

    language: str
    matches: tuple[Match, ...]

    @property
    def answered(self) -> tuple[Match, ...]:
        return tuple(match for match in self.matches if match.answered)

    @property
    def answered_in_full(self) -> bool:
        """Every question of the message answered: a message answered by half is not (its
        reply still gives the half it can)."""
        return all(match.answered for match in self.matches)

    @property
    def main(self) -> Match:
        """The match that stands for the message: the first answer of a message answered in
        full, else the first question left unanswered."""
        if self.answered_in_full:
            return self.matches[0]
        return next(match for match in self.matches if not match.answered)


class Matcher:
    """One matcher per language of the knowledge base; a message is read in its language.

    `match`, `rank` and `terms` ask the English matcher (as the tests and benchmarks do);
    `read` takes any message in any language.
    """

    def __init__(
        self,
        knowledge: KnowledgeBase,
        *,
        states: Mapping[str, dict[str, Any] | None] | None = None,
    ) -> None:
        """`states`: per language, what an earlier build of the same file held (see
        bot/buildcache.py); the languages without one are built."""
        self.knowledge = knowledge
        # Sources are the article's English words whatever the language: one copy for all.
        sources = details.QuotableSources(knowledge)
        self.by_language = {
            code: LanguageMatcher(
                knowledge,
                LANGUAGES[code],
                state=(states or {}).get(code),
                sources=sources,
            )
            for code in knowledge.languages
        }
        self.english = self.by_language["en"]
        self.names = self.english.names

    def read(self, text: str, hint: str | None = None) -> Reading:
        """Detect the language (`hint`, Telegram's language_code, breaks ties), then match."""
        code = detect(text, hint)
        kind = smalltalk.kind_of(text, code)
        if kind is not None:
            return Reading(code, (Match(Decision.SMALL_TALK, missing=kind),))
        matcher = self.by_language.get(code)
        if matcher is None:
            return Reading(code, (Match(Decision.OTHER_LANGUAGE),))
        matches = matcher.match_message(text)
        if not _found_entry(matches):
            # Ukrainian and Russian share a script, and many people mix them: a message the
            # other one answers is answered, in the language it was detected as.
            for other in SHARED_SCRIPT.get(code, ()):
                if other in self.by_language:
                    tried = self.by_language[other].match_message(text)
                    if any(match.answered for match in tried):
                        return Reading(code, tried)
        return Reading(code, matches)

    def offer(self, text: str, hint: str | None = None) -> tuple[str, list[Entry]]:
        """For inline mode: the language, and the entries good enough to offer ("did you
        mean" or better), best first."""
        code = detect(text, hint)
        matcher = self.by_language.get(code, self.english)
        ranked = matcher.rank(text, limit=MAX_INLINE_OFFERS)
        return matcher.language.code, [c.entry for c in ranked if c.score >= SUGGEST_MIN_SCORE]

    def match(self, question: str) -> Match:
        return self.english.match(question)

    def match_message(self, text: str) -> tuple[Match, ...]:
        return self.english.match_message(text)

    def rank(self, question: str, limit: int = 5) -> list[Candidate]:
        return self.english.rank(question, limit)

    def terms(self, question: str) -> list[Term]:
        return self.english.terms(question)


# Languages that share a script: a message detected as one may be meant in the other.
SHARED_SCRIPT = {"uk": ("ru",), "ru": ("uk",)}


def _found_entry(matches: tuple[Match, ...]) -> bool:
    return any(match.entry is not None for match in matches)


class LanguageMatcher:
    """Built once from a knowledge base's phrasings in one language; pure, safe to share."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        language: Language = ENGLISH,
        *,
        state: dict[str, Any] | None = None,
        sources: details.QuotableSources | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.language = language
        if state is not None:
            self.reader = TermReader.restored(state["reader"], language)
            self.index = Index.restored(state["index"], self.reader)
            self.names = frozenset(state["names"])
        else:
            self.reader = TermReader(knowledge.synonyms_for(language.code), language)
            self.index = Index(knowledge, self.reader)
            self.names = details.article_names(_text_with_names(knowledge, language), self.reader)
        self._sources = details.QuotableSources(knowledge) if sources is None else sources
        self._index_of = {entry.id: number for number, entry in enumerate(knowledge.entries)}

    def state(self) -> dict[str, Any]:
        """What the build produced, as plain containers (bot/buildcache.py stores it)."""
        return {
            "reader": self.reader.state(),
            "index": self.index.state(),
            "names": self.names,
        }

    def terms(self, question: str) -> list[Term]:
        """The weighted terms of a user's question, each stem once."""
        words = self.reader.words(question)
        focus = details.focus_word(words, self.language)
        return self.index.weigh(self.reader.fold(words), focus)

    def rank(self, question: str, limit: int = 5) -> list[Candidate]:
        """At most `limit` entries, best first, scoring at least RELATED_MIN_SCORE and within
        SUGGEST_SPREAD of the best."""
        return self._rank(self.terms(question), limit)

    def _rank(self, terms: list[Term], limit: int) -> list[Candidate]:
        entries = self.knowledge.entries
        return [
            Candidate(entries[scored.entry_index], round(scored.score, 1))
            for scored in retrieval.rank(
                self.index, terms, limit, RELATED_MIN_SCORE, SUGGEST_SPREAD
            )
        ]

    def match_message(self, text: str) -> tuple[Match, ...]:
        """Every question of a message, each matched on its own; one Match for most messages.

        The clause that asks weighs more than the preamble around it: when a message has
        context before its question, the question alone is matched first, then with the story
        at CONTEXT_WEIGHT (the story's knowledge-base words in full when the question points
        back into it: "…the boss of the Russian space agency. Who is he?").
        """
        kind = smalltalk.kind_of(text, self.language.code)
        if kind is not None:
            return (Match(Decision.SMALL_TALK, missing=kind),)
        if self.language is ENGLISH and details.is_other_language(text, self.reader):
            return (Match(Decision.OTHER_LANGUAGE),)
        quoted = self._match_quote(text)
        if quoted is not None:
            return (quoted,)
        parts = question_parts(text)
        if len(parts) > 1:
            found = _distinct_parts(self._match_parts(parts))
            if any(match.entry is not None for match in found):
                return tuple(found)
        elif parts:
            # The question without the preamble before it: the last sentence, then the
            # clause after a comma that asks ("…and got lost, so which firms were hit?").
            sentence, clause = parts[0], asking_clause(parts[0])
            after_context = sentence != text.strip() and text.strip().endswith(sentence)
            story = text.strip()[: -len(sentence)] if after_context else ""
            if after_context and stands_alone(sentence):
                alone = self.match(sentence)
                if alone.entry is not None:
                    return (alone,)
                weighed = self.match(sentence, story)
                if weighed.answered:
                    return (weighed,)
                if alone.decision is Decision.SUGGEST:
                    whole = self.match(text)
                    # The story before it only adds words: its choices, unless it answers.
                    return (whole if whole.entry is not None else alone,)
            if clause != sentence and stands_alone(clause):
                alone = self.match(clause)
                if alone.answered:
                    return (alone,)
            if after_context and not stands_alone(sentence):
                # "…this thing about russia and china... who's the roscosmos boss they talk
                # about": what it points back at is in the story; read with it first.
                whole = self.match(text)
                if not whole.answered:
                    with_story = self.match(sentence, story, referents=True)
                    if with_story.answered:
                        return (with_story,)
                    alone = self.match(sentence)
                    if alone.answered:
                        return (alone,)
                return (whole,)
        whole = self.match(text)
        if not whole.answered:
            for tail in run_on_questions(text):
                alone = self.match(tail, text.rstrip()[: -len(tail)])
                if alone.answered:
                    return (alone,)
        return (whole,)

    def _match_parts(self, parts: list[str]) -> list[Match]:
        """Each question of a message, read as a person asking two things asks them.

        A part that points back ("…, and when did *it* do that?", "and where from?") and is
        not answered alone is read with the part before it: its answer may be the same entry
        (then that entry answers both) or another. A part whose answer an earlier part got
        already, beside a close rival, asks for the rival ("what did Europe refuse, and what
        did Russia refuse?").
        """
        matches: list[Match] = []
        for number, part in enumerate(parts):
            match = self.match(part)
            if number and not match.answered and self._leans_on_context(part):
                together = self.match(f"{parts[number - 1].rstrip('?!. ')} and {part}")
                if together.answered and self._holds_all(together, part):
                    match = together
                elif matches and matches[-1].answered and self._holds_all(matches[-1], part):
                    # It asks more of what the answer before it gives ("…, and why is that?")
                    # and names nothing that answer lacks: that answer stands for it.
                    continue
            given = {m.entry.id for m in matches if m.answered and m.entry}
            if match.answered and match.entry and match.entry.id in given:
                rivals = [c for c in match.candidates[1:] if c.entry.id not in given]
                if rivals:
                    match = Match(Decision.ANSWER, (rivals[0],))
            matches.append(match)
        return matches

    def _holds_all(self, match: Match, part: str) -> bool:
        """The entry answered holds every word the part asks about (the words of the part
        before it must not carry "…, and is it sunny in Paris?" to that part's answer)."""
        stems = self._stems_of(match.candidates[0].entry)
        return all(term.known and term.stem in stems for term in self._topics(self.terms(part)))

    def _leans_on_context(self, part: str) -> bool:
        """The part points back, or names no topic at all ("and where from?")."""
        topics = self._topics(self.terms(part))
        return not stands_alone(part) or not any(term.known for term in topics)

    def _topics(self, terms: list[Term]) -> list[Term]:
        """The terms that say what a question is about (not who/when/why it asks)."""
        return [term for term in terms if term.stem not in self.language.question_stems]

    def _stems_of(self, entry: Entry) -> tuple[str, ...]:
        return self.index.entry_stems[self._index_of[entry.id]]

    def match(self, question: str, context: str = "", referents: bool = False) -> Match:
        """One question: answer, partial answer, suggestions or decline. The words of its
        `context` (the story before it) count too, at CONTEXT_WEIGHT of their weight; with
        `referents` (the question points back into the story), the knowledge base's words of
        the story count in full: they name what "it" is."""
        terms = self.terms(question)
        if context:
            asked = {term.stem for term in terms}
            terms += [
                Term(
                    term.word,
                    term.stem,
                    term.weight * (1.0 if referents and term.known else CONTEXT_WEIGHT),
                    term.known,
                )
                for term in self._topics(self.terms(context))
                if term.stem not in asked
            ]
        candidates = self._rank(terms, limit=MAX_SUGGESTIONS + 1)
        if not candidates:
            return Match(Decision.DECLINE)
        best = candidates[0]
        if (
            best.score >= self._answer_bar(candidates, terms)
            and self._clear(candidates)
            and self._names_match(self._index_of[best.entry.id], terms)
        ):
            missing = self._missing_detail(question, terms, best)
            if missing is None:
                return Match(Decision.ANSWER, (best, *self._close_rivals(candidates)))
            if missing == details.ANYTHING_MORE:
                rest = self._rival_naming_the_rest(question, terms, candidates)
                if rest is not None:
                    return Match(Decision.ANSWER, (rest,))
            return Match(Decision.PARTIAL, (best,), missing)
        if best.score >= SUGGEST_MIN_SCORE:
            floor = max(SUGGEST_MIN_SCORE, best.score - SUGGEST_SPREAD)
            close = [c for c in candidates if c.score >= floor]
            return Match(Decision.SUGGEST, tuple(close[:MAX_SUGGESTIONS]))
        return Match(Decision.DECLINE, tuple(candidates[:MAX_SUGGESTIONS]))

    def _rival_naming_the_rest(
        self, question: str, terms: list[Term], candidates: list[Candidate]
    ) -> Candidate | None:
        """For "which *other* projects…" that the best entry does not cover: a close rival a
        phrasing of which asks for the others or the rest, and that lacks nothing else."""
        for rival in self._close_rivals(candidates):
            if self._names_match(self._index_of[rival.entry.id], terms) and (
                self._missing_detail(question, terms, rival) is None
            ):
                return rival
        return None

    def _missing_detail(self, question: str, terms: list[Term], candidate: Candidate) -> str | None:
        """What the question asks that the candidate's entry, with its phrasings, does not
        give (see details.missing_detail)."""
        entry_index = self._index_of[candidate.entry.id]
        phrasings = candidate.entry.text(self.language.code).questions
        return details.missing_detail(question, terms, self.index, entry_index, phrasings)

    def _answer_bar(self, candidates: list[Candidate], terms: list[Term]) -> float:
        """ANSWER_MIN_SCORE; or, where the language has one, the lower bar of a lone candidate
        that holds nearly all the question says in the knowledge base's words (what it lacks
        are words no entry uses: a paraphrase, not a question about something else too), and
        more than one of them ("the temperature on Mars" shares only "Mars"). Question words
        are left to the near-miss checks."""
        lone_bar = LONE_ANSWER_MIN_SCORE.get(self.language.code)
        if lone_bar is None or len(candidates) > 1 or candidates[0].score >= ANSWER_MIN_SCORE:
            return ANSWER_MIN_SCORE  # (a score over the full bar needs no further look)
        stems = self._stems_of(candidates[0].entry)
        topics = [term for term in self._topics(terms) if term.known]
        lacking = sum(t.weight for t in topics if t.stem not in stems)
        if lacking > LONE_MAX_LACKING_SHARE * sum(t.weight for t in topics):
            return ANSWER_MIN_SCORE
        if sum(term.stem in stems for term in topics) < 2:
            return ANSWER_MIN_SCORE
        return lone_bar

    def _clear(self, candidates: list[Candidate]) -> bool:
        """One winner: far enough ahead, or its close rival is among its related questions
        (the person is one button away from it), or it scores so high that the rival is
        offered beside its answer."""
        if len(candidates) < 2:
            return True
        best, runner_up = candidates[0], candidates[1]
        return (
            best.score - runner_up.score >= ANSWER_MARGIN
            or runner_up.entry.id in best.entry.related
            or (
                best.score >= CLOSE_RIVAL_ANSWER_SCORE.get(self.language.code, math.inf)
                and best.score - runner_up.score >= CLOSE_RIVAL_MIN_LEAD
            )
        )

    @staticmethod
    def _close_rivals(candidates: list[Candidate]) -> list[Candidate]:
        """The runners-up within ANSWER_MARGIN of an answered entry: offered beside it."""
        best = candidates[0]
        return [c for c in candidates[1:] if best.score - c.score < ANSWER_MARGIN]

    def _names_match(self, entry_index: int, terms: list[Term]) -> bool:
        """The entry mentions every article name the question uses."""
        stems = self.index.entry_stems[entry_index]
        return all(term.stem in stems for term in terms if term.stem in self.names)

    def _match_quote(self, text: str) -> Match | None:
        """A quoted fragment of the article: the entry whose source holds it."""
        for fragment in quoted_fragments(text):
            found = details.entry_quoting(fragment, self._sources.normalised, QUOTE_MIN_SIMILARITY)
            if found is not None:
                return Match(Decision.ANSWER, (Candidate(self.knowledge.entries[found], 100.0),))
        return None


def _text_with_names(knowledge: KnowledgeBase, language: Language) -> str:
    """Where the language's names are capitalised: the article, or the translated answers."""
    if language is ENGLISH:
        return knowledge.article
    return "\n".join(entry.text(language.code).answer for entry in knowledge.entries)


def _distinct_parts(matches: list[Match]) -> list[Match]:
    """Each part of a message under its own decision, one per entry: answered in full or in
    part, a "did you mean", or a decline (the reader learns the article does not say)."""
    found: dict[str | None, Match] = {}
    for match in matches:
        declined = match.decision is Decision.DECLINE or not match.candidates
        key = None if declined else match.candidates[0].entry.id
        found.setdefault(key, match)
    return list(found.values())
