"""Parlons settings: everything that differs between installs comes from the environment (12-factor).

Defaults are the embedded install: SQLite in WAL mode under PARLONS_DATA_DIR, in-memory channel layer,
a database-backed task queue, and secure behaviour unless PARLONS_DEBUG is set.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("PARLONS_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("PARLONS_DEBUG")


def _secret_key() -> str:
    """The key from the environment, or one generated once and kept in the data directory."""
    key = os.environ.get("PARLONS_SECRET_KEY")
    if key:
        return key
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("PARLONS_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("PARLONS_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "parlons.core",
    "parlons.accounts",
    "parlons.tickets",
    "parlons.connectors",
    "parlons.integrations",
    "parlons.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "parlons.core.middleware.ContentSecurityPolicyMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "parlons.accounts.middleware.MfaMiddleware",
    "parlons.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "parlons.urls"
ASGI_APPLICATION = "parlons.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------------
SQLITE_PATH = DATA_DIR / "parlons.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}",
        conn_max_age=int(os.environ.get("PARLONS_DB_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets readers work while the worker writes; IMMEDIATE avoids lock-upgrade deadlocks.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; "
                "PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    DATABASES["default"]["TEST"] = (
        {"NAME": str(DATA_DIR / "test.sqlite3")} if env_bool("PARLONS_TEST_SQLITE_FILE") else {}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("PARLONS_DB_POOL", True):
    # A pool of open connections per process (psycopg_pool): a request or a task borrows one instead of opening
    # its own (a new server process and several round trips each time), which is most of a webhook's
    # acknowledgement. The pool keeps the connections, so Django's persistent connections are off with it.
    # PARLONS_DB_POOL=0 turns it off (PARLONS_DB_CONN_MAX_AGE then applies); PARLONS_DB_POOL_SIZE caps it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("PARLONS_DB_POOL_SIZE", "20")),
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, channel layer ------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Every key and channel this installation uses in Redis starts with this prefix, so two installations (or
# two test processes) can share one Redis without hearing each other.
REDIS_PREFIX = os.environ.get("PARLONS_REDIS_PREFIX", "parlons")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{REDIS_PREFIX}:asgi"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- background work ------------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("PARLONS_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "ingest", "outbound"],
    }
}
# A worker that has not written a heartbeat for this long is reported unhealthy by /healthz.
WORKER_HEARTBEAT_STALE_SECONDS = int(os.environ.get("PARLONS_WORKER_STALE_SECONDS", "60"))
PARLONS_WORKER_NICE = int(os.environ.get("PARLONS_WORKER_NICE", "5"))  # `parlons worker`'s lower CPU priority

# --- authentication -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

PARLONS_MFA_REQUIRED = env_bool("PARLONS_MFA_REQUIRED")
OTP_TOTP_ISSUER = os.environ.get("PARLONS_OTP_ISSUER", "Parlons")

AXES_FAILURE_LIMIT = int(os.environ.get("PARLONS_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("PARLONS_LOCKOUT_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/pages/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_AGE = int(os.environ.get("PARLONS_SESSION_SECONDS", str(10 * 3600)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- security headers (secure unless PARLONS_DEBUG) ------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
TLS = env_bool("PARLONS_TLS", default=not DEBUG)
if TLS:
    # Behind a TLS-terminating proxy: cookies only over HTTPS, HSTS for a year.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("PARLONS_SSL_REDIRECT")
CONTENT_SECURITY_POLICY = os.environ.get(
    "PARLONS_CSP",
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
)

# --- i18n -----------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
PARLONS_DEFAULT_USER_TIME_ZONE = os.environ.get("PARLONS_TIME_ZONE", "America/Toronto")

# --- static and media -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SERVESTATIC_USE_FINDERS = True
SERVESTATIC_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
PARLONS_MAX_ATTACHMENT_BYTES = int(os.environ.get("PARLONS_MAX_ATTACHMENT_BYTES", str(10 * 1024 * 1024)))
# The worker's ingest: deliveries per batch (one transaction), and how many of a batch's downloads (media,
# profiles) run at once; how old a Messenger/Instagram profile may get before it is fetched again.
PARLONS_INGEST_BATCH = int(os.environ.get("PARLONS_INGEST_BATCH", "200"))
PARLONS_INGEST_FETCHERS = int(os.environ.get("PARLONS_INGEST_FETCHERS", "8"))
PARLONS_PROFILE_REFRESH_DAYS = float(os.environ.get("PARLONS_PROFILE_REFRESH_DAYS", "7"))

# --- e-mail ---------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "PARLONS_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("PARLONS_EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = DATA_DIR / "outbox"
EMAIL_HOST = os.environ.get("PARLONS_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("PARLONS_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("PARLONS_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PARLONS_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("PARLONS_EMAIL_STARTTLS", default=True)
EMAIL_USE_SSL = env_bool("PARLONS_EMAIL_SSL")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("PARLONS_EMAIL_FROM", "parlons@localhost")

# --- logging: structured enough for operators, never secrets --------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PARLONS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
PARLONS_DEMO_PASSWORD = os.environ.get("PARLONS_DEMO_PASSWORD", "")

# --- channels (Meta: Facebook, Messenger, Instagram, WhatsApp) -------------------------------------
PARLONS_META_GRAPH_URL = os.environ.get("PARLONS_META_GRAPH_URL", "https://graph.facebook.com/v23.0").rstrip(
    "/"
)
PARLONS_META_APP_SECRET = os.environ.get("PARLONS_META_APP_SECRET", "")
PARLONS_META_VERIFY_TOKEN = os.environ.get("PARLONS_META_VERIFY_TOKEN", "")
PARLONS_META_TIMEOUT_SECONDS = float(os.environ.get("PARLONS_META_TIMEOUT_SECONDS", "15"))

# --- search (issue 4) -----------------------------------------------------------------------------
INSTALLED_APPS.append("parlons.search")

# --- service standards, business hours and reminders (issue 7) ------------------------------------
INSTALLED_APPS.append("parlons.sla")

# --- data exchange (issue 8: xlsx/rtf/pdf/docx import and export) -----------------------------------
INSTALLED_APPS.append("parlons.exchange")
PARLONS_IMPORT_MAX_BYTES = int(os.environ.get("PARLONS_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
PARLONS_IMPORT_MAX_ROWS = int(os.environ.get("PARLONS_IMPORT_MAX_ROWS", "5000"))
# Ticket exports with more tickets than this run as a background task with a download link.
PARLONS_EXPORT_SYNC_LIMIT = int(os.environ.get("PARLONS_EXPORT_SYNC_LIMIT", "2000"))

# --- X channel (issue 6: X API v2 webhooks, replies, DMs, polling) ------------------------------------
PARLONS_X_CONSUMER_SECRET = os.environ.get("PARLONS_X_CONSUMER_SECRET", "")
PARLONS_X_API_URL = os.environ.get("PARLONS_X_API_URL", "https://api.x.com").rstrip("/")
PARLONS_X_TIMEOUT_SECONDS = float(os.environ.get("PARLONS_X_TIMEOUT_SECONDS", "15"))

# --- notifications (issue 7 item 6: preferences, digest, desktop, broadcasts) -----------------------
INSTALLED_APPS.append("parlons.notifications")

# --- reports (issue 8: metrics, standard reports, exports) -----------------------------------------
INSTALLED_APPS.append("parlons.reports")

# --- automation (issue 7 items 1-3: rules, auto-tagging, assignment) --------------------------------
INSTALLED_APPS.append("parlons.automation")

# --- e-mail channel (issue 6 items 2-3: IMAP/SMTP, .eml, forwarding to outside people) ---------------
INSTALLED_APPS.append("parlons.connectors.email")
PARLONS_EMAIL_IDLE_SECONDS = float(os.environ.get("PARLONS_EMAIL_IDLE_SECONDS", "50"))
PARLONS_EMAIL_TIMEOUT_SECONDS = float(os.environ.get("PARLONS_EMAIL_TIMEOUT_SECONDS", "30"))
PARLONS_EMAIL_CA_FILE = os.environ.get("PARLONS_EMAIL_CA_FILE", "")  # a private CA for in-house mail servers
