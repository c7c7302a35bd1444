"""Logging that never shows the bot token or the webhook secret.

The token travels in every Bot API URL: httpx logs URLs at INFO, PTB logs requests at DEBUG, and
network errors quote the URL. PTB also logs setWebhook's parameters, the secret among them, at
DEBUG. Every log record is redacted as it is created (a record factory), so no handler,
formatter or test capture ever sees anything shaped like a token, nor the exact value of a
registered secret.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

# The shape config.py accepts as a token is the shape redacted wherever it occurs.
from bot.config import TOKEN_PATTERN

REDACTED = "[REDACTED-TOKEN]"
REDACTED_SECRET = "[REDACTED-SECRET]"
# Values this process must never log (the token, WEBHOOK_SECRET), redacted wherever they occur.
_secrets: set[str] = set()


def redact(text: str) -> str:
    text = TOKEN_PATTERN.sub(REDACTED, text)
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED_SECRET)
    return text


def _redacting_factory(make_record: Any) -> Any:
    def make_redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed %-format: keep the raw text, still redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    make_redacted_record._redacts_tokens = True  # type: ignore[attr-defined]
    return make_redacted_record


def install_redaction(*secrets: str | None) -> None:
    """Idempotent: every log record made from now on is free of token-shaped text and of
    `secrets` (empty and very short values are ignored: they would blank out ordinary text)."""
    _secrets.update(secret for secret in secrets if secret and len(secret) >= 4)
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "_redacts_tokens", False):
        logging.setLogRecordFactory(_redacting_factory(factory))


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Redaction on, one stream handler, and httpx at WARNING (its INFO lines carry URLs)."""
    install_redaction()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # Tornado's access log names every request; the webhook server logs its own outcomes.
    logging.getLogger("tornado.access").setLevel(logging.WARNING)
