"""identity's own Prometheus metrics (beside the platform's); labels never carry a login, NIP or address."""
from __future__ import annotations

from prometheus_client import Counter, Gauge

PASSWORD_CHECKS = Counter(
    "ekinerja_identity_password_checks_total",
    "Passwords (Login) and client secrets (ClientToken) checked against their Argon2 hash, by outcome.",
    ["rpc", "outcome"])
THROTTLED = Counter(
    "ekinerja_identity_login_throttled_total",
    "Login and ClientToken attempts refused before any check because a throttle bucket asked to wait, by bucket.",
    ["rpc", "bucket"])
SIGNING_KEY_AGE = Gauge(
    "ekinerja_identity_signing_key_age_seconds",
    "Age of the active token-signing key (from the time in its key id), read at each scrape; every replica reports "
    "the same key: aggregate with max.")
