"""Every query on contract builds and audit overrides (the compile and audit caches)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chainless.deployer.models import AuditOverride, ContractBuild


def build(session: Session, content_hash: str) -> ContractBuild | None:
    return session.get(ContractBuild, content_hash)


def add_build(session: Session, item: ContractBuild) -> ContractBuild:
    """Insert, or return the row a concurrent deployment of the same sources stored first."""
    existing = session.get(ContractBuild, item.content_hash)
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            session.add(item)
    except IntegrityError:
        stored = session.get(ContractBuild, item.content_hash)
        assert stored is not None
        return stored
    return item


def override_of(session: Session, deployment_id: str) -> AuditOverride | None:
    return session.scalars(
        select(AuditOverride).where(AuditOverride.deployment_id == deployment_id)
    ).first()


def add_override(session: Session, override: AuditOverride) -> AuditOverride:
    session.add(override)
    session.flush()
    return override
