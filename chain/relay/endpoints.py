"""HTTP surface of the relay for app backends (spec 3.5.5); headers are described in ``auth``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from chainless.chain.relay import repository, service
from chainless.chain.relay.auth import AppKey, Caller
from chainless.chain.relay.rpc import chain_config
from chainless.chain.relay.schemas import (
    SubmitIn,
    TransactionOut,
    transaction_out,
)
from chainless.platform.core.deps import DbSession, ServicesDep
from chainless.platform.core.errors import problem_responses

router = APIRouter(prefix="/relay", tags=["relay"])


@router.post(
    "/transactions",
    response_model=TransactionOut,
    status_code=202,
    summary="Broadcast a transaction the user signed",
    description=(
        "202 when accepted (the broadcast follows right after), 200 with the same record when "
        "this transaction was submitted before. Refusals are problem+json whose `code` names "
        "the rule broken (see docs/relay.md)."
    ),
    responses={
        200: {"description": "Submitted before", "model": TransactionOut},
        **problem_responses(401, 403, 404, 409, 422, 429),
    },
)
def submit_transaction(
    body: SubmitIn, caller: Caller, session: DbSession, services: ServicesDep, response: Response
) -> TransactionOut:
    submitted = service.submit(services, session, caller, body.raw_transaction)
    if not submitted.created:
        response.status_code = 200
    required = chain_config(services, caller.environment).confirmations
    return transaction_out(submitted.transaction, required)


@router.get(
    "/transactions/{tx_hash}",
    response_model=TransactionOut,
    summary="The state of a relayed transaction",
    description=(
        "Found by its current hash or by the hash of any attempt sent for it (a stuck sponsored "
        "transaction is replaced with higher fees); `hash` is the final one once mined and "
        "`attempts` lists them all."
    ),
    responses=problem_responses(401, 403, 404),
)
def get_transaction(
    tx_hash: str, key: AppKey, session: DbSession, services: ServicesDep
) -> TransactionOut:
    assert key.app_id is not None
    found = service.status(session, key.app_id, tx_hash)
    required = chain_config(services, found.environment).confirmations
    return transaction_out(found, required, repository.attempts_of(session, found))
