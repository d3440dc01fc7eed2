"""HTTP surface of sponsored gas (ERC-2771 forward requests, spec 3.5.5; see ``sponsored``).

The user's token, the checks, the commit (the broadcast job is sent after it) and the answer
happen in one thread-pool hop; a sync endpoint behind the sync caller dependency took four (the
dependency, the endpoint, the response's validation and the commit). The request's session is
the one the API key dependency opened, so a request never holds two database connections.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from chainless.chain.relay import sponsored
from chainless.chain.relay.auth import AppKey, relay_caller_in_thread
from chainless.chain.relay.rpc import chain_config
from chainless.chain.relay.schemas import SponsoredIn, TransactionOut, transaction_out
from chainless.chain.relay.service import BROADCAST
from chainless.platform.auth.principal import Principal
from chainless.platform.core import jobs
from chainless.platform.core.deps import DbSession, ServicesDep
from chainless.platform.core.errors import problem_responses
from chainless.platform.core.services import Services

router = APIRouter(prefix="/relay", tags=["relay"])


@router.post(
    "/sponsored",
    response_model=TransactionOut,
    status_code=202,
    summary="Send a user's signed forward request; the app's gas budget pays (ERC-2771)",
    description=(
        "The body is the EIP-712 ForwardRequest the user signed for the platform forwarder of the "
        "key's environment, and the signature. 202 with the relayer's transaction in state "
        "`received`. Refusals are problem+json whose `code` names the rule (see docs/relay.md)."
    ),
    responses=problem_responses(401, 402, 403, 404, 409, 422, 503),
)
async def submit_sponsored(
    body: SponsoredIn,
    key: AppKey,
    request: Request,
    session: DbSession,
    services: ServicesDep,
    after_answer: BackgroundTasks,
) -> TransactionOut:
    return await run_in_threadpool(_submit, services, session, request, key, body, after_answer)


def _submit(
    services: Services,
    session: Session,
    request: Request,
    key: Principal,
    body: SponsoredIn,
    after_answer: BackgroundTasks,
) -> TransactionOut:
    """The broadcast job goes once the answer is out, as in ``endpoints``."""
    jobs.defer_until_answered(session, BROADCAST)
    caller = relay_caller_in_thread(request, key, session, services)
    submitted = sponsored.submit_sponsored(services, session, caller, body)
    session.commit()  # the request's unit of work ends here, inside this hop
    required = chain_config(services, caller.environment).confirmations
    send_jobs = jobs.take_deferred(session)
    if send_jobs is not None:
        after_answer.add_task(send_jobs)
    return transaction_out(submitted.transaction, required)
