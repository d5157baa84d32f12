"""Saved charts: records, search, trash, export and import."""
