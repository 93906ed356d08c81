"""Settings for ECMO Dispatch, read from the environment (12-factor).

Every variable read here is listed in the README's settings table. With no environment at
all the service runs on SQLite, the local Redis (if any) and the console notification
backend, so a newcomer needs no configuration.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# The fallback key is public (it is in this file): good for a laptop, never for a server.
# `manage.py preflight` (the run command) refuses it when DEBUG is off; `check --deploy` warns (W009).
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Public address of this service: Twilio signs webhooks against it and SMS links point to it.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "phonenumber_field",
    "channels",
    "hospitals",
    "dispatch",
    "dispatch.notifications",
    "dispatch.tracking",
    "dispatch.referrals",
    "dispatch.realtime",
    "health_check",  # /readyz (dispatch/monitoring)
    "dispatch.accounts",
    "dispatch.preparation",
    "dispatch.records",
    "dispatch.quality",
    "dispatch.drills",
    "dispatch.roster",
    # Brute-force limit on the login page and the token endpoint (dispatch/accounts/lockout.py).
    "axes",
]

MIDDLEWARE = [
    # First: it times every request, redirects and refusals included (/metrics, dispatch/monitoring).
    "dispatch.monitoring.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a login that axes refused into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DATABASE_POOL", default=True):
    # Under Daphne every request may run in a new thread: a pool bounds connections and
    # makes a burst wait for a connection instead of failing with "too many clients".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=20),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (Daphne, worker, beat) share the file: wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts (dispatch/accounts) ---
# Axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# An API token is valid this many hours after it was issued; then 401, and the client logs in again.
API_TOKEN_TTL_H = env.float("API_TOKEN_TTL_H", default=24.0)
if not API_TOKEN_TTL_H > 0:
    raise environ.ImproperlyConfigured(f"API_TOKEN_TTL_H must be > 0, got {API_TOKEN_TTL_H!r}")
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_LOCKOUT_MINUTES", default=15.0) / 60  # axes takes hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A wrong password during a lockout does not extend it (so the lockout ends when the message says).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "dispatch.accounts.lockout.lockout_response"
# Behind N reverse proxies that each append to X-Forwarded-For, the client is the N-th address
# from its right (the brute-force limit and the audit of clinical reads both use it); 0 = REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "dispatch.accounts.lockout.client_ip"
# --- end accounts ---

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# --- languages and formats (locale/, config/formats/) ---
# Slovene unless the browser asks for English or the person chose it (the top bar's switch: a
# cookie, and Profile.language, which SMS and calls use). Each language is named in itself.
LANGUAGE_CODE = "sl"
LANGUAGES = [("sl", "Slovenščina"), ("en", "English")]
# The compiled catalogues (.mo) are committed beside the .po: nothing to compile on a server.
LOCALE_PATHS = [BASE_DIR / "locale"]
# The switch's choice outlives the browser session (a year); it is no secret, so no other flags.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
# Our own date and time formats (English with the 24-hour clock); Slovene uses Django's.
FORMAT_MODULE_PATH = ["config.formats"]
# --- end languages and formats ---
TIME_ZONE = env.str("DISPLAY_TIME_ZONE", default="Europe/Ljubljana")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# The team phone's web app manifest (whitenoise would serve it as application/octet-stream).
WHITENOISE_MIMETYPES = {".webmanifest": "application/manifest+json"}

LOGIN_URL = "login"

# --- HTTPS and browser protections (production: see README, "Production settings") ---
# HTTPS=true: the site is served over HTTPS only. Cookies are then Secure, plain HTTP is
# redirected, and browsers are told (HSTS) to use HTTPS for SECURE_HSTS_SECONDS.
HTTPS = env.bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Preloading is the domain owner's decision (hstspreload.org), so `check --deploy` does not ask for it.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Behind a reverse proxy that terminates TLS: trust its X-Forwarded-Proto (only if it always sets it).
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# No inline script or style anywhere: pages load static files and read data from
# <script type="application/json"> blocks (json_script), which a CSP never runs.
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
# --- end HTTPS and browser protections ---
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Redis, channel layer, Celery -------------------------------------------------------
# REDIS_URL empty means "no Redis": single-process mode (in-memory channel layer, tasks run
# in-process with their delays honoured). The run command decides this at start-up.
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
SINGLE_PROCESS = not REDIS_URL

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # The layer's blocking read waits 5 s; redis-py's default 5 s socket timeout
                # could fire first and crash an idle WebSocket (seen in the board benchmark).
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                "prefix": env.str("CHANNEL_LAYER_PREFIX", default="ecmo"),
                "capacity": 1000,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Paging is IO-bound (each page is one Twilio request): a pool of threads in one worker process
# sends the first pages of every role at the same time, where 2 prefork slots sent them two by
# two (bench/RESULTS.md, issue 16). Each thread has its own database connection, closed by
# Celery's Django fix-up before and after every task. Every worker start (scripts/run.sh,
# bench/stack.py, the tests, docs/deploy.md) takes the pool and its size from here.
CELERY_WORKER_POOL = env.str("CELERY_WORKER_POOL", default="threads")
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=8)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300)}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an expired or missing login is then a 401 (not a 403), so the phone page
    # knows to log in again and keeps its queued taps instead of dropping them.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dispatch.accounts.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "dispatch.api.exceptions.exception_handler",
    # JSON with a nesting limit (API_JSON_MAX_DEPTH): a deeply nested body is a 400, not a 500.
    "DEFAULT_PARSER_CLASSES": [
        "dispatch.api.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Deepest nesting a JSON request body may have; our bodies nest 3 levels at most.
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)
SPECTACULAR_SETTINGS = {
    "TITLE": "ECMO Dispatch API",
    "DESCRIPTION": "Referrals, mobile ECMO team activation and mission tracking.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs describe every endpoint: for logged-in users only (token or session).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from our own static files: the service must work without internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set (two sets sharing a field name, or one set under two names, would
    # otherwise get hashed names and warnings in `check --deploy`).
    "ENUM_NAME_OVERRIDES": {
        "MissionStatusEnum": "dispatch.models.MissionStatus",
        "SurvivalEnum": "dispatch.records.models.Survival",
        "MissionKindEnum": "dispatch.models.MissionKind",
        "HospitalKindEnum": "hospitals.models.HospitalKind",
        "TransportModeEnum": "dispatch.models.TransportMode",
        "TeamRoleEnum": "dispatch.models.TeamRole",
        "VvCauseEnum": "dispatch.decision_support.inputs.VV_CAUSES",
        "VaCauseEnum": "dispatch.decision_support.inputs.VA_CAUSES",
        "InitialRhythmEnum": "dispatch.decision_support.inputs.INITIAL_RHYTHMS",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "dispatch.api.schema.add_error_responses",
    ],
}

PHONENUMBER_DEFAULT_REGION = None
PHONENUMBER_DEFAULT_FORMAT = "E164"

# --- Missions ----------------------------------------------------------------------------
# Roles a mobile team needs unless the coordinator says otherwise (ELSO transport guideline).
DEFAULT_REQUIRED_TEAM_ROLES = env.list(
    "DEFAULT_REQUIRED_TEAM_ROLES", default=["ecmo_physician", "perfusionist", "nurse", "driver"]
)
# The referring doctor's callback number gets the decision SMS: only these country calling codes,
# and never a premium-rate range (toll fraud). Defaults: Slovenia and its neighbours; premium
# ranges of those countries (SI 090, HR 060/064/069, IT 89x, AT 0900/0930, HU 06-90).
CALLBACK_PHONE_COUNTRY_CODES = env.list("CALLBACK_PHONE_COUNTRY_CODES", default=["386", "385", "39", "43", "36"])
CALLBACK_PHONE_BLOCKED_PREFIXES = env.list(
    "CALLBACK_PHONE_BLOCKED_PREFIXES",
    default=["+38690", "+38560", "+38564", "+38569", "+3989", "+43900", "+43930", "+3690"],
)
# How long the member who tapped a phase may take it back themselves (a coordinator: until hand-over).
UNDO_WINDOW_S = env.int("UNDO_WINDOW_S", default=120)
# The ECMO centre's phone, day and night (E.164), as a tap-to-call link on the referrer's page. The default is
# UKC Ljubljana's switchboard (01 522 50 50, kclj.si); set the ECMO on-call line.
CENTRE_PHONE = env.str("CENTRE_PHONE", default="+38615225050")
# Where the mobile team meets when paged (the team phone's alert card): the vehicle and the spot at the centre,
# shown as set. Empty (the default): a generic text in the reader's language (`dispatch.pages.meeting_point`).
MEETING_POINT = env.str("MEETING_POINT", default="")
# A completed or aborted mission is due its debrief this many hours after it closed.
DEBRIEF_DUE_H = env.int("DEBRIEF_DUE_H", default=72)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # weasyprint: the record PDF logs every layout step at INFO.
    "loggers": {"django.channels.server": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}

# --- Team alerting (dispatch.notifications) ---------------------------------------------
# "console" logs and stores pages (no credentials); "twilio" sends real SMS and voice calls.
NOTIFICATION_BACKEND = env.str("NOTIFICATION_BACKEND", default="console")
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
# Empty = the real Twilio API; tests point it at the fake Twilio server.
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default="")
TWILIO_HTTP_TIMEOUT_S = env.float("TWILIO_HTTP_TIMEOUT_S", default=10.0)
# Twilio 5xx/429/connect timeouts: this many tries in all, waiting base * 2^n (capped) in between.
TWILIO_SEND_ATTEMPTS = env.int("TWILIO_SEND_ATTEMPTS", default=4)
TWILIO_RETRY_BASE_S = env.float("TWILIO_RETRY_BASE_S", default=0.5)
TWILIO_RETRY_MAX_S = env.float("TWILIO_RETRY_MAX_S", default=4.0)
# A page whose request timed out may still have gone out: wait this long for Twilio's status
# callback before sending it again (a resend counts against TWILIO_SEND_ATTEMPTS).
TWILIO_UNCONFIRMED_GRACE_S = env.float("TWILIO_UNCONFIRMED_GRACE_S", default=20.0)
# Default escalation policy (a role's EscalationPolicy row overrides it; copied onto each alert).
ESCALATION_SMS_WAIT_S = env.int("ESCALATION_SMS_WAIT_S", default=60)
ESCALATION_CALL_WAIT_S = env.int("ESCALATION_CALL_WAIT_S", default=90)
ESCALATION_BACKUP_WAIT_S = env.int("ESCALATION_BACKUP_WAIT_S", default=90)
ESCALATION_EVERYONE_WAIT_S = env.int("ESCALATION_EVERYONE_WAIT_S", default=120)
ESCALATION_CALL_ATTEMPTS = env.int("ESCALATION_CALL_ATTEMPTS", default=2)
ESCALATION_CALL_RING_TIMEOUT_S = env.int("ESCALATION_CALL_RING_TIMEOUT_S", default=25)
# A page stuck in a carrier queue longer than this expires instead of arriving after departure.
SMS_VALIDITY_PERIOD_S = env.int("SMS_VALIDITY_PERIOD_S", default=600)
# Unhelpful answers (unknown sender, unparseable reply) one number gets per window.
SMS_REPLY_LIMIT = env.int("SMS_REPLY_LIMIT", default=3)
SMS_REPLY_WINDOW_S = env.int("SMS_REPLY_WINDOW_S", default=600)
# The reconcile task runs any due step no task ran; its heartbeat older than 3 intervals is an alarm.
PAGING_RECONCILE_INTERVAL_S = env.float("PAGING_RECONCILE_INTERVAL_S", default=20.0)
ROSTER_CHECK_INTERVAL_S = env.float("ROSTER_CHECK_INTERVAL_S", default=300.0)
ROSTER_READINESS_HORIZON_H = env.int("ROSTER_READINESS_HORIZON_H", default=12)
CELERY_BEAT_SCHEDULE |= {
    "paging-reconcile": {"task": "notifications.reconcile_paging", "schedule": PAGING_RECONCILE_INTERVAL_S},
    "roster-check": {"task": "notifications.check_roster", "schedule": ROSTER_CHECK_INTERVAL_S},
}
CELERY_TASK_ROUTES = {
    "notifications.run_escalation_step": {"queue": "critical"},
    "notifications.run_escalation_steps": {"queue": "critical"},
    "notifications.deliver_notifications": {"queue": "critical"},
    "notifications.reconcile_paging": {"queue": "critical"},
    # A phone still ringing for a cancelled mission must stop now, not behind the roster check.
    "notifications.hang_up_calls": {"queue": "critical"},
    "notifications.remind_review": {"queue": "default"},
    "notifications.check_roster": {"queue": "default"},
}
# --- end team alerting ---

# --- activation drills (dispatch/drills) ---
# A drill the team has not completed ends with a stand-down this many minutes after it was started.
DRILL_TIMEOUT_MIN = env.float("DRILL_TIMEOUT_MIN", default=30.0)
# A drill whose timeout task was lost is ended by this sweep.
CELERY_BEAT_SCHEDULE |= {"drills-end-overdue": {"task": "drills.end_overdue_drills", "schedule": 60.0}}
CELERY_TASK_ROUTES |= {"drills.end_drill": {"queue": "default"}, "drills.end_overdue_drills": {"queue": "default"}}
# --- end activation drills ---

# --- live board (dispatch/realtime, board/timeline/team pages) ---
# A client resuming more than this many events behind gets a fresh snapshot instead of a replay.
REALTIME_RESUME_MAX_EVENTS = env.int("REALTIME_RESUME_MAX_EVENTS", default=500)
# Each open stream re-checks the database this often, so a broadcast the channel layer lost
# (it is at-most-once) still reaches the client; it also sends a heartbeat then.
REALTIME_CATCH_UP_SECONDS = env.float("REALTIME_CATCH_UP_SECONDS", default=15.0)
# A poll that finds an event newer than its stream has delivered waits this long for the live
# broadcast (most likely on its way) before reading the database (at most one poll interval).
REALTIME_LIVE_GRACE_SECONDS = env.float("REALTIME_LIVE_GRACE_SECONDS", default=2.0)
# Browser reconnect backoff: first delay and cap, in milliseconds (doubling, with jitter).
REALTIME_RECONNECT_INITIAL_MS = env.int("REALTIME_RECONNECT_INITIAL_MS", default=1000)
REALTIME_RECONNECT_MAX_MS = env.int("REALTIME_RECONNECT_MAX_MS", default=30000)
# Overrides of the board's overdue limits per phase (defaults: dispatch.statuses.EXPECTED_PHASE_MINUTES),
# e.g. BOARD_PHASE_EXPECTED_MINUTES="requested=15,under_review=15".
BOARD_PHASE_EXPECTED_MINUTES = {
    key: int(value) for key, value in env.dict("BOARD_PHASE_EXPECTED_MINUTES", default={}).items()
}
# A closed mission stays on the board, under "Recently closed", for this many hours after it closed.
BOARD_RECENTLY_CLOSED_HOURS = env.float("BOARD_RECENTLY_CLOSED_HOURS", default=12.0)
# --- end live board ---

# --- travel estimates and live position (hospitals/, dispatch/tracking; docs/travel.md) ---
# The travel model's parameters, read here and nowhere else: TravelParams field -> value of the
# variable TRAVEL_<FIELD>. Defaults equal the TravelParams defaults (hospitals/travel/estimators.py),
# whose sources and reasoning are documented there and in docs/travel.md.


def _env_number(variable: str, default: float) -> float:
    """A number from the environment; a typo stops start-up with the variable's name.

    (``environ.ImproperlyConfigured`` is Django's exception, re-exported by django-environ.)
    """
    try:
        return env.float(variable, default=default)
    except ValueError as exc:
        raise environ.ImproperlyConfigured(f"{variable} must be a number, got {env.str(variable)!r}") from exc


TRAVEL_PARAMS = {
    "road_winding_factor": _env_number("TRAVEL_ROAD_WINDING_FACTOR", 1.3),
    "road_speed_kmh": _env_number("TRAVEL_ROAD_SPEED_KMH", 80.0),
    "dispatch_overhead_min": _env_number("TRAVEL_DISPATCH_OVERHEAD_MIN", 10.0),
    "loading_overhead_min": _env_number("TRAVEL_LOADING_OVERHEAD_MIN", 15.0),
    "heli_cruise_kmh": _env_number("TRAVEL_HELI_CRUISE_KMH", 220.0),
    "heli_startup_min": _env_number("TRAVEL_HELI_STARTUP_MIN", 10.0),
    "heli_landing_min": _env_number("TRAVEL_HELI_LANDING_MIN", 5.0),
    "ground_leg_speed_kmh": _env_number("TRAVEL_GROUND_LEG_SPEED_KMH", 50.0),
    "ground_transfer_min": _env_number("TRAVEL_GROUND_TRANSFER_MIN", 10.0),
    "night_flights_allowed": env.bool("TRAVEL_NIGHT_FLIGHTS_ALLOWED", default=False),
    "night_sun_elevation_deg": _env_number("TRAVEL_NIGHT_SUN_ELEVATION_DEG", -6.0),
    "osrm_duration_factor": _env_number("TRAVEL_OSRM_DURATION_FACTOR", 1.0),
    "prefer_road_within_min": _env_number("TRAVEL_PREFER_ROAD_WITHIN_MIN", 10.0),
}
# Optional OSRM server for road routes; empty = offline geodesic model.
OSRM_URL = env.str("OSRM_URL", default="").strip().rstrip("/")
OSRM_TIMEOUT_S = _env_number("OSRM_TIMEOUT_S", 2.0)
if not OSRM_TIMEOUT_S > 0:
    raise environ.ImproperlyConfigured(f"OSRM_TIMEOUT_S must be > 0, got {OSRM_TIMEOUT_S!r}")
# Estimate matrix cache: the shared Redis when there is one (the warm-up task runs in the
# worker), else process memory. Keys are content-addressed: a changed hospital is never stale.
TRAVEL_CACHE_ALIAS = "travel"
TRAVEL_CACHE_TTL_S = env.int("TRAVEL_CACHE_TTL_S", default=24 * 3600)
TRAVEL_CACHE_FALLBACK_TTL_S = env.int("TRAVEL_CACHE_FALLBACK_TTL_S", default=60)
CACHES = {
    # Per process: the mission-list cache is keyed by a version read from the database, so
    # processes can never serve each other's stale copies.
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    TRAVEL_CACHE_ALIAS: (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("TRAVEL_CACHE_PREFIX", default="ecmo-travel"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "travel"}
    ),
}
# Live positions from the team's phones (dispatch/tracking).
TRACKING_MIN_INTERVAL_S = env.float("TRACKING_MIN_INTERVAL_S", default=5.0)
TRACKING_CLOCK_SKEW_S = env.float("TRACKING_CLOCK_SKEW_S", default=30.0)
TRACKING_MAX_AGE_S = env.float("TRACKING_MAX_AGE_S", default=600.0)
# Positions outside this box (south,west,north,east in degrees; default Slovenia and its
# surroundings) are refused, and so is one whose remaining drive exceeds TRACKING_MAX_ETA_MIN.
try:
    SERVICE_AREA_BBOX = [float(v) for v in env.list("SERVICE_AREA_BBOX", default=["44.5", "12.5", "47.6", "17.5"])]
except ValueError as exc:
    raise environ.ImproperlyConfigured(f"SERVICE_AREA_BBOX must be four numbers: {exc}") from exc
_south, _west, _north, _east = SERVICE_AREA_BBOX if len(SERVICE_AREA_BBOX) == 4 else (0, 0, 0, 0)
if not (-90 <= _south < _north <= 90 and -180 <= _west < _east <= 180):
    raise environ.ImproperlyConfigured(f"SERVICE_AREA_BBOX must be south,west,north,east; got {SERVICE_AREA_BBOX!r}")
TRACKING_MAX_ETA_MIN = _env_number("TRACKING_MAX_ETA_MIN", 360.0)
TRACKING_EVENT_MIN_INTERVAL_S = env.float("TRACKING_EVENT_MIN_INTERVAL_S", default=30.0)
TRACKING_PURGE_INTERVAL_S = env.float("TRACKING_PURGE_INTERVAL_S", default=60.0)
CELERY_BEAT_SCHEDULE |= {
    "tracking-purge-ended-missions": {
        "task": "tracking.purge_ended_mission_positions",
        "schedule": TRACKING_PURGE_INTERVAL_S,
    },
}
# --- end travel estimates and live position ---

# --- preparation checklist (dispatch/preparation; docs/preparation.md) ---
# The referring ICU is texted again when the team's expected arrival moves by more than this.
PREPARATION_ETA_UPDATE_MIN = env.float("PREPARATION_ETA_UPDATE_MIN", default=15.0)
# --- end preparation checklist ---

# --- several nodes (docs/deploy.md): Redis through Sentinel, the beat lock, health and metrics ---
# Redis through Sentinel: REDIS_SENTINELS="host:26379,host:26379,..." and the master's name. The
# channel layer, the Celery broker and the Redis caches then ask the sentinels for the master;
# REDIS_URL still names the database number and the password (its host is not used).
REDIS_SENTINELS = [
    (host, int(port)) for host, _, port in (item.rpartition(":") for item in env.list("REDIS_SENTINELS", default=[]))
]
REDIS_SENTINEL_MASTER = env.str("REDIS_SENTINEL_MASTER", default="ecmo")
REDIS_SENTINEL_PASSWORD = env.str("REDIS_SENTINEL_PASSWORD", default="")
# Where a periodic task claims its interval, so a second beat is harmless (dispatch.scheduling).
COORDINATION_CACHE_ALIAS = "coordination"
CACHES[COORDINATION_CACHE_ALIAS] = (
    {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("COORDINATION_CACHE_PREFIX", default="ecmo-coordination"),
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "coordination"}
)
if REDIS_SENTINELS and REDIS_URL:
    from urllib.parse import quote

    from config.sentinel import redis_db_and_password

    _db, _password = redis_db_and_password(REDIS_URL)
    _sentinel_kwargs = {"password": REDIS_SENTINEL_PASSWORD} if REDIS_SENTINEL_PASSWORD else None
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [
        {
            "sentinels": REDIS_SENTINELS,
            "master_name": REDIS_SENTINEL_MASTER,
            "sentinel_kwargs": _sentinel_kwargs,
            "db": _db,
            "password": _password,
            "socket_timeout": 15,
        }
    ]
    _auth = f":{quote(_password, safe='')}@" if _password else ""
    CELERY_BROKER_URL = ";".join(f"sentinel://{_auth}{host}:{port}/{_db}" for host, port in REDIS_SENTINELS)
    CELERY_BROKER_TRANSPORT_OPTIONS |= {"master_name": REDIS_SENTINEL_MASTER}
    if _sentinel_kwargs:
        CELERY_BROKER_TRANSPORT_OPTIONS["sentinel_kwargs"] = _sentinel_kwargs
    for _cache in CACHES.values():
        if _cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
            _cache["OPTIONS"] |= {
                "pool_class": "config.sentinel.SentinelCachePool",
                "sentinels": REDIS_SENTINELS,
                "master_name": REDIS_SENTINEL_MASTER,
                "sentinel_kwargs": _sentinel_kwargs,
            }
# Beat passes each periodic task its interval: a copy sent by a second beat within the same
# interval finds it claimed and leaves at once (run twice, beats stay harmless).
for _entry in CELERY_BEAT_SCHEDULE.values():
    _entry.setdefault("kwargs", {})["interval_s"] = float(_entry["schedule"])
# /readyz fails when the paging reconcile has not run for this many intervals.
READYZ_HEARTBEAT_INTERVALS = env.float("READYZ_HEARTBEAT_INTERVALS", default=3.0)
# Who may read /metrics and /readyz: a request straight from these networks (not through the
# proxy: no X-Forwarded-For), or one with "Authorization: Bearer <METRICS_TOKEN>".
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Monitors and probes talk plain HTTP to each node's internal address: never redirect them to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^(healthz|readyz|metrics)$"]
# --- end several nodes ---
