"""The operators' platform overview: apps by status, the review backlog and the relay's volume."""
