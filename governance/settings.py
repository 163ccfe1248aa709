"""Ruziniu settings: one file, configured by environment variables (see README)."""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from governance.env import env_bool, env_database, env_float, env_int, env_list, env_str, env_url

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
    "attachments",
    "track",
    "matters",
    "alerts",
    "notifications",
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
                "notifications.context_processors.bell",
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
else:
    # No JIT: the planner's cost of a word search over the bigram index passes jit_above_cost, and compiling
    # the plan took 175 of a search's 181 ms at 100,000 cases — web pages run short queries, where JIT never pays.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    # Web processes (deploy/gunicorn.conf.py sets 0) run pages of 25 rows: starting parallel workers for them cost
    # more than it saved (20 of a search's 26 ms) and took the second core from the next request.
    parallel = env_int("DATABASE_PARALLEL_WORKERS", -1, minimum=-1)
    if parallel >= 0:
        options["options"] += f" -c max_parallel_workers_per_gather={parallel}"
    if TEST_DATABASE_NAME:
        DATABASES["default"]["TEST"] = {"NAME": TEST_DATABASE_NAME}
# A PostgreSQL read replica for dashboards and exports (governance/replica.py); tests mirror it onto the primary.
if env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = env_database("DATABASE_REPLICA_URL", "")
    DATABASES["replica"]["OPTIONS"] = DATABASES["default"].get("OPTIONS", {})
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["governance.replica.ReplicaRouter"]
# SQLite (the embedded default) builds the case_hood_category_received index without its INCLUDE (status) column,
# which only PostgreSQL's index-only scans use: nothing to warn about.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Django's form renderer with its one-line widget, label and error templates written in Python (same markup).
FORM_RENDERER = "governance.forms_renderer.FastRenderer"

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
# Uploaded files (attachments/): never served raw. MEDIA_URL has no route; every file goes out through a
# view that checks the case's scoping. With ATTACHMENT_S3_BUCKET set they go to an S3-compatible store.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
ATTACHMENT_S3_BUCKET = env_str("ATTACHMENT_S3_BUCKET", "")
DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if ATTACHMENT_S3_BUCKET:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": ATTACHMENT_S3_BUCKET,
            "endpoint_url": env_url("ATTACHMENT_S3_ENDPOINT_URL", ("http", "https")) or None,
            "region_name": env_str("ATTACHMENT_S3_REGION", "") or None,
            "access_key": env_str("ATTACHMENT_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("ATTACHMENT_S3_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("ATTACHMENT_S3_PREFIX", "ruziniu"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Production hardening: on whenever DEBUG is off (see `manage.py check --deploy`).
# Sessions are read from the cache (Redis where configured) and written through to the database: one query less
# on every page, and a restart of the cache signs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
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

OPEN311_POSTS_PER_MINUTE = env_int("OPEN311_POSTS_PER_MINUTE", 30, minimum=1)

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
# The similarity work (matters.tasks: flagging, the sweep) may have a queue and workers of its own, so that a
# burst of imports never delays a notification; by default it shares the one queue.
CELERY_SIMILARITY_QUEUE = env_str("CELERY_SIMILARITY_QUEUE", "")
if CELERY_SIMILARITY_QUEUE:
    CELERY_TASK_ROUTES = {"matters.tasks.*": {"queue": CELERY_SIMILARITY_QUEUE}}
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
    # Due soon / overdue / escalation, daily digests, and deliveries a broker outage left behind.
    "notifications-reminders": {"task": "notifications.tasks.send_reminders", "schedule": timedelta(minutes=5)},
    "alerts-detect": {"task": "alerts.tasks.detect_warnings", "schedule": timedelta(minutes=15)},
}

# The cache holds shared counters (the public lookup's rate limit, track/): it must be one store for every web
# process. CACHE_URL (redis://…) names it; else the Redis of CELERY_BROKER_URL; else a directory of files,
# which every process on this host shares (a second host needs CACHE_URL).
CACHE_URL = env_url("CACHE_URL", ("redis", "rediss"))
_shared_cache = CACHE_URL or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
if _shared_cache:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _shared_cache,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "ruziniu"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env_str("CACHE_DIR", str(BASE_DIR / ".cache")),
        }
    }

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ServiceTokenAuthentication",
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
    # Open311 (plain Django views with their own api_key) is added to the schema by hand.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.open311_schema.add_open311_paths",
    ],
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
ROLE_VISITOR = "回访员"  # return visits only; may be combined with staff (accounts/migrations/0003)

