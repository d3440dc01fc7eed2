"""ES256 signing keys for access tokens, with rotation (RFC 7517 JWKS, RFC 9068).

A key is published before it signs (the next key, ``activated_at`` unset), signs from
``activated_at`` until it is retired, and stays published in the JWKS until every token it signed
has expired. Private keys are stored encrypted (AES-256-GCM under a key derived from the platform
secret), never in the clear.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chainless.platform.core.clock import utcnow
from chainless.platform.models.base import Base


class SigningKey(Base):
    __tablename__ = "oauth_signing_keys"

    kid: Mapped[str] = mapped_column(String(32), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(8), default="ES256")
    public_jwk: Mapped[dict[str, Any]]
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # published from then on
    activated_at: Mapped[datetime | None]  # signs since; None: the next key, published ahead
    retired_at: Mapped[datetime | None]  # no longer signs
    expires_at: Mapped[datetime | None]  # no longer published (retired + longest token lifetime)
