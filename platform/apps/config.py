"""An app's interface, deploy and payment configuration (spec 3.5.1; appendix: who pays gas).

The payment budget is kept in gwei (the ``gas_budget_gwei`` column); the API speaks wei as decimal
strings, because JSON numbers lose precision long before a wei amount does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from chainless.platform.apps import access, keys, validation
from chainless.platform.apps.config_schemas import DeployIn, InterfaceIn, PaymentIn
from chainless.platform.apps.schemas import AppCreate
from chainless.platform.audit import service as audit
from chainless.platform.auth.principal import Principal
from chainless.platform.core.errors import Conflict, Unprocessable
from chainless.platform.core.permissions import Permission
from chainless.platform.core.settings import Settings
from chainless.platform.models import MiniProgram

WEI_PER_GWEI = 10**9
MAX_GWEI = 2**63 - 1  # a BIGINT column
_INTEGER = re.compile(r"^-?[0-9]+$")
INTERFACE_FIELDS = (
    "signature_algorithm",
    "encryption_algorithm",
    "public_key_pem",
    "certificate_pem",
)


@dataclass(frozen=True)
class Payment:
    enabled: bool
    budget_wei: int
    spent_wei: int

    @property
    def remaining_wei(self) -> int:
        return max(0, self.budget_wei - self.spent_wei)


def interface_from(body: AppCreate) -> InterfaceIn:
    """The interface fields of a create request, which must then name the signature algorithm."""
    if body.signature_algorithm is None:
        raise Unprocessable(
            "signature_algorithm is required with keys or an encryption algorithm",
            code="invalid_public_key",
        )
    return InterfaceIn(
        signature_algorithm=body.signature_algorithm,
        encryption_algorithm=body.encryption_algorithm or "none",
        public_key_pem=body.public_key_pem,
        certificate_pem=body.certificate_pem,
    )


def apply_interface(app: MiniProgram, body: InterfaceIn) -> dict[str, Any]:
    """Check the keys against the algorithm and store them normalised; returns the diff."""
    checked = keys.check_keys(body.signature_algorithm, body.public_key_pem, body.certificate_pem)
    after = {
        "signature_algorithm": body.signature_algorithm,
        "encryption_algorithm": body.encryption_algorithm,
        "public_key_pem": checked.public_key_pem,
        "certificate_pem": checked.certificate_pem,
    }
    before = {f: getattr(app, f, None) for f in INTERFACE_FIELDS}
    for field, value in after.items():
        setattr(app, field, value)
    return audit.diff(before, after)


def set_interface(
    session: Session, principal: Principal, app_id: str, body: InterfaceIn
) -> MiniProgram:
    app = access.app_for(session, principal, app_id, Permission.APP_WRITE, for_update=True)
    changes = apply_interface(app, body)
    if changes:
        audit.record(
            session,
            principal,
            "app.interface_updated",
            target_type="app",
            target_id=app.app_id,
            app_id=app.app_id,
            summary=f"signature {body.signature_algorithm}, encryption {body.encryption_algorithm}",
            changes=changes,
        )
    return app


def apply_deploy(
    app: MiniProgram, settings: Settings, repo_url: str, repo_branch: str
) -> dict[str, Any]:
    after = {
        "repo_url": validation.check_repo_url(
            repo_url, settings.allowed_repo_hosts, settings.deployer.git_schemes
        ),
        "repo_branch": validation.check_ref_name(repo_branch),
    }
    before = {
        "repo_url": getattr(app, "repo_url", None),
        "repo_branch": getattr(app, "repo_branch", None),
    }
    app.repo_url, app.repo_branch = after["repo_url"], after["repo_branch"]
    return audit.diff(before, after)


def set_deploy(
    session: Session, settings: Settings, principal: Principal, app_id: str, body: DeployIn
) -> MiniProgram:
    app = access.app_for(session, principal, app_id, Permission.APP_WRITE, for_update=True)
    changes = apply_deploy(app, settings, body.repo_url, body.repo_branch)
    if changes:
        audit.record(
            session,
            principal,
            "app.deploy_updated",
            target_type="app",
            target_id=app.app_id,
            app_id=app.app_id,
            summary=f"{app.repo_url} @ {app.repo_branch}",
            changes=changes,
        )
    return app


def parse_wei_as_gwei(text: str) -> int:
    """A non-negative decimal wei amount that is a whole number of gwei, as gwei."""
    if not _INTEGER.match(text):
        raise Unprocessable(
            "gas_budget_wei must be a decimal integer string", code="invalid_amount"
        )
    wei = int(text)
    if wei < 0:
        raise Unprocessable("gas_budget_wei cannot be negative", code="invalid_amount")
    if wei % WEI_PER_GWEI:
        raise Unprocessable(
            "gas_budget_wei must be a whole number of gwei (a multiple of 10^9 wei)",
            code="invalid_amount",
        )
    if wei // WEI_PER_GWEI > MAX_GWEI:
        raise Unprocessable(
            f"gas_budget_wei is above the maximum of {MAX_GWEI * WEI_PER_GWEI}",
            code="invalid_amount",
        )
    return wei // WEI_PER_GWEI


def payment_of(app: MiniProgram) -> Payment:
    return Payment(
        app.payment_service, app.gas_budget_gwei * WEI_PER_GWEI, app.gas_spent_gwei * WEI_PER_GWEI
    )


def set_payment(session: Session, principal: Principal, app_id: str, body: PaymentIn) -> Payment:
    app = access.app_for(session, principal, app_id, Permission.APP_WRITE, for_update=True)
    budget_gwei = parse_wei_as_gwei(body.gas_budget_wei.strip())
    if budget_gwei < app.gas_spent_gwei:
        raise Conflict(
            f"the budget cannot be below what was already spent "
            f"({app.gas_spent_gwei * WEI_PER_GWEI} wei)",
            code="budget_below_spent",
        )
    before = {"payment_service": app.payment_service, "gas_budget_gwei": app.gas_budget_gwei}
    after = {"payment_service": body.enabled, "gas_budget_gwei": budget_gwei}
    app.payment_service, app.gas_budget_gwei = body.enabled, budget_gwei
    changes = audit.diff(before, after)
    if changes:
        audit.record(
            session,
            principal,
            "app.payment_updated",
            target_type="app",
            target_id=app.app_id,
            app_id=app.app_id,
            changes=changes,
            summary=f"payment service {'on' if body.enabled else 'off'}, budget {budget_gwei} gwei",
        )
    return payment_of(app)
