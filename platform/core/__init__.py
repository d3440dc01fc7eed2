"""The shared kernel: settings, database, errors, security, jobs and the request context."""