# Case deadlines, in working days (see cases/deadlines.py).
CASE_FIRST_CONTACT_DAYS = env_int("CASE_FIRST_CONTACT_DAYS", 1, minimum=0)
CASE_HANDLING_DAYS = env_int("CASE_HANDLING_DAYS", 5, minimum=1)
CASE_COMPLEX_HANDLING_DAYS = env_int("CASE_COMPLEX_HANDLING_DAYS", 15, minimum=1)
# Return visits (cases/visits.py): made by someone other than the case's handler; due within these working days.
CASE_INDEPENDENT_VISIT = env_bool("CASE_INDEPENDENT_VISIT", True)
CASE_VISIT_DAYS = env_int("CASE_VISIT_DAYS", 3, minimum=1)
CASE_VISIT_ATTEMPTS = env_int("CASE_VISIT_ATTEMPTS", 3, minimum=1)

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

# Notifications (notifications/): when a case counts as due soon, and when an overdue case is escalated.
CASE_DUE_SOON_PERCENT = env_int("CASE_DUE_SOON_PERCENT", 75, minimum=1)
CASE_ESCALATE_AFTER_DAYS = env_int("CASE_ESCALATE_AFTER_DAYS", 2, minimum=0)
# The group told of escalations and warnings besides a team's leader (created by notifications' migration).
CASE_ESCALATE_GROUP = env_str("CASE_ESCALATE_GROUP", "督办负责人")
# Links in e-mails and webhook payloads point here.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# E-mail: SMTP when EMAIL_HOST is set, else the console (development).
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ruziniu@localhost")
# The SMS/IM gateway: notifications are POSTed there as JSON signed with HMAC-SHA256 (empty URL: no webhook).
NOTIFY_WEBHOOK_URL = env_url("NOTIFY_WEBHOOK_URL", ("http", "https"))
NOTIFY_WEBHOOK_SECRET = env_str("NOTIFY_WEBHOOK_SECRET", "")
if NOTIFY_WEBHOOK_URL and len(NOTIFY_WEBHOOK_SECRET) < 16:
    raise ImproperlyConfigured("NOTIFY_WEBHOOK_SECRET (at least 16 characters) is required with NOTIFY_WEBHOOK_URL")
NOTIFY_WEBHOOK_TIMEOUT = env_int("NOTIFY_WEBHOOK_TIMEOUT", 10, minimum=1)
# Users who chose the daily digest get it at this local hour or the first reminder pass after it.
NOTIFY_DIGEST_HOUR = env_int("NOTIFY_DIGEST_HOUR", 8, minimum=0)

# Early warnings (alerts/): thresholds of the detector.
ALERTS_SURGE_DAYS = env_int("ALERTS_SURGE_DAYS", 7, minimum=1)
ALERTS_SURGE_BASELINE_WEEKS = env_int("ALERTS_SURGE_BASELINE_WEEKS", 8, minimum=1)
ALERTS_SURGE_MIN_CASES = env_int("ALERTS_SURGE_MIN_CASES", 5, minimum=1)
ALERTS_SURGE_P = env_float("ALERTS_SURGE_P", 0.01, minimum=0.0, maximum=1.0)
# Pseudo-cases added to a baseline (smoothing): a place with no history still has a small expected rate.
ALERTS_SURGE_PRIOR_CASES = env_float("ALERTS_SURGE_PRIOR_CASES", 1.0, minimum=0.01)
ALERTS_MANY_RESIDENTS = env_int("ALERTS_MANY_RESIDENTS", 5, minimum=2)
ALERTS_MANY_RESIDENTS_DAYS = env_int("ALERTS_MANY_RESIDENTS_DAYS", 7, minimum=1)
ALERTS_REPEAT_CALLER_CASES = env_int("ALERTS_REPEAT_CALLER_CASES", 3, minimum=2)
ALERTS_REPEAT_CALLER_DAYS = env_int("ALERTS_REPEAT_CALLER_DAYS", 30, minimum=1)
ALERTS_RECURRENCE_DAYS = env_int("ALERTS_RECURRENCE_DAYS", 60, minimum=1)
# Attachments (attachments/): a limit per file and for all the files of one case, in MB.
ATTACHMENT_MAX_MB = env_int("ATTACHMENT_MAX_MB", 20, minimum=1)
ATTACHMENT_CASE_MAX_MB = env_int("ATTACHMENT_CASE_MAX_MB", 200, minimum=1)
