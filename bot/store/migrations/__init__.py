"""Alembic migrations of the store, shipped inside the package (run by `Store.migrate`)."""
