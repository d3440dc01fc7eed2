"""Who is calling: console sessions, API bearer tokens and API keys, resolved to a Principal."""
