"""The burst window of the daily usage rows (spec 3.2.1): the last minute's count, estimated from
this clock minute's and the previous one's, moved by the same upsert that counts the day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eth_account import Account

from chainless.chain.relay import repository
from chainless.chain.relay.minute_window import MinuteWindow
from chainless.platform.core.security import new_hex_id
from chainless.platform.core.services import Services
from tests.chain.relay.support import RelayApp, relay_app
from tests.contracts.conftest import Platform
from tests.factories import Factory

pytestmark = pytest.mark.portable  # the SQLite path moves the window in Python, the same way

NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def at(minutes: int, seconds: int) -> datetime:
    return NOON + timedelta(minutes=minutes, seconds=seconds)


def test_the_window_estimates_the_last_sixty_seconds() -> None:
    window = MinuteWindow(None, 0, 0)
    assert window.last_minute(at(0, 0)) == 0
    for second in (10, 20, 30, 40):
        window = window.added(at(0, second))
    assert (window.start, window.count, window.previous) == (at(0, 0), 4, 0)
    assert window.last_minute(at(0, 50)) == 4

    window = window.added(at(1, 15))  # a quarter into the next minute: 3/4 of the 4 still count
    assert (window.count, window.previous) == (1, 4)
    assert window.last_minute(at(1, 15)) == pytest.approx(4.0)
    assert window.last_minute(at(2, 30)) == pytest.approx(0.5)  # only this minute's tail is left
    assert window.last_minute(at(3, 0)) == 0

    late = window.added(at(0, 59))  # another process's clock a little behind: no step back
    assert (late.start, late.count, late.previous) == (at(1, 0), 2, 4)

    quiet = window.added(at(5, 0))  # minutes later both start over
    assert (quiet.start, quiet.count, quiet.previous) == (at(5, 0), 1, 0)


@pytest.fixture
def relay(factory: Factory, platform: Platform) -> RelayApp:
    return relay_app(factory, platform)


def test_the_daily_upsert_moves_the_window_of_the_wallet_and_of_the_app(
    relay: RelayApp, services: Services
) -> None:
    wallet, other = relay.user.address, Account.create().address

    def add(moment: datetime, sender: str = wallet) -> repository.Added:
        with services.transaction() as session:
            return repository.add_daily_usage(
                session, relay.app_id, moment, sender, 5, new_hex_id()
            )

    for second in (10, 20):
        add(at(0, second))
    third = add(at(0, 30))
    assert (third.user_minute, third.app_minute) == (3, 3)
    assert (third.today.user_tx, third.today.user_value_wei) == (3, 15)
    assert add(at(0, 40), other).app_minute == 4

    next_minute = add(at(1, 15))  # the wallet had 3 of the previous minute, the app 4
    assert next_minute.user_minute == pytest.approx(1 + 3 * 0.75)
    assert next_minute.app_minute == pytest.approx(1 + 4 * 0.75)
    assert next_minute.today.app_tx == 5  # the day goes on counting

    behind = add(at(0, 59))  # a process whose clock is behind still counts in 12:01
    assert behind.app_minute == pytest.approx(2 + 4)

    later = add(at(4, 0))
    assert (later.user_minute, later.app_minute) == (1, 1)
    assert later.today.app_tx == 7
