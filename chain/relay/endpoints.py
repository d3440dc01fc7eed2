"""HTTP surface of the relay for app backends (spec 3.5.5); headers are described in ``auth``."""

from __future__ import annotations

from contextlib import nullcontext

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from chainless.chain.relay import repository, service
from chainless.chain.relay.auth import (
    AppKey,
    Caller,
    RelayCaller,
    app_key,
    relay_caller_in_thread,
)
from chainless.chain.relay.rpc import chain_config
from chainless.chain.relay.schemas import (
    SubmitIn,
    TransactionOut,
    transaction_out,
)
from chainless.platform.auth.principal import Principal
from chainless.platform.core import jobs
from chainless.platform.core.deps import DbSession, ServicesDep, request_slots
from chainless.platform.core.errors import AppError, problem_responses
from chainless.platform.core.services import Services

router = APIRouter(prefix="/relay", tags=["relay"])
_TRANSACTION_JSON = TransactionOut.__pydantic_serializer__


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
async def submit_transaction(
    body: SubmitIn, caller: Caller, session: DbSession, services: ServicesDep
) -> Response:
    """The submission, its commit and its answer in one thread-pool hop."""
    return await run_in_threadpool(_submit, services, session, caller, body.raw_transaction)


async def submit_admitted(
    request: Request, key: Principal, raw: str, services: Services
) -> Response:
    """The route's work for an API key admitted ahead of routing (``lean_submit``): the key's
    and the user's checks of ``relay_caller``, the submission, its commit and its answer in one
    thread-pool hop, under the request slot the route's session would hold."""
    app_key(key)
    slots = request_slots(request.app, services)
    async with slots if slots is not None else nullcontext():
        session = services.database.session()
        return await run_in_threadpool(_submit_in_session, services, session, request, key, raw)


def _submit_in_session(
    services: Services, session: Session, request: Request, key: Principal, raw: str
) -> Response:
    """As the route's session dependency ends it: a refusal keeps what it asks to keep."""
    try:
        caller = relay_caller_in_thread(request, key, session, services)
        answer = _submit(services, session, caller, raw)
    except AppError as error:
        services.database.finish(session, commit=error.keep_changes)
        raise
    except BaseException:
        services.database.finish(session, commit=False)
        raise
    session.close()
    return answer


def _submit(services: Services, session: Session, caller: RelayCaller, raw: str) -> Response:
    """The broadcast job is sent once the answer is out (``jobs.defer_until_answered``): the
    tracker re-sends a broadcast that a process dying in between never sent."""
    jobs.defer_until_answered(session, service.BROADCAST)
    submitted = service.submit(services, session, caller, raw)
    session.commit()  # the request's commit, in this hop: the session dependency has none left
    required = chain_config(services, caller.environment).confirmations
    out = transaction_out(submitted.transaction, required)
    send_jobs = jobs.take_deferred(session)
    return Response(
        _TRANSACTION_JSON.to_json(out, by_alias=True),
        status_code=202 if submitted.created else 200,
        media_type="application/json",
        background=BackgroundTask(send_jobs) if send_jobs else None,
    )


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
