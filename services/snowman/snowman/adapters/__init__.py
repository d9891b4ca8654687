"""Database tables, the SQL repositories implementing the application's ports, and snowman's unit of work."""
