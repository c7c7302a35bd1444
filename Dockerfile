# The article bot: polling by default; set WEBHOOK_URL (and WEBHOOK_SECRET, PORT) for webhooks.
#   docker build -t article-bot .
#   docker run --rm -e TELEGRAM_BOT_TOKEN=123456789:AA... -v article-bot-data:/data article-bot
# /data keeps the ids of handled updates (24 h), so a restart answers nothing twice; with
# REDIS_URL set, replicas share them in Redis instead.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KNOWLEDGE_PATH=/app/knowledge.yaml \
    DATA_DIR=/data \
    HEALTH_PORT=8080

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install . \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin bot \
    && mkdir -p /data && chown bot /data
COPY knowledge.yaml ./

USER 10001
VOLUME ["/data"]
# 8443: the webhook (and its health checks); 8080: /healthz and /readyz in either mode.
EXPOSE 8443 8080
# No curl in slim images: the interpreter asks /healthz itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HEALTH_PORT', '8080'), timeout=4)"]
CMD ["python", "-m", "bot", "run"]
