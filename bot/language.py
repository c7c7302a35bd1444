"""The English the matcher needs: cleaning messages, words, stems, and how common a word is.

Everything here is general English, not tuned to any question set: function words, chat filler,
Snowball stems (PyStemmer; irregular forms read as their lemmas first, see english_forms.py),
and word frequencies from the English list that ships with symspellpy (82,765 words counted in
a large corpus), which tell a real but rare word ("weather", "rover") from a typo ("staton")
and a common word ("doing") from an informative one ("scheduled").
"""

from __future__ import annotations

import importlib.util
import math
import re
import unicodedata
from functools import cache
from pathlib import Path

import Stemmer

from bot.english_forms import irregular_forms

# Function words carry no topic; question words are kept (see QUESTION_WORDS) because
# "who", "when", "where" and "how many" say what kind of answer is wanted.
STOPWORDS = frozenset(
    """
a an the this that these those it its itself is are was were be been being am do does did
doing done of in on at to for with by from about as into onto over under than then so such
and or but if because while whether there here i me my mine myself you your yours we us our
ours he him his she her they them their theirs one ones what which whom whose how can could
would should will shall may might must has have having had get got gets just also too very
really any some all each every other another more most much many only own same s t ll re ve
d m y o u ur ya thing things anything something stuff like kind sort bit lot else even still
yet ever totally completely absolutely entirely fully utterly quite pretty super simply merely
definitely certainly surely probably maybe perhaps since apart among amongst concerning
despite although though unless until upon via whereas within throughout towards whole entire
toward
""".split()
)


QUESTION_WORDS = frozenset({"who", "when", "where", "why"})
# Month names as answers use them (see Language.given_by); not "may" and "march", which are
# more often a verb than a month.
MONTHS = tuple(
    "january february april june july august september october november december".split()
)
# Years as answers give them: "in recent years" gives no year.
YEARS = tuple(str(year) for year in range(1900, 2100))

# Words that frame a question rather than say what it is about ("what does X mean", "who do
# they keep mentioning"): when the knowledge base does not use them, they weigh little.
FRAMING_WORDS = frozenset(
    """
mean means meant meaning refer refers referring referred mention mentions mentioned
mentioning say says said saying talk talks talking talked know knows knew explain explains
explained describe describes described tell tells told keep keeps kept happen happens
happened happening go goes going gone went actually basically exactly literally gonna wanna
gotta think thinks thought guess wonder wondering question questions answer answers ask asks
asked asking word words term terms sentence sentences paragraph briefly brief plain couple put
line lines two three four five six seven eight nine ten example examples instance instances
characterise characterised characterize characterized portray portrays portrayed depict depicts
depicted
""".split()
)

