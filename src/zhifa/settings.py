"""Django settings for zhifa.

Every setting that differs between machines comes from the environment (see ``docs/operations.md``):

- ``ZHIFA_DATA_DIR``: where the SQLite database, generated keys, uploaded files and collected static
  files live (default ``./var``).
- ``DATABASE_URL``: a PostgreSQL URL for production; unset means SQLite in the data folder.
- ``ZHIFA_ALLOWED_HOSTS``: comma-separated host names (default ``127.0.0.1,localhost``).
- ``ZHIFA_HTTPS``: ``1`` (default) when served behind TLS: secure cookies, HSTS, redirect to https.
  ``make run`` serves plain http on loopback and sets it to ``0``.
- ``ZHIFA_DEBUG``: ``1`` only on a developer's machine.
- ``ZHIFA_SECRET_KEY``: optional; otherwise a key is generated once into the data folder.
- ``ZHIFA_LOG_ORIGIN``: the ledger's log name (C2SP checkpoint origin).
- ``ZHIFA_REFUSAL_LOG_LIMIT``, ``ZHIFA_REFUSAL_LOG_MINUTES``: refused reads and writes logged per
  actor and window (default 20 in 10 minutes; ``docs/security.md`` S-7).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("ZHIFA_DATA_DIR") or "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_from_data_dir(filename: str, nbytes: int) -> str:
    """Read a generated secret from the data folder, creating it once (never committed)."""
    path = DATA_DIR / filename
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        value = secrets.token_urlsafe(nbytes)
        handle.write(value + "\n")
    return value


SECRET_KEY = os.environ.get("ZHIFA_SECRET_KEY") or _secret_from_data_dir("secret_key", 50)
DEBUG = _env_bool("ZHIFA_DEBUG", False)
HTTPS = _env_bool("ZHIFA_HTTPS", True)
ALLOWED_HOSTS = _env_list("ZHIFA_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = _env_list("ZHIFA_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "zhifa.accounts.admin_config.StaffAdminConfig",  # django.contrib.admin, behind password + TOTP
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "ninja",
    "zhifa.core",
    "zhifa.ledger",
    "zhifa.accounts",
    "zhifa.calendars",
    "zhifa.org",
    "zhifa.portal",
    "zhifa.evidence",
    "zhifa.catalogue",
    "zhifa.cases",
    "zhifa.notices",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After static files, around everything else (so they see every answer Django makes):
    # no-store on all but anonymous public reads; every /api/ refusal in the error shape.
    "zhifa.core.middleware.NoStoreMiddleware",
    "zhifa.core.middleware.ApiErrorShapeMiddleware",
    # A refused read or write is logged after the answer, outside the transaction it rolled back.
    "zhifa.accounts.middleware.RefusalLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "zhifa.api.ApiEdgeMiddleware",
]

ROOT_URLCONF = "zhifa.urls"
WSGI_APPLICATION = "zhifa.wsgi.application"

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
                "zhifa.core.context_processors.site",
            ],
        },
    },
]

# Database: SQLite in the data folder (WAL, immediate transactions so that writers queue instead of
# failing), or whatever DATABASE_URL names.
SQLITE_PATH = DATA_DIR / "zhifa.sqlite3"
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "portal:home"

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
    {
        "NAME": "zhifa.accounts.passwords.ChineseMinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "zhifa.accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Last: it checks hashes (slow with Argon2), and it keeps the history of saved passwords.
    {"NAME": "zhifa.accounts.passwords.PasswordHistoryValidator", "OPTIONS": {"remember": 5}},
]

# Lock-out: 5 failures lock the account name for 30 minutes (django-axes).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "zhifa.accounts.views.locked_out"
# The lock lasts 30 minutes from the 5th failure; tries during the lock do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Unlocking goes through accounts.services.user_unlock (logged), not axes' own admin pages.
AXES_ENABLE_ADMIN = False
# The client's address (security log): X-Forwarded-For is believed only from these proxies, e.g.
# ZHIFA_TRUSTED_PROXIES=127.0.0.1 when nginx on the same machine forwards to gunicorn.
AXES_CLIENT_IP_CALLABLE = "zhifa.accounts.network.client_ip_address"
AXES_IPWARE_PROXY_TRUSTED_IPS = _env_list("ZHIFA_TRUSTED_PROXIES", "")
# axes.W006 asks to lock by IP address too. Locking by user name alone is the choice (see
# docs/security.md): by name+IP an attacker rotating addresses guesses one account forever; by IP a
# township office behind one NAT address would be locked as a whole by a few typos. The price, that
# anyone can lock an official's name for 30 minutes, is bounded and the system admin can unlock.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Refused reads and writes (another agency's object, a confidential case) in the security log:
# at most this many lines per actor and window, then one line counting the rest (docs/security.md).
SECURITY_REFUSAL_LOG_LIMIT = int(os.environ.get("ZHIFA_REFUSAL_LOG_LIMIT", "20"))
SECURITY_REFUSAL_LOG_WINDOW = timedelta(
    minutes=int(os.environ.get("ZHIFA_REFUSAL_LOG_MINUTES", "10"))
)

# Idle sessions expire after 30 minutes: the expiry is pushed forward on every request.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

OTP_TOTP_ISSUER = os.environ.get("ZHIFA_OTP_ISSUER", "zhifa 执法")
# A wrong TOTP code counts against the same 5-failure lock-out as a wrong password (axes); django-
# otp's own per-device delay would only refuse a right code silently for a few seconds after a typo.
OTP_TOTP_THROTTLE_FACTOR = 0

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Security headers. Behind TLS (ZHIFA_HTTPS=1) cookies are secure and HSTS is on.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The ledger: the log's name (origin line of every checkpoint) and where its signing key lives.
LEDGER_ORIGIN = os.environ.get("ZHIFA_LOG_ORIGIN", "zhifa.baishan.lishu.jilin.gov.cn/ledger")
LEDGER_KEY_PATH = DATA_DIR / "ledger_ed25519.key"
LEDGER_MIRROR_DIR = os.environ.get("ZHIFA_LEDGER_MIRROR_DIR", str(DATA_DIR / "checkpoints"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZHIFA_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Evidence store (docs/evidence.md): where blobs live, upload limits, retention.
# ZHIFA_EVIDENCE_STORAGE: "local" (a folder, default) or "s3" (S3-compatible, via django-storages).
EVIDENCE_STORAGE = os.environ.get("ZHIFA_EVIDENCE_STORAGE", "local")
EVIDENCE_ROOT = Path(os.environ.get("ZHIFA_EVIDENCE_ROOT") or DATA_DIR / "evidence")
EVIDENCE_S3 = {
    "bucket_name": os.environ.get("ZHIFA_EVIDENCE_S3_BUCKET", "zhifa-evidence"),
    "endpoint_url": os.environ.get("ZHIFA_EVIDENCE_S3_ENDPOINT") or None,
    "region_name": os.environ.get("ZHIFA_EVIDENCE_S3_REGION", "cn-north-1"),
    "access_key": os.environ.get("ZHIFA_EVIDENCE_S3_ACCESS_KEY", ""),
    "secret_key": os.environ.get("ZHIFA_EVIDENCE_S3_SECRET_KEY", ""),
}
EVIDENCE_MAX_BYTES = int(os.environ.get("ZHIFA_EVIDENCE_MAX_BYTES", str(16 * 1024**3)))
EVIDENCE_FORM_MAX_BYTES = int(os.environ.get("ZHIFA_EVIDENCE_FORM_MAX_BYTES", str(30 * 1024**2)))
EVIDENCE_ACCEPTED_TYPES = _env_list(
    "ZHIFA_EVIDENCE_TYPES", "jpeg,png,heic,mp4,mov,avi,mp3,m4a,wav,amr,pdf"
)
EVIDENCE_UPLOAD_EXPIRY = timedelta(hours=int(os.environ.get("ZHIFA_EVIDENCE_UPLOAD_HOURS", "72")))
EVIDENCE_LATE_AFTER = timedelta(hours=24)
# Retention: evidence in a case file is kept permanently; other recordings at least this many days.
EVIDENCE_RETENTION_OTHER_DAYS = max(
    183, int(os.environ.get("ZHIFA_EVIDENCE_RETENTION_DAYS", "183"))
)

# --- cases -----------------------------------------------------------------------------------
# 较大数额 (行政处罚法第五十七条、第六十三条) is set by each province; a fine at or above it
# (以上 includes the number) is decided collectively. Configure it to the province's current rule.
ZHIFA_MAJOR_FINE_YUAN = {
    "natural_person": os.environ.get("ZHIFA_MAJOR_FINE_PERSON_YUAN", "10000"),
    "organisation": os.environ.get("ZHIFA_MAJOR_FINE_ORGANISATION_YUAN", "100000"),
}
# E-mail for overdue notices: sent only when ZHIFA_EMAIL_HOST is set (in-app notices always).
EMAIL_HOST = os.environ.get("ZHIFA_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("ZHIFA_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("ZHIFA_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("ZHIFA_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("ZHIFA_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("ZHIFA_EMAIL_FROM", "zhifa@localhost")
ZHIFA_EMAIL_NOTICES = bool(EMAIL_HOST)
EMAIL_TIMEOUT = int(os.environ.get("ZHIFA_EMAIL_TIMEOUT", "30"))  # seconds; a hung server fails
# The outbox (zhifa.notices): a failed e-mail is tried again after the base delay, doubled each
# time up to the cap; after the last attempt it is dead and shown to the security admin.
ZHIFA_EMAIL_RETRY_BASE_SECONDS = int(os.environ.get("ZHIFA_EMAIL_RETRY_BASE_SECONDS", "60"))
ZHIFA_EMAIL_RETRY_CAP_SECONDS = int(os.environ.get("ZHIFA_EMAIL_RETRY_CAP_SECONDS", "21600"))
ZHIFA_EMAIL_MAX_ATTEMPTS = int(os.environ.get("ZHIFA_EMAIL_MAX_ATTEMPTS", "10"))
