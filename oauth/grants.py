"""The two grants the platform supports, on Authlib's: authorization code (with PKCE S256 and
``state`` required of every client) and refresh token (rotated on every use, with reuse detection).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from authlib.oauth2.rfc6749 import grants  # type: ignore[import-untyped, unused-ignore]
from authlib.oauth2.rfc6749.errors import (  # type: ignore[import-untyped, unused-ignore]
    InvalidGrantError,
    InvalidRequestError,
)
from authlib.oauth2.rfc7636 import CodeChallenge  # type: ignore[import-untyped, unused-ignore]
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from chainless.oauth import revocation, tokens
from chainless.oauth.models import (
    AuthorizationCode,
    RefreshToken,
    TokenFamily,
    UserAuthorization,
    WalletSession,
    WalletUser,
)
from chainless.oauth.tokens import WalletIdentity
from chainless.platform.core.clock import utcnow

TOKEN_AUTH = ["client_secret_basic", "client_secret_post", "none"]

# The grants' reads, built once (building a statement per request cost more than running it).
# A code (locked), its grant and its user, in one round trip:
_CODE_ROW = (
    select(AuthorizationCode, UserAuthorization, WalletUser)
    .outerjoin(UserAuthorization, UserAuthorization.id == AuthorizationCode.authorization_id)
    .outerjoin(WalletUser, WalletUser.id == AuthorizationCode.user_id)
    .where(AuthorizationCode.code_hash == bindparam("code_hash"))
    .with_for_update(of=AuthorizationCode)
)
# A refresh token (locked), its family, the grant (updated on issue) and the user (the identity),
# in one round trip; all four are held by the ``PresentedRefreshToken``:
_REFRESH_ROW = (
    select(RefreshToken, TokenFamily, UserAuthorization, WalletUser)
    .join(TokenFamily, TokenFamily.id == RefreshToken.family_id)
    .join(UserAuthorization, UserAuthorization.id == TokenFamily.authorization_id)
    .join(WalletUser, WalletUser.id == TokenFamily.user_id)
    .where(RefreshToken.token_hash == bindparam("token_hash"))
    .with_for_update(of=RefreshToken)
)


class RequiredS256Challenge(CodeChallenge):
    """PKCE (RFC 7636) for every client, S256 only: ``plain`` and a missing method are refused
    (RFC 9700 §2.1.1), because a missing method means ``plain``."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def __init__(self) -> None:
        super().__init__(required=True)

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError(
                "PKCE is required: send code_challenge and code_challenge_method=S256"
            )
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError(
                "code_challenge_method must be S256 ('plain' is not accepted)"
            )
        super().validate_code_challenge(grant, redirect_uri)


class RequiredState:
    """``state`` is required (RFC 6749 §10.12: it is the client's CSRF protection)."""

    def __call__(self, grant: Any) -> None:
        grant.register_hook("after_validate_authorization_request_payload", self.check)

    def check(self, grant: Any, redirect_uri: str) -> None:
        state = grant.request.payload.state
        if not state:
            raise InvalidRequestError("state is required")
        if len(state) > 512:
            raise InvalidRequestError("state is longer than 512 characters")


@dataclass
class IssuedCode:
    """An authorization code row as Authlib's grant reads it, with its grant and user (read with
    it, and held here: the session's identity map keeps unchanged rows only weakly)."""

    row: AuthorizationCode
    approved: tuple[str, ...]  # what the app is approved for now
    grant: UserAuthorization | None
    user: WalletUser | None

    @property
    def code_challenge(self) -> str:
        return self.row.code_challenge

    @property
    def code_challenge_method(self) -> str:
        return self.row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return " ".join(s for s in self.row.scope if s in self.approved)


