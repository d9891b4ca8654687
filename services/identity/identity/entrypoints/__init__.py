"""Transport-side helpers of identity's gRPC entrypoints (the service class stays one line per RPC)."""
