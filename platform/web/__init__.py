"""The developer console: a small page over the same public API (cookie session + CSRF token)."""
