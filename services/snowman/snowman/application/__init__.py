"""Use cases of the snowman service, on a unit of work and the ports of `ports.py` (no protobuf, no SQL)."""
