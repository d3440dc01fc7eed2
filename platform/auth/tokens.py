"""Token formats. A recognisable prefix lets a leaked token be found by secret scanners and tells
the authentication code which table to look in without a query."""

from __future__ import annotations

from chainless.platform.core.security import new_token

SESSION_PREFIX = "cls_"  # console session cookie
BEARER_PREFIX = "clt_"  # API bearer token for an account
API_KEY_PREFIX = "ck_"  # app API key (see chainless.platform.apikeys)
CSRF_COOKIE = "chainless_csrf"
SESSION_COOKIE = "chainless_session"
CSRF_HEADER = "x-csrf-token"


def new_session_token() -> str:
    return SESSION_PREFIX + new_token(32)


def new_bearer_token() -> str:
    return BEARER_PREFIX + new_token(32)


def new_csrf_token() -> str:
    return new_token(24)
