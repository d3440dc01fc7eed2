"""Sign in with Ethereum (EIP-4361) to the platform: verify, consume the nonce, open a session.

The message must name this platform (domain and URI origin), a configured chain, a nonce this
platform issued and nobody used yet, and be signed by its address — an ordinary account by
``personal_sign`` (EIP-191) or a contract wallet by EIP-1271 on that chain. Every failure says which
rule broke; bursts of failures per address or per client IP raise an alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from requests import RequestException
from sqlalchemy.orm import Session
from web3 import HTTPProvider, Web3
from web3.exceptions import Web3Exception

from chainless.oauth import siwe, wallet_sessions
from chainless.oauth.nonces import nonce_store
from chainless.oauth.siwe.eip1271 import eip1271_checker
from chainless.oauth.users import user_for_address
from chainless.platform.alerts.service import Level, raise_alert
from chainless.platform.audit import service as audit
from chainless.platform.core.clock import utcnow
from chainless.platform.core.context import current_request
from chainless.platform.core.errors import AppError
from chainless.platform.core.services import Services

FAILURE_WINDOW_SECONDS = 600
FAILURE_ALERT_THRESHOLD = 10
_CHECKERS = "oauth.eip1271_checkers"


class SignInFailed(AppError):
    status, code, title = 400, "sign_in_failed", "Sign-in failed"


class ChainUnavailable(AppError):
    """The chain could not say whether a contract wallet signed: an outage, not a bad signature
    (the nonce is kept, so the same signed message can be sent again)."""

    status, code, title = 503, "chain_unavailable", "Chain unavailable"


@dataclass(frozen=True)
class SignInResult:
    issued: wallet_sessions.IssuedWalletSession
    user_id: str
    address: str
    signer_kind: str
    created: bool


def sign_in(
    services: Services, session: Session, *, message: str, signature: str, device_name: str
) -> SignInResult:
    settings = services.settings
    try:
        parsed = siwe.parse(message)
    except siwe.SiweParseError as error:
        _fail(services, session, None, "malformed_message", str(error))
    origin = urlsplit(settings.public_url)
    if urlsplit(parsed.uri)[:2] != origin[:2]:
        _fail(
            services,
            session,
            parsed.address,
            "uri_mismatch",
            f"the message URI must be on {origin.scheme}://{origin.netloc}",
        )
    chain_ids = {chain.chain_id for chain in settings.chains.values()}
    try:
        verified = siwe.verify(
            parsed,
            signature,
            domain=origin.netloc,
            chain_ids=chain_ids,
            scheme=origin.scheme,
            max_clock_skew=timedelta(seconds=settings.oauth.siwe_max_clock_skew_seconds),
            contract_checker=_checker_for(services, parsed.chain_id),
        )
    except siwe.SiweVerificationError as error:
        _fail(
            services,
            session,
            parsed.address,
            error.code,
            str(error),
            status=401 if error.code in {"invalid_signature", "signature_mismatch"} else 400,
        )
    if not nonce_store(services).consume(parsed.nonce):
        _fail(
            services,
            session,
            parsed.address,
            "nonce_invalid",
            "the nonce is unknown, expired or already used; fetch a new one",
        )
    user, created = user_for_address(session, verified.address)
    user.last_sign_in_at = utcnow()
    issued = wallet_sessions.open_session(
        session,
        services.hasher,
        user=user,
        signer_kind=verified.kind,
        chain_id=verified.chain_id,
        ttl=timedelta(hours=settings.oauth.wallet_session_ttl_hours),
        device_name=device_name,
    )
    audit.record(
        session,
        audit.WalletUser(user.id),
        "wallet.signed_in",
        target_type="wallet_user",
        target_id=user.id,
        summary=f"{verified.address} signed in ({verified.kind}, chain {verified.chain_id})",
    )
    return SignInResult(issued, user.id, user.address, verified.kind, created)


def _checker_for(services: Services, chain_id: int) -> Any:
    """EIP-1271 checks run on the chain the message names (one web3 client per chain)."""
    checkers: dict[int, Any] = services.extras.setdefault(_CHECKERS, {})
    if chain_id not in checkers:
        chain = next((c for c in services.settings.chains.values() if c.chain_id == chain_id), None)
        if chain is None:
            return None
        web3 = Web3(HTTPProvider(chain.rpc_urls[0], request_kwargs={"timeout": 5}))
        checkers[chain_id] = _outage_as_unavailable(eip1271_checker(web3), chain_id)
    return checkers[chain_id]


def _outage_as_unavailable(check: Any, chain_id: int) -> Any:
    """The EIP-1271 checker raises transport errors (an outage is no wrong signature); the
    endpoint answers them 503 instead of 500."""

    def guarded(address: str, message_hash: bytes, signature: bytes) -> bool:
        try:
            return bool(check(address, message_hash, signature))
        except (RequestException, Web3Exception, OSError) as error:
            raise ChainUnavailable(
                f"chain {chain_id} cannot be reached to check a contract wallet's signature; "
                "try again shortly",
                headers={"Retry-After": "5"},
            ) from error

    return guarded


def _fail(
    services: Services,
    session: Session,
    address: str | None,
    code: str,
    detail: str,
    *,
    status: int = 400,
) -> Any:
    """Count the failure per address and per IP, alert on bursts, and answer precisely."""
    ip = current_request().ip or "unknown"
    for subject in ([f"address:{address}"] if address else []) + [f"ip:{ip}"]:
        count = services.counters.incr(f"siwe.failures:{subject}", FAILURE_WINDOW_SECONDS)
        if count == FAILURE_ALERT_THRESHOLD:
            raise_alert(
                session,
                kind="oauth.sign_in_failures",
                subject=subject,
                level=Level.WARNING,
                summary=f"{count} failed wallet sign-ins in {FAILURE_WINDOW_SECONDS // 60} minutes",
                details={"last_code": code},
            )
    raise SignInFailed(detail, code=code, status=status, keep_changes=True)
