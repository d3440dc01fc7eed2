"""Developer accounts: registration, email verification, profile, password changes."""
