"""Ruziniu settings: one file, configured by environment variables (see README)."""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from governance.env import env_bool, env_database, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

PLACEHOLDER_SECRET_KEY = "insecure-dev-key-change-me"
DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", PLACEHOLDER_SECRET_KEY)
if not DEBUG and (not SECRET_KEY or SECRET_KEY == PLACEHOLDER_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SUBDISTRICT_NAME = env_str("SUBDISTRICT_NAME", "江宁路街道")
CASE_REFERENCE_PREFIX = env_str("CASE_REFERENCE_PREFIX", "JN")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "simple_history",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "accounts",
    "places",
    "methods",
    "cases",
    "matters",
    "dashboards",
    "api",
    "ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "governance.urls"
WSGI_APPLICATION = "governance.wsgi.application"

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
                "django.template.context_processors.i18n",
                "accounts.context_processors.site",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", str(BASE_DIR / "db.sqlite3"))}
TEST_DATABASE_NAME = env_str("TEST_DATABASE_NAME", "")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a real worker process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db{TEST_DATABASE_NAME}.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
elif TEST_DATABASE_NAME:
    DATABASES["default"]["TEST"] = {"NAME": TEST_DATABASE_NAME}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in lockout (django-axes): the pair (username, client address) is locked after
# AXES_FAILURE_LIMIT failures for AXES_COOLOFF_MINUTES. ops.auth.LockoutBackend skips
# the check for in-process calls without a request (shell, management commands).
AUTHENTICATION_BACKENDS = ["ops.auth.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # lockouts are in the admin (access attempts); no log line per sign-in
AXES_LOCKOUT_CALLABLE = "ops.auth.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password"]
# Behind a reverse proxy, the number of proxies that append to X-Forwarded-For (0: use REMOTE_ADDR).
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0, minimum=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Files served at the site's root by whitenoise, before sign-in: /favicon.ico for pages that name no icon.
WHITENOISE_ROOT = BASE_DIR / "public"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Production hardening: on whenever DEBUG is off (see `manage.py check --deploy`).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4): no inline script or style, nothing from another host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # `make run` serves the demo as production over plain HTTP on this machine: SECURE_COOKIES=false there.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_COOKIE_HTTPONLY = True

# Celery: with no broker, tasks run in-process, eagerly, and their errors propagate.
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", ("redis", "rediss", "amqp", "memory"))
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 30
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "ruziniu")
# An unacknowledged task (its worker died) is delivered again after this many seconds; it must
# exceed the longest task (CELERY_TASK_TIME_LIMIT) or a slow task would run twice.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # Look for such messages about ten times per timeout (kombu's own default is every ~100 s).
    "unacked_restore_interval": max(1, min(10, CELERY_VISIBILITY_TIMEOUT // 10)),
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "ops.tasks.record_heartbeat", "schedule": timedelta(minutes=1)},
    "similarity-sweep": {"task": "matters.tasks.sweep_similarity", "schedule": timedelta(minutes=5)},
    "dashboards-refresh": {"task": "dashboards.tasks.refresh_all_dashboards", "schedule": timedelta(minutes=5)},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ruziniu API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two models have a `status` field with their own choices; name their enums apart.
    "ENUM_NAME_OVERRIDES": {"CaseStatusEnum": "cases.models.Status", "ClassStatusEnum": "matters.models.ClassStatus"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes logs every successful sign-in at INFO; lockouts come at WARNING.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Names of the three roles; the groups are made by accounts/migrations.
ROLE_STAFF = "街道工作人员"
ROLE_COMMITTEE = "居委会"
ROLE_METHOD_ADMIN = "工作法管理员"

# Case deadlines, in working days (see cases/deadlines.py).
CASE_FIRST_CONTACT_DAYS = env_int("CASE_FIRST_CONTACT_DAYS", 1, minimum=0)
CASE_HANDLING_DAYS = env_int("CASE_HANDLING_DAYS", 5, minimum=1)
CASE_COMPLEX_HANDLING_DAYS = env_int("CASE_COMPLEX_HANDLING_DAYS", 15, minimum=1)

# Classes of matters (matters/): propose a class when this many open or recent similar cases share a category.
MATTERS_CLASS_THRESHOLD = env_int("MATTERS_CLASS_THRESHOLD", 3, minimum=2)
MATTERS_CLASS_RECENT_DAYS = env_int("MATTERS_CLASS_RECENT_DAYS", 90, minimum=1)
# At most this many postings (the heaviest) of one query token are read when a new case's candidates are found
# (matters.similarity reads its rarest tokens first, within a budget of postings): more costs time per case.
MATTERS_POSTINGS_PER_TERM = env_int("MATTERS_POSTINGS_PER_TERM", 3000, minimum=10)

# Dashboards: the default views are served from a snapshot at most this old (0 = always live).
DASHBOARD_SNAPSHOT_MINUTES = env_int("DASHBOARD_SNAPSHOT_MINUTES", 10, minimum=0)

# Browser imports: uploads wait here between preview and commit (shared storage if several web hosts).
IMPORT_UPLOAD_DIR = env_str("IMPORT_UPLOAD_DIR", str(BASE_DIR / "media" / "imports"))
