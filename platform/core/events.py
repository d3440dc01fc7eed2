"""Domain events inside one transaction: a feature publishes, other components subscribe.

Dependencies point one way (components depend on the platform core), yet the platform must tell
them what happened — an app delisted, say, revokes every wallet grant of that app. Handlers run
synchronously in the publisher's transaction, so the reaction commits or rolls back with the cause.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

Handler = Callable[..., None]
_handlers: dict[str, list[Handler]] = defaultdict(list)

APP_DELISTED = "app.delisted"
APP_LISTED = "app.listed"  # approved, or relisted: the catalog indexes it (a job)
APP_SCOPES_CHANGED = "app.scopes_changed"


def subscribe(event: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if handler not in _handlers[event]:
            _handlers[event].append(handler)
        return handler

    return register


def publish(session: Session, event: str, **payload: Any) -> None:
    for handler in list(_handlers[event]):
        handler(session, **payload)
