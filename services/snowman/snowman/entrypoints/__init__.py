"""gRPC entrypoints of snowman: proto <-> use cases."""
