"""Use cases of the permission API: verify one permission, describe the role model, and
synchronise platform staff roles from the organisation's directory (spec 3.5.6, 3.5.7)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy.orm import Session

from chainless.platform.apps import access
from chainless.platform.audit import service as audit
from chainless.platform.auth.principal import Principal
from chainless.platform.core.errors import Conflict, NotFound, Unprocessable
from chainless.platform.core.permissions import (
    API_KEY_SCOPE_PERMISSIONS,
    APP_SCOPED,
    ROLE_PERMISSIONS,
    STAFF_ROLES,
    Permission,
    Role,
)
from chainless.platform.models import MiniProgram
from chainless.platform.permissions_api import repository
from chainless.platform.permissions_api.descriptions import (
    PERMISSION_DESCRIPTIONS,
    ROLE_DESCRIPTIONS,
    ROLE_LEVELS,
    SCOPE_DESCRIPTIONS,
)
from chainless.platform.permissions_api.schemas import (
    ApiKeyScopeOut,
    PermissionOut,
    RoleCatalogOut,
    RoleOut,
)

SYNC_ACTION = "permission.roles_synced"
PermissionScope = Literal["platform", "app"]
ChangeStatus = Literal["changed", "unchanged", "unknown_email"]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    permission: str
    app_id: str | None
    scope: PermissionScope
    principal: Principal
    roles: list[str]
    scopes: list[str]


def parse_permission(name: str) -> Permission:
    try:
        return Permission(name)
    except ValueError:
        raise Unprocessable(
            f"{name!r} is not a permission; GET /api/v1/permission/roles lists them",
            code="unknown_permission",
        ) from None


def verify(session: Session, principal: Principal, name: str, app_id: str | None) -> Verdict:
    """May ``principal`` use ``name`` (on ``app_id``, for app-scoped permissions)?

    An app the caller cannot see gets exactly the answer a nonexistent app gets, so the endpoint
    cannot be used to probe other developers' app ids (the same rule as ``access.visible_app``).
    """
    permission = parse_permission(name)
    if permission not in APP_SCOPED:
        return _verdict(principal, permission, principal.can(permission), None, "platform")
    if app_id is None:
        raise Unprocessable(
            f"{permission.value!r} is granted per app: send app_id", code="app_id_required"
        )
    app = _visible_app(session, principal, app_id)
    if app is None:
        return _verdict(principal, permission, False, app_id, "app")
    allowed = access.has_app_permission(session, principal, app, permission)
    roles_on_app = access.app_roles(session, principal, app)
    return _verdict(principal, permission, allowed, app_id, "app", roles_on_app)


def _verdict(
    principal: Principal,
    permission: Permission,
    allowed: bool,
    app_id: str | None,
    scope: PermissionScope,
    roles_on_app: frozenset[Role] = frozenset(),
) -> Verdict:
    roles = sorted(role.value for role in principal.roles | roles_on_app)
    return Verdict(
        allowed, permission.value, app_id, scope, principal, roles, sorted(principal.scopes)
    )


def _visible_app(session: Session, principal: Principal, app_id: str) -> MiniProgram | None:
    try:
        return access.visible_app(session, principal, app_id)
    except NotFound:
        return None


def role_catalog() -> RoleCatalogOut:
    """Every role with what it grants, every permission, and what each API key scope stands for."""
    return RoleCatalogOut(
        roles=[
            RoleOut(
                name=role.value,
                level=ROLE_LEVELS[role],
                description=ROLE_DESCRIPTIONS[role],
                permissions=sorted(p.value for p in ROLE_PERMISSIONS[role]),
            )
            for role in Role
        ],
        permissions=[
            PermissionOut(
                name=p.value, app_scoped=p in APP_SCOPED, description=PERMISSION_DESCRIPTIONS[p]
            )
            for p in Permission
        ],
        api_key_scopes=[
            ApiKeyScopeOut(
                name=scope.value,
                description=SCOPE_DESCRIPTIONS[scope],
                grants=sorted(p.value for p in API_KEY_SCOPE_PERMISSIONS[scope]),
            )
            for scope in API_KEY_SCOPE_PERMISSIONS
        ],
    )


@dataclass(frozen=True)
class RoleChange:
    email: str
    account_id: str | None
    status: ChangeStatus
    roles_before: list[str] = field(default_factory=list)
    roles_after: list[str] = field(default_factory=list)
    granted: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SyncOutcome:
    dry_run: bool
    changes: list[RoleChange]

    @property
    def unknown_emails(self) -> list[str]:
        return [c.email for c in self.changes if c.status == "unknown_email"]

    @property
    def granted(self) -> int:
        return sum(len(c.granted) for c in self.changes)

    @property
    def revoked(self) -> int:
        return sum(len(c.revoked) for c in self.changes)


@dataclass(frozen=True)
class _Plan:
    email: str
    account_id: str
    before: frozenset[Role]
    after: frozenset[Role]

    @property
    def granted(self) -> frozenset[Role]:
        return self.after - self.before

    @property
    def revoked(self) -> frozenset[Role]:
        return self.before - self.after


def sync_staff_roles(
    session: Session,
    caller: Principal,
    assignments: Sequence[tuple[str, frozenset[Role]]],
    *,
    dry_run: bool,
) -> SyncOutcome:
    """Give each listed account exactly the staff roles the directory says it holds.

    Only platform staff roles move; the developer role and app roles are never touched, accounts
    not listed are left alone and unknown emails are reported, not created. The caller cannot
    take away its own ``platform_devops`` role (409), in a dry run too, so a dry run predicts
    the real one. Each account that changes gets one audit event.
    """
    wanted = [(email.strip().lower(), roles) for email, roles in assignments]
    if any(not roles <= STAFF_ROLES for _, roles in wanted):
        raise Unprocessable("only platform staff roles can be synchronised", code="not_staff_role")
    accounts = repository.accounts_by_email(session, [e for e, _ in wanted], lock=not dry_run)
    held = repository.roles_by_account(session, [a.id for a in accounts.values()])
    plans: dict[str, _Plan] = {}
    for email, roles in wanted:
        account = accounts.get(email)
        if account is not None:
            before = held.get(account.id, frozenset()) & STAFF_ROLES
            plans[email] = _Plan(email, account.id, before, roles)
    _refuse_own_lockout(caller, plans.values())
    if not dry_run:
        for plan in plans.values():
            _apply(session, caller, plan)
    return SyncOutcome(dry_run, [_change(email, plans.get(email)) for email, _ in wanted])


def _refuse_own_lockout(caller: Principal, plans: Iterable[_Plan]) -> None:
    for plan in plans:
        if plan.account_id == caller.id and Role.PLATFORM_DEVOPS in plan.revoked:
            raise Conflict(
                "you cannot remove your own platform_devops role; ask another devops member",
                code="cannot_remove_own_role",
                email=plan.email,
            )


def _apply(session: Session, caller: Principal, plan: _Plan) -> None:
    if not plan.granted and not plan.revoked:
        return
    repository.revoke(session, plan.account_id, plan.revoked)
    repository.grant(session, plan.account_id, plan.granted, granted_by=caller.id)
    audit.record(
        session,
        caller,
        SYNC_ACTION,
        target_type="account",
        target_id=plan.account_id,
        summary=f"staff roles of {plan.email} synchronised from the directory: "
        f"+{_names(plan.granted) or '-'} / -{_names(plan.revoked) or '-'}",
        changes={"roles": [_names(plan.before), _names(plan.after)]},
    )


def _names(roles: frozenset[Role]) -> list[str]:
    return sorted(role.value for role in roles)


def _change(email: str, plan: _Plan | None) -> RoleChange:
    if plan is None:
        return RoleChange(email, None, "unknown_email")
    status: ChangeStatus = "changed" if plan.granted or plan.revoked else "unchanged"
    return RoleChange(
        email,
        plan.account_id,
        status,
        _names(plan.before),
        _names(plan.after),
        _names(plan.granted),
        _names(plan.revoked),
    )
