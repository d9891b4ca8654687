"""Use cases of the snowman service, working on a SQLAlchemy session."""
