"""Adapters: SQLAlchemy tables, queries and repositories implementing the application's ports, identity's unit of
work, signing keys on disk, the phone vault, proto <-> domain mapping still used by the pending use cases."""
