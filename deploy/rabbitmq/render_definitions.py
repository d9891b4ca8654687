"""Render the broker definitions for import at boot: definitions.json with each user's password hash filled in.

definitions.json is committed without any secret (every `password_hash` is empty); the passwords come from the
environment, one variable per user: RABBITMQ_PASSWORD_<USER> (upper case, '-' becomes '_'), e.g.
RABBITMQ_PASSWORD_DES, RABBITMQ_PASSWORD_EKINERJA_ADMIN. A missing variable stops the render.

usage: render_definitions.py TEMPLATE OUTPUT
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import sys

ALGORITHM = "rabbit_password_hashing_sha256"


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's salted SHA-256 hash: base64(salt ‖ sha256(salt ‖ utf8(password))), with a 4-byte salt."""
    salt = secrets.token_bytes(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode("utf-8")).digest()).decode("ascii")


def env_name(user: str) -> str:
    return "RABBITMQ_PASSWORD_" + re.sub(r"[^A-Z0-9]", "_", user.upper())


def render(definitions: dict, environ) -> dict:
    rendered = json.loads(json.dumps(definitions))
    missing = []
    for user in rendered.get("users", []):
        if user.get("password_hash"):
            continue
        password = environ.get(env_name(user["name"]), "")
        if not password:
            missing.append(env_name(user["name"]))
            continue
        user["password_hash"] = password_hash(password)
        user["hashing_algorithm"] = ALGORITHM
    if missing:
        raise SystemExit("render_definitions: not set: " + ", ".join(missing)
                         + " (generate deploy/local.env, see docs/operations.md)")
    return rendered


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        rendered = render(json.load(f), os.environ)
    tmp = argv[2] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(rendered, f, indent=2)
    os.chmod(tmp, 0o644)  # read by the broker's own user in another container
    os.replace(tmp, argv[2])
    print(f"render_definitions: wrote {argv[2]} ({len(rendered.get('users', []))} users)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
