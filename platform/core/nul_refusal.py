"""No NUL character in what a request carries: PostgreSQL cannot store one in a text column
(``ValueError: PostgreSQL text fields cannot contain NUL (0x00) bytes`` from psycopg, a 500), and
no field of the platform has a use for one. Refused at the edge for every route at once, with
the validation problem a field's own constraint would give (422 ``validation_error``): in the
path or the query string (``%00``), in a urlencoded form and in a JSON string (``\\u0000``).
Multipart parts are files (a PDF holds NUL bytes) and are left to their readers.
"""

from __future__ import annotations

import re

from starlette.types import Scope

from chainless.platform.core.errors import Unprocessable

# ``\u0000`` not itself escaped: an even run of backslashes (escaped backslashes) before it
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def refusal(location: str) -> Unprocessable:
    message = "NUL characters (U+0000) are not accepted"
    return Unprocessable(
        f"{location}: {message}",
        errors=[{"location": [location], "message": message, "type": "string_nul"}],
    )


def nul_in_target(scope: Scope) -> Unprocessable | None:
    """The refusal of a path or query string with a NUL in it."""
    if "\x00" in scope["path"]:
        return refusal("path")
    if b"%00" in scope.get("query_string", b""):
        return refusal("query")
    return None


def json_has_nul(body: bytes) -> bool:
    return b"\\u0000" in body and _JSON_NUL.search(body) is not None


def form_has_nul(body: bytes) -> bool:
    return b"%00" in body
