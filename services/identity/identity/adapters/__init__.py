"""Adapters: SQLAlchemy tables and queries, signing keys on disk, proto <-> domain mapping."""
