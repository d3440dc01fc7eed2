"""The overview in one call: a few aggregate queries, the relay's through the reader it declared.

The relay's transactions are the chain component's tables, and the platform does not import the
chain (dependencies point one way). So the chain hands its reader over when it starts
(``register_relay_volume``, from ``Chain.start``); without one the relay figures are zeros.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from chainless.platform.core.clock import utcnow
from chainless.platform.core.services import Services
from chainless.platform.models import AppStatus
from chainless.platform.overview import repository
from chainless.platform.overview.schemas import (
    AppsByStatus,
    Backlog,
    OverviewOut,
    RelayDayOut,
    RelayVolumeOut,
    ReviewBacklog,
)

RELAY_DAYS = 14
_READER_KEY = "overview.relay_volume"


@dataclass(frozen=True)
class RelayDay:
    """One UTC day's transactions of one kind (``user`` or ``sponsored``), as the relay counts."""

    day: date
    kind: str
    total: int
    failed: int


RelayVolumeReader = Callable[[Session, datetime], list[RelayDay]]


def register_relay_volume(services: Services, reader: RelayVolumeReader) -> None:
    services.extras[_READER_KEY] = reader


def overview(session: Session, services: Services) -> OverviewOut:
    now = utcnow()
    counts = repository.apps_by_status(session)
    apps_waiting, apps_oldest = repository.apps_waiting(session)
    quals_waiting, quals_oldest = repository.qualifications_waiting(session)
    return OverviewOut(
        generated_at=now,
        apps=AppsByStatus(
            development=counts[AppStatus.DEVELOPMENT],
            in_review=counts[AppStatus.IN_REVIEW],
            online=counts[AppStatus.ONLINE],
            delisted=counts[AppStatus.DELISTED],
        ),
        review=ReviewBacklog(
            apps=Backlog(waiting=apps_waiting, oldest_submitted_at=apps_oldest),
            qualifications=Backlog(waiting=quals_waiting, oldest_submitted_at=quals_oldest),
        ),
        relay=_relay(session, services, now),
    )


def _relay(session: Session, services: Services, now: datetime) -> RelayVolumeOut:
    """The last ``RELAY_DAYS`` UTC days, today included, oldest first; a quiet day is zeros."""
    first = now.date() - timedelta(days=RELAY_DAYS - 1)
    days = {
        first + timedelta(days=n): RelayDayOut(
            day=first + timedelta(days=n), sponsored=0, self_paid=0, failed=0
        )
        for n in range(RELAY_DAYS)
    }
    reader: RelayVolumeReader | None = services.extras.get(_READER_KEY)
    if reader is not None:
        since = datetime.combine(first, time.min, tzinfo=now.tzinfo)
        for row in reader(session, since):
            out = days.get(row.day)
            if out is None:
                continue
            if row.kind == "sponsored":
                out.sponsored += row.total
            else:
                out.self_paid += row.total
            out.failed += row.failed
    ordered = list(days.values())
    return RelayVolumeOut(
        days=ordered,
        sponsored=sum(d.sponsored for d in ordered),
        self_paid=sum(d.self_paid for d in ordered),
        failed=sum(d.failed for d in ordered),
    )
