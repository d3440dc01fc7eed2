"""Deliver an outbox message (idempotent: a message already sent is left alone)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from chainless.platform.core.clock import utcnow
from chainless.platform.core.jobs import RetryJob, job
from chainless.platform.core.services import JobScope
from chainless.platform.core.settings import MailSettings
from chainless.platform.models import OutboxEmail


@job("mail.deliver", max_retries=6, backoff_seconds=5.0)
def deliver(scope: JobScope, *, outbox_id: str) -> None:
    message = scope.session.get(OutboxEmail, outbox_id, with_for_update=True)
    if message is None or message.status in {"sent", "stored"}:
        return
    settings = scope.services.settings.mail
    if settings.backend == "outbox":
        message.status = "stored"  # the embedded default: the outbox is the mailbox
        message.sent_at = utcnow()
        return
    message.attempts += 1
    try:
        _send_smtp(settings, message)
    except (OSError, smtplib.SMTPException) as error:
        message.last_error = str(error)[:2000]
        raise RetryJob(f"SMTP delivery failed: {error}") from error
    message.status = "sent"
    message.sent_at = utcnow()
    message.last_error = None


def _send_smtp(settings: MailSettings, message: OutboxEmail) -> None:
    email = EmailMessage()
    email["From"] = settings.sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = f"<{message.id}@chainless>"
    email.set_content(message.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(email)