def _identity(user: WalletUser | None, auth_time: Any) -> WalletIdentity | None:
    return WalletIdentity(user.id, user.address, auth_time) if user else None


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH
    AUTHORIZATION_CODE_LENGTH = 43

    @staticmethod
    def validate_authorization_redirect_uri(request: Any, client: Any) -> str:
        """Required, and exactly a registered one (RFC 9700 §4.1.3). Authlib's error echoes the
        URI into the description, which crashes on characters RFC 6749 §5.2 does not allow."""
        uri = request.payload.redirect_uri
        if not uri:
            raise InvalidRequestError("redirect_uri is required")
        if not client.check_redirect_uri(uri):
            raise InvalidRequestError(
                "redirect_uri is not registered for this app (it must match one exactly)"
            )
        return str(uri)

    @property
    def session(self) -> Session:
        return self.server.session

    def save_authorization_code(self, code: str, request: Any) -> None:
        context = request.chainless
        settings = self.server.services.settings.oauth
        now = utcnow()
        self.session.add(
            AuthorizationCode(
                code_hash=self.server.services.hasher.hash(code),
                app_id=request.client.client_id,
                user_id=request.user.user_id,
                authorization_id=context["authorization_id"],
                wallet_session_id=context.get("wallet_session_id"),
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope.split(),
                code_challenge=request.payload.data["code_challenge"],
                code_challenge_method=request.payload.data["code_challenge_method"],
                auth_time=request.user.auth_time,
                created_at=now,
                expires_at=now + timedelta(seconds=settings.code_ttl_seconds),
            )
        )

    def query_authorization_code(self, code: str, client: Any) -> IssuedCode | None:
        code_hash = self.server.services.hasher.hash(code)
        found = self.session.execute(_CODE_ROW, {"code_hash": code_hash}).first()
        if found is None:
            return None
        row, grant, user = found
        if row.app_id != client.client_id:
            return None
        if row.used_at is not None:
            # RFC 6749 §4.1.2: a code used twice revokes every token issued from it
            revocation.code_replayed(self.server.services, self.session, row)
            return None
        if row.expires_at <= utcnow():
            return None
        issued = IssuedCode(row, tuple(client.record.approved_scopes), grant, user)
        return issued if issued.get_scope() else None

    def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
        """Nothing left to do: the code was claimed (marked used, and kept so that a replay is
        recognised) before any token was made, see ``authenticate_user``."""

    def authenticate_user(self, authorization_code: IssuedCode) -> WalletIdentity | None:
        """Runs once every check has passed and before any token is made: claim the code."""
        row, grant = authorization_code.row, authorization_code.grant
        if grant is None or grant.revoked_at is not None:
            return None
        if not self._claim(row):
            revocation.code_replayed(self.server.services, self.session, row)
            raise InvalidGrantError("the authorization code was already used")
        return _identity(authorization_code.user, row.auth_time)

    def _claim(self, row: AuthorizationCode) -> bool:
        """Mark the code used, once. A conditional update, so that two exchanges racing cannot
        both win even where ``FOR UPDATE`` takes no lock (SQLite)."""
        result = self.session.execute(
            update(AuthorizationCode)
            .where(
                AuthorizationCode.code_hash == row.code_hash, AuthorizationCode.used_at.is_(None)
            )
            .values(used_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    def _device_name(self, wallet_session_id: str | None) -> str:
        """The user's device: the one named when the wallet signed in (its user agent if it
        named none), never the agent of the app backend that exchanges the code."""
        if wallet_session_id is None:
            return ""
        signed_in = self.session.get(WalletSession, wallet_session_id)
        return signed_in.device_name if signed_in is not None else ""

    def generate_token(
        self,
        user: Any = None,
        scope: Any = None,
        grant_type: Any = None,
        expires_in: Any = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        issued: IssuedCode = self.request.authorization_code
        row, grant, now = issued.row, issued.grant, utcnow()
        assert grant is not None  # checked by ``authenticate_user``
        family = tokens.start_family(
            authorization=grant,
            code_hash=row.code_hash,
            wallet_session_id=row.wallet_session_id,
            device_name=self._device_name(row.wallet_session_id),
            now=now,
        )
        return tokens.issue(
            self.server.services,
            self.session,
            family=family,
            authorization=grant,
            user=user,
            scope=scope,
            include_refresh_token=include_refresh_token,
            moment=now,
            new_family=True,
            public_client=self.request.client.record.public,
        )


@dataclass
class PresentedRefreshToken:
    """A refresh token row with its family, grant and user, read in one query and held here (the
    session's identity map keeps unchanged rows only weakly)."""

    row: RefreshToken
    family: TokenFamily
    grant: UserAuthorization
    user: WalletUser
    approved: tuple[str, ...]  # what the app is approved for now

    def check_client(self, client: Any) -> bool:
        return bool(self.family.app_id == client.client_id)

    def get_scope(self) -> str:
        """The token's scope, less what the app has since lost approval for (its approved
        scopes shrink when the developer drops a requested one)."""
        return " ".join(s for s in self.row.scope if s in self.approved)


class RefreshGrant(grants.RefreshTokenGrant):
    """Rotation on every use (RFC 9700 §4.14.2). A rotated token presented again after the grace
    window revokes its whole family; within it (two tabs refreshing at once) it is honoured."""

    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH
    INCLUDE_NEW_REFRESH_TOKEN = True

    @property
    def session(self) -> Session:
        return self.server.session

    def authenticate_refresh_token(self, refresh_token: str) -> PresentedRefreshToken | None:
        if not refresh_token.startswith(tokens.REFRESH_PREFIX) or len(refresh_token) > 128:
            return None
        token_hash = self.server.services.hasher.hash(refresh_token)
        found = self.session.execute(_REFRESH_ROW, {"token_hash": token_hash}).first()
        if found is None:
            return None
        row, family, grant, user = found
        if family.revoked_at is not None or grant.revoked_at is not None:
            return None
        now = utcnow()
        if row.expires_at <= now:
            return None
        if row.rotated_at is not None:
            grace = timedelta(
                seconds=self.server.services.settings.oauth.refresh_reuse_grace_seconds
            )
            if now - row.rotated_at > grace:
                revocation.refresh_reused(self.server.services, self.session, family, row)
                return None
        presented = PresentedRefreshToken(
            row, family, grant, user, tuple(self.request.client.record.approved_scopes)
        )
        return presented if presented.get_scope() else None

    def authenticate_user(self, refresh_token: PresentedRefreshToken) -> WalletIdentity | None:
        return _identity(refresh_token.user, refresh_token.family.created_at)

    def generate_token(
        self,
        user: Any = None,
        scope: Any = None,
        grant_type: Any = None,
        expires_in: Any = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        presented: PresentedRefreshToken = self.request.refresh_token
        return tokens.issue(
            self.server.services,
            self.session,
            family=presented.family,
            authorization=presented.grant,
            user=user,
            scope=scope,
            include_refresh_token=include_refresh_token,
            # RFC 6749 §6: a narrower scope narrows this access token only; the new refresh token
            # keeps the scope of the one it replaces
            refresh_scope=presented.get_scope(),
            rotated=presented.row,
            public_client=self.request.client.record.public,
        )

    def revoke_old_credential(self, refresh_token: PresentedRefreshToken) -> None:
        """Nothing left to do: the presented token was marked rotated by the statement that
        stored its successor (``tokens.issue``)."""
