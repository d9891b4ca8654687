"""The portal owns no business rule: what a user may see and do, and every figure, is decided by the services. The room
exists so the portal has the same four rooms as every service; its use cases are in `application/`."""