# Chat noise that says nothing about the question: greetings, politeness, hedges, and phrases
# about the article itself (every question is about the article).
FILLER_PATTERNS = (
    # First: "hey"/"ok" alone are greetings and chat, but not before a voice assistant's name.
    r"\b(?:hey|ok|okay)\s+(?:google|siri|alexa)\b|\bno wait\b",
    r"\b(?:hey|hi|hello|yo|hiya|howdy|greetings|dear)\b(?:\s+(?:there|bot|buddy|mate))?",
    r"\b(?:can|could|would|will)\s+(?:you|u|ya)\s+(?:please\s+|pls\s+|plz\s+)?"
    r"(?:tell|explain|say|remind|show)\s+(?:me|us)\b",
    r"\b(?:please|pls|plz|thanks|thank you|thx|ty)\b",
    r"\b(?:quick|simple|stupid|dumb|random|one more|another)\s+question\b",
    r"\b(?:do|does)\s+(?:you|u)\s+know\b",
    r"\b(?:(?:do|does|can|could)\s+)?(?:any\s*one|any\s*body|some\s*one|some\s*body)\s+"
    r"(?:know|knows|tell me|explain)\b",
    r"\bi\s+(?:want|wanna|would like|'d like|need)\s+to\s+know\b",
    r"\bi\s+(?:wonder|was wondering|am wondering)\b",
    r"\b(?:tell|explain to|remind|give|show)\s+(?:me|us)\b",
    r"\b(?:lol|lmao|rofl|haha+|hmm+|um+|uh+|erm|btw|tbh|imo|imho|idk|ngl|fr|rn|omg|ok|okay"
    r"|k|pls|plz|bruh|bro|bros|fam|mate|smth|sth|dude|man|guys|folks|wait|oh|ah|huh|nah|yeah"
    r"|yep|welp|anyway|anyways"
    r"|honestly|seriously|real talk)\b",
    r"\bafter all (?:this|that)\b|\bat least\b",
    # "what might China end up selling": what it will sell.
    r"\b(?:end|ends|ended|ending) up\b",
    # "who runs Roscosmos these days": now, not a question of days.
    r"\b(?:these days|nowadays)\b",
    r"\bin (?:short|brief|a nutshell)\b",
    r"\bi\s+(?:do not|don't|dont|can not|cannot)\s+(?:understand|get)(?:\s+(?:it|this|fully))?\b",
    r"\bwhat does (?:the|this) (?:article|piece|text|story) say\b",
    r"\b(?:just\s+)?(?:tell me\s+)?yes or no\b",
    r"\beli5\b|\blike i'?m (?:5|five)\b",
    r"\b(?:that'?s|thats|sounds|so)\s+(?:wild|crazy|insane|nuts|cool|interesting|weird|wow)\b"
    r"|\bwow\b",
    # A claim to check: "my friend says X, is that true?" asks X.
    r"\b(?:my|a)\s+(?:friend|mate|buddy|dad|mom|mum|teacher|brother|sister|colleague|coworker"
    r"|uncle|aunt|boss|neighbou?r|husband|wife|son|daughter|cousin|grand(?:pa|ma|father|mother)"
    r"|classmate|roommate|girlfriend|boyfriend|professor)s?\s+"
    r"(?:says?|said|told me|claims?|thinks?|reckons?)(?:\s+that)?\b",
    r"\b(?:is|was)\s+(?:that|this|it)\s+(?:true|right|correct|so)\b|\bis\s+true\b",
    r"\b(?:is|am|are)\s+(?:he|she|i|they|we|you|u)\s+right\b|\bwho\s+is\s+right\b"
    r"|\b(?:right|true|correct)\s*\?+\s*$",
    r"\b(?:according to|as per|per|in|from|by|does|did|do)\s+(?:the|this|that)\s+"
    r"(?:article|piece|story|text|news piece|report)"
    r"(?:\s+(?:say|says|said|mention|mentions|claim|claims|agree|agrees|confirm|confirms))?\b",
    r"\bthe\s+(?:article|piece|story|text|author)\s+"
    r"(?:says|said|mentions|claims|reports|gives|lists|names|describes)\b",
    # Last: "according to the article" is read whole by the pattern above.
    r"\baccording to\b",
)
_FILLER = re.compile("|".join(f"(?:{pattern})" for pattern in FILLER_PATTERNS))
# "Name the Chinese missions…", "List the…": a request, not a question about a name. (Its own
# pattern: anchored at the start, inside _FILLER it made every text's cleaning slower.)
_REQUEST_OPENING = re.compile(
    r"^\s*(?:please\s+)?(?:name|list)\s+(?=(?:the|all|both|two|three|some|a|an)\b)"
)

