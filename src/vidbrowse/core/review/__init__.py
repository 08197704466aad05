"""The user's state per archive and across them: marks, notes, saved searches, settings, config."""
