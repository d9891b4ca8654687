"""Create per service the owner role (migrations) and the login role (the service) and the database, with only
the grants the service needs (ekinerja_platform.db_roles). Idempotent; run by an operator with an admin role.

Usage: .venv/bin/python scripts/db_roles.py --admin-url postgresql+psycopg://postgres@HOST:5432/postgres \
           [--service des ...] [--prefix ekinerja_] [--owner-pattern '{service}']
Passwords come from the environment (never the command line): EKINERJA_<SVC>_DB_OWNER_PASSWORD and
EKINERJA_<SVC>_DB_APP_PASSWORD, or files named by EKINERJA_<SVC>_DB_OWNER_PASSWORD_FILE / _APP_PASSWORD_FILE;
none: no password (a trust-authenticated local cluster only). Prints the two URLs (passwords hidden) for the
service's secret: EKINERJA_MIGRATION_DATABASE_URL (owner) and EKINERJA_DATABASE_URL (login role).
"""
from __future__ import annotations

import argparse
import os

from sqlalchemy.engine import make_url

from ekinerja_platform import db_roles
from ekinerja_platform.settings import db_timeouts, secret

SERVICES = ("identity", "skp", "des", "recap", "snowman", "portal")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-url", default=os.environ.get("EKINERJA_DB_ADMIN_URL"), required=False)
    parser.add_argument("--service", action="append", choices=SERVICES)
    parser.add_argument("--prefix", default="ekinerja_")
    parser.add_argument("--owner-pattern", default="{prefix}{service}_owner",
                        help="'{service}' keeps the owner CloudNativePG's bootstrap made (deploy/k8s/components/cnpg)")
    parser.add_argument("--app-pattern", default="{prefix}{service}_app")
    args = parser.parse_args()
    if not args.admin_url:
        parser.error("--admin-url or EKINERJA_DB_ADMIN_URL is required")
    statement, lock = db_timeouts()
    for service in args.service or SERVICES:
        roles = db_roles.role_names(service, args.prefix, owner_pattern=args.owner_pattern,
                                    app_pattern=args.app_pattern)
        env = f"EKINERJA_{service.upper()}_DB"
        db_roles.provision(args.admin_url, roles, owner_password=secret(f"{env}_OWNER_PASSWORD"),
                           app_password=secret(f"{env}_APP_PASSWORD"),
                           statement_timeout_seconds=statement, lock_timeout_seconds=lock)
        base = make_url(args.admin_url).set(database=roles.database, password=None)
        print(f"{service}: EKINERJA_MIGRATION_DATABASE_URL={base.set(username=roles.owner).render_as_string()}")
        print(f"{service}: EKINERJA_DATABASE_URL={base.set(username=roles.app).render_as_string()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
