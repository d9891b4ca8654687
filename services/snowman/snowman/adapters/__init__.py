"""Database tables, repositories and proto mapping of the snowman service."""