_LEADING_ADDRESS = re.compile(r"^\s*(?:/[a-z_]+(?:@\w+)?|@\w+)[\s,:;!.?-]*", re.IGNORECASE)
_ANY_MENTION = re.compile(r"@\w+")
_QUOTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "ʼ": "'",
        "`": "'",
        "´": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
    }
)
# The quotes that are ASCII ("`"): other texts in ASCII need no straightening.
_ASCII_QUOTES = tuple(chr(code) for code in _QUOTES if code < 128)
# (what a text must contain for the pattern to match, pattern, replacement): the test in
# `str` skips most patterns for most texts, which matters when 100,000 entries are read.
_CONTRACTIONS = (
    (("can",), re.compile(r"\b(?:can't|cant|cannot)\b"), "can not"),
    (("won",), re.compile(r"\b(?:won't|wont)\b"), "will not"),
    (
        ("nt", "n't"),
        re.compile(r"\b(do|does|did|is|are|was|were|has|have|had|should|would|could)(?:n't|nt)\b"),
        r"\1 not",
    ),
    (("n't",), re.compile(r"n't\b"), " not"),
    (("'",), re.compile(r"'(?:s|re|ll|ve|d|m)\b"), ""),
)
_QUANTITY = re.compile(r"\bhow\s+(?:much|many)\b")
# "the bit on Europe" is a part of the article ("a bit" stays a stopword).
_THE_BIT = re.compile(r"\b(?:the|that|this) bit (?=(?:on|about|where|with|of|in)\b)")
# "what's the deal with the moon missions": what about them; "a big deal" is important (a
# "deal" is otherwise an agreement).
_WHAT_ABOUT = re.compile(r"\bwhat(?: is)? the deal(?: (?:with|between|about|on)\b)?")
_BIG_DEAL = re.compile(r"\b(?:a |such a |so )?big deal\b")
# "calls the whole cooperation into question" says it is doubtful: "call" here names nothing
# (as in "what does the article call Russia?").
_INTO_QUESTION = re.compile(
    r"\b(?:call|calls|called|calling|put|puts|putting)\s+((?:[\w'-]+\s+){0,6}?)into\s+question\b"
)
# "its *chief* partner", "the *top* reason": the main one, not a head of anything ("chief
# engineer" is a title and stays).
_CHIEF_ONE = re.compile(
    r"\b(?:chief|top|leading|number one)\s+(?=(?:partner|ally|allie|friend|reason|problem"
    r"|concern|goal|aim|hope|source|supplier|rival|point|issue|worry|obstacle|target)s?\b)"
)
# "sees China as its partner": considers China its partner (the synonym group's "see as" holds
# only when nothing stands between the words).
_SEE_AS = re.compile(
    r"\b(?:see|sees|saw|seeing|view|views|viewed|viewing|regard|regards|regarded|regarding"
    r"|treat|treats|treated|treating)\s+((?:[\w'-]+\s+){1,4}?)as\b"
)
# "some guy called Rogozin", "a place named Kourou": the name is what is spoken of ("called"
# asks for a name only in a question: "what is it called?").
_SOMEONE_CALLED = re.compile(
    r"\b(?:some|a|an|this|that)\s+(?:guy|man|dude|person|bloke|woman|lady|thing|company|place"
    r"|mission|agency|project|rocket)\s+(?:called|named)\b"
)
# Chat spellings of common words, so they drop out or match like the words they stand for.
CHAT_SPELLINGS = {
    "outta": "out of",
    "kinda": "kind of",
    "sorta": "sort of",
    "lemme": "let me",
    "gimme": "give me",
    "dunno": "do not know",
    "aint": "is not",
    "ain't": "is not",
    "wat": "what",
    "wut": "what",
    "wot": "what",
    "whats": "what",
    "u": "you",
    "ur": "your",
    "r": "are",
    "y": "why",
    "cuz": "because",
    "coz": "because",
    "bc": "because",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "tho": "though",
    "abt": "about",
    "bout": "about",
    "govt": "government",
    "whos": "who",
    "wheres": "where",
    "whens": "when",
    "hows": "how",
    "thx": "thanks",
    "pls": "please",
    "plz": "please",
    "w": "with",
    # Misspellings typo alignment leaves: two edits in a short word, or a real word ("dose").
    "hapend": "happened",
    "happend": "happened",
    "hapened": "happened",
    "wich": "which",
    "dose": "does",
    "becuz": "because",
    "probly": "probably",
    "prolly": "probably",
    "prob": "probably",
}
_CHAT_SPELLING = re.compile(r"\b(?:" + "|".join(CHAT_SPELLINGS) + r")\b")
# Words are runs of letters, or runs of digits ("luna27" -> luna, 27).
_WORD = re.compile(r"[^\W\d_]+|\d+")

# Longest message worth reading: Telegram's own message limit. Longer input is cut, so a
# 10,000-character paste costs no more than a long question.
MAX_INPUT_CHARS = 4096


# Before lower-casing, a capitalised "US"/"U.S." is the country, not the pronoun "us".
_COUNTRY_US = re.compile(r"\bU\.?S\.?(?:A\.?)?(?![\w.])")
_TLDR = re.compile(r"\btl\s*[;:,.]?\s*dr\b")


