# The article bot: polling by default; set WEBHOOK_URL (and WEBHOOK_SECRET, PORT) for webhooks.
#   docker build -t article-bot .
#   docker run --rm -e TELEGRAM_BOT_TOKEN=123456789:AA... article-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KNOWLEDGE_PATH=/app/knowledge.yaml \
    DATA_DIR=/app/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install . \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin bot \
    && mkdir /app/data && chown bot /app/data
COPY knowledge.yaml ./
# The bot's state (the curator's records): keep it across containers.
VOLUME ["/app/data"]

USER bot
EXPOSE 8443
CMD ["python", "-m", "bot", "run"]
