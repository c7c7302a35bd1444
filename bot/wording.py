"""Everything the bot says in its own words, in each language it reads.

One table, so a translator finds every text in one place and a test can check that every text
exists in every language. Answers themselves come from the knowledge base.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "source": {"en": "Source", "uk": "Джерело", "ru": "Источник"},
    "source_of": {"en": "Source: {title}", "uk": "Джерело: {title}", "ru": "Источник: {title}"},
    "original": {
        "en": "“{source}”\n\n— {title}",
        "uk": "Оригінал статті (англійською):\n“{source}”\n\n— {title}",
        "ru": "Оригинал статьи (на английском):\n“{source}”\n\n— {title}",
    },
    "back": {"en": "Back to the answer", "uk": "Назад до відповіді", "ru": "Назад к ответу"},
    "did_you_mean": {"en": "Did you mean…", "uk": "Можливо, ви мали на увазі…",
                     "ru": "Возможно, вы имели в виду…"},
    "decline_brief": {"en": "The article doesn’t say. Try /topics.",
                      "uk": "У статті про це не сказано. Спробуйте /topics.",
                      "ru": "В статье об этом не сказано. Попробуйте /topics."},
    "decline": {
        "en": "Sorry, the article doesn’t cover that. Send /topics to see what it does cover",
        "uk": "На жаль, у статті про це не йдеться. Надішліть /topics, щоб побачити, про що вона",
        "ru": "К сожалению, в статье об этом не говорится. Отправьте /topics, чтобы увидеть, "
        "о чём она",
    },
    "decline_try": {"en": ", or try one of these:", "uk": " або спробуйте одне з цих питань:",
                    "ru": " или попробуйте один из этих вопросов:"},
    "unsaid_about": {"en": "The article doesn’t say anything about {missing}.",
                     "uk": "У статті нічого не сказано про {missing}.",
                     "ru": "В статье ничего не сказано о {missing}."},
    "unsaid": {"en": "The article doesn’t say {missing}.", "uk": "У статті не сказано {missing}.",
               "ru": "В статье не сказано {missing}."},
    "what_it_says": {"en": "What it says: {answer}", "uk": "Що в ній сказано: {answer}",
                     "ru": "Что в ней сказано: {answer}"},
    "missing_who": {"en": "who", "uk": "хто", "ru": "кто"},
    "missing_when": {"en": "when", "uk": "коли", "ru": "когда"},
    "missing_where": {"en": "where", "uk": "де", "ru": "где"},
    "missing_why": {"en": "why", "uk": "чому", "ru": "почему"},
    "missing_how many": {"en": "how many", "uk": "скільки", "ru": "сколько"},
    "other_language": {
        "en": "Sorry, I read only English, Ukrainian and Russian. Please ask in one of them, or "
        "send /topics to see what the article covers.",
        "uk": "Вибачте, я читаю лише англійською, українською та російською. Поставте питання "
        "однією з них або надішліть /topics.",
        "ru": "Извините, я читаю только по-английски, по-украински и по-русски. Задайте вопрос "
        "на одном из них или отправьте /topics.",
    },
    "greeting": {
        "en": "Hello! Ask me anything about the article, or send /topics to see what it covers.",
        "uk": "Привіт! Питайте що завгодно про статтю або надішліть /topics, щоб побачити, про "
        "що вона.",
        "ru": "Привет! Спрашивайте что угодно о статье или отправьте /topics, чтобы увидеть, о "
        "чём она.",
    },
    "thanks": {"en": "You’re welcome! Ask another question any time, or send /topics.",
               "uk": "Будь ласка! Питайте ще будь-коли або надішліть /topics.",
               "ru": "Пожалуйста! Спрашивайте ещё в любое время или отправьте /topics."},
    "goodbye": {"en": "Goodbye! Come back any time with a question about the article.",
                "uk": "До побачення! Повертайтеся з питаннями про статтю будь-коли.",
                "ru": "До свидания! Возвращайтесь с вопросами о статье в любое время."},
    "identity": {
        "en": "I’m a bot that answers questions about one article, “{title}”, from the article "
        "only. Send /topics to see what it covers.",
        "uk": "Я бот, який відповідає на питання про одну статтю, «{title}», лише за її змістом. "
        "Надішліть /topics, щоб побачити, про що вона.",
        "ru": "Я бот, который отвечает на вопросы об одной статье, «{title}», только по её "
        "содержанию. Отправьте /topics, чтобы увидеть, о чём она.",
    },
    "slow_down": {
        "en": "You’re asking faster than I can read. Please wait {seconds} seconds and ask again.",
        "uk": "Ви питаєте швидше, ніж я встигаю читати. Зачекайте {seconds} с і спитайте знову.",
        "ru": "Вы спрашиваете быстрее, чем я успеваю читать. Подождите {seconds} с и спросите "
        "снова.",
    },
    "gone": {
        "en": "That topic is gone: the knowledge base has changed since this button was made. "
        "Send /topics for the current list.",
        "uk": "Цієї теми вже немає: база знань змінилася відтоді, як з’явилася ця кнопка. "
        "Надішліть /topics, щоб побачити поточний список.",
        "ru": "Этой темы больше нет: база знаний изменилась с тех пор, как появилась эта кнопка. "
        "Отправьте /topics, чтобы увидеть текущий список.",
    },
    "start_title": {"en": "Hello!", "uk": "Вітаю!", "ru": "Здравствуйте!"},
    "start": {
        "en": "I answer questions about one news article: “{title}”.\n\nIt covers {description}"
        "\n\nAsk me anything about it in your own words, in English, Ukrainian or Russian; I "
        "answer from the article only and say so when it doesn’t tell. Try one of these, or "
        "send /topics for everything I know.",
        "uk": "Я відповідаю на питання про одну статтю: «{title}».\n\nУ ній ідеться про "
        "{description}\n\nПитайте своїми словами українською, російською чи англійською; я "
        "відповідаю лише за статтею і кажу, коли в ній про це немає. Спробуйте одне з цих "
        "питань або надішліть /topics.",
        "ru": "Я отвечаю на вопросы об одной статье: «{title}».\n\nВ ней говорится о "
        "{description}\n\nСпрашивайте своими словами по-русски, по-украински или по-английски; "
        "я отвечаю только по статье и говорю, когда в ней об этом нет. Попробуйте один из этих "
        "вопросов или отправьте /topics.",
    },
    "help_title": {"en": "How to use me", "uk": "Як мною користуватися",
                   "ru": "Как мной пользоваться"},
    "help": {
        "en": "Private chat: just type a question about the article, in English, Ukrainian or "
        "Russian.\nGroups: /ask <question>, mention me ({name} <question>), or reply to one of "
        "my messages. Reply to someone’s question with /ask to have me answer it. I stay quiet "
        "otherwise.\nAny chat: type {name} <question> in the message box to pick an answer "
        "inline.\n/topics lists everything the article covers. Every answer has a Source "
        "button with the article’s own words. /article names the article and links to it.",
        "uk": "Особистий чат: просто напишіть питання про статтю українською, російською чи "
        "англійською.\nГрупи: /ask <питання>, згадайте мене ({name} <питання>) або дайте "
        "відповідь на моє повідомлення. Відповідь /ask на чуже питання — і я відповім на нього. "
        "Інакше я мовчу.\nБудь-який чат: наберіть {name} <питання> у полі повідомлення, щоб "
        "вибрати відповідь.\n/topics — усе, про що йдеться в статті. Кожна відповідь має "
        "кнопку «Джерело» зі словами самої статті. /article — назва статті й посилання.",
        "ru": "Личный чат: просто напишите вопрос о статье по-русски, по-украински или "
        "по-английски.\nГруппы: /ask <вопрос>, упомяните меня ({name} <вопрос>) или ответьте "
        "на моё сообщение. Ответьте /ask на чужой вопрос — и я отвечу на него. Иначе я "
        "молчу.\nЛюбой чат: наберите {name} <вопрос> в поле сообщения, чтобы выбрать ответ."
        "\n/topics — всё, о чём говорится в статье. У каждого ответа есть кнопка «Источник» "
        "со словами самой статьи. /article — название статьи и ссылка.",
    },
    "ask_usage": {"en": "Usage: /ask <question>, or reply /ask to a message with a question.",
                  "uk": "Як: /ask <питання> або відповідь /ask на повідомлення з питанням.",
                  "ru": "Как: /ask <вопрос> или ответ /ask на сообщение с вопросом."},
    "unknown_command": {
        "en": "I don’t know that command. Send /help to see what I can do, or just ask.",
        "uk": "Я не знаю такої команди. Надішліть /help, щоб побачити, що я вмію, або просто "
        "спитайте.",
        "ru": "Я не знаю такой команды. Отправьте /help, чтобы увидеть, что я умею, или просто "
        "спросите.",
    },
    "not_text": {"en": "I can only read text: type your question about the article.",
                 "uk": "Я читаю лише текст: напишіть своє питання про статтю.",
                 "ru": "Я читаю только текст: напишите свой вопрос о статье."},
    "topics_title": {"en": "Topics", "uk": "Теми", "ru": "Темы"},
    "topics": {"en": "What the article covers ({page}/{pages}). Pick a question:",
               "uk": "Про що стаття ({page}/{pages}). Оберіть питання:",
               "ru": "О чём статья ({page}/{pages}). Выберите вопрос:"},
    "previous": {"en": "« Previous", "uk": "« Назад", "ru": "« Назад"},
    "next": {"en": "Next »", "uk": "Далі »", "ru": "Далее »"},
    "inline_source": {"en": "Source: “{source}” ({title})",
                      "uk": "Джерело (оригінал англійською): “{source}” ({title})",
                      "ru": "Источник (оригинал на английском): “{source}” ({title})"},
    "inline_none_title": {"en": "Not in the article", "uk": "У статті цього немає",
                          "ru": "В статье этого нет"},
    "inline_none": {"en": "The article doesn’t say. Tap to send that, or ask me privately.",
                    "uk": "У статті про це не сказано. Натисніть, щоб надіслати це, або "
                    "спитайте мене особисто.",
                    "ru": "В статье об этом не сказано. Нажмите, чтобы отправить это, или "
                    "спросите меня лично."},
    "inline_none_sent": {"en": "The article doesn’t say. Ask {name} for the topics it covers.",
                         "uk": "У статті про це не сказано. Спитайте {name}, про що вона.",
                         "ru": "В статье об этом не сказано. Спросите {name}, о чём она."},
    "inline_private": {"en": "Ask me in a private chat", "uk": "Спитати мене особисто",
                       "ru": "Спросить меня лично"},
    "command_start": {"en": "What this bot knows", "uk": "Що знає цей бот",
                      "ru": "Что знает этот бот"},
    "command_topics": {"en": "Everything the article covers", "uk": "Усе, про що стаття",
                       "ru": "Всё, о чём статья"},
    "command_ask": {"en": "Ask a question about the article", "uk": "Поставити питання про статтю",
                    "ru": "Задать вопрос о статье"},
    "byline_both": {"en": "By {author}, published {published}.",
                    "uk": "Автор: {author}, опубліковано {published}.",
                    "ru": "Автор: {author}, опубликовано {published}."},
    "byline_author": {"en": "By {author}.", "uk": "Автор: {author}.", "ru": "Автор: {author}."},
    "byline_published": {"en": "Published {published}.", "uk": "Опубліковано {published}.",
                         "ru": "Опубликовано {published}."},
    "feedback_thanks": {"en": "Thanks for the feedback!", "uk": "Дякуємо за відгук!",
                        "ru": "Спасибо за отзыв!"},
    "share": {"en": "Share this answer", "uk": "Поділитися відповіддю",
              "ru": "Поделиться ответом"},
    "the_article": {"en": "The article", "uk": "Стаття", "ru": "Статья"},
    "covers": {"en": "It covers {description}", "uk": "У ній ідеться про {description}",
               "ru": "В ней говорится о {description}"},
    "command_article": {"en": "The article: headline, author, link",
                        "uk": "Стаття: заголовок, автор, посилання",
                        "ru": "Статья: заголовок, автор, ссылка"},
    "command_help": {"en": "How to use the bot", "uk": "Як користуватися ботом",
                     "ru": "Как пользоваться ботом"},
}  # fmt: skip

LANGUAGES = ("en", "uk", "ru")


def say(key: str, language: str = "en", **fields: object) -> str:
    """The text `key` in `language` (English when the language has none), fields filled in."""
    texts = TEXTS[key]
    return texts.get(language, texts["en"]).format(**fields)


def language_of(language_code: str | None) -> str:
    """A Telegram language_code ("uk", "ru-RU", "en-GB") as one of LANGUAGES; else English."""
    code = (language_code or "").split("-")[0].lower()
    return code if code in LANGUAGES else "en"
