"""What the OAuth server may know of an app: its public client record (read-only).

The wallet-login component talks to apps through this function, never through their tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chainless.platform.core.clock import utcnow
from chainless.platform.models import Account, AppStatus, AuditCertificate, MiniProgram


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
    secret_hash: str
    previous_secret_hash: str | None
    previous_secret_expires_at: datetime | None
    repo_url: str | None
    audit_issuer: str | None
    listed_at: datetime | None

    @property
    def online(self) -> bool:
        return self.status == AppStatus.ONLINE

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
        secret_hash=app.secret_hash,
        previous_secret_hash=app.previous_secret_hash,
        previous_secret_expires_at=app.previous_secret_expires_at,
        repo_url=app.repo_url,
        audit_issuer=issuer,
        listed_at=app.listed_at,
    )
