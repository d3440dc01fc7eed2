"""What the transaction relay may read about an app: its status and its contracts in one
environment (the relay talks to this function, never to the apps tables)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import get_history

from chainless.platform.apps import repository
from chainless.platform.core.epochs import Change
from chainless.platform.models import AppContract, AppStatus, MiniProgram

GWEI = 10**9


@dataclass(frozen=True)
class RelayContract:
    address: str  # EIP-55
    abi: list[dict[str, Any]]
    method_allowlist: list[str]  # 4-byte selectors; empty: any function of the ABI


@dataclass(frozen=True)
class RelayApp:
    app_id: str
    status: AppStatus
    contracts: tuple[RelayContract, ...]

    @property
    def delisted(self) -> bool:
        return self.status is AppStatus.DELISTED


def relay_app(session: Session, app_id: str, environment: str) -> RelayApp | None:
    """The app's status and its contracts in ``environment`` (cached by ``relay.rules_cache``)."""
    app = repository.app_by_id(session, app_id)
    if app is None:
        return None
    contracts = repository.contracts_of(session, app_id, environment)
    return RelayApp(
        app_id=app.app_id,
        status=AppStatus(app.status),
        contracts=tuple(
            RelayContract(c.address, list(c.abi), list(c.method_allowlist)) for c in contracts
        ),
    )


@dataclass(frozen=True)
class RelayPayment:
    """The app's gas sponsoring (spec appendix: who pays gas), in wei."""

    enabled: bool
    budget_wei: int
    spent_wei: int

    @property
    def remaining_wei(self) -> int:
        return max(0, self.budget_wei - self.spent_wei)


def relay_payment(session: Session, app_id: str) -> RelayPayment | None:
    """Read fresh every time: the amount spent moves with every confirmed sponsored call."""
    found = repository.payment_of(session, app_id)
    if found is None:
        return None
    enabled, budget_gwei, spent_gwei = found
    return RelayPayment(enabled, budget_gwei * GWEI, spent_gwei * GWEI)


def charge_gas(session: Session, app_id: str, cost_wei: int) -> int:
    """Add a sponsored transaction's cost to what the app spent; the budget is kept in gwei, so
    the cost is rounded up to a whole gwei. Answers the gwei charged."""
    gwei = -(-cost_wei // GWEI)
    repository.add_gas_spent(session, app_id, gwei)
    return gwei


def is_delisted(session: Session, app_id: str) -> bool:
    """Checked again right before a broadcast: delisting takes effect immediately."""
    app = repository.app_by_id(session, app_id)
    return app is None or AppStatus(app.status) is AppStatus.DELISTED


def changes_relay_app(instance: object, change: Change) -> bool:
    """Whether a flushed change can alter what :func:`relay_app` answers: an app's status or its
    removal, or any change of a contract. For caches of it behind an epoch (``core.epochs``);
    ORM ``update()``/``delete()`` statements on :data:`RELAY_APP_TABLES` alter it too."""
    if isinstance(instance, AppContract):
        return True
    if isinstance(instance, MiniProgram) and change != "new":
        return change == "deleted" or get_history(instance, "status").has_changes()
    return False


RELAY_APP_TABLES = frozenset({"mini_programs", "app_contracts"})  # gas charges excepted
