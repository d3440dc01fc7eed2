"""Mini-programs: configuration, OAuth client settings, contracts, versions, review and listing."""
