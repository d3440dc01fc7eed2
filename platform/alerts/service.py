"""Raise an alert, folding repeats of the same open alert into one (its count grows)."""

from __future__ import annotations

import logging
from enum import IntEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chainless.platform.core.clock import utcnow
from chainless.platform.models import Alert

log = logging.getLogger("chainless.alerts")


class Level(IntEnum):
    """The spec's alert levels (monitoring 1.3)."""

    WARNING = 75
    SEVERE = 85
    URGENT = 95


def raise_alert(
    session: Session,
    *,
    kind: str,
    subject: str,
    summary: str,
    level: Level = Level.WARNING,
    app_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> Alert:
    key = f"{kind}:{subject}"[:200]
    alert = session.scalar(
        select(Alert).where(Alert.dedup_key == key, Alert.resolved_at.is_(None)).with_for_update()
    )
    now = utcnow()
    if alert is None:
        alert = Alert(
            level=int(level),
            kind=kind,
            subject=subject[:128],
            dedup_key=key,
            summary=summary[:512],
            app_id=app_id,
            details=details or {},
            raised_at=now,
            last_seen_at=now,
        )
        session.add(alert)
    else:
        alert.count += 1
        alert.last_seen_at = now
        alert.level = max(alert.level, int(level))
        alert.details = {**alert.details, **(details or {})}
    log.warning(
        "alert %s", kind, extra={"alert_kind": kind, "subject": subject, "level": int(level)}
    )
    return alert
