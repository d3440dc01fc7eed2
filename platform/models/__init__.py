"""All platform models, imported together so the metadata (and Alembic) sees every table."""

from chainless.platform.models.accounts import (
    Account,
    AccountRole,
    AuthSession,
    Qualification,
    SignInUnlock,
)
from chainless.platform.models.alerts import Alert
from chainless.platform.models.api_keys import ApiKey
from chainless.platform.models.apps import (
    AppContract,
    AppMember,
    AppStatus,
    AppVersion,
    AuditCertificate,
    MiniProgram,
)
from chainless.platform.models.audit import AuditEvent
from chainless.platform.models.base import Base
from chainless.platform.models.catalog import CatalogEntry
from chainless.platform.models.outbox import OutboxEmail

__all__ = [
    "Account",
    "AccountRole",
    "Alert",
    "ApiKey",
    "AppContract",
    "AppMember",
    "AppStatus",
    "AppVersion",
    "AuditCertificate",
    "AuditEvent",
    "AuthSession",
    "Base",
    "CatalogEntry",
    "MiniProgram",
    "OutboxEmail",
    "Qualification",
    "SignInUnlock",
]
