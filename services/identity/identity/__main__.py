"""`python -m identity run|migrate|settings|rotate-key`.

`rotate-key` writes a new active signing key to `EKINERJA_SIGNING_KEY_DIR` (running replicas pick it up within
seconds) and deletes keys whose tokens have all expired.
"""
import sys
from pathlib import Path

from ekinerja_platform.runner import service_main


def rotate_key() -> int:
    from ekinerja_platform.settings import MissingSetting
    from identity.adapters.keys import KeyRing
    from identity.settings import load_identity_settings
    try:
        settings = load_identity_settings()
    except MissingSetting as exc:
        print(f"error: {exc.code}", file=sys.stderr)
        return 2
    ring = KeyRing(settings.signing_key_dir, settings.access_ttl_seconds)
    ring.ensure_key()
    kid = ring.rotate()
    removed = ring.prune()
    print(f"active key: {kid}; published: {', '.join(k.kid for k in ring.published())}"
          + (f"; removed expired: {', '.join(removed)}" if removed else ""))
    return 0


if len(sys.argv) > 1 and sys.argv[1] == "rotate-key":
    raise SystemExit(rotate_key())
raise SystemExit(service_main("identity", "identity.service:IdentityService",
                              str(Path(__file__).resolve().parents[1] / "migrations")))
