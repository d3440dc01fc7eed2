"""What the OAuth server may know of an app: its public client record (read-only).

The wallet-login component talks to apps through these functions, never through their tables.
Every OAuth request needs its client's record, and the record almost never changes, so each api
process keeps the records it read behind the Redis epoch ``oauth.clients`` (``core.epochs``): a
change of the app (status, secret, redirect URIs, scopes), of its developer's name or of its audit
certificates bumps the epoch after its commit, and every process reads the database again on its
next request. Without Redis nothing is cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from chainless.platform.core.clock import utcnow
from chainless.platform.core.epoch_cache import EpochCache, process_cache
from chainless.platform.core.epochs import Change, watch
from chainless.platform.core.services import Services
from chainless.platform.models import Account, AppStatus, AuditCertificate, MiniProgram

PUBLIC_CLIENT_METHOD = "none"
SECRET_METHODS = ("client_secret_basic", "client_secret_post")


@dataclass(frozen=True)
class ClientRecord:
    app_id: str
    name: str
    icon_url: str
    description: str
    developer_name: str
    status: int
    redirect_uris: tuple[str, ...]
    approved_scopes: tuple[str, ...]
    token_endpoint_auth_method: str  # RFC 7591 §2; "none" for a public client
    secret_hash: str
    previous_secret_hash: str | None
    previous_secret_expires_at: datetime | None
    repo_url: str | None
    audit_issuer: str | None
    listed_at: datetime | None

    @property
    def online(self) -> bool:
        return self.status == AppStatus.ONLINE

    @property
    def delisted(self) -> bool:
        return self.status == AppStatus.DELISTED

    @property
    def public(self) -> bool:
        """A public client (RFC 6749 §2.1): it holds no secret and authenticates with none."""
        return self.token_endpoint_auth_method == PUBLIC_CLIENT_METHOD

    def secret_hashes(self) -> tuple[str, ...]:
        """The current secret, and the previous one while its rotation overlap lasts."""
        if (
            self.previous_secret_hash
            and self.previous_secret_expires_at
            and self.previous_secret_expires_at > utcnow()
        ):
            return (self.secret_hash, self.previous_secret_hash)
        return (self.secret_hash,)


def client_record(session: Session, app_id: str) -> ClientRecord | None:
    row = session.execute(
        select(MiniProgram, Account.display_name, Account.email)
        .join(Account, Account.id == MiniProgram.developer_id)
        .where(MiniProgram.app_id == app_id)
    ).first()
    if row is None:
        return None
    app, display_name, email = row
    issuer = session.scalar(
        select(AuditCertificate.issuer)
        .where(AuditCertificate.app_id == app_id)
        .order_by(AuditCertificate.uploaded_at.desc())
        .limit(1)
    )
    return ClientRecord(
        app_id=app.app_id,
        name=app.name,
        icon_url=app.icon_url,
        description=app.description,
        developer_name=display_name or email.split("@", 1)[1],
        status=app.status,
        redirect_uris=tuple(app.redirect_uris),
        approved_scopes=tuple(app.approved_scopes),
        token_endpoint_auth_method=app.token_endpoint_auth_method,
        secret_hash=app.secret_hash,
        previous_secret_hash=app.previous_secret_hash,
        previous_secret_expires_at=app.previous_secret_expires_at,
        repo_url=app.repo_url,
        audit_issuer=issuer,
        listed_at=app.listed_at,
    )


# --- the process's copy, behind the ``oauth.clients`` epoch --------------------------------------
CLIENT_EPOCH = "oauth.clients"
ClientCache = EpochCache[ClientRecord]
"""App id -> client record, as read under the ``oauth.clients`` epoch."""


def client_cache(services: Services) -> ClientCache | None:
    """The process's cache; ``None`` without Redis (no shared epoch, so nothing is cached)."""
    return process_cache(services, "apps.oauth_clients", max_entries=20_000)


def cached_client_record(
    session: Session, services: Services, app_id: str, epoch: str | None = None
) -> ClientRecord | None:
    """``client_record``, served from the process's copy while the epoch has not moved.

    ``epoch`` is the epoch as the caller already read it, else it is read here (one Redis GET),
    always before the database: see ``core.epochs``. Unknown apps are not cached.
    """
    cache = client_cache(services)
    if cache is None or services.epochs is None:
        return client_record(session, app_id)
    if epoch is None:
        epoch = services.epochs.current(CLIENT_EPOCH)
    cached = cache.get(app_id, epoch)
    if cached is not None:
        return cached
    record = client_record(session, app_id)
    if record is not None:
        cache.put(app_id, record, epoch)
    return record


_ACCOUNT_FIELDS = ("display_name", "email")


def _changes_client(instance: object, change: Change) -> bool:
    """Anything a client record carries: the app's row, its newest audit certificate, and the
    name of its developer."""
    if isinstance(instance, MiniProgram | AuditCertificate):
        return True
    if isinstance(instance, Account):
        if change != "dirty":
            return change == "deleted"
        attrs = inspect(instance).attrs
        return any(attrs[name].history.has_changes() for name in _ACCOUNT_FIELDS)
    return False


watch(
    CLIENT_EPOCH,
    changes=_changes_client,
    tables=frozenset({"mini_programs", "audit_certificates", "accounts"}),
)


# --- the origins public clients call the token endpoint from (CORS) ------------------------------
def public_client_origins(session: Session) -> frozenset[str]:
    """The origins (RFC 6454, ``scheme://host[:port]``) of the redirect URIs of the online public
    clients: where a mini-program without a backend runs and posts to ``/oauth/token``."""
    rows = session.scalars(
        select(MiniProgram.redirect_uris).where(
            MiniProgram.status == AppStatus.ONLINE,
            MiniProgram.token_endpoint_auth_method == PUBLIC_CLIENT_METHOD,
        )
    )
    return frozenset(origin for uris in rows for uri in uris if (origin := uri_origin(uri)))


def uri_origin(uri: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URI, lower-cased, the default port left
    out, as a browser's ``Origin`` header carries it; ``None`` for anything else."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{host}" if port in (None, default) else f"{scheme}://{host}:{port}"


_ORIGINS_KEY = "public-client-origins"


def cached_public_client_origins(session: Session, services: Services) -> frozenset[str]:
    """``public_client_origins`` behind the ``oauth.clients`` epoch (an app edit, a listing or a
    delisting bumps it), read again from the database after every such change."""
    cache: EpochCache[frozenset[str]] | None = process_cache(
        services, "apps.public_client_origins", max_entries=1
    )
    if cache is None or services.epochs is None:
        return public_client_origins(session)
    epoch = services.epochs.current(CLIENT_EPOCH)
    cached = cache.get(_ORIGINS_KEY, epoch)
    if cached is None:
        cached = public_client_origins(session)
        cache.put(_ORIGINS_KEY, cached, epoch)
    return cached
