# One slim stage; the service runs as an unprivileged user and refuses to start
# without API keys (`replydesk serve` will not listen on 0.0.0.0 without them).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    REPLYDESK_DATABASE_URL=sqlite:////app/data/replydesk.db \
    REPLYDESK_KB_DIR=/app/knowledge_base \
    REPLYDESK_PROMPTS_DIR=/app/prompts

WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY guardrails ./guardrails
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 replydesk \
    && mkdir -p /app/data && chown replydesk /app/data
COPY prompts ./prompts
COPY knowledge_base ./knowledge_base

USER replydesk
EXPOSE 8000
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["sh", "-c", "test -n \"$REPLYDESK_API_KEYS\" || { echo 'REPLYDESK_API_KEYS is required (role:key,...)' >&2; exit 1; }; exec replydesk serve --host 0.0.0.0 --port 8000"]
