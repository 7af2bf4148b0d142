# One image for every process: web (daphne), worker, beat, relay and the devnode.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TOS_RUN_DIR=/var/lib/tosweb

WORKDIR /app
RUN useradd --system --uid 1000 --home-dir /app tosweb \
    && mkdir -p /var/lib/tosweb && chown tosweb /var/lib/tosweb

COPY pyproject.toml README.md ./
COPY tosweb tosweb
COPY dashboard dashboard
COPY tos_ai tos_ai
COPY devnode devnode
RUN pip install .

COPY manage.py ./
COPY templates templates
COPY static static
RUN TOS_ENV=development python manage.py collectstatic --no-input -v 0 \
    && rm -f /var/lib/tosweb/secret_key /var/lib/tosweb/field_encryption_key

USER tosweb
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "tosweb.asgi:application"]
