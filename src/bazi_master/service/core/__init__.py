"""Plumbing shared by every domain package: settings, logs, database, store, HTTP."""
