"""Sign-in lockout per email and client address, and the unlock link (issue 12, item 7).

The lock used to be one per account, for everyone: five wrong passwords from anywhere locked
the owner out too, and only a known email ever answered 423, which told strangers which
accounts exist. Failures are now counted in a bucket of the rate limiter (``core.ratelimit``,
GCRA) per email and client address, whether or not an account has that email:
``login_max_failures`` failures spend the bucket, which then lets one more attempt through every
``login_lockout_minutes / login_max_failures`` and is full again ``login_lockout_minutes`` after
the last failure. A stranger's failures from one address lock only that address out of the
account; the owner signing in from elsewhere is not held back.

The email is keyed by its HMAC (``SecretHasher``), so the limiter never holds the addresses
strangers type. When a known account's bucket runs out, its owner is mailed a single-use link,
kept only as a hash and valid ``login_unlock_ttl_minutes``, that refills the bucket of that
address (at most ``UNLOCK_MAILS_PER_HOUR`` such mails an account, so the lock cannot be used to
flood a mailbox). Each failure, lock and unlock of a known account is in its audit log.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from chainless.platform.audit import service as audit
from chainless.platform.auth import repository
from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import BadRequest, Locked
from chainless.platform.core.ratelimit import Decision, Limit, RateLimiter
from chainless.platform.core.security import SecretHasher, new_hex_id, new_token
from chainless.platform.core.settings import Settings
from chainless.platform.mail import service as mail
from chainless.platform.models import Account, SignInUnlock

LOCK_NAME = "sign_in_lock"
UNLOCK_MAILS_PER_HOUR = 5


def lock_limit(settings: Settings) -> Limit:
    return Limit(LOCK_NAME, settings.login_max_failures, settings.login_lockout_minutes * 60)


def bucket(hasher: SecretHasher, email: str, address: str) -> str:
    return f"{LOCK_NAME}:{hasher.hash(email.strip().lower())}:{address}"


def refuse_if_locked(
    limiter: RateLimiter, settings: Settings, hasher: SecretHasher, email: str, address: str
) -> None:
    """423 ``account_locked`` when this email may not be tried from this address right now;
    the same answer whether or not an account has the email."""
    decision = limiter.peek(bucket(hasher, email, address), lock_limit(settings))
    if not decision.allowed:
        wait = int(decision.headers()["Retry-After"])
        raise Locked(
            "too many failed sign-ins with this email from this address; try again in "
            f"{wait} seconds (if the account exists, its owner was emailed a link that lifts "
            "the lock)",
            code="account_locked",
            headers=decision.headers(),
        )


def count_failure(
    session: Session,
    limiter: RateLimiter,
    settings: Settings,
    hasher: SecretHasher,
    *,
    email: str,
    address: str,
    account: Account | None,
) -> None:
    """Spend one failure of the bucket; for a known account, audit it and, when it was the
    last one the bucket had, audit the lock and mail the owner an unlock link."""
    decision = limiter.hit(bucket(hasher, email, address), lock_limit(settings))
    if account is None:
        return
    audit.record(
        session,
        "auth",
        "account.sign_in_failed",
        target_type="account",
        target_id=account.id,
        summary=f"wrong password from {address}",
    )
    if _just_locked(decision):
        _lock(session, limiter, settings, hasher, account, address)


def _just_locked(decision: Decision) -> bool:
    return decision.allowed and decision.remaining == 0


def _lock(
    session: Session,
    limiter: RateLimiter,
    settings: Settings,
    hasher: SecretHasher,
    account: Account,
    address: str,
) -> None:
    mailed = limiter.hit(f"sign_in_unlock_mail:{account.id}", _mail_limit()).allowed
    audit.record(
        session,
        "auth",
        "account.sign_in_locked",
        target_type="account",
        target_id=account.id,
        summary=f"sign-in from {address} locked after {settings.login_max_failures} failures"
        + ("; unlock link mailed" if mailed else "; unlock mails for this hour used up"),
    )
    if mailed:
        _mail_unlock_link(session, settings, hasher, account, address)


def _mail_limit() -> Limit:
    return Limit("sign_in_unlock_mail", UNLOCK_MAILS_PER_HOUR, 3600)


def _mail_unlock_link(
    session: Session, settings: Settings, hasher: SecretHasher, account: Account, address: str
) -> None:
    token = new_token(24)
    ttl = settings.login_unlock_ttl_minutes
    session.add(
        SignInUnlock(
            id=new_hex_id(),
            account_id=account.id,
            ip=address,
            token_hash=hasher.hash(token),
            expires_at=utcnow() + timedelta(minutes=ttl),
        )
    )
    link = f"{settings.public_url}/console/unlock-sign-in?token={token}"
    mail.send(
        session,
        to=account.email,
        kind="sign_in_unlock",
        subject="Sign-in to your Chainless account was locked",
        body=(
            f"Someone, perhaps you, failed to sign in to {account.email} "
            f"{settings.login_max_failures} times from the address {address}, so sign-in from "
            f"that address is paused for up to {settings.login_lockout_minutes} minutes. "
            "Signing in from other addresses is not affected.\n\n"
            f"If it was you, lift the lock with this link:\n{link}\n\n"
            f"Or send this code to POST /api/v1/auth/unlock: {token}\n\n"
            f"It works once and expires in {ttl} minutes. If it was not you, ignore this mail; "
            "your password was not accepted."
        ),
    )


def unlock(
    session: Session, limiter: RateLimiter, settings: Settings, hasher: SecretHasher, token: str
) -> None:
    """Use an unlock link: refill the bucket of the address it was issued for, once."""
    found = repository.unused_unlock(session, hasher.hash(token))
    account = session.get(Account, found.account_id) if found is not None else None
    if found is None or account is None:
        raise BadRequest(
            "this unlock link is not valid (it may have been used already)", code="unlock_invalid"
        )
    if found.expires_at <= utcnow():
        raise BadRequest("this unlock link has expired", code="unlock_expired")
    found.used_at = utcnow()
    limiter.forget(bucket(hasher, account.email, found.ip))
    audit.record(
        session,
        account.id,
        "account.sign_in_unlocked",
        target_type="account",
        target_id=account.id,
        summary=f"sign-in from {found.ip} unlocked with the mailed link",
    )


def clear(limiter: RateLimiter, hasher: SecretHasher, email: str, address: str) -> None:
    """A successful sign-in forgets the address's earlier failures for this email."""
    limiter.forget(bucket(hasher, email, address))
