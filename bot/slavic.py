"""Ukrainian and Russian as the matcher needs them: cleaning, words, stems, word frequencies.

Stems: Russian through Snowball's Russian algorithm (PyStemmer, as English); Ukrainian, which
has no Snowball algorithm, through simplemma's Ukrainian lemmas, then the same Snowball
Russian suffix rules, which fold what the lemmatiser does not know (names, rare words) into
one stem per word family. Frequencies: wordfreq's lists for each language, on the same
-log10(share of text) scale as the English rarity.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from functools import cache

import Stemmer

from bot import language as english

_russian_stemmer = Stemmer.Stemmer("russian")
_QUOTES = str.maketrans(
    {"‘": "'", "’": "'", "ʼ": "'", "`": "'", "´": "'", "“": '"', "”": '"', "„": '"', "«": '"',
     "»": '"', "–": "-", "—": "-", "ё": "е"}
)  # fmt: skip
# Words: runs of letters, with an apostrophe inside (Ukrainian "м'який", "Чан'е"), or digits.
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\d+")
_LEADING_ADDRESS = re.compile(r"^\s*(?:/[a-z_]+(?:@\w+)?|@\w+)[\s,:;!.?-]*", re.IGNORECASE)
_ANY_MENTION = re.compile(r"@\w+")

UKRAINIAN_FILLER = (
    r"\b(?:привіт|привітик|вітаю|добрий день|доброго дня|будь ласка|дякую|дякс|спасибі"
    r"|підкажіть|підкажи|скажіть|скажи|слухай|слухайте|хм+|лол|короче|типу|взагалі|просто"
    r"|цікаво|питання|а ще|ну)\b",
    r"\b(?:у|в|за|згідно з)\s+(?:цій\s+|тій\s+)?(?:статті|статтею|тексті|новині)\b",
)
RUSSIAN_FILLER = (
    r"\b(?:привет|здравствуйте|добрый день|пожалуйста|спасибо|подскажите|подскажи|скажите"
    r"|скажи|слушай|слушайте|хм+|лол|короче|типа|вообще|просто|интересно|вопрос|а ещё|ну)\b",
    r"\b(?:в|во|по|согласно)\s+(?:этой\s+|той\s+)?(?:статье|статьей|тексте|новости)\b",
)


# Chat spellings of common words, so they drop out or match like the words they stand for.
UKRAINIAN_CHAT_SPELLINGS = {
    "шо": "що",
    "скіки": "скільки",
    "скіко": "скільки",
    "чо": "що",
    "шоб": "щоб",
    "тіпа": "типу",
    "ща": "зараз",
    "щас": "зараз",
}
RUSSIAN_CHAT_SPELLINGS = {"чо": "что", "че": "что", "чё": "что", "шо": "что", "скока": "сколько",
                          "скоко": "сколько", "щас": "сейчас", "ща": "сейчас", "тока": "только",
                          "ваще": "вообще", "походу": "похоже"}  # fmt: skip


def _cleaner(patterns: tuple[str, ...], spellings: dict[str, str]) -> Callable[[str], str]:
    filler = re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
    spelling = re.compile(r"\b(?:" + "|".join(spellings) + r")\b")

    def clean(text: str) -> str:
        """Lower-cased, NFKC, straight quotes, no leading /command or @mention, chat
        spellings spelled out, filler gone."""
        text = unicodedata.normalize("NFKC", text[: english.MAX_INPUT_CHARS]).casefold()
        text = _LEADING_ADDRESS.sub(" ", text.translate(_QUOTES))
        text = spelling.sub(lambda word: spellings[word.group()], _ANY_MENTION.sub(" ", text))
        return filler.sub(" ", text)

    return clean


clean_ukrainian = _cleaner(UKRAINIAN_FILLER, UKRAINIAN_CHAT_SPELLINGS)
clean_russian = _cleaner(RUSSIAN_FILLER, RUSSIAN_CHAT_SPELLINGS)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def russian_stems(tokens: list[str]) -> list[str]:
    return _russian_stemmer.stemWords(tokens)


# The question words that name the kind of answer wanted (see Language.answer_types).
_ANSWER_TYPE_WORDS = {
    "uk": {"хто": "who", "коли": "when", "де": "where", "чому": "why", "навіщо": "why",
           "скільки": "how many"},
    "ru": {"кто": "who", "когда": "when", "где": "where", "почему": "why", "зачем": "why",
           "сколько": "how many"},
}  # fmt: skip
UKRAINIAN_QUESTION_WORDS = frozenset(_ANSWER_TYPE_WORDS["uk"])
RUSSIAN_QUESTION_WORDS = frozenset(_ANSWER_TYPE_WORDS["ru"])


@cache
def _ukrainian_stem(token: str) -> str:
    # Question words keep their own stem: simplemma reads "чому" (why) as a form of "що".
    if token in UKRAINIAN_QUESTION_WORDS or not token.isalpha():
        return _russian_stemmer.stemWord(token)
    import simplemma  # here, not at the top: an English-only knowledge base never needs it

    return _russian_stemmer.stemWord(simplemma.lemmatize(token, lang="uk").casefold())


def ukrainian_stems(tokens: list[str]) -> list[str]:
    return [_ukrainian_stem(token) for token in tokens]


@cache
def _frequencies(code: str) -> dict[str, float]:
    """Each word's share of text in the language (wordfreq's 'small' list)."""
    import wordfreq  # here, not at the top: importing it costs a tenth of a second

    return wordfreq.get_frequency_dict(code, wordlist="small")


def frequency_in(code: str) -> Callable[[str], float]:
    return lambda word: _frequencies(code).get(word, 0.0)


def rarity_in(code: str) -> Callable[[str], float | None]:
    def rarity(word: str) -> float | None:
        share = _frequencies(code).get(word)
        return -math.log10(share) if share else None

    return rarity


# About as common as the English list's REAL_WORD_MIN_COUNT: a word this frequent was typed
# on purpose, not as a typo of another.
REAL_WORD_MIN_SHARE = 3e-7


def is_real_word_in(code: str) -> Callable[[str], bool]:
    return lambda word: _frequencies(code).get(word, 0.0) >= REAL_WORD_MIN_SHARE


UKRAINIAN_STOPWORDS = frozenset(
    """
