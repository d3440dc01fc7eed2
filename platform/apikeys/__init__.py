"""App API keys: scoped, rate-limited, hashed at rest, 90-day expiry with rotation."""
