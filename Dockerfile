# syntax=docker/dockerfile:1
# refbot's image: `docker build -t refbot .`, then `docker run --env-file .env -p 3000:3000 refbot`
# (HTTP mode), or override the command: `refbot worker --port 9000`, `refbot db upgrade`, `refbot run`.

# Build: refbot and its dependencies into a virtualenv. Every dependency ships manylinux wheels
# (psycopg as psycopg[binary]), so no compiler is needed even here.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/refbot
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
# A wheel first, so the runtime gets an installed package, not a link to this source tree.
RUN /opt/refbot/bin/pip wheel --no-deps --wheel-dir /wheels . \
 && /opt/refbot/bin/pip install /wheels/refbot-*.whl \
 && /opt/refbot/bin/pip uninstall --yes pip setuptools

# Run: the same base (the virtualenv's python links to it), the virtualenv, a user without rights.
FROM python:3.11-slim
ENV PATH=/opt/refbot/bin:$PATH \
    PYTHONUNBUFFERED=1
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/refbot refbot
COPY --from=build /opt/refbot /opt/refbot
USER refbot
# The default SQLite database (DATABASE_URL unset) lands here; use PostgreSQL beyond one replica.
WORKDIR /home/refbot
EXPOSE 3000
# slim has no curl: Python's urllib fails on anything but a 2xx (a 503 means no database).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]
ENTRYPOINT ["refbot"]
CMD ["serve", "--host", "0.0.0.0", "--port", "3000"]
