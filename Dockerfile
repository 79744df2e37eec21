# syntax=docker/dockerfile:1
# DevBot: one container running the bot, its health/metrics server and its scheduler.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG UV_VERSION=0.13.9
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY bot ./bot
COPY handlers ./handlers
COPY dialogs ./dialogs
COPY states ./states
COPY db ./db
COPY llm ./llm
COPY middlewares ./middlewares
COPY migrations ./migrations
COPY locales ./locales
COPY alembic.ini ./

FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PATH="/app/.venv/bin:${PATH}" \
    LOG_FORMAT=json HTTP_PORT=8080
RUN groupadd --system --gid 10001 devbot && useradd --system --uid 10001 --gid devbot --home-dir /app devbot
WORKDIR /app
COPY --from=build --chown=10001:10001 /app /app
RUN mkdir -p /app/data && chown 10001:10001 /app/data
USER 10001:10001
VOLUME ["/app/data"]
EXPOSE 8080 8081
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"HTTP_PORT\", \"8080\")}/healthz', timeout=4)"]
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
