"""One settings class for the whole platform (env prefix ``CHAINLESS_``, nested with ``__``).

The embedded default needs no server: SQLite in ``data/``, no Redis (in-process substitutes), the
local anvil chain and a local CDN folder. Production refuses to start while any development secret
or embedded substitute is still configured (see :meth:`Settings.production_problems`).
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-insecure-secret-key-change-me-0000000000"  # noqa: S105 (refused in production)
PROJECT_ROOT = Path(__file__).resolve().parents[2]
AUDIT_RETENTION_MINIMUM_DAYS = 180


class Mode(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ChainEnvironment(StrEnum):
    """The deployment environments of a mini-program; each has its own chain."""

    DEV = "dev"
    TEST = "test"
    PROD = "prod"


GWEI = 10**9
ETHER = 10**18


class FeePolicy(BaseModel):
    """A chain's bounds on what relayed transactions may bid per gas (EIP-1559 fees, or the
    legacy ``gasPrice``); an app's own cap can only be lower."""

    max_fee_per_gas_wei: int = Field(default=500 * GWEI, gt=0)
    min_priority_fee_per_gas_wei: int = Field(default=0, ge=0)


class ChainConfig(BaseModel):
    chain_id: int = Field(gt=0)
    rpc_urls: list[str] = Field(min_length=1)  # tried in order, failing over to the next
    confirmations: int = Field(default=1, ge=0, le=1000)
    name: str = ""
    fee_policy: FeePolicy = Field(default_factory=FeePolicy)
    rpc_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # The platform's ChainlessForwarder (ERC-2771) on this chain; empty: no sponsored calls here.
    forwarder_address: str = ""

    @field_validator("rpc_urls")
    @classmethod
    def _urls_are_http(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if urlsplit(url).scheme not in {"http", "https", "ws", "wss"}:
                raise ValueError(f"RPC URL must be http(s) or ws(s): {url!r}")
        return urls


def _default_chains() -> dict[ChainEnvironment, ChainConfig]:
    local = ["http://127.0.0.1:8545"]
    return {
        ChainEnvironment.DEV: ChainConfig(
            chain_id=31337, rpc_urls=local, confirmations=1, name="anvil"
        ),
        ChainEnvironment.TEST: ChainConfig(
            chain_id=31337, rpc_urls=local, confirmations=1, name="anvil"
        ),
        ChainEnvironment.PROD: ChainConfig(
            chain_id=31337, rpc_urls=local, confirmations=3, name="anvil"
        ),
    }


class StorageSettings(BaseModel):
    backend: Literal["local", "s3"] = "local"
    local_path: Path = PROJECT_ROOT / "data" / "storage"
    s3_bucket: str = ""
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    public_base_url: str = ""  # where the CDN serves public objects; empty: served by the api


class MailSettings(BaseModel):
    backend: Literal["outbox", "smtp"] = "outbox"
    sender: str = "Chainless <no-reply@chainless.local>"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False


class RateLimitSettings(BaseModel):
    """Defaults; an API key carries its own limit, the spec's permission endpoints their own."""

    per_ip_per_minute: int = Field(default=600, ge=1)
    per_app_per_minute: int = Field(default=6000, ge=1)
    login_per_ip_per_minute: int = Field(default=20, ge=1)
    # failed credentials (bad API keys, bearer tokens, cookies, none at all) per client IP:
    # past it those requests answer 429 instead of 401; callers with a valid credential never are
    auth_failures_per_ip_per_minute: int = Field(default=20, ge=1)
    register_per_ip_per_hour: int = Field(default=30, ge=1)  # per hour, not per minute
    # the wallet-login routes, per client IP: an app backend behind one address may need more
    oauth_token_per_ip_per_minute: int = Field(default=600, ge=1)
    oauth_backend_per_ip_per_minute: int = Field(default=6000, ge=1)  # introspection, revocation
    oauth_authorize_per_ip_per_minute: int = Field(default=120, ge=1)
    oauth_userinfo_per_ip_per_minute: int = Field(default=600, ge=1)
    siwe_nonce_per_ip_per_minute: int = Field(default=60, ge=1)
    catalog_per_ip_per_minute: int = Field(default=300, ge=1)  # the public catalog (search, pages)
    siwe_sign_in_per_ip_per_minute: int = Field(default=30, ge=1)
    wallet_api_per_ip_per_minute: int = Field(default=300, ge=1)
    # the CDN origin (published frontend files), the release entry and the wallet's reports
    cdn_per_ip_per_minute: int = Field(default=6000, ge=1)
    cdn_entry_per_ip_per_minute: int = Field(default=600, ge=1)
    release_reports_per_ip_per_minute: int = Field(default=120, ge=1)


class RelaySettings(BaseModel):
    """Transaction relay (spec 3.5.5, 3.2.1): the policy of an app that set none of its own, and
    how transactions are followed to confirmation."""

    max_value_wei: int = Field(default=10 * ETHER, ge=0)
    max_gas_limit: int = Field(default=3_000_000, ge=21_000)
    max_fee_per_gas_wei: int = Field(default=500 * GWEI, gt=0)
    user_daily_tx_limit: int = Field(default=200, ge=0)
    user_daily_value_wei: int = Field(default=100 * ETHER, ge=0)
    app_daily_tx_limit: int = Field(default=100_000, ge=0)
    app_daily_value_wei: int = Field(default=1_000_000 * ETHER, ge=0)
    user_burst_per_minute: int = Field(default=20, ge=1)  # alert thresholds, not refusals
    app_burst_per_minute: int = Field(default=1_000, ge=1)
    track_every_seconds: float = Field(default=3.0, gt=0)
    drop_after_seconds: int = Field(default=1800, ge=60)  # unknown to the node this long: dropped
    # pending this long: a sponsored transaction is re-signed with fees bumped (at most once per
    # this interval); a user-signed one is reported `stuck` to the app (its user must re-sign)
    stuck_after_seconds: float = Field(default=120, gt=0)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    webhook_retries: int = Field(default=8, ge=0)
    # Platform relayer keys per chain environment (they pay sponsored gas): inline 0x-hex keys
    # (e.g. CHAINLESS_RELAY__RELAYER_KEYS='{"prod": ["0x…"]}') and/or files holding one key each.
    # With neither, development and test use anvil's funded accounts at `dev_relayer_accounts`;
    # production then has no relayer at all.
    relayer_keys: dict[str, list[SecretStr]] = Field(default_factory=dict)
    relayer_key_files: dict[str, list[Path]] = Field(default_factory=dict)
    dev_relayer_accounts: list[int] = Field(default_factory=lambda: [7, 8, 9])
    relayer_low_balance_wei: int = Field(
        default=ETHER, ge=0
    )  # below: alert relay.relayer_low_balance


class OutboundSettings(BaseModel):
    """Requests to URLs a developer supplied (relay webhooks, and every later channel), made by
    :mod:`chainless.platform.outbound`: public addresses only, unless ``allow_private``."""

    # Let such URLs reach loopback, private, link-local and other non-public addresses. Unset:
    # true in development and test (their receivers listen on 127.0.0.1), false in production,
    # where true is refused at start.
    allow_private: bool | None = None
    timeout_seconds: float = Field(default=10.0, gt=0, le=60)  # the whole exchange, at most
    max_response_bytes: int = Field(default=65_536, ge=1024)  # more than this: the call fails


class OAuthSettings(BaseModel):
    """Wallet login (spec 3.5.3): lifetimes and limits of codes, tokens and sign-in messages."""

    code_ttl_seconds: int = Field(default=60, ge=10, le=600)  # RFC 6749 §4.1.2: at most 10 min
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    # a public client's refresh tokens, which no secret protects (RFC 9700 §4.14.2, OAuth 2.1
    # §4.3.1): rotated like every refresh token, and each one lives this long
    public_client_refresh_token_ttl_hours: int = Field(default=24, ge=1, le=24 * 30)
    refresh_reuse_grace_seconds: int = Field(default=10, ge=0, le=120)
    siwe_nonce_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    siwe_max_clock_skew_seconds: int = Field(default=30, ge=0, le=300)
    wallet_session_ttl_hours: int = Field(default=24 * 7, ge=1, le=24 * 90)
    client_secret_max_failures: int = Field(default=10, ge=1)
    client_lockout_minutes: int = Field(default=15, ge=1)
    signing_key_rotation_days: int = Field(default=30, ge=1)


GitScheme = Literal["https", "ssh", "git", "file"]


class DeployerSettings(BaseModel):
    """The deployer (spec §2.4.2, §3.5.4): where sources come from and how builds are confined."""

    # GitHub REST API root; https://<host>/api/v3 for GitHub Enterprise Server. The token is
    # optional (public repositories only) and only raises the API rate limit.
    github_api_url: str = "https://api.github.com"
    github_token: str = ""
    github_timeout_seconds: float = Field(default=30, gt=0)
    github_throttle_seconds: float = Field(default=0.25, ge=0)  # between API calls (PyGithub)
    # URL schemes accepted for plain git repositories (repositories not on a GitHub host). Not
    # set: ["file"] in development (a local repository is the way to try the platform offline),
    # none otherwise; "file" is refused in production (it reads the worker's own disk).
    git_schemes: list[GitScheme] = Field(default_factory=list)
    git_timeout_seconds: float = Field(default=300, gt=0)
    # runs of a stage that cannot reach the repository host (source_unavailable) before the
    # deployment fails; the job's backoff (5 s, doubling) makes the default about 2.5 minutes
    source_attempts: int = Field(default=6, ge=1, le=20)
    max_download_bytes: int = Field(default=100 * 1_048_576, ge=1024)
    max_source_bytes: int = Field(default=256 * 1_048_576, ge=1024)
    max_source_files: int = Field(default=20_000, ge=1)
    # Builds run as this unprivileged user, in fresh network, PID and mount namespaces when the
    # worker runs as root; require_isolation refuses to build with only a process group instead.
    build_uid: int = Field(default=65534, ge=1)
    build_gid: int = Field(default=65534, ge=1)
    # each sandbox takes uid/gid build_uid + n (the same n for both), n < build_id_range: with a
    # range (e.g. build_uid=200000, build_id_range=65536) concurrent builds never share a user
    build_id_range: int = Field(default=1, ge=1, le=1_000_000)
    require_isolation: bool = False
    build_wall_seconds: int = Field(default=900, ge=1)
    build_cpu_seconds: int = Field(default=600, ge=1)
    build_memory_mb: int = Field(default=4096, ge=64)
    build_processes: int = Field(default=512, ge=8)
    build_file_mb: int = Field(default=512, ge=1)
    # The platform's devops key deploys apps' contracts (spec §2.4.2). Without one, development
    # and test deploy from anvil's funded account `dev_devops_account`; production then refuses
    # to deploy contracts (`devops_key_missing`).
    devops_private_key: SecretStr | None = None
    dev_devops_account: int = Field(default=5, ge=0, le=19)
    contract_receipt_timeout_seconds: float = Field(default=120, gt=0)
    # Releases: how far back a rollback may go, and when a canary is cancelled on its own (its
    # client error rate above the threshold once at least min_sample loads were reported).
    rollback_window: int = Field(default=10, ge=1, le=100)
    canary_error_threshold: float = Field(default=0.05, gt=0, le=1)
    canary_min_sample: int = Field(default=200, ge=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CHAINLESS_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    mode: Mode = Mode.DEVELOPMENT
    public_url: str = "http://localhost:8000"
    secret_key: str = DEV_SECRET_KEY
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'data' / 'chainless.db'}"
    database_pool_size: int = Field(default=10, ge=1)
    redis_url: str | None = None
    data_dir: Path = PROJECT_ROOT / "data"
    log_level: str = "INFO"
    log_json: bool = True

    chain_environment: ChainEnvironment = ChainEnvironment.DEV
    chains: dict[ChainEnvironment, ChainConfig] = Field(default_factory=_default_chains)
    start_local_chain: bool = True

    storage: StorageSettings = Field(default_factory=StorageSettings)
    mail: MailSettings = Field(default_factory=MailSettings)
    rate_limits: RateLimitSettings = Field(default_factory=RateLimitSettings)
    oauth: OAuthSettings = Field(default_factory=OAuthSettings)
    relay: RelaySettings = Field(default_factory=RelaySettings)
    deployer: DeployerSettings = Field(default_factory=DeployerSettings)
    outbound: OutboundSettings = Field(default_factory=OutboundSettings)

    # Signing keys (ES256 PEM files) for access tokens and release manifests; generated in
    # ``data_dir`` on first start in development, required explicitly in production.
    signing_key_path: Path | None = None

    cookie_secure: bool = False
    session_ttl_hours: int = Field(default=12, ge=1, le=24 * 30)
    bearer_token_ttl_hours: int = Field(default=24, ge=1, le=24 * 90)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    login_unlock_ttl_minutes: int = Field(default=60, ge=1)  # the link mailed on a lockout
    email_verification_ttl_hours: int = Field(default=48, ge=1)

    api_key_ttl_days: int = Field(default=90, ge=1, le=90)
    api_key_rotation_overlap_hours: int = Field(default=24, ge=0, le=24 * 14)
    api_key_default_rate_limit_per_hour: int = Field(default=1000, ge=1)
    max_apps_per_developer: int = Field(default=50, ge=1)
    app_secret_rotation_overlap_hours: int = Field(default=24, ge=0, le=24 * 14)

    audit_retention_days: int = Field(default=365)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # JSON parsers recurse per level; no request nests more than a few (core/json_depth.py)
    max_json_depth: int = Field(default=64, ge=8, le=256)
    max_upload_bytes: int = Field(default=10 * 1_048_576, ge=1024)
    allowed_repo_hosts: list[str] = Field(default_factory=lambda: ["github.com"])

    task_runner: Literal["embedded", "celery"] = "embedded"

    @field_validator("audit_retention_days")
    @classmethod
    def _keep_audit_long_enough(cls, days: int) -> int:
        if days < AUDIT_RETENTION_MINIMUM_DAYS:
            raise ValueError(f"audit logs are kept at least {AUDIT_RETENTION_MINIMUM_DAYS} days")
        return days

    @model_validator(mode="after")
    def _active_chain_is_configured(self) -> Settings:
        if self.chain_environment not in self.chains:
            raise ValueError(f"no chain configured for environment {self.chain_environment}")
        return self

    @model_validator(mode="after")
    def _private_outbound_outside_production(self) -> Settings:
        if self.outbound.allow_private is None:
            self.outbound.allow_private = self.mode is not Mode.PRODUCTION
        return self

    @model_validator(mode="after")
    def _local_repositories_in_development(self) -> Settings:
        """Unless configured, development deploys from local git repositories (``file://``)."""
        if "git_schemes" not in self.deployer.model_fields_set and self.mode is Mode.DEVELOPMENT:
            self.deployer.git_schemes = list[GitScheme](["file"])
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def chain(self) -> ChainConfig:
        return self.chains[self.chain_environment]

    @cached_property
    def public_host(self) -> str:
        return urlsplit(self.public_url).netloc

    def production_problems(self) -> list[str]:
        """What stops this configuration from running in production, in plain words."""
        problems = []
        if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
            problems.append(
                "CHAINLESS_SECRET_KEY is the development default or shorter than 32 characters"
            )
        if self.is_sqlite:
            problems.append(
                "CHAINLESS_DATABASE_URL points at SQLite; production runs on PostgreSQL"
            )
        if not self.redis_url:
            problems.append("CHAINLESS_REDIS_URL is not set; production needs Redis")
        if self.task_runner != "celery":
            problems.append("CHAINLESS_TASK_RUNNER must be 'celery' in production")
        if self.signing_key_path is None:
            problems.append(
                "CHAINLESS_SIGNING_KEY_PATH is not set; development keys are not for production"
            )
        if not self.cookie_secure:
            problems.append("CHAINLESS_COOKIE_SECURE must be true in production")
        if not self.public_url.startswith("https://"):
            problems.append("CHAINLESS_PUBLIC_URL must be https in production")
        if self.mail.backend != "smtp":
            problems.append("CHAINLESS_MAIL__BACKEND must be 'smtp' in production")
        if self.outbound.allow_private:
            problems.append(
                "CHAINLESS_OUTBOUND__ALLOW_PRIVATE is true; in production developer-supplied "
                "URLs must not reach the platform's own network"
            )
        if "file" in self.deployer.git_schemes:
            problems.append(
                "CHAINLESS_DEPLOYER__GIT_SCHEMES includes 'file'; production deploys from remote "
                "repositories only (a file URL reads the worker's own disk)"
            )
        return problems


class InsecureProductionConfig(RuntimeError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("refusing to start in production:\n  - " + "\n  - ".join(problems))
        self.problems = problems


def load_settings(**overrides: object) -> Settings:
    """Read the settings and refuse a production start with development secrets."""
    settings = Settings(**overrides)  # type: ignore[arg-type]
    if settings.mode is Mode.PRODUCTION:
        problems = settings.production_problems()
        if problems:
            raise InsecureProductionConfig(problems)
    return settings
