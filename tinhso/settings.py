"""tinhso settings: one module, typed environment variables, SQLite by default.

Environment variables (all optional for development):
- ``DATABASE_URL``: e.g. ``postgres://postgres@127.0.0.1:5432/tinhso``; default SQLite in ``var/``.
- ``SECRET_KEY``, ``DEBUG``, ``ALLOWED_HOSTS`` (comma separated), ``SITE_URL``.
- ``TINHSO_WORKING_HOURS`` (``07:00-11:30,13:30-17:00``: 8 working hours a day, the province's one
  setting), ``TINHSO_RECEPTION_CUTOFF`` (``15:00``).
- ``TINHSO_APOLOGY_LEAD_DAYS`` (``1``): an apology letter (BM.04) is accepted up to this many
  working days before the legal due date; ``TINHSO_MAX_EXTENSIONS`` (``1``): letters per dossier.
- ``TINHSO_SUPPLEMENT_REQUEST_DAYS`` (``2``): working days to return an insufficient dossier.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TINHSO_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "axes",
    "django_tasks",
    "django_tasks_db",  # the task table exists whatever the backend (docs/operations.md)
    "tinhso.core",
    "tinhso.procedures",
    "tinhso.dossiers",
    "tinhso.qna",
    "tinhso.feedback",
    "tinhso.portal",
    "tinhso.workspace",
    "tinhso.ioc",
    "tinhso.integrations",  # adapters to outside systems (national portal sync)
    "tinhso.notifications",
    "tinhso.accounts",  # citizen self-registration, one-time codes, password reset
    "tinhso.signatures",  # PAdES signing and validation (pyHanko)
    "tinhso.payments",  # online payment of fees (VNPay, VietQR), receipts
    "tinhso.documents",  # incoming and outgoing documents, work records (QLVB&ĐH)
    "tinhso.demo",  # demo loaders and the history generator: never imported by the product
]

MIDDLEWARE = [
    "tinhso.core.observability.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "tinhso.core.middleware.RejectInvalidTextMiddleware",
    # A database that cannot serve the request: 503 with Retry-After, not a 500.
    "tinhso.core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Errors of /api/ and /open311/ in their shape in every mode; no debug 404 page but for a
    # superuser.
    "tinhso.core.middleware.ErrorShapeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: counts failed logins and refuses locked-out ones (django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tinhso.urls"
WSGI_APPLICATION = "tinhso.wsgi.application"
ASGI_APPLICATION = "tinhso.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tinhso" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tinhso.workspace.context_processors.workspace_nav",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
SQLITE_PATH = Path(os.environ.get("TINHSO_SQLITE_PATH", VAR_DIR / "tinhso.sqlite3"))
SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # No bind parameters (form data) in the server's error log, on every connection; the
        # settings only a superuser may set are in docs/operations.md ("Personal data in logs").
        _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
        _pg_options["options"] = " ".join(
            filter(None, [_pg_options.get("options", ""), "-c log_parameter_max_length_on_error=0"])
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # Kept open across requests, as on PostgreSQL: opening the file and running the
            # PRAGMAs below cost five times a small request (bench/instructions.py --db sqlite).
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers never deadlock on
                # lock upgrade; WAL lets readers run beside the writer.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# --- Language and time --------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "tinhso" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "tinhso" / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise looks there (collectstatic fills it)
WHITENOISE_USE_FINDERS = DEBUG  # development: serve straight from the apps' static folders
# Uploaded files: all private, served only by views that check access; no URL serves MEDIA_ROOT
# and the default storage has none (tinhso.core.storage).
MEDIA_ROOT = VAR_DIR / "media"

LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:after_login"
LOGOUT_REDIRECT_URL = "home"
# dd/mm/yyyy dates in Vietnamese (tinhso/formats/vi/formats.py).
FORMAT_MODULE_PATH = ["tinhso.formats"]

# --- Working calendar (see tinhso.core.workcalendar) --------------------------------------
TINHSO_WORKING_HOURS = env_str("TINHSO_WORKING_HOURS", "07:00-11:30,13:30-17:00")
TINHSO_RECEPTION_CUTOFF = env_str("TINHSO_RECEPTION_CUTOFF", "15:00")
# Apology letters (BM.04): the lead time before the legal due date (working days, may be a
# fraction) and how many letters one dossier may have.
TINHSO_APOLOGY_LEAD_DAYS = env_str("TINHSO_APOLOGY_LEAD_DAYS", "1")
TINHSO_MAX_EXTENSIONS = env_int("TINHSO_MAX_EXTENSIONS", 1)
# Working days the one-stop desk has, from the documents' arrival, to return an insufficient
# dossier with a supplement request (Decree 118/2025; DOMAIN.md "within 2 working days").
TINHSO_SUPPLEMENT_REQUEST_DAYS = env_int("TINHSO_SUPPLEMENT_REQUEST_DAYS", 2)
TINHSO_DEMO_PROVINCE = env_str("TINHSO_DEMO_PROVINCE", "44")
# Management commands run by ``load_demo`` after the core (each takes --province).
TINHSO_DEMO_LOADERS = [
    "load_demo_catalogue",
    "load_demo_qna",
    "load_demo_feedback",
    "load_demo_ioc",
    "load_demo_documents",
    "load_demo_signing",
]
# The demo's leaders and clerks get certificates from the stand-in PKI, registered to them and held
# by the stand-in signing agent (tinhso/demo/signing.py); off: the demo has no certificates.
TINHSO_DEMO_SIGNING = env_bool("TINHSO_DEMO_SIGNING", True)
# Synthetic past dossiers the demo generates once for the operations centre (0: none).
TINHSO_DEMO_HISTORY = env_int("TINHSO_DEMO_HISTORY", 20000)
# A year of demo documents (incoming and outgoing) across the province's agencies (0: none).
TINHSO_DEMO_DOCUMENTS = env_int("TINHSO_DEMO_DOCUMENTS", 5000)
TINHSO_QNA_DAILY_LIMIT = env_int("TINHSO_QNA_DAILY_LIMIT", 5)  # questions per asker per day
# One uploaded file: 20 MB, so that a 48–50 MP phone photo (8–15 MB) is accepted.
TINHSO_MAX_UPLOAD_BYTES = env_int("TINHSO_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# A request's body apart from its files (a JSON body, a posted form): larger answers 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("TINHSO_MAX_BODY_BYTES", 1024 * 1024)
# Application data (form_data): a string without its own maxLength in the procedure's schema, and
# an array without its own maxItems, are capped at these (tinhso.procedures.forms_schema).
TINHSO_FORM_TEXT_MAX_LENGTH = env_int("TINHSO_FORM_TEXT_MAX_LENGTH", 2000)
TINHSO_FORM_MAX_ITEMS = env_int("TINHSO_FORM_MAX_ITEMS", 100)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Logging: JSON lines in production (``TINHSO_LOG_FORMAT=json``), readable text otherwise;
# both formatters hide Open311 keys (tinhso.core.observability.redact_secrets).
LOG_FORMAT = env_str("TINHSO_LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "tinhso.core.observability.JsonFormatter"},
        "text": {
            "()": "tinhso.core.observability.TextFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every step of every PDF at INFO
        "weasyprint": {"level": "WARNING"},
        # runserver's request lines carry query strings: through the formatter that hides keys.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Security -------------------------------------------------------------------------------
# Behind a TLS-terminating proxy set TINHSO_BEHIND_PROXY=1 (trusts X-Forwarded-Proto, and the
# last X-Forwarded-For entry as the client's address: tinhso.core.ratelimit.client_address).
TINHSO_BEHIND_PROXY = env_bool("TINHSO_BEHIND_PROXY", False)
if TINHSO_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
HTTPS = env_bool("TINHSO_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS and env_bool("TINHSO_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # pages carry the token in the form / <body hx-headers>
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("TINHSO_SESSION_SECONDS", 8 * 3600)  # one working day
SECURE_HSTS_SECONDS = env_int("TINHSO_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
CSRF_FAILURE_VIEW = "tinhso.core.views.csrf_failure"  # the site's 403 page, in Vietnamese

# Content-Security-Policy (django-csp): no inline script or style anywhere; every library is
# vendored and served from 'self'. Map tiles come from TINHSO_MAP_TILE_URL's host when one is set.
TINHSO_MAP_TILE_URL = env_str("TINHSO_MAP_TILE_URL", "")  # empty: maps without tiles
TINHSO_MAP_TILE_ATTRIBUTION = env_str("TINHSO_MAP_TILE_ATTRIBUTION", "")
_tile_hosts = []
if TINHSO_MAP_TILE_URL:
    from urllib.parse import urlsplit

    _tiles = urlsplit(TINHSO_MAP_TILE_URL.replace("{s}.", ""))
    _tile_hosts = [f"{_tiles.scheme}://{_tiles.netloc}", f"{_tiles.scheme}://*.{_tiles.netloc}"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *_tile_hosts],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login throttling (django-axes): 5 failures per username and address, then 15 minutes locked;
# and TINHSO_RATE_LOGIN_FAILURES per address across user names (below).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "tinhso.accounts.backends.CitizenBackend",  # a verified phone or an ID number
]
AXES_ENABLED = env_bool("TINHSO_LOGIN_THROTTLING", True)
AXES_FAILURE_LIMIT = env_int("TINHSO_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = env_int("TINHSO_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tinhso.core.auth.lockout_response"  # locked_out.html, 429
# The same client address as the rate limits (django-ipware is not installed).
AXES_CLIENT_IP_CALLABLE = "tinhso.core.ratelimit.client_address"
# django-axes extended: also refuses an address after too many failures across user names.
AXES_HANDLER = "tinhso.core.auth.LoginThrottleHandler"

# --- Rate limits (tinhso.core.ratelimit) -------------------------------------------------
# "COUNT/PERIOD", the period in s, m, h or d, optionally with a multiple ("20/10m"); "0": off.
# Online submissions per applicant (the counter's desk officers are not limited):
TINHSO_RATE_SUBMISSIONS = env_str("TINHSO_RATE_SUBMISSIONS", "30/h")
# Open311 posts per API key and per address; posts and reads with a wrong key per address:
TINHSO_RATE_OPEN311_POSTS = env_str("TINHSO_RATE_OPEN311_POSTS", "60/m")
TINHSO_RATE_OPEN311_BAD_KEYS = env_str("TINHSO_RATE_OPEN311_BAD_KEYS", "10/m")
# Wrong or revoked wall display tokens per address (the operations-centre wall's kiosk mode):
TINHSO_RATE_WALL_BAD_TOKENS = env_str("TINHSO_RATE_WALL_BAD_TOKENS", "10/m")
# Failed logins per address across user names (mobile carriers share addresses: failures only):
TINHSO_RATE_LOGIN_FAILURES = env_str("TINHSO_RATE_LOGIN_FAILURES", "20/10m")
# One-time codes per phone or e-mail; self-registrations per address.
TINHSO_RATE_ONE_TIME_CODES = env_str("TINHSO_RATE_ONE_TIME_CODES", "5/h")
TINHSO_RATE_REGISTRATIONS = env_str("TINHSO_RATE_REGISTRATIONS", "10/h")
# Wrong ID digits per dossier code on public tracking (the receipt's QR code still works).
TINHSO_RATE_TRACK_FAILURES = env_str("TINHSO_RATE_TRACK_FAILURES", "10/h")
# The public signature validator (it makes the server fetch revocation data): per address.
TINHSO_RATE_SIGNATURE_VALIDATIONS = env_str("TINHSO_RATE_SIGNATURE_VALIDATIONS", "30/h")
# Where the counters live: empty, the database (core.RateCounter, atomic, shared by every
# worker); or TINHSO_RATE_LIMIT_REDIS_URL (needs the ``redis`` package): a Redis cache.
TINHSO_RATE_LIMIT_CACHE = ""
if env_str("TINHSO_RATE_LIMIT_REDIS_URL", ""):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("TINHSO_RATE_LIMIT_REDIS_URL", ""),
        },
    }
    TINHSO_RATE_LIMIT_CACHE = "ratelimit"

# --- Static files in production: WhiteNoise serves the collected, compressed, hashed files.
STORAGES = {
    "default": {"BACKEND": "tinhso.core.storage.PrivateFileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Field feedback ----------------------------------------------------------------------
TINHSO_FEEDBACK_MAX_PHOTO_BYTES = env_int("TINHSO_FEEDBACK_MAX_PHOTO_BYTES", 20 * 1024 * 1024)
TINHSO_FEEDBACK_MAX_PER_DAY = env_int("TINHSO_FEEDBACK_MAX_PER_DAY", 20)

# --- API bearer tokens: refused this many days after their creation (``tinhso create-token``).
TINHSO_API_TOKEN_TTL_DAYS = env_int("TINHSO_API_TOKEN_TTL_DAYS", 90)

# --- Metrics: /metrics (Prometheus text format) answers a scraper with this bearer token (none
# set: nobody), from these socket addresses (empty: any; X-Forwarded-For is never trusted here).
TINHSO_METRICS_TOKEN = env_str("TINHSO_METRICS_TOKEN", "")
TINHSO_METRICS_ALLOWED = env_list("TINHSO_METRICS_ALLOWED", "127.0.0.1,::1")

# --- Background work (docs/architecture.md "Background work", docs/operations.md) -----------
# Django's Tasks API (the django-tasks backport). TINHSO_TASKS_BACKEND selects the queue:
# ``database`` (default: the task table, worker ``db_worker``), ``rq`` (Redis at REDIS_URL, worker
# ``rqworker``; needs ``pip install '.[rq]'``) or ``immediate`` (runs each task at enqueue).
TINHSO_TASKS_BACKEND = env_str("TINHSO_TASKS_BACKEND", "database")
if TINHSO_TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": env_str("REDIS_URL", "redis://127.0.0.1:6379/0")}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    TINHSO_WORKER_COMMAND = ["rqworker", "--job-class", "django_tasks_rq.Job", "default"]
elif TINHSO_TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    TINHSO_WORKER_COMMAND = []
elif TINHSO_TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    TINHSO_WORKER_COMMAND = ["db_worker", "--no-reload", "--interval", "1"]
else:
    raise RuntimeError("TINHSO_TASKS_BACKEND must be database, rq or immediate")

# The operations centre's province figures are computed once per roll-up version and kept this
# many seconds (0: computed on every request): the live counts on the page (overdue now, field
# feedback, plans) are at most this late. The pages refresh themselves every 60 s.
TINHSO_IOC_CACHE_SECONDS = env_int("TINHSO_IOC_CACHE_SECONDS", 60)

# The search page's sector filter (the sectors that have a procedure) is kept this many seconds
# (0: read on every request): a catalogue change shows in the filter at most this late.
TINHSO_CATALOGUE_CACHE_SECONDS = env_int("TINHSO_CATALOGUE_CACHE_SECONDS", 60)

# Periodic work: the scheduler (``tinhso scheduler``) enqueues each entry's task every N seconds.
# A new periodic task is a ``@task`` function in its app's ``tasks.py`` plus one entry here.
# Files kept for a form that failed validation (the counter's scans) wait this long for the
# successful submission; the scheduler deletes older ones (core.services.pending_uploads_purge).
TINHSO_PENDING_UPLOAD_HOURS = env_int("TINHSO_PENDING_UPLOAD_HOURS", 24)
TINHSO_SCHEDULE = {
    "outbox-delivery": {
        "task": "tinhso.dossiers.tasks.deliver_outbox",
        "every": env_int("TINHSO_OUTBOX_EVERY", 10),
    },
    "deadline-sweep": {
        "task": "tinhso.dossiers.tasks.sweep_deadlines",
        "every": env_int("TINHSO_SWEEP_EVERY", 300),
    },
    "ioc-refresh": {
        "task": "tinhso.ioc.tasks.refresh_rollups",
        "every": env_int("TINHSO_IOC_REFRESH_EVERY", 60),
    },
    "drafts-purge": {"task": "tinhso.portal.tasks.purge_drafts", "every": 24 * 3600},
    # Once a day per assignment (the service skips those reminded today): hourly is enough.
    "documents-reminders": {
        "task": "tinhso.documents.tasks.remind_documents",
        "every": env_int("TINHSO_DOCUMENT_REMINDERS_EVERY", 3600),
    },
    "task-results-prune": {"task": "tinhso.core.tasks.prune_task_results", "every": 24 * 3600},
    "pending-uploads-purge": {"task": "tinhso.core.tasks.purge_pending_uploads", "every": 3600},
    "notification-delivery": {
        "task": "tinhso.notifications.tasks.deliver_notifications",
        "every": env_int("TINHSO_NOTIFY_EVERY", 30),
    },
    "notify-due-soon": {"task": "tinhso.notifications.tasks.notify_due_soon", "every": 3600},
    # Zalo's access token refreshed before it expires, even when no ZNS message is sent (its
    # single-use refresh token expires unused otherwise); nothing when ZNS is not configured.
    "zns-token-refresh": {"task": "tinhso.notifications.tasks.refresh_zns_token", "every": 3600},
    # Arrivals on the document exchange axis (nothing without TINHSO_EXCHANGE_AXIS_URL).
    "exchange-pull": {
        "task": "tinhso.integrations.tasks.pull_exchange",
        "every": env_int("TINHSO_EXCHANGE_PULL_EVERY", 60),
    },
    "payments-reconcile": {
        "task": "tinhso.payments.tasks.reconcile_payments",
        "every": env_int("TINHSO_PAYMENTS_RECONCILE_EVERY", 600),
    },
}
# The outbox: how long a claimed message is reserved for its worker (a killed worker's messages
# are claimable again after it), and the retry back-off (doubling from BASE up to CAP, jittered).
TINHSO_OUTBOX_LEASE_SECONDS = env_int("TINHSO_OUTBOX_LEASE_SECONDS", 120)
TINHSO_OUTBOX_BATCH = env_int("TINHSO_OUTBOX_BATCH", 100)
TINHSO_RETRY_BASE_SECONDS = env_int("TINHSO_RETRY_BASE_SECONDS", 30)
TINHSO_RETRY_CAP_SECONDS = env_int("TINHSO_RETRY_CAP_SECONDS", 3600)
# A message that failed this many times is a dead letter (it blocks its dossier's later messages
# until an administrator resends or discards it); a held one (e.g. no national procedure code)
# is looked at again after HOLD seconds and never dies.
TINHSO_OUTBOX_MAX_ATTEMPTS = env_int("TINHSO_OUTBOX_MAX_ATTEMPTS", 20)
TINHSO_OUTBOX_HOLD_SECONDS = env_int("TINHSO_OUTBOX_HOLD_SECONDS", 600)
# The national public service portal (tinhso.integrations.national_portal, docs/national-portal.md):
# no URL, no delivery (the messages wait, visible). STANDIN: ``run-all`` also starts the stand-in
# portal (tinhso.standins.national_portal) on the URL's port, its records kept in STANDIN_DB.
TINHSO_NATIONAL_PORTAL_URL = env_str("TINHSO_NATIONAL_PORTAL_URL", "")
TINHSO_NATIONAL_PORTAL_USERNAME = env_str("TINHSO_NATIONAL_PORTAL_USERNAME", "tinhso")
TINHSO_NATIONAL_PORTAL_PASSWORD = env_str("TINHSO_NATIONAL_PORTAL_PASSWORD", "tinhso")
TINHSO_NATIONAL_PORTAL_TIMEOUT = env_int("TINHSO_NATIONAL_PORTAL_TIMEOUT", 20)
TINHSO_NATIONAL_PORTAL_STANDIN = env_bool("TINHSO_NATIONAL_PORTAL_STANDIN", False)
TINHSO_NATIONAL_PORTAL_STANDIN_DB = env_str(
    "TINHSO_NATIONAL_PORTAL_STANDIN_DB", str(VAR_DIR / "national-portal-standin.sqlite3")
)


# The national document exchange axis (edXML between agencies; tinhso.integrations.exchange,
# docs/exchange.md): no URL, nothing is sent (the outbox rows wait, visible) and nothing pulled.
# CLIENT_KEY/SECRET: the platform's credentials on the axis; AGENCIES: the agencies connected to
# it with each one's own secret, "CODE=secret,CODE2=secret2". STANDIN: ``run-all`` also starts
# the stand-in axis (tinhso.standins.edxml_axis) on the URL's port with those agencies and the
# organs outside the platform of STANDIN_ORGANS (the demo's correspondents), kept in STANDIN_DB.
def _pairs(text: str) -> dict[str, str]:
    return dict(item.strip().split("=", 1) for item in text.split(",") if "=" in item)


TINHSO_EXCHANGE_AXIS_URL = env_str("TINHSO_EXCHANGE_AXIS_URL", "").rstrip("/")
TINHSO_EXCHANGE_AXIS_CLIENT_KEY = env_str("TINHSO_EXCHANGE_AXIS_CLIENT_KEY", "tinhso")
TINHSO_EXCHANGE_AXIS_CLIENT_SECRET = env_str(
    "TINHSO_EXCHANGE_AXIS_CLIENT_SECRET", "tinhso-axis-secret" if DEBUG else ""
)
TINHSO_EXCHANGE_AXIS_TIMEOUT = env_int("TINHSO_EXCHANGE_AXIS_TIMEOUT", 20)
TINHSO_EXCHANGE_AGENCIES = _pairs(env_str("TINHSO_EXCHANGE_AGENCIES", ""))
TINHSO_EXCHANGE_AXIS_STANDIN = env_bool("TINHSO_EXCHANGE_AXIS_STANDIN", False)
# The envelopes are signed (XML-DSig, SHA-256) with the agency's organisation key, the one its
# copies are signed with (TINHSO_ORGANISATION_KEYS below); an agency without one sends unsigned.
TINHSO_EXCHANGE_STANDIN_ORGANS = _pairs(
    env_str("TINHSO_EXCHANGE_STANDIN_ORGANS", "000.00.00.G01=standin-ministry-secret")
)
TINHSO_EXCHANGE_STANDIN_DB = env_str(
    "TINHSO_EXCHANGE_STANDIN_DB", str(VAR_DIR / "exchange-axis-standin.sqlite3")
)

# Sign-in through the national portal's SSO (VNeID accounts; tinhso.accounts.sso, OpenID
# Connect): no ISSUER (or no CLIENT_ID), no VNeID button. ACR_VALUES: what a sign-in asks for
# when no procedure asks for more ("LoA{n}"). STANDIN: ``run-all`` also starts the stand-in
# provider (tinhso.standins.sso) on the issuer's port, with this client registered.
TINHSO_SSO_ISSUER = env_str("TINHSO_SSO_ISSUER", "").rstrip("/")
TINHSO_SSO_CLIENT_ID = env_str("TINHSO_SSO_CLIENT_ID", "")
TINHSO_SSO_CLIENT_SECRET = env_str("TINHSO_SSO_CLIENT_SECRET", "")
TINHSO_SSO_LEVEL = env_int("TINHSO_SSO_LEVEL", 1)
TINHSO_SSO_TIMEOUT = env_int("TINHSO_SSO_TIMEOUT", 10)
TINHSO_SSO_METADATA_TTL = env_int("TINHSO_SSO_METADATA_TTL", 300)
TINHSO_SSO_STANDIN = env_bool("TINHSO_SSO_STANDIN", False)
TINHSO_SSO_STANDIN_DIR = env_str("TINHSO_SSO_STANDIN_DIR", str(VAR_DIR / "sso-standin"))
if TINHSO_SSO_ISSUER:  # the logout form is redirected to the SSO's end-session endpoint
    from urllib.parse import urlsplit

    _sso = urlsplit(TINHSO_SSO_ISSUER)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_sso.scheme}://{_sso.netloc}")
# Payments (docs/payments.md). VNPay: the merchant's terminal code and hash secret, the payment
# page and the query API; with VNPAY_STANDIN, ``run-all`` also starts the stand-in gateway
# (tinhso.standins.vnpay) on the payment URL's port, calling the IPN at VNPAY_IPN_URL. With
# DEBUG the demo merchant of the stand-in is the default (its secret is a demo value, never a
# real one). VietQR: the bank's BIN (6 digits, NAPAS) and the account fees are paid to.
TINHSO_VNPAY_STANDIN_PORT = env_int("TINHSO_VNPAY_STANDIN_PORT", 8795)
_VNPAY_STANDIN_URL = f"http://127.0.0.1:{TINHSO_VNPAY_STANDIN_PORT}" if DEBUG else ""
TINHSO_VNPAY_URL = env_str(
    "TINHSO_VNPAY_URL", _VNPAY_STANDIN_URL and _VNPAY_STANDIN_URL + "/paymentv2/vpcpay.html"
)
TINHSO_VNPAY_API_URL = env_str(
    "TINHSO_VNPAY_API_URL",
    _VNPAY_STANDIN_URL and _VNPAY_STANDIN_URL + "/merchant_webapi/api/transaction",
)
TINHSO_VNPAY_TMN_CODE = env_str("TINHSO_VNPAY_TMN_CODE", "TINHSO01" if DEBUG else "")
TINHSO_VNPAY_HASH_SECRET = env_str(
    "TINHSO_VNPAY_HASH_SECRET", "standin-vnpay-demo-secret" if DEBUG else ""
)
TINHSO_VNPAY_STANDIN = env_bool("TINHSO_VNPAY_STANDIN", DEBUG)
# Where the stand-in calls the IPN (empty: the address run-all serves on).
TINHSO_VNPAY_IPN_URL = env_str("TINHSO_VNPAY_IPN_URL", "")
TINHSO_VIETQR_BANK_BIN = env_str("TINHSO_VIETQR_BANK_BIN", "970415" if DEBUG else "")
TINHSO_VIETQR_ACCOUNT = env_str("TINHSO_VIETQR_ACCOUNT", "113366668888" if DEBUG else "")
TINHSO_VIETQR_ACCOUNT_NAME = env_str("TINHSO_VIETQR_ACCOUNT_NAME", "")
# Banks that push their transaction feed to /thanh-toan/ngan-hang/<bank>/ (docs/payments.md):
# "VCB=secret,TCB=secret2", each body signed with HMAC-SHA256 under the bank's secret.
TINHSO_BANK_WEBHOOK_SECRETS = dict(
    item.split("=", 1)
    for item in env_str("TINHSO_BANK_WEBHOOK_SECRETS", "").split(",")
    if "=" in item
)
# The series of the platform's payment receipts (numbered per agency and year, without gaps).
TINHSO_PAYMENT_RECEIPT_SERIES = env_str("TINHSO_PAYMENT_RECEIPT_SERIES", "BLP")

# Notifications (docs/operations.md, "Notifications"). E-mail through Django's backend: SMTP in
# production; with DEBUG the file backend writes each message to var/mail/ (make run).
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Một cửa điện tử <no-reply@tinhso.local>")
# SMS brand-name and Zalo ZNS providers; with DEBUG, the stand-in provider of make run
# (python -m tinhso.standins.sms_zns, its messages at http://127.0.0.1:8025/).
TINHSO_STANDIN_PORT = env_int("TINHSO_STANDIN_PORT", 8025)
_STANDIN = f"http://127.0.0.1:{TINHSO_STANDIN_PORT}" if DEBUG else ""
TINHSO_SMS_URL = env_str("TINHSO_SMS_URL", _STANDIN)
TINHSO_SMS_API_KEY = env_str("TINHSO_SMS_API_KEY", "standin-sms-key" if DEBUG else "")
TINHSO_SMS_BRANDNAME = env_str("TINHSO_SMS_BRANDNAME", "TINHSO")
TINHSO_ZNS_URL = env_str("TINHSO_ZNS_URL", _STANDIN and _STANDIN + "/zns")
TINHSO_ZNS_OAUTH_URL = env_str(
    "TINHSO_ZNS_OAUTH_URL", _STANDIN and _STANDIN + "/oauth/access_token"
)
TINHSO_ZNS_APP_ID = env_str("TINHSO_ZNS_APP_ID", "standin-app" if DEBUG else "")
TINHSO_ZNS_SECRET_KEY = env_str("TINHSO_ZNS_SECRET_KEY", "standin-secret" if DEBUG else "")
# The first refresh token (then kept, and replaced at each refresh, in the ProviderToken row).
TINHSO_ZNS_REFRESH_TOKEN = env_str("TINHSO_ZNS_REFRESH_TOKEN", "standin-refresh-0" if DEBUG else "")
TINHSO_NOTIFY_MAX_ATTEMPTS = env_int("TINHSO_NOTIFY_MAX_ATTEMPTS", 8)
# Each process keeps the notification templates this many seconds (0: read for every message);
# an edit in the admin reaches the other processes within that time.
TINHSO_NOTIFY_TEMPLATE_SECONDS = env_int("TINHSO_NOTIFY_TEMPLATE_SECONDS", 60)

# Digital signatures (tinhso.signatures, docs/signatures.md). Trust roots: PEM/DER files (in
# production the Government Cipher Committee's root and the national root NEAC; make run: the demo
# CA of the stand-in PKI in var/pki). The validator fetches revocation data (OCSP, CRL) only from
# URLs starting with an allow-listed prefix. TSA: the timestamp authority of B-T and B-LTA.
TINHSO_PKI_DIR = Path(env_str("TINHSO_PKI_DIR", str(VAR_DIR / "pki")))
TINHSO_PKI_PORT = env_int("TINHSO_PKI_PORT", 8794)
_PKI = f"http://127.0.0.1:{TINHSO_PKI_PORT}" if DEBUG else ""
TINHSO_SIGNATURE_TRUST_ROOTS = env_list(
    "TINHSO_SIGNATURE_TRUST_ROOTS", str(TINHSO_PKI_DIR / "root.pem") if DEBUG else ""
)
TINHSO_REVOCATION_ALLOWLIST = env_list("TINHSO_REVOCATION_ALLOWLIST", _PKI and _PKI + "/")
TINHSO_TSA_URL = env_str("TINHSO_TSA_URL", _PKI and _PKI + "/tinhso-demo/tsa/tsa")
TINHSO_SIGNATURE_MAX_UPLOAD = env_int("TINHSO_SIGNATURE_MAX_UPLOAD", 20 * 1024 * 1024)
# The organisation's signature made on the server (copies: sao y, sao lục, trích sao): a PKCS#12
# file per agency electronic code, "CODE=/path/file.p12", or "*=/path" for every agency ("{code}"
# in it: the agency's code, "*=/keys/{code}.p12"); the password from the environment. make run:
# each demo agency's own key, issued by load_demo_signing from the stand-in PKI into
# var/pki/officers/org-<code>.p12 (tinhso.demo.signing.ORGANISATION_LABEL).
TINHSO_ORGANISATION_KEYS = env_list(
    "TINHSO_ORGANISATION_KEYS",
    f"*={TINHSO_PKI_DIR / 'officers' / 'org-{code}.p12'}" if DEBUG else "",
)
TINHSO_ORGANISATION_KEY_PASSWORD = env_str(
    "TINHSO_ORGANISATION_KEY_PASSWORD", "tinhso-demo" if DEBUG else ""
)
# Interrupted signing: how long the server keeps a prepared signature for the signing agent.
TINHSO_SIGNING_SESSION_SECONDS = env_int("TINHSO_SIGNING_SESSION_SECONDS", 600)
# Where the officer's browser finds the signing agent on their computer (the Government Cipher
# Committee's listens on 127.0.0.1:8987); the pages may connect to its origin (connect-src).
# "{user}" in it is replaced by the signed-in officer's user name: the demo's stand-in agent holds
# every demo officer's token, one under each /<user name>/ (make run:
# http://127.0.0.1:8796/{user}, TINHSO_SIGNING_AGENT_STANDIN=1: run-all starts it on that port
# with the tokens manage.py load_demo_signing wrote to var/pki).
TINHSO_SIGNING_AGENT_URL = env_str("TINHSO_SIGNING_AGENT_URL", "http://127.0.0.1:8987").rstrip("/")
TINHSO_SIGNING_AGENT_STANDIN = env_bool("TINHSO_SIGNING_AGENT_STANDIN", False)
TINHSO_SIGNING_AGENT_STANDIN_TOKENS = Path(
    env_str("TINHSO_SIGNING_AGENT_STANDIN_TOKENS", str(TINHSO_PKI_DIR / "agent-tokens.json"))
)


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


CONTENT_SECURITY_POLICY["DIRECTIVES"]["connect-src"].append(_origin(TINHSO_SIGNING_AGENT_URL))
# The SMS/ZNS providers' delivery receipts: POST /thong-bao/bien-nhan/ with this token in the
# X-Receipt-Token header (none set: the callback answers 404).
TINHSO_NOTIFY_RECEIPT_TOKEN = env_str(
    "TINHSO_NOTIFY_RECEIPT_TOKEN", "standin-receipt-token" if DEBUG else ""
)
