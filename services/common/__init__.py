"""Helpers shared by every service: settings, JSON errors, auth, database, paging."""
