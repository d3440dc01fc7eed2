"""The ``contracts`` stage: each contract of the manifest on chain, once, confirmed and checked.

A contract goes through two job runs, each with its own committed transaction:

1. its creation transaction is signed (nonce allocated under a lock, see ``deployed.py``) and
   recorded, raw bytes and hash included, in ``deployed_contracts``; the run ends there
   (:class:`StageContinues`) so the record is committed before anything leaves the worker;
2. the next run broadcasts the recorded bytes (again, if a run died after sending: the node
   answers "already known", or the transaction is mined already), waits for the receipt and then
   for the chain's confirmations (``chains.<env>.confirmations``, as the relay counts them),
   retried with backoff until they are reached, never sent again, and finally checks the code at
   the address against the build.

A contract that is recorded is never signed again for the same deployment, so a retried or
resumed stage cannot create a second one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eth_account.signers.local import LocalAccount
from web3 import Web3

from chainless.deployer.contracts import chain, deploy, deployed, store
from chainless.deployer.contracts.compiler import ContractOutput
from chainless.deployer.deployments.progress import StageContinues
from chainless.deployer.manifest import Manifest
from chainless.deployer.models import ContractStatus, DeployedContract
from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import Unprocessable

if TYPE_CHECKING:
    from chainless.deployer.deployments.pipeline import StageContext


class TransactionReplaced(deploy.DeployFailed):
    code = "contract_transaction_replaced"
    title = "Another transaction took the deployment's nonce"


# A creation whose nonce another transaction took is signed again with a fresh nonce this many
# times; past that, something keeps spending the devops account's nonces and a person must look.
MAX_RESIGNS = 3


def _sign(
    context: StageContext,
    w3: Web3,
    account: LocalAccount,
    contract: ContractOutput,
    values: list[Any],
    position: int,
    chain_id: int,
) -> DeployedContract:
    """Phase one: sign with the next free nonce and record it; nothing is broadcast here."""
    session, deployment = context.session, context.deployment
    artifacts = deployment.artifacts or {}
    signed = _signed_with_free_nonce(context, w3, account, contract, values, chain_id)
    manifest = Manifest.model_validate(deployment.manifest)
    return deployed.add(
        session,
        DeployedContract(
            deployment_id=deployment.id,
            app_id=deployment.app_id,
            environment=deployment.environment,
            app_version=manifest.app.version,
            name=contract.name,
            position=position,
            chain_id=chain_id,
            deployer=signed.deployer,
            nonce=signed.nonce,
            transaction_hash=signed.transaction_hash,
            raw_transaction=signed.raw_transaction,
            status=ContractStatus.SIGNED,
            confirmations=0,
            build=artifacts["compile"]["build"],
            audit_rating=(artifacts.get("audit") or {}).get("rating"),
        ),
    )


def _signed_with_free_nonce(
    context: StageContext,
    w3: Web3,
    account: LocalAccount,
    contract: ContractOutput,
    values: list[Any],
    chain_id: int,
) -> deploy.SignedCreation:
    session = context.session
    deployed.lock_signer(session, chain_id, account.address)
    reserved = deployed.next_reserved_nonce(session, chain_id, account.address)
    nonce = max(deploy.pending_nonce(w3, account.address), reserved or 0)
    return deploy.sign_creation(w3, account, contract, values, nonce)


def _resign(
    context: StageContext,
    w3: Web3,
    account: LocalAccount,
    contract: ContractOutput,
    values: list[Any],
    row: DeployedContract,
    replaced: TransactionReplaced,
) -> None:
    """The recorded creation can never be mined (its nonce is spent): sign it again with a free
    nonce and record that, unless it happened too often. Broadcast by the next run, as always."""
    deployment = context.deployment
    resigns = int((deployment.artifacts or {}).get("contract_resigns", 0))
    if resigns >= MAX_RESIGNS:
        raise TransactionReplaced(f"{replaced.detail} (signed again {resigns} times already)")
    lost = (row.nonce, row.transaction_hash)
    signed = _signed_with_free_nonce(context, w3, account, contract, values, row.chain_id)
    row.nonce, row.transaction_hash = signed.nonce, signed.transaction_hash
    row.raw_transaction, row.status = signed.raw_transaction, ContractStatus.SIGNED
    deployment.artifacts = {**(deployment.artifacts or {}), "contract_resigns": resigns + 1}
    raise StageContinues(
        f"{row.name}: nonce {lost[0]} was taken by another transaction before {lost[1]} was "
        f"mined; signed again with nonce {row.nonce} (transaction {row.transaction_hash}), "
        "broadcast next"
    )


def _mine(w3: Web3, row: DeployedContract, timeout: float) -> None:
    """Phase two: the recorded transaction on chain (sent again if need be), and its block."""
    receipt = deploy.receipt_of(w3, row.transaction_hash)
    if receipt is None:
        sent = deploy.broadcast(w3, row.raw_transaction, row.name)
        if row.status == ContractStatus.SIGNED:
            row.status = ContractStatus.SENT
        receipt = deploy.receipt_of(w3, row.transaction_hash)
        if receipt is None and sent is deploy.Broadcast.NONCE_USED:
            raise TransactionReplaced(
                f"nonce {row.nonce} of {row.deployer} was used by another transaction before "
                f"{row.name}'s creation {row.transaction_hash} was mined; it can never be mined, "
                "deploy again"
            )
        if receipt is None:
            receipt = deploy.await_receipt(w3, row.name, row.transaction_hash, timeout=timeout)
    row.address, row.block_number = deploy.created_address(receipt, row.name)


def _settle(
    w3: Web3, contract: ContractOutput, row: DeployedContract, required: int, timeout: float
) -> None:
    if row.status != ContractStatus.DEPLOYED:
        _mine(w3, row, timeout)
        assert row.block_number is not None
        row.confirmations = max(deploy.head_block(w3) - row.block_number + 1, 0)
        if row.confirmations < required:
            row.status = ContractStatus.MINED
            raise chain.AwaitingConfirmations(
                f"{row.name} is mined in block {row.block_number}: {row.confirmations} of "
                f"{required} confirmations"
            )
    assert row.address is not None
    code = deploy.runtime_code(w3, row.address)
    row.source_verified = deploy.source_verified(contract, code)
    row.code_hash = deploy.code_hash(code)
    row.status = ContractStatus.DEPLOYED
    row.deployed_at = row.deployed_at or utcnow()


def _entry(row: DeployedContract) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": row.name,
        "status": row.status,
        "transaction_hash": row.transaction_hash,
        "nonce": row.nonce,
        "deployer": row.deployer,
    }
    if row.address is not None:
        entry |= {
            "address": row.address,
            "block_number": row.block_number,
            "confirmations": row.confirmations,
        }
    if row.status == ContractStatus.DEPLOYED:
        entry |= {"source_verified": row.source_verified, "code_hash": row.code_hash}
    return entry


def _mirror(
    context: StageContext, chain_id: int, required: int, rows: list[DeployedContract]
) -> None:
    """The rows as the deployment's ``artifacts.contracts`` (a new dict: the JSON column
    notices only a new value)."""
    deployment = context.deployment
    deployment.artifacts = {
        **(deployment.artifacts or {}),
        "contracts": {
            "environment": deployment.environment,
            "chain_id": chain_id,
            "required_confirmations": required,
            "deployed": [_entry(row) for row in sorted(rows, key=lambda r: r.position)],
        },
    }


def contracts_stage(context: StageContext) -> str:
    """Deploy each contract in manifest order, or carry on with the one a run before recorded."""
    compiled = (context.deployment.artifacts or {}).get("compile")
    if not compiled:
        return "no contracts to deploy"
    settings, storage = context.services.settings, context.services.storage
    environment = context.deployment.environment
    required = chain.required_confirmations(chain.chain_config(settings, environment))
    w3 = chain.connect(settings, environment)
    chain_id = int(w3.eth.chain_id)
    account = chain.devops_account(settings)
    timeout = settings.deployer.contract_receipt_timeout_seconds
    rows = {row.name: row for row in deployed.of_deployment(context.session, context.deployment.id)}
    specs = Manifest.model_validate(context.deployment.manifest).contracts
    addresses: dict[str, str] = {}
    try:
        for position, spec in enumerate(specs):
            contract = store.load_contract(storage, compiled["contracts"][spec.name]["artifact"])
            row = rows.get(spec.name)
            values = deploy.constructor_values(contract, list(spec.constructor_args), addresses)
            if row is None:
                row = rows[spec.name] = _sign(
                    context, w3, account, contract, values, position, chain_id
                )
                raise StageContinues(
                    f"{spec.name}: creation signed and recorded (nonce {row.nonce}, transaction "
                    f"{row.transaction_hash}); it is broadcast next"
                )
            if row.chain_id != chain_id:
                raise Unprocessable(
                    f"{row.name} was recorded on chain {row.chain_id}; the {environment} chain "
                    f"is now {chain_id}: deploy again",
                    code="chain_mismatch",
                )
            try:
                _settle(w3, contract, row, required, timeout)
            except TransactionReplaced as replaced:
                _resign(context, w3, account, contract, values, row, replaced)
            assert row.address is not None
            addresses[spec.name] = row.address
    finally:
        _mirror(context, chain_id, required, list(rows.values()))
    matching = sum(bool(row.source_verified) for row in rows.values())
    return (
        f"{len(rows)} deployed on chain {chain_id} ({required} confirmations); "
        f"{matching}/{len(rows)} match their source"
    )
