"""Queue a message: write it to the outbox and send the delivery job after the commit."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chainless.platform.core import jobs
from chainless.platform.core.security import new_hex_id
from chainless.platform.models import OutboxEmail


def send(session: Session, *, to: str, subject: str, body: str, kind: str) -> OutboxEmail:
    message = OutboxEmail(id=new_hex_id(), to_address=to, subject=subject, body=body, kind=kind)
    session.add(message)
    session.flush()
    jobs.enqueue(session, "mail.deliver", outbox_id=message.id)
    return message
