"""Wallet-login HTTP endpoints: OAuth 2.0 (RFC 6749 errors) and SIWE sign-in (problem+json)."""

from fastapi import APIRouter

from chainless.oauth.endpoints import authorize, metadata, signin, token, userinfo, wallet

router = APIRouter()
for module in (metadata, signin, authorize, token, userinfo, wallet):
    router.include_router(module.router)
