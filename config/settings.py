"""The one settings module. Every value comes from the environment; see docs/configuration.md."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from environ import ImproperlyConfigured

from config.env import (
    BASE_DIR,
    env,
    mailer_from_url,
    proofsheet_env,
    secret_key,
    site_url,
    var_dir,
)

PROOFSHEET_ENV = proofsheet_env()
PRODUCTION = PROOFSHEET_ENV == "production"
TESTING = PROOFSHEET_ENV == "test"
VAR_DIR = var_dir()

SECRET_KEY = secret_key(PROOFSHEET_ENV, VAR_DIR)
DEBUG = env.bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when PROOFSHEET_ENV=production")

SITE_URL = site_url(VAR_DIR)
_site_host = urlsplit(SITE_URL).hostname or "127.0.0.1"
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=[_site_host] if PRODUCTION else [_site_host, "127.0.0.1", "localhost", "[::1]"],
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])
ADMIN_PATH = env.str("ADMIN_PATH", default="backoffice/").strip("/") + "/"
if ADMIN_PATH == "admin/" and PRODUCTION:
    raise ImproperlyConfigured("ADMIN_PATH must not be the guessable 'admin/' in production")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    "ninja",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.headless",
    "proofsheet.core",
    "proofsheet.notifications",
    "proofsheet.accounts",
    "proofsheet.galleries",
    "proofsheet.catalog",
    "proofsheet.fulfillment",
    "proofsheet.orders",
    "proofsheet.payments",
    "proofsheet.cart",
    "proofsheet.storefront",
    "proofsheet.studio",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "proofsheet.core.middleware.TextGZipMiddleware",
    "proofsheet.api.errors.ApiErrorShapeMiddleware",
    "proofsheet.core.middleware.RejectNulQueryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "proofsheet.core.web.DomainErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "proofsheet" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "proofsheet.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'proofsheet.sqlite3'}")
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; IMMEDIATE avoids lock upgrades
    # failing with "database is locked" under concurrent writers.
    _db.setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    # Tests run other processes (worker, server) on the test database, so it must be a file.
    _db.setdefault("TEST", {})["NAME"] = str(VAR_DIR / "test.sqlite3")
else:
    _db.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    _db["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------------
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://proofsheet")}

# --- Files ------------------------------------------------------------------------------------
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "frontend" / "dist", BASE_DIR / "frontend" / "public"]
# Tests and DEBUG serve the bundle straight from frontend/dist; `make run` collects it first.
WHITENOISE_USE_FINDERS = TESTING or DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
_static = (
    {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    if TESTING
    else {"BACKEND": "proofsheet.core.storage.StaticFilesStorage"}
)
if STORAGE_BACKEND == "local":
    _public = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Rendition keys are deterministic per version, so a re-run task overwrites in place.
        "OPTIONS": {
            "location": str(MEDIA_ROOT / "public"),
            "base_url": MEDIA_URL + "public/",
            "allow_overwrite": True,
        },
    }
    _private = {
        # No base_url: originals are never reachable by a URL (R06).
        "BACKEND": "proofsheet.core.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT / "private")},
    }
elif STORAGE_BACKEND == "s3":
    _s3_common = {
        "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("S3_REGION", default="") or None,
        "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
        "signature_version": "s3v4",
        "addressing_style": env.str("S3_ADDRESSING_STYLE", default="path"),
    }
    _bucket = env.str("S3_BUCKET", default="")
    if not _bucket:
        raise ImproperlyConfigured("S3_BUCKET must be set when STORAGE_BACKEND=s3")
    _public_url = env.str("S3_PUBLIC_BASE_URL", default="")
    _public = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": _s3_common
        | {
            "bucket_name": env.str("S3_PUBLIC_BUCKET", default=_bucket),
            "location": "public",
            "querystring_auth": False,
            "default_acl": None,
            "file_overwrite": True,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            "custom_domain": urlsplit(_public_url).netloc + urlsplit(_public_url).path
            if _public_url
            else None,
            "url_protocol": (urlsplit(_public_url).scheme or "https") + ":",
        },
    }
    _private = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": _s3_common
        | {
            "bucket_name": _bucket,
            "location": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "querystring_expire": 300,  # presigned links live at most 5 minutes (R06)
            "default_acl": "private",
        },
    }
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}")
STORAGES = {"default": _public, "public": _public, "private": _private, "staticfiles": _static}

# Upload limits (R10); per-file limits for photos come with the imaging app.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=100)

# --- Photos -------------------------------------------------------------------------------
PHOTOS = {
    "MAX_FILE_BYTES": env.int("PHOTO_MAX_FILE_BYTES", default=200 * 1024 * 1024),
    "MAX_PIXELS": env.int("PHOTO_MAX_PIXELS", default=200_000_000),
    "QUOTA_BYTES": env.int("PHOTOGRAPHER_QUOTA_BYTES", default=100 * 1024**3),
    "QUOTA_PHOTOS": env.int("PHOTOGRAPHER_QUOTA_PHOTOS", default=100_000),
}

# --- Orders, payments and downloads ------------------------------------------------------------
# Payment providers by name (an order records the name it was placed with). `offline` (bank
# transfer / pay later, marked paid by the seller) is the embedded default; Stripe joins here.
# Built lazily on first use and validated by a system check (unknown backends/options are errors).
PAYMENT_PROVIDERS = {
    "offline": {"BACKEND": "proofsheet.payments.providers.offline.OfflineProvider", "OPTIONS": {}},
}
# Cards through Stripe once its secret key is set (the system check names what else is missing).
# STRIPE_API_BASE / STRIPE_JS_URL: another server speaking Stripe (tests: localstripe).
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
if STRIPE_SECRET_KEY:
    PAYMENT_PROVIDERS["stripe"] = {
        "BACKEND": "proofsheet.payments.providers.stripe.StripeProvider",
        "OPTIONS": {
            "secret_key": STRIPE_SECRET_KEY,
            "publishable_key": env.str("STRIPE_PUBLISHABLE_KEY", default=""),
            "webhook_secret": env.str("STRIPE_WEBHOOK_SECRET", default=""),
            # Marketplace: the signing secret of the Connect endpoint (account.updated, payouts).
            "connect_webhook_secret": env.str("STRIPE_CONNECT_WEBHOOK_SECRET", default=""),
            "api_base": env.str("STRIPE_API_BASE", default=""),
            "js_url": env.str("STRIPE_JS_URL", default="https://js.stripe.com/v3/"),
            "element": env.str("STRIPE_ELEMENT", default="payment"),
            "automatic_methods": env.bool("STRIPE_AUTOMATIC_METHODS", default=True),
            "timeout": env.float("STRIPE_TIMEOUT_SECONDS", default=20.0),
            "max_retries": env.int("STRIPE_MAX_RETRIES", default=2),
        },
    }
# The provider new orders are paid through (a key of PAYMENT_PROVIDERS; checked at start-up).
PAYMENT_PROVIDER = env.str("PAYMENT_PROVIDER", default="stripe" if STRIPE_SECRET_KEY else "offline")
# Marketplace mode (Stripe Connect): each photographer connects their own Stripe account from the
# studio and is paid through it, less the platform's commission (a percentage of each order's
# total, taken as an application fee; ConnectedAccount.commission_percent overrides it per
# photographer). Off (studio mode): the operator's own Stripe account takes every payment.
MARKETPLACE = env.bool("MARKETPLACE", default=False)
try:
    PLATFORM_COMMISSION_PERCENT = Decimal(env.str("PLATFORM_COMMISSION_PERCENT", default="10"))
except InvalidOperation:
    raise ImproperlyConfigured("PLATFORM_COMMISSION_PERCENT is a number such as 12.5") from None
if not Decimal(0) <= PLATFORM_COMMISSION_PERCENT <= Decimal(100):
    raise ImproperlyConfigured("PLATFORM_COMMISSION_PERCENT is between 0 and 100")
# Download grants for purchased files (R07): days before a grant expires, downloads it allows, and
# whether full-resolution files are re-encoded without metadata (GPS) or sent as uploaded.
DOWNLOAD_GRANT_DAYS = env.int("DOWNLOAD_GRANT_DAYS", default=7)
DOWNLOAD_GRANT_MAX = env.int("DOWNLOAD_GRANT_MAX", default=5)
DOWNLOAD_STRIP_GPS = env.bool("DOWNLOAD_STRIP_GPS", default=True)
# Guest carts untouched this many days (and empty account carts as old) are deleted by housekeeping.
CART_GUEST_DAYS = env.int("CART_GUEST_DAYS", default=30)

# Partial resumable (tus) uploads; share it between web servers or use sticky sessions.
UPLOAD_TMP_DIR = env.str("UPLOAD_TMP_DIR", default=str(VAR_DIR / "uploads"))

# --- Background tasks -------------------------------------------------------------------------
TASK_BACKEND = env.str("TASK_BACKEND", default="immediate" if TESTING else "database")
_task_backends = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
if TASK_BACKEND not in _task_backends:
    raise ImproperlyConfigured(
        f"TASK_BACKEND must be one of {', '.join(_task_backends)}, not {TASK_BACKEND!r}"
    )
if TASK_BACKEND == "immediate" and PRODUCTION:
    raise ImproperlyConfigured("TASK_BACKEND=immediate is for tests only")
TASKS = {"default": {"BACKEND": _task_backends[TASK_BACKEND]}}
# Workers beat every sixth of this; a task whose worker was silent this long is run again.
WORKER_DEAD_AFTER_SECONDS = env.float("WORKER_DEAD_AFTER_SECONDS", default=30.0)
# A task running longer than this takes its worker down (0: no limit); see core/worker.py.
WORKER_TASK_TIMEOUT_SECONDS = env.float("WORKER_TASK_TIMEOUT_SECONDS", default=300.0)
# Housekeeping: zero-argument callables (dotted paths) that the workers run at most once per
# interval between them (0: never; `proofsheet housekeeping` runs them from cron instead).
HOUSEKEEPING_JOBS = [
    path.strip()
    for path in env.list(
        "HOUSEKEEPING_JOBS",
        default=[
            "proofsheet.cart.services.carts_purge_abandoned",
            "proofsheet.core.housekeeping.sessions_clear_expired",
        ],
    )
    if path.strip()
]
HOUSEKEEPING_INTERVAL_SECONDS = env.int("HOUSEKEEPING_INTERVAL_SECONDS", default=3600)

# --- Email ------------------------------------------------------------------------------------
# Embedded default: one file per message under var/mail.
MAILERS = {
    "default": mailer_from_url(
        env.str("EMAIL_URL", default=f"file://{VAR_DIR / 'mail'}"),
        timeout=env.int("EMAIL_TIMEOUT", default=10),
    )
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Proofsheet <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts and passwords -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING and env.bool("PROOFSHEET_FAST_HASHER", default=True):
    # Argon2 costs ~300 ms per hash; unit tests that only need a user use a fast one.
    # Production never does (tests/test_settings.py proves the production list starts with Argon2).
    PASSWORD_HASHERS.insert(0, "django.contrib.auth.hashers.MD5PasswordHasher")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "proofsheet.accounts.passwords.BreachedPasswordValidator"},
]
BREACHED_PASSWORDS = {
    "BACKEND": env.str(
        "BREACHED_PASSWORD_BACKEND",
        default="none" if TESTING else "proofsheet.accounts.passwords.PwnedPasswordsChecker",
    ),
    "OPTIONS": {
        "url": env.str("BREACHED_PASSWORD_URL", default="https://api.pwnedpasswords.com/range/"),
        "timeout": env.float("BREACHED_PASSWORD_TIMEOUT", default=2.0),
    },
}
LOGIN_THROTTLE = {
    "ACCOUNT_FAILURES": env.int("LOGIN_ACCOUNT_FAILURES", default=5),
    "IP_FAILURES": env.int("LOGIN_IP_FAILURES", default=20),
    "LOCKOUT_SECONDS": env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60),
}
# Guesses at gallery access codes and download PINs: per client IP per minute, per gallery per
# hour (then the gallery's code entry locks for the hour); the photographer is emailed once the
# failures in an hour reach ALERT_AFTER (R05).
GALLERY_CODE_THROTTLE = {
    "IP_PER_MINUTE": env.int("GALLERY_CODE_IP_PER_MINUTE", default=10),
    "GALLERY_PER_HOUR": env.int("GALLERY_CODE_GALLERY_PER_HOUR", default=100),
    "ALERT_AFTER": env.int("GALLERY_CODE_ALERT_AFTER", default=20),
}
# Client IP: the n-th address from the right of X-Forwarded-For when n trusted proxies sit in
# front; 0 means REMOTE_ADDR and X-Forwarded-For is ignored (R21).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"
ACCOUNT_ADAPTER = "proofsheet.accounts.adapter.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "proofsheet.accounts.forms.SignupRoleForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Proofsheet] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = urlsplit(SITE_URL).scheme or "http"
# Failed logins are throttled by proofsheet.accounts.throttle (atomic, in the database, checked
# before hashing); allauth's cache-based limiter would double-count.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
HEADLESS_SERVE_SPECIFICATION = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]

# --- Security headers -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
_media_origin = env.str("S3_PUBLIC_BASE_URL", default="")
_img_src = ["'self'", "data:", "blob:"] + ([_media_origin] if _media_origin else [])
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": _img_src,
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "pyvips": {"level": "WARNING"},  # libvips reports every operation at INFO
        "stripe": {"level": "WARNING"},  # stripe-python logs each request at INFO
    },
}
