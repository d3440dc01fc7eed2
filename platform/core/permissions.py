"""Roles and named permissions, in one place (spec 3.2 roles, 3.5.6 permission control).

Platform roles are held by an account; ``app_operator`` and ``developer`` (as the owner) are held
per app; ``user`` is a wallet user acting through an OAuth grant. This module imports no feature:
features declare what they need with these names and :mod:`chainless.platform.auth` checks it.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    DEVELOPER = "developer"
    APP_OPERATOR = "app_operator"
    PLATFORM_OPERATOR = "platform_operator"
    PLATFORM_DEVOPS = "platform_devops"
    PLATFORM_TECH = "platform_tech"
    USER = "user"


PLATFORM_ROLES = frozenset(
    {Role.DEVELOPER, Role.PLATFORM_OPERATOR, Role.PLATFORM_DEVOPS, Role.PLATFORM_TECH}
)
STAFF_ROLES = frozenset({Role.PLATFORM_OPERATOR, Role.PLATFORM_DEVOPS, Role.PLATFORM_TECH})
APP_ROLES = frozenset({Role.DEVELOPER, Role.APP_OPERATOR})


class Permission(StrEnum):
    # a developer's own account
    QUALIFICATION_SUBMIT = "qualification:submit"
    APP_CREATE = "app:create"
    # on one app (held through ownership or membership)
    APP_READ = "app:read"
    APP_WRITE = "app:write"
    APP_SECRET_ROTATE = "app:secret:rotate"  # noqa: S105 (a permission name)
    APP_SUBMIT = "app:submit"
    APP_MEMBERS_MANAGE = "app:members:manage"
    APIKEY_MANAGE = "apikey:manage"
    ANALYTICS_READ = "analytics:read"
    FEEDBACK_MANAGE = "feedback:manage"
    DEPLOY_REQUEST = "deploy:request"
    # platform operations
    QUALIFICATION_REVIEW = "qualification:review"
    REVIEW_DECIDE = "review:decide"
    APP_DELIST = "app:delist"
    DEPLOY_AUDIT_OVERRIDE = "deploy:audit:override"
    APP_READ_ANY = "app:read:any"
    AUDIT_READ = "audit:read"
    ROLES_READ = "permission:roles:read"
    ROLES_SYNC = "permission:sync"
    DEPLOY_EXECUTE = "deploy:execute"
    SYSTEM_MONITOR = "system:monitor"
    ALERTS_MANAGE = "alerts:manage"
    DOCS_MANAGE = "docs:manage"
    # a wallet user's own grants
    AUTHORIZATION_MANAGE_OWN = "authorization:manage:own"


P = Permission

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.DEVELOPER: frozenset(
        {
            P.QUALIFICATION_SUBMIT,
            P.APP_CREATE,
            P.APP_READ,
            P.APP_WRITE,
            P.APP_SECRET_ROTATE,
            P.APP_SUBMIT,
            P.APP_MEMBERS_MANAGE,
            P.APIKEY_MANAGE,
            P.ANALYTICS_READ,
            P.FEEDBACK_MANAGE,
            P.DEPLOY_REQUEST,
        }
    ),
    Role.APP_OPERATOR: frozenset({P.APP_READ, P.ANALYTICS_READ, P.FEEDBACK_MANAGE}),
    Role.PLATFORM_OPERATOR: frozenset(
        {
            P.QUALIFICATION_REVIEW,
            P.REVIEW_DECIDE,
            P.APP_DELIST,
            P.DEPLOY_AUDIT_OVERRIDE,
            P.APP_READ_ANY,
            P.AUDIT_READ,
            P.ROLES_READ,
            P.ANALYTICS_READ,
            P.ALERTS_MANAGE,
        }
    ),
    Role.PLATFORM_DEVOPS: frozenset(
        {
            P.DEPLOY_EXECUTE,
            P.SYSTEM_MONITOR,
            P.APP_READ_ANY,
            P.AUDIT_READ,
            P.ROLES_READ,
            P.ROLES_SYNC,
            P.ALERTS_MANAGE,
        }
    ),
    Role.PLATFORM_TECH: frozenset({P.DOCS_MANAGE, P.SYSTEM_MONITOR, P.ROLES_READ}),
    Role.USER: frozenset({P.AUTHORIZATION_MANAGE_OWN}),
}

# Permissions that only make sense on one app: checked against the roles held on that app.
APP_SCOPED = frozenset(
    {
        P.APP_READ,
        P.APP_WRITE,
        P.APP_SECRET_ROTATE,
        P.APP_SUBMIT,
        P.APP_MEMBERS_MANAGE,
        P.APIKEY_MANAGE,
        P.ANALYTICS_READ,
        P.FEEDBACK_MANAGE,
        P.DEPLOY_REQUEST,
    }
)


def permissions_of(roles: frozenset[Role] | set[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


class ApiKeyScope(StrEnum):
    """What an API key may do (spec, developer management 1.3)."""

    DATA_READ = "data:read"
    DATA_WRITE = "data:write"
    TRANSACTION_WRITE = "transaction:write"
    DEPLOY_WRITE = "deploy:write"
    ANALYTICS_READ = "analytics:read"


# The app permissions an API key scope stands for.
API_KEY_SCOPE_PERMISSIONS: dict[ApiKeyScope, frozenset[Permission]] = {
    ApiKeyScope.DATA_READ: frozenset({P.APP_READ}),
    ApiKeyScope.DATA_WRITE: frozenset({P.APP_READ, P.APP_WRITE}),
    ApiKeyScope.TRANSACTION_WRITE: frozenset(),  # used by the relay, not the management API
    ApiKeyScope.DEPLOY_WRITE: frozenset({P.DEPLOY_REQUEST}),
    ApiKeyScope.ANALYTICS_READ: frozenset({P.ANALYTICS_READ}),
}
