"""Every query of the ``deployed_contracts`` table (one row per contract of a deployment).

The devops account signs for every app on a chain, so nonces are handed out under a lock per
chain and account (a PostgreSQL advisory lock held to the end of the signing transaction; the
embedded SQLite takes its single write lock at ``BEGIN IMMEDIATE`` anyway), and a nonce signed
for a deployment still in progress counts as taken even before it reaches the chain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from chainless.deployer.models import ContractStatus, DeployedContract, Deployment
from chainless.deployer.models.deployments import ACTIVE_STATUSES
from chainless.platform.models import MiniProgram

UNCONFIRMED = (ContractStatus.SIGNED, ContractStatus.SENT)


def of_deployment(session: Session, deployment_id: str) -> Sequence[DeployedContract]:
    return session.scalars(
        select(DeployedContract)
        .where(DeployedContract.deployment_id == deployment_id)
        .order_by(DeployedContract.position)
    ).all()


def add(session: Session, row: DeployedContract) -> DeployedContract:
    session.add(row)
    session.flush()
    return row


def lock_signer(session: Session, chain_id: int, deployer: str) -> None:
    """Serialise nonce allocation for one account on one chain until the transaction ends."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"devops-nonce:{chain_id}:{deployer.lower()}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def next_reserved_nonce(session: Session, chain_id: int, deployer: str) -> int | None:
    """One past the highest nonce signed, not yet seen mined, by a deployment still running."""
    highest = session.scalar(
        select(func.max(DeployedContract.nonce))
        .join(Deployment, Deployment.id == DeployedContract.deployment_id)
        .where(
            DeployedContract.chain_id == chain_id,
            DeployedContract.deployer == deployer,
            DeployedContract.status.in_([s.value for s in UNCONFIRMED]),
            Deployment.status.in_([s.value for s in ACTIVE_STATUSES]),
        )
    )
    return None if highest is None else int(highest) + 1


def deployed_of_app(
    session: Session, app: MiniProgram, environment: str | None, limit: int
) -> Sequence[DeployedContract]:
    """The app's confirmed contracts (the caller was allowed to see ``app``), newest first."""
    statement = select(DeployedContract).where(
        DeployedContract.app_id == app.app_id,
        DeployedContract.status == ContractStatus.DEPLOYED.value,
    )
    if environment is not None:
        statement = statement.where(DeployedContract.environment == environment)
    order = (
        DeployedContract.environment,
        DeployedContract.deployed_at.desc(),
        DeployedContract.position,
    )
    return session.scalars(statement.order_by(*order).limit(limit)).all()
