"""What a user granted an app, and the codes and tokens issued from it.

``user_authorizations`` is the spec's table (3.4.2): one live row per user and app holding the
granted scopes (tokens live in their own tables, as hashes only). Each code exchange starts a
token family: the device's chain of rotated refresh tokens, which the user sees as a session and
can revoke on its own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from chainless.platform.core.clock import utcnow
from chainless.platform.models.base import Base


class UserAuthorization(Base):
    __tablename__ = "user_authorizations"
    __table_args__ = (
        Index(
            "uq_user_authorizations_live",
            "user_id",
            "app_id",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
            sqlite_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("wallet_users.id", ondelete="CASCADE"), index=True
    )
    app_id: Mapped[str] = mapped_column(
        ForeignKey("mini_programs.app_id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[list[str]] = mapped_column(default=list)
    create_time: Mapped[datetime] = mapped_column(default=utcnow)
    update_time: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    expire_time: Mapped[datetime | None]  # when the newest refresh token of the grant expires
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(64))


class AuthorizationCode(Base):
    """RFC 6749 §4.1.2: single use, short-lived, bound to client, redirect URI, PKCE and user."""

    __tablename__ = "oauth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("mini_programs.app_id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("wallet_users.id", ondelete="CASCADE"))
    authorization_id: Mapped[str] = mapped_column(
        ForeignKey("user_authorizations.id", ondelete="CASCADE")
    )
    wallet_session_id: Mapped[str | None] = mapped_column(String(32))
    redirect_uri: Mapped[str] = mapped_column(String(2048))
    scope: Mapped[list[str]] = mapped_column(default=list)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8))
    auth_time: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class TokenFamily(Base):
    """One code exchange's line of refresh tokens: a device session of one grant."""

    __tablename__ = "oauth_token_families"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    authorization_id: Mapped[str] = mapped_column(
        ForeignKey("user_authorizations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    app_id: Mapped[str] = mapped_column(String(32), index=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    wallet_session_id: Mapped[str | None] = mapped_column(String(32))
    device_name: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(64))


class RefreshToken(Base):
    __tablename__ = "oauth_refresh_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_token_families.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None]  # set when exchanged for a successor
    replaced_by_id: Mapped[str | None] = mapped_column(String(32))
