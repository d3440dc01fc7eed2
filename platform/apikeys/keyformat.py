"""The API key format: ``ck_<env>_<lookup id>_<secret>``.

The recognisable ``ck_`` start lets secret scanners find leaked keys and tells authentication which
credential it holds without a query. ``ck_<env>_<lookup id>`` is the public *prefix*: it is stored
in clear, shown in lists and finds the row with one indexed lookup. The lookup id is lowercase
alphanumeric so it can never contain the ``_`` separator; the secret is 43 url-safe characters
(256 bits) and is only ever stored as a keyed hash of the whole key.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass

from chainless.platform.auth.tokens import API_KEY_PREFIX
from chainless.platform.core.security import new_token
from chainless.platform.core.settings import ChainEnvironment

LOOKUP_ID_LENGTH = 12
SECRET_BYTES = 32  # token_urlsafe(32) -> 43 characters
_LOOKUP_ALPHABET = string.ascii_lowercase + string.digits
_ENVIRONMENTS = "|".join(e.value for e in ChainEnvironment)
_FORMAT = re.compile(
    rf"(?P<prefix>{API_KEY_PREFIX}(?P<env>{_ENVIRONMENTS})_[a-z0-9]{{{LOOKUP_ID_LENGTH}}})"
    r"_[A-Za-z0-9_-]{40,128}"
)


@dataclass(frozen=True, slots=True)
class NewKey:
    prefix: str
    token: str  # the full key, shown to the developer once


def new_key(environment: ChainEnvironment) -> NewKey:
    lookup_id = "".join(secrets.choice(_LOOKUP_ALPHABET) for _ in range(LOOKUP_ID_LENGTH))
    prefix = f"{API_KEY_PREFIX}{environment.value}_{lookup_id}"
    return NewKey(prefix, f"{prefix}_{new_token(SECRET_BYTES)}")


def prefix_of(token: str) -> str | None:
    """The public prefix of a well-formed key, else ``None``."""
    match = _FORMAT.fullmatch(token)  # fullmatch: "$" would accept a trailing newline
    return match.group("prefix") if match else None
