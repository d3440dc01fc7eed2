"""Column type for EVM quantities (wei, gas, nonces): unsigned 256-bit integers.

PostgreSQL keeps them exactly as ``NUMERIC(78, 0)`` (2**256 has 78 digits), so daily sums run in
SQL. SQLite has no exact type that wide (its NUMERIC turns big numbers into floats), so the
embedded default stores decimal text: exact values, approximate sums above 2**63. Python sees
plain ``int`` either way.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

SQLITE_DIGITS = 78


class Uint256(TypeDecorator[int]):
    impl = Numeric(78, 0)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(SQLITE_DIGITS))
        return dialect.type_descriptor(Numeric(78, 0))

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Decimal | str | None:
        if value is None:
            return None
        return str(int(value)) if dialect.name == "sqlite" else Decimal(int(value))

    def process_result_value(self, value: object, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return value if isinstance(value, int) else int(Decimal(str(value)))
