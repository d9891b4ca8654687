"""The outermost room: the gRPC mapping (protobuf <-> plain values, one unit of work per call)."""
