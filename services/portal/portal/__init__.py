"""The e-Kinerja web portal: a backend-for-frontend over the five services' public gRPC APIs (no rules of its own)."""
