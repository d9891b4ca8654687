"""snowman's entrypoints: the nameko service class and the gRPC mapping (protobuf <-> use cases)."""