і й та а але або чи що щo як це той ця ці цей те там тут у в на з із зі зо до від для про по
при за під над між через без не ні так же ж би б є був була було були буде будуть бути мене
мені мій моя моє мої ти тебе тобі твій ви вас вам ваш ми нас нам наш він його йому вона її
їй воно вони їх їм ним ній нього неї них себе свій своя своє свої свою все всі весь вся
цього цьому цієї цих цим тим того тому ну ось от вже ще лише тільки також теж дуже може
можна треба сам сама самі який яка яке які якого якої яких якій якому щось хтось щоб бо адже
хіба саме зараз тепер тоді ото то аж чого чим нею ним якось проти щодо поміж
""".split()
)
RUSSIAN_STOPWORDS = frozenset(
    """
и й а но или ли что как это тот та те этот эта эти то там тут у в во на с со из до от для о
об про по при за под над между через без не ни так же ж бы б есть был была было были будет
будут быть меня мне мой моя мое мои ты тебя тебе твой вы вас вам ваш мы нас нам наш он его
ему она ее ей оно они их им ним ней него нее них себя свой своя свое свои свою все всё весь
вся этого этому этой этих этим тем того тому ну вот уже еще лишь только также тоже очень
может можно надо нужно сам сама сами какой какая какое какие какого каких каком какую чтобы
потому ведь разве именно сейчас теперь тогда чего чем нею против насчет среди
""".split()
)
UKRAINIAN_FRAMING = frozenset(
    """
