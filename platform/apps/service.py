"""Create, read, change and list mini-programs; their OAuth client secret (spec 3.4.1, 3.5.1).

The app secret is shown once and stored only as a keyed hash. Rotation keeps the previous secret
valid for ``app_secret_rotation_overlap_hours`` so running backends can switch without downtime.
A public client (``token_endpoint_auth_method`` ``none``, RFC 7591 §2) is shown no secret and
cannot rotate one: it authenticates with PKCE alone (``chainless.oauth.clients``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chainless.platform.apps import access, config, repository, validation
from chainless.platform.apps.oauth_view import PUBLIC_CLIENT_METHOD
from chainless.platform.apps.repository import AppFilters
from chainless.platform.apps.schemas import AppCreate, AppUpdate
from chainless.platform.audit import service as audit
from chainless.platform.auth.principal import Principal
from chainless.platform.core.clock import as_utc, utcnow
from chainless.platform.core.errors import Conflict, Forbidden
from chainless.platform.core.permissions import Permission
from chainless.platform.core.security import SecretHasher, new_hex_id, new_token
from chainless.platform.core.settings import Settings
from chainless.platform.models import Account, AppContract, AppStatus, MiniProgram

SECRET_PREFIX = "cs_"  # noqa: S105 (a prefix, not a secret)
# The fields a developer edits directly (create and PATCH); the rest has its own endpoint.
BASIC_FIELDS = (
    "name",
    "description",
    "icon_url",
    "category",
    "tags",
    "domains",
    "redirect_uris",
    "requested_scopes",
)


@dataclass(frozen=True)
class AppView:
    """An app with what its detail shows, loaded in a fixed number of queries."""

    app: MiniProgram
    developer: Account | None
    contracts: list[AppContract]


@dataclass(frozen=True)
class IssuedSecret:
    app: MiniProgram
    secret: str

    @property
    def shown(self) -> str | None:
        """The secret its developer is shown: none for a public client, which holds none (its
        stored hash is of a secret nobody saw, so no secret ever authenticates it)."""
        return None if is_public(self.app) else self.secret


def is_public(app: MiniProgram) -> bool:
    return app.token_endpoint_auth_method == PUBLIC_CLIENT_METHOD


def new_client_secret() -> str:
    """``cs_`` and 43 URL-safe characters (256 bits)."""
    return SECRET_PREFIX + new_token(32)


def require_verified_email(principal: Principal) -> None:
    if principal.kind != "account" or not principal.email_verified:
        raise Forbidden("verify your email address first", code="email_not_verified")


def acting_account(principal: Principal) -> str:
    """The account an action is attributed to (an API key acts for its app's developer)."""
    return principal.account_id or principal.owner_account_id or principal.id


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    """The basic fields with every semantic rule applied and values normalised."""
    checked = dict(fields)
    if "icon_url" in checked:
        checked["icon_url"] = validation.check_icon_url(checked["icon_url"])
    if "tags" in checked:
        checked["tags"] = list(dict.fromkeys(checked["tags"]))
    if "domains" in checked:
        checked["domains"] = validation.normalise_domains(checked["domains"])
    if "redirect_uris" in checked:
        checked["redirect_uris"] = validation.normalise_redirect_uris(checked["redirect_uris"])
    if "requested_scopes" in checked:
        checked["requested_scopes"] = validation.check_scopes(checked["requested_scopes"])
    return checked


def create_app(
    session: Session,
    settings: Settings,
    hasher: SecretHasher,
    principal: Principal,
    body: AppCreate,
) -> IssuedSecret:
    require_verified_email(principal)
    repository.lock_account(session, principal.id)
    limit = settings.max_apps_per_developer
    if repository.count_apps_of(session, principal.id) >= limit:
        raise Conflict(
            f"a developer may own at most {limit} apps", code="app_limit_reached", limit=limit
        )
    fields = _checked({f: getattr(body, f) for f in BASIC_FIELDS})
    secret, now = new_client_secret(), utcnow()
    app = MiniProgram(
        app_id=new_hex_id(16),
        developer_id=principal.id,
        status=int(AppStatus.DEVELOPMENT),
        secret_hash=hasher.hash(secret),
        token_endpoint_auth_method=body.token_endpoint_auth_method,
        approved_scopes=[],
        payment_service=False,
        gas_budget_gwei=0,
        gas_spent_gwei=0,
        create_time=now,
        update_time=now,
        **fields,
    )
    changes: dict[str, Any] = {f: [None, v] for f, v in fields.items()}
    changes["token_endpoint_auth_method"] = [None, body.token_endpoint_auth_method]
    if (
        body.signature_algorithm
        or body.public_key_pem
        or body.certificate_pem
        or body.encryption_algorithm
    ):
        changes |= config.apply_interface(app, config.interface_from(body))
    if body.repo_url is not None or body.repo_branch is not None:
        changes |= config.apply_deploy(
            app, settings, body.repo_url or "", body.repo_branch or "main"
        )
    session.add(app)
    session.flush()
    audit.record(
        session,
        principal,
        "app.created",
        target_type="app",
        target_id=app.app_id,
        app_id=app.app_id,
        summary=f"created {app.name}",
        changes=changes,
    )
    return IssuedSecret(app, secret)


def update_app(session: Session, principal: Principal, app_id: str, body: AppUpdate) -> MiniProgram:
    """Change the fields sent; requested scopes are frozen while a review decides on them."""
    app = access.app_for(session, principal, app_id, Permission.APP_WRITE, for_update=True)
    wanted = _checked(body.changes())
    before = {f: getattr(app, f) for f in (*wanted, "approved_scopes")}
    scopes = wanted.get("requested_scopes")
    if scopes is not None and scopes != app.requested_scopes:
        if app.status == AppStatus.IN_REVIEW:
            raise Conflict(
                "requested scopes cannot change while the app is in review", code="app_in_review"
            )
        wanted["approved_scopes"] = [s for s in app.approved_scopes if s in scopes]
    for field, value in wanted.items():
        setattr(app, field, value)
    changes = audit.diff(before, wanted)
    if changes:
        audit.record(
            session,
            principal,
            "app.updated",
            target_type="app",
            target_id=app.app_id,
            app_id=app.app_id,
            summary=f"changed {', '.join(sorted(changes))}",
            changes=changes,
        )
    return app


def app_view(session: Session, principal: Principal, app_id: str) -> AppView:
    """The app's detail, if the caller may read it: three queries (app with membership, developer,
    contracts), whatever the number of contracts."""
    return view_of(session, access.app_for(session, principal, app_id, Permission.APP_READ))


def view_of(session: Session, app: MiniProgram) -> AppView:
    """The detail of an app the caller was already allowed to load."""
    return AppView(
        app, repository.developer_of(session, app), repository.contracts_of(session, app.app_id)
    )


def list_apps(
    session: Session, principal: Principal, filters: AppFilters
) -> tuple[list[MiniProgram], int]:
    return repository.visible_apps(session, principal, filters)


def rotate_secret(
    session: Session, settings: Settings, hasher: SecretHasher, principal: Principal, app_id: str
) -> IssuedSecret:
    app = access.app_for(session, principal, app_id, Permission.APP_SECRET_ROTATE, for_update=True)
    if is_public(app):
        raise Conflict(
            "a public client has no secret to rotate; it authenticates with PKCE alone",
            code="public_client",
        )
    now = utcnow()
    overlap = timedelta(hours=settings.app_secret_rotation_overlap_hours)
    secret = new_client_secret()
    app.previous_secret_hash = app.secret_hash if overlap else None
    app.previous_secret_expires_at = now + overlap if overlap else None
    app.secret_hash = hasher.hash(secret)
    app.secret_rotated_at = now
    until = app.previous_secret_expires_at
    audit.record(
        session,
        principal,
        "app.secret_rotated",
        target_type="app",
        target_id=app.app_id,
        app_id=app.app_id,
        summary=f"previous secret valid until {until.isoformat()}"
        if until
        else "previous secret revoked",
    )
    return IssuedSecret(app, secret)


def verify_client_secret(session: Session, hasher: SecretHasher, app_id: str, secret: str) -> bool:
    """Whether ``secret`` authenticates the client ``app_id`` (RFC 6749 §2.3.1).

    Accepts the current secret and, until it expires, the one before the last rotation. Both are
    compared every time, in constant time, whether or not the app exists, so the answer's timing
    tells nothing. Only the credential is checked: whether a delisted app may still get tokens is
    the token endpoint's decision (see ``status``).
    """
    app = repository.app_by_id(session, app_id)
    current = app.secret_hash if app is not None else None
    previous = None
    if app is not None and _previous_still_valid(app.previous_secret_expires_at):
        previous = app.previous_secret_hash
    matches_current = hasher.matches(secret, current)
    matches_previous = hasher.matches(secret, previous)
    return matches_current or matches_previous


def _previous_still_valid(expires_at: datetime | None) -> bool:
    return expires_at is not None and as_utc(expires_at) > utcnow()
