# Backend image: a build stage installs the package into a virtualenv, and the runtime
# stage copies only that virtualenv and runs it as an unprivileged user.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/venv/bin/pip install .

FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    APP_ENV=production \
    PORT=4000
RUN groupadd --system --gid 10001 bazi \
    && useradd --system --uid 10001 --gid bazi --home-dir /app --create-home bazi
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER bazi:bazi
EXPOSE 4000
STOPSIGNAL SIGTERM
# /live shows whether the process answers; the compose file checks /api/ready, which
# also covers the database and Redis.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/live' % os.environ.get('PORT', '4000'), timeout=3)"]
CMD ["bazi-master", "serve"]
