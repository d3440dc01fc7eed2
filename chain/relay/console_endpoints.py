"""HTTP endpoints of the developer's view of an app's relay (the console), under
``/apps/{app_id}/relay``: its transactions, its gas budget and spend, its webhook deliveries.
Changes to the policy and the webhook are in ``config_endpoints``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from chainless.chain.models import TxState
from chainless.chain.relay import console
from chainless.chain.relay.console_schemas import (
    DeliveryPage,
    RelayUsageOut,
    TransactionDetail,
    TransactionPage,
)
from chainless.platform.auth.dependencies import CurrentPrincipal
from chainless.platform.core.deps import DbSession, ServicesDep
from chainless.platform.core.errors import problem_responses
from chainless.platform.core.settings import ChainEnvironment

router = APIRouter(prefix="/apps/{app_id}/relay", tags=["relay console"])

MAX_PAGE = 100
Cursor = Annotated[
    str | None, Query(max_length=200, description="`next_cursor` of the previous page")
]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
TxHash = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$")]


@router.get(
    "/transactions",
    response_model=TransactionPage,
    summary="The app's relayed transactions, newest first",
    responses=problem_responses(401, 403, 404, 422),
)
def list_transactions(
    app_id: str,
    principal: CurrentPrincipal,
    session: DbSession,
    status: Annotated[TxState | None, Query(description="only this state")] = None,
    environment: Annotated[ChainEnvironment | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = 25,
) -> TransactionPage:
    return console.list_transactions(
        session,
        principal,
        app_id,
        state=None if status is None else status.value,
        environment=None if environment is None else environment.value,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/transactions/{tx_hash}",
    response_model=TransactionDetail,
    summary="One relayed transaction with its receipt, logs and webhook events",
    responses=problem_responses(401, 403, 404, 422),
)
def get_transaction(
    app_id: str,
    tx_hash: TxHash,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
) -> TransactionDetail:
    return console.transaction_detail(services, session, principal, app_id, tx_hash)


@router.get(
    "/usage",
    response_model=RelayUsageOut,
    summary="The gas budget and spend, and today's relaying against the daily limits",
    responses=problem_responses(401, 403, 404),
)
def get_usage(
    app_id: str, principal: CurrentPrincipal, session: DbSession, services: ServicesDep
) -> RelayUsageOut:
    return console.usage(services, session, principal, app_id)


@router.get(
    "/webhook/deliveries",
    response_model=DeliveryPage,
    summary="The webhook endpoint's delivery log, newest first",
    responses=problem_responses(401, 403, 404, 422),
)
def list_deliveries(
    app_id: str,
    principal: CurrentPrincipal,
    session: DbSession,
    cursor: Cursor = None,
    limit: Limit = 25,
) -> DeliveryPage:
    return console.list_deliveries(session, principal, app_id, cursor=cursor, limit=limit)
