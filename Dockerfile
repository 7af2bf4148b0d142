# One image for every dashboard process: web (daphne), worker, beat and relay. No secrets are baked in:
# SECRET_KEY and TOS_FIELD_ENCRYPTION_KEY (or their *_FILE variants) come from the environment.
# The devnode's server stack is not in it: docker-compose.yml builds the devnode's image from this file
# with EXTRAS="[devnode]" (pyproject.toml's extra).
FROM python:3.11-slim-bookworm
ARG EXTRAS=""

# PYTHONPATH: the code runs from /app (settings find templates/ and static/ beside it), not from the copy
# `pip install .` puts in site-packages, whichever command (daphne, celery, manage.py) starts it.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    TOS_ENV=production \
    TOS_RUN_DIR=/var/lib/tosweb

WORKDIR /app
RUN useradd --system --uid 1000 --no-create-home --home-dir /app tosweb \
    && mkdir -p /var/lib/tosweb /var/lib/devnode \
    && chown tosweb:tosweb /var/lib/tosweb /var/lib/devnode

# The packages (and their dependencies, from the two pyproject.toml files) at the versions of the lock,
# build requirements included (constraints.txt, `make lock`); templates and static files come after, so
# changing only those does not reinstall anything.
COPY pyproject.toml README.md constraints.txt ./
COPY clients/python clients/python
COPY tosweb tosweb
COPY dashboard dashboard
COPY devnode devnode
RUN PIP_CONSTRAINT=/app/constraints.txt pip install ./clients/python ".${EXTRAS}"

COPY manage.py ./
COPY templates templates
COPY static static
# Hashed, compressed copies for whitenoise (the production storage); the keys exist only for this command.
RUN SECRET_KEY=collectstatic-only TOS_FIELD_ENCRYPTION_KEY=collectstatic-only \
    python manage.py collectstatic --no-input -v 0

USER tosweb
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "tosweb.asgi:application"]
