#!/usr/bin/env bash
# Upgrade a scratch PostgreSQL database to head, then ask Alembic whether the models still match.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
db=chainless_alembic_check
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db" >/dev/null
export CHAINLESS_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$db"
"$root/.venv/bin/chainless" db upgrade
"$root/.venv/bin/alembic" -c "$root/platform/alembic.ini" check
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null
