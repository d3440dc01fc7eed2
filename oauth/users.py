"""One wallet user per address."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chainless.oauth.models import WalletUser
from chainless.platform.core.clock import utcnow
from chainless.platform.core.security import new_hex_id


def user_for_address(session: Session, address: str) -> tuple[WalletUser, bool]:
    """The user of ``address`` (EIP-55), created on first sign-in; ``(user, created)``."""
    user = session.scalar(select(WalletUser).where(WalletUser.address == address))
    if user is not None:
        return user, False
    try:
        with session.begin_nested():  # two first sign-ins racing: one insert wins
            user = WalletUser(id=new_hex_id(), address=address, created_at=utcnow())
            session.add(user)
        return user, True
    except IntegrityError:
        existing = session.scalar(select(WalletUser).where(WalletUser.address == address))
        assert existing is not None
        return existing, False


def address_of(session: Session, user_id: str) -> str | None:
    """The wallet address (EIP-55) of a user, for features holding only the token's subject."""
    user = session.get(WalletUser, user_id)
    return None if user is None else user.address
