"""Plain-language descriptions of the role model, as the roles listing shows it.

The role and permission names live in :mod:`chainless.platform.core.permissions`; this module only
explains them, so a new name without an explanation fails the tests instead of shipping silently.
"""

from __future__ import annotations

from typing import Literal

from chainless.platform.core.permissions import ApiKeyScope, Permission, Role

P = Permission

ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.DEVELOPER: "A registered developer: owns the apps it creates and manages their keys, "
    "members, versions and deployments.",
    Role.APP_OPERATOR: "A member invited to one app: reads it, its analytics and its user "
    "feedback.",
    Role.PLATFORM_OPERATOR: "Platform operations: reviews qualifications and app versions, lists "
    "and delists apps, reads the audit log.",
    Role.PLATFORM_DEVOPS: "Platform devops: executes deployments, monitors the system, reads the "
    "audit log and synchronises staff roles from the organisation's directory.",
    Role.PLATFORM_TECH: "Platform technical staff: maintains the developer documentation and "
    "monitors the system.",
    Role.USER: "A wallet user acting through an OAuth grant: manages its own authorizations.",
}

# Where a role is held: on the platform account, on one app, or by a wallet user.
RoleLevel = Literal["platform", "app", "user"]

ROLE_LEVELS: dict[Role, RoleLevel] = {
    Role.DEVELOPER: "platform",
    Role.APP_OPERATOR: "app",
    Role.PLATFORM_OPERATOR: "platform",
    Role.PLATFORM_DEVOPS: "platform",
    Role.PLATFORM_TECH: "platform",
    Role.USER: "user",
}

PERMISSION_DESCRIPTIONS: dict[Permission, str] = {
    P.QUALIFICATION_SUBMIT: "Submit the developer qualification.",
    P.APP_CREATE: "Create a mini-program.",
    P.APP_READ: "Read an app's configuration, versions and audit events.",
    P.APP_WRITE: "Change an app's configuration.",
    P.APP_SECRET_ROTATE: "Rotate an app's OAuth client secret.",
    P.APP_SUBMIT: "Submit an app version for review.",
    P.APP_MEMBERS_MANAGE: "Invite and remove app operators.",
    P.APIKEY_MANAGE: "Create, rotate and revoke an app's API keys.",
    P.ANALYTICS_READ: "Read an app's analytics.",
    P.FEEDBACK_MANAGE: "Answer and close user feedback on an app.",
    P.DEPLOY_REQUEST: "Request a deployment of an app.",
    P.QUALIFICATION_REVIEW: "Approve or reject developer qualifications.",
    P.REVIEW_DECIDE: "Approve or reject app versions in review.",
    P.APP_DELIST: "Delist an app (hidden, new authorizations refused, tokens revoked).",
    P.DEPLOY_AUDIT_OVERRIDE: "Let a deployment with high-impact audit findings go to "
    "production, with a reason.",
    P.APP_READ_ANY: "Read any app, whoever owns it.",
    P.AUDIT_READ: "Search the platform audit log.",
    P.ROLES_READ: "List the role model (this catalogue).",
    P.ROLES_SYNC: "Synchronise platform staff roles from the organisation's directory.",
    P.DEPLOY_EXECUTE: "Execute and roll back deployments.",
    P.SYSTEM_MONITOR: "Read system health, metrics and alerts.",
    P.ALERTS_MANAGE: "List, acknowledge and resolve operational alerts.",
    P.DOCS_MANAGE: "Edit the developer documentation.",
    P.AUTHORIZATION_MANAGE_OWN: "Review and revoke one's own app authorizations.",
}

SCOPE_DESCRIPTIONS: dict[ApiKeyScope, str] = {
    ApiKeyScope.DATA_READ: "Read the app's data through the management API.",
    ApiKeyScope.DATA_WRITE: "Read and change the app's data through the management API.",
    ApiKeyScope.TRANSACTION_WRITE: "Submit user-signed transactions to the relay (no management "
    "API permission).",
    ApiKeyScope.DEPLOY_WRITE: "Request deployments of the app.",
    ApiKeyScope.ANALYTICS_READ: "Read the app's analytics.",
}
