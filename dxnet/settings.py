"""dxnet settings: everything comes from environment variables with safe defaults.

Production mode (DXNET_DEBUG unset or 0) refuses to start without a real secret key and
allowed hosts, and turns on secure cookies, HSTS and a strict CSP.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DXNET_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DXNET_DEBUG")
# Under pytest the test settings apply even when DXNET_TESTING was not exported (pytest-django
# loads the settings before any conftest can set it).
TESTING = env_bool("DXNET_TESTING") or "pytest" in sys.modules

SECRET_KEY = os.environ.get("DXNET_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "dxnet-insecure-development-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured(
            "DXNET_SECRET_KEY must be set in production mode (or set DXNET_DEBUG=1 for development)."
        )

ALLOWED_HOSTS = [h for h in os.environ.get("DXNET_ALLOWED_HOSTS", "").split(",") if h]
if DEBUG or TESTING:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "[::1]", "testserver"]
elif not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DXNET_ALLOWED_HOSTS must be set in production mode (comma-separated).")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DXNET_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_tasks_db",
    "dxnet.core",
    "dxnet.network",
    "dxnet.indicators",
    "dxnet.plans",
    "dxnet.recommendations",
    "dxnet.notifications",
    "dxnet.documents",
    "dxnet.assistant",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "dxnet.urls"
WSGI_APPLICATION = "dxnet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "dxnet" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dxnet.core.context_processors.dxnet",
            ],
        },
    },
]

# SQLite under var/ by default; PostgreSQL with DXNET_DATABASE_URL=postgres://user:pw@host:port/db
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DXNET_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'dxnet.sqlite3'}",
        conn_max_age=int(os.environ.get("DXNET_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the web server read while the worker writes; busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
if TESTING:
    # On disk, not in memory, so that a real worker process (tests of background tasks) sees
    # the test database; a name of one's own lets two test runs share a PostgreSQL server.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("DXNET_TEST_DB_NAME")
        or (str(VAR_DIR / f"test-dxnet-{os.getpid()}.sqlite3")
            if DATABASES["default"]["ENGINE"].endswith("sqlite3") else None)
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("DXNET_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["dxnet.core.auth.LockoutModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Lockout: this many failed sign-ins for one user name within the window lock it for the window.
DXNET_LOGIN_MAX_FAILURES = int(os.environ.get("DXNET_LOGIN_MAX_FAILURES", "5"))
DXNET_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("DXNET_LOGIN_LOCKOUT_MINUTES", "15"))

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "dxnet" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "dxnet_language"

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "dxnet" / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# Absolute links in e-mails (reminders, digests, password resets sent by the worker).
DXNET_SITE_URL = os.environ.get("DXNET_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The assistant. Its index files (BM25 + vectors, rebuilt by the worker) live in one directory
# per build; embeddings are cached by the hash of the passage text, shared by every build and
# every test run (same text, same model → same vector).
DXNET_ASSISTANT_DIR = Path(os.environ.get("DXNET_ASSISTANT_DIR") or (
    VAR_DIR / f"test-assistant-{os.getpid()}" if TESTING else VAR_DIR / "assistant"))
DXNET_EMBED_CACHE = Path(os.environ.get("DXNET_EMBED_CACHE") or VAR_DIR / "embeddings")
# An OpenAI-compatible server (vLLM, llama.cpp, Ollama…) makes the answers generated; without
# one they are extracted from the documents.
DXNET_LLM_BASE_URL = os.environ.get("DXNET_LLM_BASE_URL", "").rstrip("/")
DXNET_LLM_MODEL = os.environ.get("DXNET_LLM_MODEL", "")
DXNET_LLM_API_KEY = os.environ.get("DXNET_LLM_API_KEY", "")
DXNET_LLM_TIMEOUT = float(os.environ.get("DXNET_LLM_TIMEOUT", "60"))

# E-mail: console by default, SMTP when DXNET_EMAIL_HOST is set.
DEFAULT_FROM_EMAIL = os.environ.get("DXNET_EMAIL_FROM", "dxnet <no-reply@dxnet.local>")
if os.environ.get("DXNET_EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["DXNET_EMAIL_HOST"],
                "port": int(os.environ.get("DXNET_EMAIL_PORT", "587")),
                "username": os.environ.get("DXNET_EMAIL_USER", ""),
                "password": os.environ.get("DXNET_EMAIL_PASSWORD", ""),
                "use_tls": env_bool("DXNET_EMAIL_TLS", True),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# Security. Cookies are secure and HSTS on in production mode; the CSP is on everywhere so that
# development shows the same violations production would (no inline scripts, no CDN).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DXNET_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DXNET_HSTS_SECONDS", "31536000"))
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # style="width: 40%" on progress bars; no <style> elements or external sheets are allowed.
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DXNET_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50
