"""Settings for the TOS AI mining dashboard, read from the environment (see .env.example)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
import django
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from dashboard.egress import parse_allowed_targets
from tosweb.clientaddr import parse_networks
from tosweb.env import envbool, envint, envlist, envstr, envurl, refuse_weak_keys, secret_from_file
from tosweb.middleware import parse_extra_sources

# Lets the code subscript Django's generic classes (QuerySet[Task], ModelForm[Profile]) at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_DIR = Path(envstr("TOS_RUN_DIR", str(BASE_DIR / ".run")))

TOS_ENV = envstr("TOS_ENV", "development")
if TOS_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"TOS_ENV={TOS_ENV!r} must be 'development' or 'production'.")
PRODUCTION = TOS_ENV == "production"

DEBUG = envbool("DEBUG", False)
SECRET_KEY = secret_from_file("SECRET_KEY", RUN_DIR / "secret_key", allow_generate=not PRODUCTION)
# Wallet keys and API keys are encrypted with this key, never with SECRET_KEY, so rotating one
# does not silently break the other.
FIELD_ENCRYPTION_KEY = secret_from_file(
    "TOS_FIELD_ENCRYPTION_KEY", RUN_DIR / "field_encryption_key", allow_generate=not PRODUCTION
)

if PRODUCTION:
    # Production refuses what would expose it, naming the variable, rather than starting unsafe.
    if DEBUG:
        raise ImproperlyConfigured(
            "DEBUG=true is refused when TOS_ENV=production: Django's debug pages show settings, paths and "
            "code to anyone. Unset DEBUG (or set DEBUG=false)."
        )
    refuse_weak_keys("TOS_FIELD_ENCRYPTION_KEY", FIELD_ENCRYPTION_KEY)

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
# Proxies (addresses or CIDR blocks) whose X-Forwarded-For names the client (tosweb/clientaddr.py); unset,
# the client is the connection's own address, which behind a proxy is the proxy's.
TRUSTED_PROXIES = parse_networks("TOS_TRUSTED_PROXIES", envlist("TOS_TRUSTED_PROXIES", []))

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "django_celery_beat",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tosweb.middleware.SecurityHeadersMiddleware",
    # Sees every response the layers below made, debug pages included (tosweb/middleware.py).
    "tosweb.middleware.DebugPagesForLocalClientsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tosweb.middleware.PrivatePagesMiddleware",
    "dashboard.timezones.TimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "tosweb.urls"
ASGI_APPLICATION = "tosweb.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.context_processors.dashboard",
            ],
        },
    },
]

if django.VERSION < (6, 0):
    # Django 6 has {% partialdef %} and "template.html#partial" built in; on 5.2 the package that became
    # them provides the same tag (as a builtin, so templates need no {% load %}) and loader.
    INSTALLED_APPS.insert(INSTALLED_APPS.index("channels"), "template_partials")
    TEMPLATES[0]["OPTIONS"]["builtins"] = ["template_partials.templatetags.partials"]  # type: ignore[index]

DATABASES = {
    "default": dj_database_url.parse(
        envurl(
            "DATABASE_URL",
            f"sqlite:///{RUN_DIR / 'db.sqlite3'}",
            schemes=("sqlite", "postgres", "postgresql", "pgsql"),
        ),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 0, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker, beat and relay share one SQLite file in development: WAL lets readers
    # proceed during a write and the timeout makes a writer wait instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Development serves static files straight from static/ (no collectstatic needed); production serves the
# hashed, compressed copies collectstatic writes to STATIC_ROOT.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG and not PRODUCTION

# Redis carries the cache, the channel layer, Celery's broker and the relay's lock.
REDIS_URL = envurl("REDIS_URL", "redis://127.0.0.1:6379/0", schemes=("redis", "rediss", "unix"))
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "tosweb",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}
# The live feed's channel layer: RedisPubSubChannelLayer, not RedisChannelLayer. Measured end to end with
# bench/relay_bench.py (docs/performance.md, "Live feed end to end": node event -> relay -> daphne -> N
# logged-in WebSockets, 2 cores): both meet the target at 1,000 pages and 10 events/s (p99 60 ms), but at
# 50 events/s pub/sub delivered 49.5k frames/s (p99 273 ms) and core 24k/s with a 16 s backlog (core's
# group_send writes one message per member channel; pub/sub publishes once and each process fans out in
# memory), and before the feed hub core silently dropped messages past its capacity. Pub/sub does not
# acknowledge SUBSCRIBE and drops what is published while a process reconnects: the consumer checks its
# first live event after a resume, and the relay names each group's previous seq so a page replays any
# gap from the database (tests/dashboard/test_consumers.py). CHANNEL_LAYER=core switches back; core's
# buffer is then 1,000 messages (CHANNEL_LAYER_CAPACITY; channels_redis's 100 silently dropped deliveries
# when 1,000 pages fell behind) for 60 s (CHANNEL_LAYER_EXPIRY).
CHANNEL_LAYER = envstr("CHANNEL_LAYER", "pubsub")
# The relay tells every open page this often that it is alive and how far the node is; a page that hears
# nothing for a few beats says "delayed" in its badge, then checks its own connection (static/js/live.js).
LIVE_HEARTBEAT_SECONDS = envint("LIVE_HEARTBEAT_SECONDS", 2, minimum=1)
_CHANNEL_LAYER_BACKENDS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}
if CHANNEL_LAYER not in _CHANNEL_LAYER_BACKENDS:
    raise ImproperlyConfigured(f"CHANNEL_LAYER={CHANNEL_LAYER!r} must be 'core' or 'pubsub'.")
# redis-py 8 gives every connection a 5 s read timeout and a pool at most 100 connections; the core layer
# blocks 5 s in BZPOPMIN, so an idle daphne's receive timed out and closed every page with 1011, and 100
# pages connecting at once failed with "Too many connections" (bench/relay_bench.py found both).
_CHANNEL_LAYER_HOST = {"address": REDIS_URL, "socket_timeout": 15, "max_connections": 2000}
_CHANNEL_LAYER_CONFIG: dict[str, object] = {"hosts": [_CHANNEL_LAYER_HOST], "prefix": "tosweb"}
if CHANNEL_LAYER == "core":
    _CHANNEL_LAYER_CONFIG["capacity"] = envint("CHANNEL_LAYER_CAPACITY", 1000, minimum=1)
    _CHANNEL_LAYER_CONFIG["expiry"] = envint("CHANNEL_LAYER_EXPIRY", 60, minimum=1)
CHANNEL_LAYERS = {
    "default": {"BACKEND": _CHANNEL_LAYER_BACKENDS[CHANNEL_LAYER], "CONFIG": _CHANNEL_LAYER_CONFIG}
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A job under way when Redis goes away finishes (its steps are idempotent) rather than being cancelled: the
# unacknowledged message may not survive the outage to be redelivered (test_automining_outages.py).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Two queues, each with its worker (Procfile, docker-compose.yml): `mining` chooses, joins and submits (quick
# node calls; its worker also drains `celery`, the queue of earlier versions), `solving` waits for the
# miners' AI services. One user's slow AI service holds at most AUTOMINING_SOLVER_CALLS_PER_USER of the
# solving worker's threads and never delays anyone's joining.
CELERY_TASK_DEFAULT_QUEUE = "mining"
CELERY_TASK_ROUTES = {"dashboard.tasks.solve_participation": {"queue": "solving"}}
AUTOMINING_SOLVER_CALLS_PER_USER = envint("AUTOMINING_SOLVER_CALLS_PER_USER", 2, minimum=1)
CELERY_TIMEZONE = TIME_ZONE

# Beat's fixed entries (the DatabaseScheduler copies them into its tables): the network figures count any
# stored event not counted yet, notifications check the conditions that are no event, and deliveries that
# are due (retries, a killed worker's) are handed to the `notifications` worker again.
CELERY_BEAT_SCHEDULE = {
    "count-network-events": {"task": "dashboard.tasks.count_network_events", "schedule": 30.0},
    "check-notification-conditions": {
        "task": "dashboard.tasks.check_notification_conditions",
        "schedule": 60.0,
    },
    "sweep-deliveries": {"task": "dashboard.tasks.sweep_deliveries", "schedule": 15.0},
}

# Notifications by e-mail go through Django's mail backend: the console in development (mails are printed
# by the worker), SMTP in production. TOS_PUBLIC_URL is the dashboard's address in mails and webhooks.
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "TOS AI Mining <noreply@localhost>")
TOS_PUBLIC_URL = envurl("TOS_PUBLIC_URL", "http://127.0.0.1:8000", schemes=("http", "https"))
# A webhook has this many seconds to answer; a worker holds a delivery it claimed this long (a killed
# worker's delivery is taken over after it), which must be longer than any call.
TOS_WEBHOOK_TIMEOUT = envint("TOS_WEBHOOK_TIMEOUT", 5, minimum=1)
TOS_DELIVERY_LEASE_SECONDS = envint("TOS_DELIVERY_LEASE_SECONDS", 60, minimum=TOS_WEBHOOK_TIMEOUT + 2)

# The TOS node this dashboard talks to (the devnode in development).
TOS_NODE_URL = envurl("TOS_NODE_URL", "http://127.0.0.1:8545", schemes=("http", "https"))
TOS_NODE_TIMEOUT = envint("TOS_NODE_TIMEOUT", 10, minimum=1)
# Auto-mining's AI service (a URL each user sets) may not reach loopback, private or link-local addresses,
# checked on the address resolved at every call (dashboard/egress.py), except those named here: host names,
# addresses or CIDR blocks, each optionally with :port, e.g. "127.0.0.1:11434" for Ollama on this host.
# Development also allows loopback.
SOLVER_ALLOWED_ADDRESSES = parse_allowed_targets(
    "TOS_SOLVER_ALLOWED_ADDRESSES", envlist("TOS_SOLVER_ALLOWED_ADDRESSES", [])
)
SOLVER_ALLOW_LOOPBACK = not PRODUCTION
# On a devnet, a newly generated account is funded from the faucet with this many atomic units
# (10,000 TOS by default); 0 turns it off. Production nodes have no faucet.
TOS_DEV_FAUCET_AMOUNT = envint("TOS_DEV_FAUCET_AMOUNT", 0 if PRODUCTION else 10_000 * 10**8, minimum=0)
# `make demo` publishes a task this many seconds apart (each due nine intervals later, at least 30 s).
TOS_DEMO_INTERVAL = envint("TOS_DEMO_INTERVAL", 20, minimum=1)
# Miners register on the node with this fee (atomic units; the node's minimum is 1 TOS).
TOS_MINER_REGISTRATION_FEE = envint("TOS_MINER_REGISTRATION_FEE", 10**8 * 10, minimum=10**9)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie: the token is put in hx-headers on <body>.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (tosweb/middleware.py), in every environment so the browser tests exercise it:
# our own static files only. CSP_REPORT_ONLY=true sends it as Content-Security-Policy-Report-Only;
# CSP_EXTRA_SOURCES="img-src https://cdn.example; connect-src https://api.example" adds sources;
# CSP_REPORT_URI names where browsers report violations.
CSP_REPORT_ONLY = envbool("CSP_REPORT_ONLY", False)
CSP_EXTRA_SOURCES = parse_extra_sources(envstr("CSP_EXTRA_SOURCES", ""))
CSP_REPORT_URI = envstr("CSP_REPORT_URI", "")
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Health checks (compose, load balancers) probe the web process over plain HTTP from inside.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# LOG_FORMAT=json writes one JSON object a line (for a log collector); plain is for people.
LOG_FORMAT = envstr("LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} must be 'json' or 'plain'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "tosweb.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    # One line per node request is noise at INFO; failures are logged where they are handled.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
