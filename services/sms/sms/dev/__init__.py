"""Development and test helpers (Gammu's dummy phone, the demo's phone): never in the production image
(deploy/docker/service.Dockerfile.dockerignore leaves this folder out; tests/unit/test_rooms.py holds it)."""
