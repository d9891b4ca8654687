#!/usr/bin/env bash
# First start of the local PostgreSQL container (docker-entrypoint-initdb.d): one database and one owning login
# role per service, so no service can read another's data (DESIGN §2). Passwords come from deploy/local.env
# (<SERVICE>_DB_PASSWORD); nothing secret is written here.
#
# EKINERJA_DB_PREFIX (default empty) prefixes role and database names; only the deployment tests set it, to run this
# very script against a scratch namespace of a real server.
set -euo pipefail

prefix="${EKINERJA_DB_PREFIX:-}"
for service in identity skp des recap snowman portal sms gammu; do
    var="$(printf '%s' "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
    password="${!var:-}"
    if [ -z "$password" ]; then
        echo "init-databases: $var is not set; generate deploy/local.env (docs/operations.md)" >&2
        exit 1
    fi
    name="${prefix}${service}"
    psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
         -v name="$name" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'name', :'password')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'name') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'name', :'name', 'UTF8')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'name') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'name') \gexec
SQL
    # The service owns its public schema, so its migrations can create objects there (PostgreSQL 15+ default).
    psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname "$name" \
         -v name="$name" <<'SQL'
SELECT format('ALTER SCHEMA public OWNER TO %I', :'name') \gexec
SQL
    echo "init-databases: database $name ready"
done
