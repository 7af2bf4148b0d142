"""Settings for the TOS AI mining dashboard, read from the environment (see .env.example)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
import django
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from tosweb.env import envbool, envint, envlist, envstr, envurl, secret_from_file

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

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

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
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
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
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60, minimum=0),
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
# The live feed's channel layer: RedisChannelLayer, not RedisPubSubChannelLayer. Measured with
# bench/channel_layer_bench.py (docs/performance.md, "Channel layer"): to 100 consumers of one group,
# core p50/p99 2.0/6.2 ms and 281 group_send/s (27k deliveries/s), pub/sub 0.6/3.2 ms and 1,864/s; at
# 1,000 consumers core falls to 10 group_send/s. The node makes tens of events a second, so either is
# fast enough here, and core is the correct one: its group_add is acknowledged before a consumer replays
# from the database (pub/sub's SUBSCRIBE is not, so an event could slip between subscribe and replay),
# and it buffers per channel instead of dropping messages while a subscriber reconnects.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "tosweb"},
    }
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# The TOS node this dashboard talks to (the devnode in development).
TOS_NODE_URL = envurl("TOS_NODE_URL", "http://127.0.0.1:8545", schemes=("http", "https"))
TOS_NODE_TIMEOUT = envint("TOS_NODE_TIMEOUT", 10, minimum=1)
TOS_DECIMALS = envint("TOS_DECIMALS", 8, minimum=0)
# On a devnet, a newly generated account is funded from the faucet with this many atomic units
# (10,000 TOS by default); 0 turns it off. Production nodes have no faucet.
TOS_DEV_FAUCET_AMOUNT = envint("TOS_DEV_FAUCET_AMOUNT", 0 if PRODUCTION else 10_000 * 10**8, minimum=0)
# Miners register on the node with this fee (atomic units; the node's minimum is 1 TOS).
TOS_MINER_REGISTRATION_FEE = envint("TOS_MINER_REGISTRATION_FEE", 10**8 * 10, minimum=10**9)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie: the token is put in hx-headers on <body>.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    # One line per node request is noise at INFO; failures are logged where they are handled.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
