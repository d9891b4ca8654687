"""identity's entrypoints: the nameko service class (one line per RPC), the gRPC mapping of converted use cases
(phone_api.py) and what the calls read from the transport (calls.py)."""
