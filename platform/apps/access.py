"""Load an app the way the caller may see it, then check an app permission.

Tenant isolation lives here: an app the caller may not see is *not found* (404), never forbidden,
so app ids of other developers cannot be probed. An app the caller sees but may not change is 403.
"""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from chainless.platform.auth.principal import Principal
from chainless.platform.core.errors import Forbidden, NotFound
from chainless.platform.core.permissions import Permission, Role
from chainless.platform.models import Account, AppMember, MiniProgram

_DEVELOPERS_KEY = "apps.loaded_developers"
_ROLES_KEY = "chainless.app_roles"


def app_roles(session: Session, principal: Principal, app: MiniProgram) -> frozenset[Role]:
    """The roles ``principal`` holds on ``app`` (an API key holds none; its scopes count).

    Remembered on the session for the request, so a permission check after the visibility check
    costs no second query.
    """
    if principal.kind != "account":
        return frozenset()
    if app.developer_id == principal.id:
        return frozenset({Role.DEVELOPER})
    cache: dict[tuple[str, str], frozenset[Role]] = session.info.setdefault(_ROLES_KEY, {})
    key = (principal.id, app.app_id)
    if key not in cache:
        member_role = session.scalar(
            select(AppMember.role).where(
                AppMember.app_id == app.app_id,
                AppMember.account_id == principal.id,
                AppMember.accepted_at.is_not(None),
            )
        )
        cache[key] = _roles(member_role)
    return cache[key]


def forget_app_roles(session: Session) -> None:
    """Drop the remembered roles (after a membership changed in this session)."""
    session.info.pop(_ROLES_KEY, None)


def _roles(member_role: str | None) -> frozenset[Role]:
    return frozenset({Role(member_role)}) if member_role else frozenset()


def visible_app(
    session: Session, principal: Principal, app_id: str, *, for_update: bool = False
) -> MiniProgram:
    """The app if the caller may see it at all, else 404.

    For an account, the app and the caller's accepted membership come in one query.
    """
    if principal.kind == "account":
        app = _app_with_membership(session, principal, app_id, for_update=for_update)
    else:
        # the developer comes along: the detail view's lookup of it is then free (identity map)
        statement = (
            select(MiniProgram, Account)
            .join(Account, Account.id == MiniProgram.developer_id)
            .where(MiniProgram.app_id == app_id)
        )
        if for_update:
            statement = statement.with_for_update(of=MiniProgram)
        found = session.execute(statement).first()
        app = found[0] if found is not None else None
        if found is not None:
            remember_developer(session, found[0], found[1])
    if app is None or not _may_see(session, principal, app):
        raise NotFound(f"no app {app_id!r}", code="app_not_found")
    return app


def _app_with_membership(
    session: Session, principal: Principal, app_id: str, *, for_update: bool
) -> MiniProgram | None:
    statement = (
        select(MiniProgram, AppMember.role, Account)
        .outerjoin(
            AppMember,
            and_(
                AppMember.app_id == MiniProgram.app_id,
                AppMember.account_id == principal.id,
                AppMember.accepted_at.is_not(None),
            ),
        )
        .join(Account, Account.id == MiniProgram.developer_id)
        .where(MiniProgram.app_id == app_id)
    )
    if for_update:
        statement = statement.with_for_update(of=MiniProgram)
    row = session.execute(statement).first()
    if row is None:
        return None
    app, member_role, developer = row
    remember_developer(session, app, developer)
    if app.developer_id != principal.id:
        session.info.setdefault(_ROLES_KEY, {})[(principal.id, app.app_id)] = _roles(member_role)
    return app


def remember_developer(session: Session, app: MiniProgram, developer: Account) -> None:
    """Keep the developer loaded with the app for this request's detail view (the session's
    identity map holds objects weakly, so an unreferenced one would be loaded again)."""
    session.info.setdefault(_DEVELOPERS_KEY, {})[app.app_id] = developer


def loaded_developer(session: Session, app: MiniProgram) -> Account | None:
    developer: Account | None = session.info.get(_DEVELOPERS_KEY, {}).get(app.app_id)
    return developer


def _may_see(session: Session, principal: Principal, app: MiniProgram) -> bool:
    if principal.kind == "api_key":
        return principal.app_id == app.app_id
    if principal.can(Permission.APP_READ_ANY):
        return True
    return bool(app_roles(session, principal, app))


def check_key_access(principal: Principal, app_id: str, permission: Permission) -> None:
    """``app_for`` for an API key, without a query: it sees its own app only (404 otherwise),
    with the permissions its scopes grant (403 otherwise)."""
    if principal.kind != "api_key" or principal.app_id != app_id:
        raise NotFound(f"no app {app_id!r}", code="app_not_found")
    if permission not in principal.app_permissions(frozenset()):
        raise Forbidden(
            f"this needs the '{permission.value}' permission on app {app_id}",
            code="permission_denied",
            permission=permission.value,
        )


def app_for(
    session: Session,
    principal: Principal,
    app_id: str,
    permission: Permission,
    *,
    for_update: bool = False,
) -> MiniProgram:
    """The app, after checking ``permission`` on it (404 if invisible, 403 if not allowed)."""
    app = visible_app(session, principal, app_id, for_update=for_update)
    if not has_app_permission(session, principal, app, permission):
        raise Forbidden(
            f"this needs the '{permission.value}' permission on app {app_id}",
            code="permission_denied",
            permission=permission.value,
        )
    return app


def has_app_permission(
    session: Session, principal: Principal, app: MiniProgram, permission: Permission
) -> bool:
    if permission == Permission.APP_READ and principal.can(Permission.APP_READ_ANY):
        return True
    return permission in principal.app_permissions(app_roles(session, principal, app))
