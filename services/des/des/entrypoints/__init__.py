"""The outermost room: the nameko service class, the gRPC mapping, event consumers and timers (protobuf and nameko
stop here; only `des/__main__.py` imports this package)."""
