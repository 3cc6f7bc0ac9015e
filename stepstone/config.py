"""One configuration for the whole process: where to listen, where the data lives, the token keys.

Keys are generated into the data directory on first start (`keys.json`, mode 0600) and read from it
afterwards; `STEPSTONE_TOKEN_KEYS` (JSON `{"active": id, "keys": {id: hex}}`) overrides the file.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8083
REGION = "us-east-1"
ACCOUNT = "123456789012"


@dataclass(frozen=True, slots=True)
class TokenKeys:
    """The raw key ring: key id -> secret bytes, and the id that signs new tokens."""

    keys: dict[str, bytes]
    active: str


@dataclass(frozen=True, slots=True)
class EventSettings:
    """Execution status-change events: the endpoint, the HMAC secret that signs them, the retries."""

    url: str
    secret: str
    attempts: int = 5
    backoff: float = 1.0


@dataclass(frozen=True, slots=True)
class ApprovalSettings:
    """Built-in approvals: the SMTP server for the e-mails, the pages' public address, the identity proxy.

    From the environment: STEPSTONE_SMTP_HOST, _PORT, _SECURITY (none|starttls|tls), _USERNAME, _PASSWORD,
    _ATTEMPTS, _BACKOFF; STEPSTONE_MAIL_FROM; STEPSTONE_PUBLIC_URL (what links in e-mails start with);
    STEPSTONE_TRUSTED_PROXIES (comma-separated addresses or networks allowed to name the user in
    STEPSTONE_PROXY_USER_HEADER, default X-Forwarded-User); STEPSTONE_SECURE_COOKIES=1 behind HTTPS.
    """

    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_security: str = "none"
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    mail_from: str = "stepstone@localhost"
    smtp_attempts: int = 4
    smtp_backoff: float = 1.0
    public_url: str | None = None  # None: http://<host>:<port>
    trusted_proxies: tuple[str, ...] = ()
    proxy_user_header: str = "x-forwarded-user"
    secure_cookies: bool = False

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ApprovalSettings:
        e = dict(os.environ if env is None else env)
        d = cls()
        return cls(
            smtp_host=e.get("STEPSTONE_SMTP_HOST", d.smtp_host),
            smtp_port=int(e.get("STEPSTONE_SMTP_PORT", d.smtp_port)),
            smtp_security=e.get("STEPSTONE_SMTP_SECURITY", d.smtp_security).lower(),
            smtp_username=e.get("STEPSTONE_SMTP_USERNAME") or None,
            smtp_password=e.get("STEPSTONE_SMTP_PASSWORD") or None,
            mail_from=e.get("STEPSTONE_MAIL_FROM", d.mail_from),
            smtp_attempts=int(e.get("STEPSTONE_SMTP_ATTEMPTS", d.smtp_attempts)),
            smtp_backoff=float(e.get("STEPSTONE_SMTP_BACKOFF", d.smtp_backoff)),
            public_url=e.get("STEPSTONE_PUBLIC_URL") or None,
            trusted_proxies=tuple(
                p.strip() for p in e.get("STEPSTONE_TRUSTED_PROXIES", "").split(",") if p.strip()
            ),
            proxy_user_header=e.get("STEPSTONE_PROXY_USER_HEADER", d.proxy_user_header).lower(),
            secure_cookies=e.get("STEPSTONE_SECURE_COOKIES", "") in ("1", "true", "yes"),
        )


def approval_settings(config: Config) -> ApprovalSettings:
    """The configured approval settings, else those of the environment."""
    return config.approvals if config.approvals is not None else ApprovalSettings.from_env()


@dataclass(frozen=True, slots=True)
class Config:
    """Everything `stepstone serve` needs to build the store, the runtime and the API."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    db: Path | None = None  # None: in-memory store (nothing survives a restart)
    dsn: str | None = None  # a PostgreSQL database many nodes share (instead of `db`)
    lease_seconds: float = 30.0  # PostgreSQL: how long claimed work stays a dead node's before others take it
    activity_visibility_seconds: float = 10.0  # an unconfirmed GetActivityTask hand-out returns after this
    functions: tuple[Path, ...] = ()
    examples: bool = False
    region: str = REGION
    account: str = ACCOUNT
    data_dir: Path | None = None
    insecure_no_auth: bool = False  # serve a non-loopback address without access keys (loudly)
    invalid_token_limit: int = 10  # invalid task tokens per caller per 5 minutes before throttling
    approvals: ApprovalSettings | None = None  # None: from STEPSTONE_SMTP_* and friends (`approval_settings`)
    hooks: Path | None = None  # the webhook sources file (`serve --hooks`); None: no source
    clock: str = "system"  # "virtual": moves only when told (`stepstone clock advance`), for tests
    mock_config: Path | None = None  # a Step Functions Local mock file; None: $SFN_MOCK_CONFIG, if set
    events: EventSettings | None = None  # where execution status changes are POSTed; None: nowhere
    extra: dict[str, str] = field(default_factory=dict)
    retention_seconds: float | None = (
        90 * 86400.0
    )  # closed executions kept this long (AWS: 90 days); None: all
    shutdown_seconds: float = 15.0  # SIGTERM: how long in-flight requests and the worker's round may take
    log_format: str = "text"  # or "json": one JSON object per line on stderr

    @property
    def key_dir(self) -> Path | None:
        if self.data_dir is not None:
            return self.data_dir
        return self.db.parent if self.db is not None else None


def _parse_keys(text: str) -> TokenKeys:
    raw = json.loads(text)
    keys = {str(k): bytes.fromhex(v) for k, v in raw["keys"].items()}
    return TokenKeys(keys, str(raw["active"]))


def is_postgres_dsn(value: str) -> bool:
    """Whether a `--db` value names a PostgreSQL database (a URL or libpq `key=value` words), not a file."""
    if value.startswith(("postgresql://", "postgres://")):
        return True
    words = value.split()
    return bool(words) and all("=" in w for w in words) and any(w.startswith("dbname=") for w in words)


def new_key_id() -> str:
    return "k" + secrets.token_hex(4)


def load_token_keys(config: Config) -> TokenKeys:
    """The key ring from the environment, from the data directory, or freshly generated into it."""
    env = os.environ.get("STEPSTONE_TOKEN_KEYS")
    if env:
        return _parse_keys(env)
    directory = config.key_dir
    if directory is None:
        key_id = new_key_id()
        return TokenKeys({key_id: secrets.token_bytes(32)}, key_id)
    path = directory / "stepstone-keys.json"
    if path.exists():
        return _parse_keys(path.read_text())
    key_id = new_key_id()
    keys = TokenKeys({key_id: secrets.token_bytes(32)}, key_id)
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"active": key_id, "keys": {k: v.hex() for k, v in keys.keys.items()}}, out)
    return keys
