"""Settings from the environment, validated once at start.

Every problem is a one-line message a person can act on; none of them repeats the token.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge import DEFAULT_PATH
from bot.knowledge import knowledge_path as resolve_knowledge_path

# BotFather tokens look like "123456789:AA…" (a bot id, a colon, 35 URL-safe characters).
TOKEN_PATTERN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{30,}")
# Telegram's secret_token for setWebhook: 1-256 characters of A-Z, a-z, 0-9, _ and -. We ask for
# at least 12: the secret is all that stops anyone on the internet posting updates as Telegram.
WEBHOOK_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{12,256}")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and what to do."""


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)
    api_base_url: str | None = None
    knowledge_path: Path = DEFAULT_PATH
    log_level: str = "INFO"
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    listen: str = "0.0.0.0"
    port: int = 8443
    admin_user_ids: frozenset[int] = frozenset()
    flood_max: int = 10
    flood_window: float = 10.0
    # Seconds to wait for Telegram's answer to one request before retrying it.
    read_timeout: float = 10.0
    # How many updates are handled at once (1 = one after another). Enough to hide Telegram's
    # round trips at its ~30 messages/s limit; more only adds scheduling cost (bench/e2e.py).
    concurrent_updates: int = 16
    # HTTP connections to the Bot API. Few suffice: each request scans the idle ones, so a
    # large pool costs more than it saves (see bench/e2e.py).
    connection_pool_size: int = 8
    # How long shutdown waits for replies in flight.
    shutdown_grace: float = 10.0
    rate_limit: bool = True
    # One folder for all the bot's state: handled update ids (SQLite) and the curator's
    # records (the Docker image declares it a volume).
    data_dir: Path = Path("data")
    # The curator's records (bot/curation.py): on/off, days kept, most misses kept.
    record_misses: bool = True
    misses_days: int = 30
    misses_max_rows: int = 100_000
    # With REDIS_URL, handled updates and the flood guard live in Redis, shared by replicas.
    redis_url: str | None = field(default=None, repr=False)
    # GET /healthz and /readyz on this port as well (always on the webhook port in webhook mode).
    health_port: int | None = None


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw[:20]!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum:g}")
    return value


def _switch(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "on").strip().lower() not in ("0", "off", "false", "no")


def check_token(token: str | None) -> str:
    if not token or not token.strip():
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather "
            "(/newbot) and set TELEGRAM_BOT_TOKEN"
        )
    token = token.strip()
    if not TOKEN_PATTERN.fullmatch(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is malformed: it should look like "
            "123456789:AAE… as given by @BotFather"
        )
    return token


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """The folder for all the bot's state: $DATA_DIR, else data/ in the working directory."""
    return Path(_text(os.environ if env is None else env, "DATA_DIR") or "data")


def _text(env: Mapping[str, str], name: str) -> str | None:
    """A setting's value, stripped; None when unset or blank."""
    return env.get(name, "").strip() or None


def _api_base_url(env: Mapping[str, str]) -> str | None:
    base_url = _text(env, "TELEGRAM_API_BASE_URL")
    if base_url and not re.match(r"https?://", base_url):
        raise ConfigError(
            "TELEGRAM_API_BASE_URL must start with http:// or https://, "
            "e.g. http://127.0.0.1:8081/bot"
        )
    return base_url


def _log_level(env: Mapping[str, str]) -> str:
    log_level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    return log_level


def _webhook(env: Mapping[str, str], webhook: bool) -> tuple[str | None, str | None]:
    """WEBHOOK_URL and WEBHOOK_SECRET: required with --webhook, checked whenever set."""
    webhook_url = _text(env, "WEBHOOK_URL")
    if webhook and not webhook_url:
        raise ConfigError(
            "--webhook needs WEBHOOK_URL, the public https:// address that "
            "Telegram should post updates to"
        )
    secret = _text(env, "WEBHOOK_SECRET")
    if webhook_url:
        if not webhook_url.startswith("https://") and not webhook_url.startswith("http://127."):
            raise ConfigError("WEBHOOK_URL must be an https:// address")
        if not secret or not WEBHOOK_SECRET_PATTERN.fullmatch(secret):
            raise ConfigError(
                "webhook mode needs WEBHOOK_SECRET: 12-256 characters of A-Z, a-z, 0-9, _ and - "
                "(e.g. the output of `openssl rand -hex 32`)"
            )
    return webhook_url, secret


def _admin_user_ids(env: Mapping[str, str]) -> frozenset[int]:
    admins: set[int] = set()
    for user_id in re.split(r"[\s,]+", env.get("ADMIN_USER_IDS", "").strip()):
        if user_id:
            if not user_id.lstrip("-").isdigit():
                raise ConfigError(
                    f"ADMIN_USER_IDS must be numeric Telegram user ids, not {user_id[:20]!r}"
                )
            admins.add(int(user_id))
    return frozenset(admins)


def _redis_url(env: Mapping[str, str]) -> str | None:
    redis_url = _text(env, "REDIS_URL")
    if redis_url and not re.match(r"(rediss?|unix)://", redis_url):
        raise ConfigError(
            "REDIS_URL must start with redis://, rediss:// or unix://, e.g. redis://redis:6379/0"
        )
    return redis_url


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    knowledge_path: str | None = None,
    webhook: bool = False,
) -> Settings:
    env = os.environ if env is None else env
    # Checked in this order, so the first problem reported is the first one listed here.
    token = check_token(env.get("TELEGRAM_BOT_TOKEN"))
    api_base_url, log_level = _api_base_url(env), _log_level(env)
    webhook_url, secret = _webhook(env, webhook)
    admin_user_ids, redis_url = _admin_user_ids(env), _redis_url(env)
    health_port = int(_number(env, "HEALTH_PORT", 0, minimum=0)) or None
    return Settings(
        token=token,
        api_base_url=api_base_url,
        knowledge_path=resolve_knowledge_path(knowledge_path, env),
        log_level=log_level,
        webhook_url=webhook_url,
        webhook_secret=secret,
        listen=_text(env, "LISTEN") or "0.0.0.0",
        port=int(_number(env, "PORT", 8443, minimum=1)),
        admin_user_ids=admin_user_ids,
        flood_max=int(_number(env, "FLOOD_MAX", 10, minimum=1)),
        flood_window=_number(env, "FLOOD_WINDOW", 10.0, minimum=0.1),
        read_timeout=_number(env, "TELEGRAM_READ_TIMEOUT", 10.0, minimum=0.1),
        concurrent_updates=int(_number(env, "CONCURRENT_UPDATES", 16, minimum=1)),
        connection_pool_size=int(_number(env, "CONNECTION_POOL_SIZE", 8, minimum=1)),
        shutdown_grace=_number(env, "SHUTDOWN_GRACE", 10.0, minimum=0),
        rate_limit=_switch(env, "RATE_LIMIT"),
        data_dir=data_dir(env),
        record_misses=_switch(env, "RECORD_MISSES"),
        misses_days=int(_number(env, "MISSES_DAYS", 30, minimum=1)),
        misses_max_rows=int(_number(env, "MISSES_MAX_ROWS", 100_000, minimum=1)),
        redis_url=redis_url,
        health_port=health_port,
    )
