"""Numbered schema versions; each file is one Alembic revision."""
