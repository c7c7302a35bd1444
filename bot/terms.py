"""Text to terms: a message becomes the stems the index looks up.

A message is cleaned (see Language.clean) and split into words; each word the knowledge base
does not know is aligned to its nearest knowledge-base word when it looks like a typo
(rapidfuzz, optimal string alignment); words are Snowball-stemmed and folded through the
curator's synonym groups. Function words drop out; question words (who, when, where, why, how
many) stay, because they say what kind of answer is wanted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from bot.languages import Language

# A word the knowledge base does not know, and that is not itself a real English word, is read
# as a typo of the nearest known word within this many edits (optimal string alignment: a
# swap of neighbours is one edit): one from four letters on, two from seven (as search engines
# allow: "agresor" is "aggressor").
TYPO_MIN_LENGTH = 4
TYPO_TWO_EDITS_LENGTH = 7
# Three-letter words only when two neighbouring letters are swapped ("cna") or one letter is
# left out ("hed").
TYPO_SWAP_LENGTH = 3
ALIGNMENTS_KEPT = 4096
# Words at least this rare in English are names (see Language.rarity): 'Roscosmos', 'Kourou'
# (unknown), 'Ukraine' (5.0) are; 'Space' (3.8), 'Agency' (4.4) are not. Split words are
# joined only into a name ("exo mars"), not a common word two words happen to spell ("comp
# any" is not "company").
NAME_MIN_RARITY = 4.5


@dataclass(frozen=True)
class Term:
    """One informative unit of a question: a stem (or a synonym group's canonical stem)."""

    word: str
    stem: str
    weight: float = 0.0
    known: bool = True


class TermReader:
    """Reads knowledge-base texts (recording their words) and questions (aligning typos).

    Built in two steps: `read_known` and `learn_words` over every knowledge-base text, then
    `learn_stems` with the stems the index weighs; only then are questions read.
    """

    def __init__(self, synonym_groups: tuple[tuple[str, ...], ...], language: Language) -> None:
        self.language = language
        self._synonyms = synonym_table(synonym_groups, language)
        self._longest_phrase = max((len(phrase) for phrase in self._synonyms), default=1)
        # The first two stems of every synonym phrase: where one can start.
        self._phrase_starts = frozenset(phrase[:2] for phrase in self._synonyms if len(phrase) > 1)
        self._single_synonyms = {
            phrase[0]: canonical for phrase, canonical in self._synonyms.items() if len(phrase) == 1
        }
        self._vocabulary = {
            word for group in synonym_groups for phrase in group for word in phrase.split()
        }
        self._known_words: frozenset[str] = frozenset()
        self._alignable: list[str] = []
        self._known_stems: frozenset[str] = frozenset()
        # A message's unknown words are aligned twice (the other-language check, then its
        # terms), and typos recur: the latest alignments are kept.
        self._aligned: dict[str, str] = {}

    def state(self) -> dict[str, Any]:
        """Everything but the language and the kept alignments, as plain containers."""
        return {k: v for k, v in vars(self).items() if k not in ("language", "_aligned")}

    @classmethod
    def restored(cls, state: dict[str, Any], language: Language) -> TermReader:
        reader = cls.__new__(cls)
        vars(reader).update(state)
        reader.language = language
        reader._aligned = {}
        return reader

    def read_known(self, text: str) -> list[tuple[str, str]]:
        """A knowledge-base text's (word, stem) pairs, no typo alignment (the curator's words
        are right). Pure, so that texts can be read in another process: the words are
        recorded by `learn_words`."""
        return self._folded(self.language.words(self.language.clean(text)))

    def learn_words(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Record a knowledge-base text's words (those of its phrases too), for typos to
        align to."""
        self._vocabulary.update(word for spelled, _ in pairs for word in spelled.split())

    def learn_stems(self, known_stems: Iterable[str]) -> None:
        """Finish building: the words typos align to, and the stems the index knows."""
        vocabulary = sorted(
            word for word in self._vocabulary if word not in self.language.stopwords
        )
        self._known_words = frozenset(vocabulary)
        # Typos of function and framing words ("wich", "happend") align too, and then drop
        # out or weigh little as those words do.
        language = self.language
        framing = language.stopwords | language.question_words | language.framing_words
        self._alignable = sorted(
            set(vocabulary) | {word for word in framing if len(word) >= TYPO_SWAP_LENGTH}
        )
        # A word with a known word's stem is a form of it, not a typo ("ponying" of the
        # synonym "pony up", "helped" of "help"), even where synonyms folded the stem away.
        self._known_stems = frozenset(known_stems) | frozenset(language.stems(vocabulary))

    def words(self, question: str) -> list[str]:
        """A question's words, typos aligned to knowledge-base words."""
        return self._without_speakers(
            [
                self._align_typo(word)
                for word in self._joined(self.language.words(self.language.clean(question)))
            ]
        )

    def _without_speakers(self, words: list[str]) -> list[str]:
        """Drops "jake says (that)": the claim's speaker, a word no entry uses, and its verb
        (a name the knowledge base knows, "Rogozin said…", stays: the claim is about it)."""
        verbs = self.language.claim_verbs
        if not verbs or not any(word in verbs for word in words):
            return words
        kept: list[str] = []
        position = 0
        while position < len(words):
            following = words[position + 1] if position + 1 < len(words) else ""
            if following in verbs and words[position].isalpha() and not self.knows(words[position]):
                position += 2
                if position < len(words) and words[position] == "that":
                    position += 1
                continue
            kept.append(words[position])
            position += 1
        return kept

    def _joined(self, words: list[str]) -> list[str]:
        """Voice typing splits names: "exo mars", "micro chips". Two neighbours, one of them
        unknown to the knowledge base, that together are a rare knowledge-base word (or one
        edit from it) are read as that word."""
        stopwords = self.language.stopwords
        joined: list[str] = []
        position = 0
        while position < len(words):
            word = words[position]
            following = words[position + 1] if position + 1 < len(words) else ""
            if (
                following
                and word.isalpha()
                and following.isalpha()
                and word not in stopwords
                and following not in stopwords
                and not (self.knows(word) and self.knows(following))
            ):
                together = self._align_typo(word + following)
                rarity = self.language.rarity(together)
                if (
                    together in self._known_words
                    and OSA.distance(word + following, together) <= 1
                    and (rarity is None or rarity >= NAME_MIN_RARITY)
                ):
                    joined.append(together)
                    position += 2
                    continue
            joined.append(word)
            position += 1
        return joined

    def fold(self, words: list[str]) -> list[Term]:
        """Stem the words, replace synonym phrases by their canonical stem, drop stopwords."""
        return [Term(word, stem) for word, stem in self._folded(words)]

    def _folded(self, words: list[str]) -> list[tuple[str, str]]:
        """fold's (word, stem) pairs: plain tuples, as the knowledge base's texts need.
        Only where a synonym phrase may start is the text walked; the runs between are
        folded a word at a time (100,000 entries' texts are read this way)."""
        stemmed = self.language.stems(words)
        starts = self._phrase_starts
        found = [n for n, pair in enumerate(pairwise(stemmed)) if pair in starts]
        if not found:
            return self._single_words(words, stemmed)
        folded: list[tuple[str, str]] = []
        position = 0
        for start in found:
            if start < position:
                continue  # inside a phrase folded already
            length, canonical = self._phrase_at(stemmed, start)
            if canonical is not None:
                folded += self._single_words(words[position:start], stemmed[position:start])
                folded.append((" ".join(words[start : start + length]), canonical))
                position = start + length
        folded += self._single_words(words[position:], stemmed[position:])
        return folded

    def _phrase_at(self, stemmed: list[str], start: int) -> tuple[int, str | None]:
        """The longest synonym phrase of two words or more at `start`: its length and
        canonical stem, or (0, None)."""
        for length in range(min(self._longest_phrase, len(stemmed) - start), 1, -1):
            canonical = self._synonyms.get(tuple(stemmed[start : start + length]))
            if canonical is not None:
                return length, canonical
        return 0, None

    def _single_words(self, words: list[str], stemmed: list[str]) -> list[tuple[str, str]]:
        """Each word's pair: a one-word synonym's canonical stem, else its own, stopwords out."""
        singles, stopwords = self._single_synonyms, self.language.stopwords
        return [
            (word, singles.get(stem, stem))
            for word, stem in zip(words, stemmed, strict=True)
            if stem in singles or word not in stopwords
        ]

    def knows(self, word: str) -> bool:
        return word in self._known_words

    def knows_all(self, words: list[str]) -> bool:
        """Every word is the knowledge base's, or a typo of one."""
        return all(self._align_typo(word) in self._known_words for word in words)

    def _align_typo(self, word: str) -> str:
        """The knowledge-base word this one is a typo of, or the word itself."""
        aligned = self._aligned.get(word)
        if aligned is None:
            if len(self._aligned) >= ALIGNMENTS_KEPT:
                self._aligned.clear()
            aligned = self._aligned[word] = self._nearest_known(word)
        return aligned

    def _nearest_known(self, word: str) -> str:
        language = self.language
        if word in self._known_words:
            return word
        for clipped, full in language.clipped_endings:
            restored = word[: -len(clipped)] + full
            if word.endswith(clipped) and language.stem(restored) in self._known_stems:
                return restored
        if (
            word in language.stopwords
            or len(word) < TYPO_SWAP_LENGTH
            or word.isdigit()
            or language.is_real_word(word)
            or language.stem(word) in self._known_stems
        ):
            return word
        if len(word) < TYPO_MIN_LENGTH:
            return self._align_short_typo(word)
        # Two edits only for words no dictionary knows: "presides" is not "besides".
        edits = 2 if len(word) >= TYPO_TWO_EDITS_LENGTH and not self.language.rarity(word) else 1
        nearest = process.extract(
            word, self._alignable, scorer=OSA.distance, score_cutoff=edits, limit=8
        )
        for known, _, _ in sorted(nearest, key=lambda found: found[1]):
            # A known word plus an ending ("spacex" from "space") is another word, not a
            # typo; a doubled last letter ("admitt") is.
            extra = word[len(known) :] if word.startswith(known) else ""
            if not extra or set(extra) == {known[-1]}:
                return known
        return word

    def _align_short_typo(self, word: str) -> str:
        """Three letters: only a swap of neighbours ("cna") or one letter left out ("hed")."""
        for known in self._alignable:
            if (
                len(known) == len(word)
                and sorted(known) == sorted(word)
                and OSA.distance(word, known) == 1
            ):
                return known
        longer = [
            known
            for known in self._alignable
            if len(known) == len(word) + 1 and Indel.distance(word, known) == 1
        ]
        return max(longer, key=self.language.frequency, default=word)


def synonym_table(
    groups: tuple[tuple[str, ...], ...], language: Language
) -> dict[tuple[str, ...], str]:
    """Each synonym phrase, as a tuple of stems, to its group's canonical stem(s)."""

    def stems(text: str) -> list[str]:
        return language.stems(language.words(language.clean(text)))

    # A one-word synonym that stems like a function word ("чого" is a form of "що", what)
    # would fold every such function word into its group: those are left out.
    function_stems = frozenset(language.stems(sorted(language.stopwords)))
    table: dict[tuple[str, ...], str] = {}
    for group in groups:
        canonical = " ".join(stems(group[0]))
        for phrase in group:
            phrase_stems = tuple(stems(phrase))
            if phrase_stems and not (len(phrase_stems) == 1 and phrase_stems[0] in function_stems):
                table.setdefault(phrase_stems, canonical)
    return table
