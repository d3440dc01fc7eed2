"""Mail through a transactional outbox: SMTP in production, the outbox itself when embedded."""
