"""Column type for EVM quantities (wei, gas, nonces): unsigned 256-bit integers.

PostgreSQL keeps them exactly as ``NUMERIC(78, 0)`` (2**256 has 78 digits), so daily sums run in
SQL; Python sees plain ``int`` either way.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Numeric, TypeDecorator
from sqlalchemy.engine import Dialect


class Uint256(TypeDecorator[int]):
    impl = Numeric(78, 0)
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(int(value))

    def process_result_value(self, value: object, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int(Decimal(str(value))) if not isinstance(value, int) else value