означає значить мається увазі кажуть каже сказав сказано говорить говориться пише пишуть
написано пояснити поясни поясніть розкажи розкажіть розповісти скажи скажіть знати знаю
думаю думаєш взагалі власне реально
""".split()
)
RUSSIAN_FRAMING = frozenset(
    """
означает значит имеется виду говорят говорит сказал сказано пишут пишет написано объяснить
объясни объясните расскажи расскажите рассказать скажи скажите знать знаю думаю думаешь
вообще собственно реально
""".split()
)
UKRAINIAN_DETAIL_WORDS = frozenset(
    """
рік року роки році дата дату місяць місяця день вік розмір площа ціна вартість коштує
бюджет сума кількість відсоток зарплата населення відстань швидкість назва назву ім'я адреса
місто наступник наступника попередник попередника замінив замінить заміна звільнили
звільнений призначили призначений обрали заснований засновник народився фінансування
працівників співробітників персонал штаб-квартира розташований знаходиться завершено
завершать завершити закінчать добудують готовий результат переможець виграв виграє програв
замість виробник виробника виробники постачальник бренд виробляє виробляють називатиметься
назвуть мета ціль досліджувати досліджуватиме вивчатиме вивчати називається керує очолює
керівник директор
""".split()
)
# Month names as an answer names them ("у січні", "в январе"): see Language.given_by.
UKRAINIAN_MONTHS = tuple(
    "січні лютому березні квітні травні червні липні серпні вересні жовтні листопаді грудні "
    "січень лютий березень квітень травень червень липень серпень вересень жовтень листопад "
    "грудень".split()
)
RUSSIAN_MONTHS = tuple(
    "январе феврале марте апреле мае июне июле августе сентябре октябре ноябре декабре "
    "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь".split()
)
RUSSIAN_DETAIL_WORDS = frozenset(
    """
год года году дата дату месяц месяца день возраст размер площадь цена стоимость бюджет
сумма количество процент зарплата население расстояние скорость название имя адрес город
преемник преемника предшественник предшественника заменил заменит замена уволили уволен
назначили назначен избрали основан основатель родился финансирование сотрудников вместо
работников персонал штаб-квартира расположен находится завершено завершат завершить
закончат достроят готов результат победитель выиграл выиграет проиграл
производитель производителя производители поставщик бренд производит производят выпускает
называться назовут цель исследовать изучать изучит называется руководит возглавляет
руководитель директор
""".split()
)


def answer_types(code: str) -> dict[str, str]:
    stems = ukrainian_stems if code == "uk" else russian_stems
    table = _ANSWER_TYPE_WORDS[code]
    return {stem: table[word] for word, stem in zip(table, stems(list(table)), strict=True)}


_UKRAINIAN_LETTERS = re.compile(r"[іїєґ]|\w'\w", re.IGNORECASE)
_RUSSIAN_LETTERS = re.compile(r"[ыэъё]", re.IGNORECASE)


def ukrainian_or_russian(text: str, hint: str | None) -> str:
    """Letters only one of them has (і ї є ґ and the apostrophe; ы э ъ ё) decide; then which
    language's word list knows the words better; then the hint; then Ukrainian."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    ukrainian = len(_UKRAINIAN_LETTERS.findall(folded))
    russian = len(_RUSSIAN_LETTERS.findall(folded))
    if ukrainian != russian:
        return "uk" if ukrainian > russian else "ru"
    lean = 0.0
    for word in words(folded.translate(_QUOTES)):
        uk, ru = _frequencies("uk").get(word, 0.0), _frequencies("ru").get(word, 0.0)
        if uk or ru:
            lean += math.log10((uk or 1e-9) / (ru or 1e-9))
    if abs(lean) > 0.5:
        return "uk" if lean > 0 else "ru"
    return hint or "uk"


def is_language_neutral(text: str) -> bool:
    """Only names, numbers or acronyms, no English word ("ExoMars?", "CASC", "Luna-27")."""
    found = english.words(english.clean(text))
    return bool(found) and not any(english.is_real_word(word) for word in found)
