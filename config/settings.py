"""Settings, all from the environment.

DATABASE_URL  database (default: SQLite file db.sqlite3 in the project)
SECRET_KEY    required when DEBUG is off
DEBUG         "1"/"true" to turn on (default: on, for `make run` on a bare machine)
ALLOWED_HOSTS comma separated (default with DEBUG on: localhost, 127.0.0.1, testserver)
CONN_MAX_AGE  seconds a database connection is kept open for the next request, checked
              before reuse (CONN_HEALTH_CHECKS); default 600 with DEBUG off, 0 with it on

Cache (login counters, throttles, the wholesale Basic credential cache):
REDIS_URL     redis://host:6379/0: Django's Redis cache, shared by every app server.
              Unset: a per-process local-memory cache, enough for one `runserver`;
              with DEBUG off set it (check --deploy warns, axes.W001, without it).

Logins (admin login, the API log-in endpoints, wholesale HTTP Basic; django-axes):
LOGIN_FAILURE_LIMIT    wrong passwords per username, and per client address, before
                       log-in is refused, even with the right password (default 10)
LOGIN_COOLOFF          seconds a refusal lasts after the last counted failure (default 900)
LOGIN_RATE             DRF rate of requests to a log-in endpoint per client address,
                       failed or not (default 30/min)
LOGIN_TOKEN_TTL        seconds a token issued by a log-in endpoint lives (default 2592000,
                       30 days); tokens made in admin or by create_api_token are not affected
LOGIN_TOKENS_PER_USER  live log-in tokens a user keeps; a new log-in revokes the oldest
                       beyond it (default 10)
BASIC_AUTH_CACHE_TTL   seconds wholesale Basic trusts a verified email and password before
                       hashing it again (default 300; a password change ends it at once)
TRUSTED_PROXY_COUNT    reverse proxies in front of the app that append to X-Forwarded-For
                       (default 0: the client address is REMOTE_ADDR). Set it behind a load
                       balancer, or every client shares the proxy's address.

HTTPS (each on by default when DEBUG is off; set to 0 for a plain-HTTP set-up):
SECURE_SSL_REDIRECT    redirect http:// to https://
SESSION_COOKIE_SECURE  session cookie only over HTTPS
CSRF_COOKIE_SECURE     CSRF cookie only over HTTPS
SECURE_HSTS_SECONDS    Strict-Transport-Security max-age (default 31536000, one year; 0: off)
SECURE_HSTS_INCLUDE_SUBDOMAINS, SECURE_HSTS_PRELOAD  "1" to add them (default off: they
                       bind every subdomain of the host, and the browsers' preload list is
                       hard to leave; only the operator knows whether that is wanted)
SECURE_PROXY_SSL_HEADER  behind a TLS-terminating proxy, the header it sets, as Django
                       names it (HTTP_X_FORWARDED_PROTO): a request with that header equal
                       to "https" is secure. Set it only if the proxy always sets or strips it.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off the project refuses to start without "
            "a SECRET_KEY in the environment (export SECRET_KEY=<a long random string>)."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else ""
    ).split(",")
    if h.strip()
]

# The five order domains, in the order the landing page and seed_demo list them.
DOMAIN_APPS = ["panels", "wholesale", "marketplace", "restaurant", "labs"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "orders",
    *DOMAIN_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A POST, PUT, PATCH or DELETE answered with an error (4xx, 5xx) writes nothing.
    "orders.middleware.FailedRequestRollbackMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: turns a refused admin log-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Request bodies: at most 2.5 MB (Django's default, also enforced by the API parsers: a
# 1,000-line order is about 60 kB) and 1,000 form fields or query parameters; beyond
# either the APIs answer 413 or 400 in the domain's error body.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# API paths answer with and without a trailing slash themselves; never redirect a POST.
APPEND_SLASH = False

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # A new PostgreSQL connection per request halves the rate of a small request.
        conn_max_age=env_int("CONN_MAX_AGE", 0 if DEBUG else 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two requests writing together: take the write lock when the transaction starts and
    # wait for it, instead of failing with "database is locked" when a read turns into a write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# Counters and short-lived entries live in the cache: Redis when given, so every app server
# and worker shares them.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- logins: django-axes counts wrong passwords per username and per client address (in
# the cache); orders.auth.password_login is the API's way in, the admin goes through these
# backends. A refused attempt is not counted, so a refusal ends LOGIN_COOLOFF after the
# last counted failure and Retry-After can say so.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(seconds=env_int("LOGIN_COOLOFF", 900))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "orders.auth.login_identifier"
AXES_CLIENT_IP_CALLABLE = "orders.auth.client_address"
AXES_LOCKOUT_CALLABLE = "orders.auth.admin_lockout_response"
AXES_ENABLE_ADMIN = False  # its admin pages show database records; the counters are cached
LOGIN_RATE = os.environ.get("LOGIN_RATE", "").strip() or "30/min"
LOGIN_TOKEN_TTL = timedelta(seconds=env_int("LOGIN_TOKEN_TTL", 30 * 24 * 3600))
LOGIN_TOKENS_PER_USER = env_int("LOGIN_TOKENS_PER_USER", 10)
BASIC_AUTH_CACHE_TTL = env_int("BASIC_AUTH_CACHE_TTL", 300)

# --- HTTPS: on by default when DEBUG is off; each can be turned off for plain HTTP.
if os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip():
    SECURE_PROXY_SSL_HEADER = (os.environ["SECURE_PROXY_SSL_HEADER"].strip(), "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

SILENCED_SYSTEM_CHECKS = [
    # HSTS for subdomains and preloading are the operator's choice (see the docstring).
    "security.W005",
    "security.W021",
]
if DEBUG:
    # One development server process: a local-memory cache holds its counters well.
    SILENCED_SYSTEM_CHECKS.append("axes.W001")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["orders.auth.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "orders.api.parsers.JSONParser",
        "orders.api.parsers.FormParser",
        "orders.api.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "orders.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "orders.api.schema.DomainAutoSchema",
    "DEFAULT_THROTTLE_RATES": {"login": LOGIN_RATE},
    # The client address of throttles and login counters: REMOTE_ADDR, or the address this
    # many trusted proxies back in X-Forwarded-For (a client can write the rest).
    "NUM_PROXIES": env_int("TRUSTED_PROXY_COUNT", 0),
}

SPECTACULAR_SETTINGS = {
    # Choice sets of the same field name in two domains, named by their domain.
    "ENUM_NAME_OVERRIDES": {
        "WholesaleOrderTypeEnum": "wholesale.models.WholesaleOrder.OrderType",
        "RestaurantOrderTypeEnum": "restaurant.models.Order.OrderType",
        "MarketplaceOrderStatusEnum": "marketplace.models.MarketplaceOrder.Status",
        "LabOrderStatusEnum": "labs.models.LabOrder.Status",
        "LabTestStatusEnum": "labs.models.Test.Status",
    },
    "PREPROCESSING_HOOKS": ["orders.api.schema.documented_paths_only"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "orders.api.schema.nullable_with_type",
                             "orders.api.schema.distinct_form_bodies",
                             "orders.api.schema.blank_as_any_of"],
    # The id path converter (orders.api.converters): 1 to 18 ASCII digits.
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999_999}},
    "TITLE": "Order back office API",
    "DESCRIPTION": "Five order domains, each re-implementing a public order API.",
    "VERSION": "0.1.0",
    # Relative: the API is wherever this schema is served from (every domain on one host).
    "SERVERS": [{"url": "/", "description": "The server that serves this schema."}],
    "LICENSE": {"name": "Proprietary: not licensed for redistribution."},
    # One tag per domain (orders.api.schema.DomainAutoSchema.get_tags), in the seeds' order.
    "TAGS": [
        {"name": "panels", "description": "Genomics partner API: customer panel orders."},
        {"name": "wholesale",
         "description": "Wholesale customer orders: create-or-update, place."},
        {"name": "marketplace",
         "description": "Record marketplace: customers order merchants' records."},
        {"name": "restaurant", "description": "Restaurant ordering API (JSON:API)."},
        {"name": "labs", "description": "Testing-lab orders with samples and tests."},
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