def clean(text: str) -> str:
    """Lower-cased, NFKC, straight quotes, without a leading /command or @mention, filler gone."""
    text = unicodedata.normalize("NFKC", text[:MAX_INPUT_CHARS])
    if not text.isascii() or any(quote in text for quote in _ASCII_QUOTES):
        text = text.translate(_QUOTES)
    if "U" in text:
        text = _COUNTRY_US.sub(" usa ", text)
    text = text.casefold()
    if "tl" in text:
        text = _TLDR.sub(" tldr ", text)
    if "@" in text or text.lstrip()[:1] == "/":
        text = _ANY_MENTION.sub(" ", _LEADING_ADDRESS.sub(" ", text))
    for needles, pattern, replacement in _CONTRACTIONS:
        for needle in needles:
            if needle in text:
                text = pattern.sub(replacement, text)
                break
    text = _CHAT_SPELLING.sub(lambda word: CHAT_SPELLINGS[word.group()], text)
    if "how" in text:
        text = _QUANTITY.sub(" quantity ", text)
    if "bit" in text:
        text = _THE_BIT.sub("the part ", text)
    if "deal" in text:
        text = _BIG_DEAL.sub(" important", _WHAT_ABOUT.sub("what about ", text))
    if any(word in text for word in ("chief", "top", "leading", "number one")):
        text = _CHIEF_ONE.sub("main ", text)
    if "called" in text or "named" in text:
        text = _SOMEONE_CALLED.sub(" ", text)
    if " as" in text:
        text = _SEE_AS.sub(r"considers \1", text)
    if "question" in text:
        text = _INTO_QUESTION.sub(r"makes \1doubtful", text)
    if text.lstrip().startswith(("name", "list", "please")):
        text = _REQUEST_OPENING.sub(" ", text)
    return _FILLER.sub(" ", text)


def words(text: str) -> list[str]:
    """The words of an already-cleaned text, in order."""
    return _WORD.findall(text)


_stemmer = Stemmer.Stemmer("english")


def stems(tokens: list[str]) -> list[str]:
    """Snowball stems, irregular forms read as their lemmas first ("built" as "build")."""
    return _stemmer.stemWords(list(map(irregular_forms().get, tokens, tokens)))  # get(t, t), in C


def _frequency_list_path() -> Path | None:
    """Locate symspellpy's word list without importing symspellpy (which imports more)."""
    spec = importlib.util.find_spec("symspellpy")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "frequency_dictionary_en_82_765.txt"
    return path if path.exists() else None


# The list's rarest entries (counts near 12,700) include misspellings and fragments ("chian");
# a word this frequent is a real word that someone typed on purpose.
REAL_WORD_MIN_COUNT = 200_000


@cache
def english_frequencies() -> dict[str, int]:
    path = _frequency_list_path()
    if path is None:
        return {}
    frequencies: dict[str, int] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            word, _, count = line.partition(" ")
            frequencies[word] = int(count)
    return frequencies


@cache
def _total_count() -> int:
    return sum(english_frequencies().values()) or 1


def is_real_word(token: str) -> bool:
    return english_frequencies().get(token, 0) >= REAL_WORD_MIN_COUNT


def rarity(token: str) -> float | None:
    """-log10 of the word's share of English text: 'the' ~1.3, 'doing' ~3.4, 'rover' ~4.8."""
    count = english_frequencies().get(token)
    if not count:
        return None
    return -math.log10(count / _total_count())


# How informative a word is in general English, from its rarity: 'up' (2.7) -> 0.7,
# 'doing' (3.4) -> 1.4, 'weather' (3.7) -> 1.7, 'rover' (4.8) -> 2.8; words the list does not
# know (names like "Roscosmos", numbers) count as the rarest.
RARITY_OFFSET = 2.0
MIN_INFORMATIVENESS, MAX_INFORMATIVENESS = 0.2, 3.0
# Unknown words of one or two letters ("u", "rn") are chat noise more often than names.
SHORT_WORD_INFORMATIVENESS = 0.3
# Framing words say little about what is asked.
FRAMING_INFORMATIVENESS = 0.3
