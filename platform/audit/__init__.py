"""The append-only audit log: recording, search for operators, retention."""
