"""Default settings; instance/config.py and CAMPAIGN_* environment variables override them."""
import os
import secrets

ENV_PREFIX = "CAMPAIGN_"

# Settings that may come from the environment, with the type to parse them as.
ENV_SETTINGS = {
    "DATABASE_URL": str,
    "SECRET_KEY": str,
    "BASE_URL": str,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USE_TLS": bool,
    "MAIL_USE_SSL": bool,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_DEFAULT_SENDER": str,
    "MAIL_OUTBOX_DIR": str,
    "UPLOAD_DIR": str,
    "MAX_PHOTO_BYTES": int,
    "MAX_PHOTO_PIXELS": int,
    "PHOTO_PIXELS_PER_UPLOAD": int,
    "PASSWORD_LINK_HOURS": int,
    "REMINDER_MAX_ATTEMPTS": int,
    "LOGIN_MAX_FAILURES": int,
    "LOGIN_ADDRESS_MAX_FAILURES": int,
    "LOGIN_WINDOW_MINUTES": int,
    "LOGIN_DELAY_MINUTES": int,
    "LOGIN_DELAY_CAP_MINUTES": int,
    "SESSION_IDLE_MINUTES": int,
    "SESSION_LIFETIME_HOURS": int,
    "PASSWORD_MAX_AGE_DAYS": int,
    "AUDIT_RETENTION_DAYS": int,
    "AUDIT_HMAC_KEY": str,
    "ROLLUP_INLINE_UNITS": int,
    "ROLLUP_KEEP_HOURS": int,
    "INTAKE_KEEP_HOURS": int,
}


class Defaults:
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    MAX_PHOTO_BYTES = 10 * 1024 * 1024
    # Larger images are refused before they are decoded (a small file can hold a huge image).
    MAX_PHOTO_PIXELS = 50_000_000
    # What one upload request may decode in all (a phone photo is 12–50 megapixels).
    PHOTO_PIXELS_PER_UPLOAD = 200_000_000
    BASE_URL = "http://127.0.0.1:5000"
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_DEFAULT_SENDER = "学习宣贯填报汇总系统 <noreply@localhost>"
    # How long an e-mailed set-password link works.
    PASSWORD_LINK_HOURS = 72
    REMINDER_MAX_ATTEMPTS = 5  # tries per message before a failure is left to the coordinator
    # Login throttling, per account and address and per address (never per account alone): past the free tries,
    # each try waits after the previous one, LOGIN_DELAY_MINUTES doubling per try up to LOGIN_DELAY_CAP_MINUTES.
    # Tries are remembered (and count) for LOGIN_WINDOW_MINUTES, then forgotten.
    LOGIN_MAX_FAILURES = 5
    LOGIN_ADDRESS_MAX_FAILURES = 50
    LOGIN_DELAY_MINUTES = 1
    LOGIN_DELAY_CAP_MINUTES = 60
    LOGIN_WINDOW_MINUTES = 24 * 60
    # A session ends after this long without a request, and this long after the login whatever happens.
    SESSION_IDLE_MINUTES = 30
    SESSION_LIFETIME_HOURS = 12
    # Ask for a new password after this many days (0: never); some assessors require it.
    PASSWORD_MAX_AGE_DAYS = 0
    # Keep the audit log this long (never less than 180 days, the Cybersecurity Law's minimum).
    AUDIT_RETENTION_DAYS = 365
    # The key of the audit log's HMAC chain. Set it (and keep it, apart from the database and its backups):
    # without it the key is derived from SECRET_KEY, and changing that key makes the old entries unverifiable.
    AUDIT_HMAC_KEY = None
    # Rollups with photos, or for more units than this, are built by a job worker and kept this long.
    ROLLUP_INLINE_UNITS = 300
    ROLLUP_KEEP_HOURS = 24
    # Files a coordinator uploaded for intake (代录) but never confirmed are deleted after this long.
    INTAKE_KEEP_HOURS = 24


def parse_env(environ=os.environ) -> dict:
    """Read CAMPAIGN_* variables into config keys."""
    found = {}
    for name, kind in ENV_SETTINGS.items():
        raw = environ.get(ENV_PREFIX + name)
        if raw is None:
            continue
        if kind is bool:
            found[name] = raw.strip().lower() in {"1", "true", "yes", "on"}
        else:
            found[name] = kind(raw)
    if "DATABASE_URL" in found:
        found["SQLALCHEMY_DATABASE_URI"] = found.pop("DATABASE_URL")
    return found


def load_or_create_secret_key(instance_path: str) -> str:
    """Return the key kept in instance/secret_key, generating it on first run."""
    path = os.path.join(instance_path, "secret_key")
    try:
        with open(path, encoding="ascii") as fh:
            key = fh.read().strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker created it first
        return load_or_create_secret_key(instance_path)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    return key
