"""Settings shared by every environment.

Every behaviour lives here and is switched by environment variables (see README.md, section
"Environment variables"); the other modules only choose defaults. With nothing set, QualityHub
runs embedded: an SQLite file and Celery tasks executed in-process. With ``DATABASE_URL`` and
``REDIS_URL`` it uses PostgreSQL, Redis (broker and cache) and real Celery workers.
"""

from importlib.util import find_spec
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from import_export.formats.base_formats import CSV, XLSX

from .env import database_from_url, env_bool, env_int, env_list, env_str, redis_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "insecure-local-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "import_export",
    # django-axes under a translatable name (qualityhub/apps.py).
    "qualityhub.apps.AxesConfig",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "departments",
    "indicators",
    "reports",
    "notices",
    "api",
]

MIDDLEWARE = [
    "qualityhub.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (plotly.js, the stylesheet) from the app server itself: no CDN, no extra
    # web server. With DEBUG it serves them from the finders; otherwise from STATIC_ROOT.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "qualityhub.middleware.ChineseFirstLocaleMiddleware",
    # Before any view (and after the language is chosen, for its Chinese page): a NUL byte in the
    # path, the query or a posted field is a 400, never a database error.
    "qualityhub.middleware.RefuseUnstorableInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # An admin lookup the admin or django-import-export would crash on is a 400.
    "qualityhub.middleware.AdminLookupErrorsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "qualityhub.urls"
WSGI_APPLICATION = "qualityhub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qualityhub.context_processors.role",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------
DATABASES = {"default": database_from_url("DATABASE_URL", "sqlite:///db.sqlite3", BASE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache, or the embedded in-process mode ----------------------------------
REDIS_URL = redis_url("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "qualityhub"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    # Embedded mode: no worker exists, so tasks run in the calling process.
    CELERY_TASK_ALWAYS_EAGER = True

CELERY_TASK_EAGER_PROPAGATES = True
# A task whose worker died is delivered again once this many seconds have passed unacknowledged.
# A worker looks for such deliveries about every CELERY_UNACKED_RESTORE_SECONDS (kombu's Redis
# transport: its restore interval × throttle; kombu's own default is 10 × 10 s).
_UNACKED_RESTORE_SECONDS = max(1, env_int("CELERY_UNACKED_RESTORE_SECONDS", 100))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "unacked_restore_interval": min(10, _UNACKED_RESTORE_SECONDS),
    "unacked_restore_throttle": max(1, _UNACKED_RESTORE_SECONDS // 10),
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    # Nightly recomputation of every gap result (approvals also trigger one, debounced).
    "compute-gaps-nightly": {
        "task": "reports.tasks.compute_gaps_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # Import jobs whose process died under them (no redelivery) end as failed.
    "sweep-import-jobs": {
        "task": "reports.tasks.import_jobs_sweep_task",
        "schedule": crontab(minute="*/10"),
    },
    # Nightly removal of scorecard files no snapshot names and unconfirmed admin uploads.
    "clean-media-nightly": {
        "task": "reports.tasks.clean_media_task",
        "schedule": crontab(hour=3, minute=15),
    },
    # Reminders before a quarter's deadline, overdue notices after it, and e-mails to retry
    # (docs/notifications.md); each notice is made and sent once, however often this runs.
    "notices-tick-hourly": {
        "task": "notices.tasks.notices_tick_task",
        "schedule": crontab(minute=5),
    },
    # The office's weekly digest: late departments and series newly off track.
    "notices-digest-weekly": {
        "task": "notices.tasks.notices_digest_task",
        "schedule": crontab(hour=8, minute=0, day_of_week="mon"),
    },
}

# --- Auth ---------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)

# Failed logins (django-axes): after AXES_FAILURE_LIMIT failures for one username from one
# address, that pair is locked for AXES_COOLOFF_MINUTES. A username that does not exist is
# counted and locked the same way, so the response never tells whether an account exists.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- Language and time --------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Files --------------------------------------------------------------------------------------
STATIC_URL = "static/"
# plotly.js comes from the plotly package itself and is served from the app's static files:
# no CDN, so the dashboards work on an offline network.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("plotly", Path(find_spec("plotly").origin).resolve().parent / "package_data"),
]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# django-import-export (catalogue imports in the admin): xlsx and csv only, in one transaction.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_FORMATS = [CSV, XLSX]
# An upload waits for confirmation in the media storage, which every web process reaches.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"

# --- Imports --------------------------------------------------------------------------------
# Files larger than this are checked and imported by a Celery task, with progress in the page.
IMPORT_BACKGROUND_BYTES = env_int("IMPORT_BACKGROUND_BYTES", 1024 * 1024)
# A background import whose worker died is delivered again; after this many more deliveries
# of the same step the job ends as failed instead of being retried for ever.
IMPORT_MAX_DELIVERIES = env_int("IMPORT_MAX_DELIVERIES", 2)
# A job still checking or importing after this many minutes ends as failed (by default past the
# longest a task may run).
IMPORT_STALE_MINUTES = env_int("IMPORT_STALE_MINUTES", CELERY_TASK_TIME_LIMIT // 60 + 10)
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# --- Reporting ----------------------------------------------------------------------------------
# A quarter the office set no deadline for is due this many days after it ends (completeness's
# 按时报送 / 逾期报送, and the overdue rows of a scorecard).
REPORTING_DEFAULT_DEADLINE_DAYS = env_int("REPORTING_DEFAULT_DEADLINE_DAYS", 15)
if not 0 <= REPORTING_DEFAULT_DEADLINE_DAYS <= 366:
    raise ImproperlyConfigured(
        f"REPORTING_DEFAULT_DEADLINE_DAYS={REPORTING_DEFAULT_DEADLINE_DAYS} must be 0 to 366 days."
    )

# --- E-mail and notices (docs/notifications.md) -------------------------------------------------
# Django's SMTP backend with these settings; `make demo` prints mail to the console instead.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "QualityHub <qualityhub@localhost>")
# A reminder goes this many days before a quarter's deadline; the overdue notice the day after.
NOTICE_REMINDER_DAYS = env_int("NOTICE_REMINDER_DAYS", 3)
# The address shown in notices' links ("http://host:port", no trailing slash).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# --- API (docs/api.md) --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # JSON in and out; the pages to explore the API are /api/docs/ (Swagger UI).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/minute"),
        "user": env_str("API_THROTTLE_USER", "6000/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "QualityHub API",
    "DESCRIPTION": "质量强区指标管理接口 / The QualityHub REST API (docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Read-only fields (id, state, version…) are not offered as input.
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ValueStateEnum": "reports.choices.ValueState",
        "TaskStatusEnum": "reports.choices.TaskStatus",
        "GapStatusEnum": "reports.choices.GapStatus",
        "PeriodStatusEnum": "reports.choices.PeriodStatus",
        "DepartmentStatusEnum": "departments.choices.DepartmentStatus",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Catalogue ----------------------------------------------------------------------------------
CATALOG_DIR = BASE_DIR / "fixtures" / "catalog"
CATALOG_SOURCES_DIR = BASE_DIR / "fixtures" / "sources"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
