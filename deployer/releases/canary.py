"""Who is in a canary: a fixed bucket per user, so membership is sticky as the share grows.

``bucket = int(sha256("app_id:environment:user")[:8 bytes]) mod 100``; a user is in the canary
when ``bucket < percent``. The bucket never changes for a user, and the percentage may only
grow, so a user once in stays in until the canary is promoted or cancelled.
"""

from __future__ import annotations

import hashlib


def user_key(user: str) -> str:
    """Wallet addresses compare case-insensitively (EIP-55 only changes the letter case)."""
    user = user.strip()
    return user.lower() if user.lower().startswith("0x") else user


def bucket(app_id: str, environment: str, user: str) -> int:
    material = f"{app_id}:{environment}:{user_key(user)}".encode()
    return int.from_bytes(hashlib.sha256(material).digest()[:8], "big") % 100


def in_canary(app_id: str, environment: str, user: str | None, percent: int) -> bool:
    if not user or percent <= 0:
        return False
    return bucket(app_id, environment, user) < percent
