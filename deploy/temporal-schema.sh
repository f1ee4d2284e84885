#!/bin/sh
# Creates or upgrades Temporal's two PostgreSQL databases with temporal-sql-tool
# (run by the temporalio/admin-tools service in docker-compose.yml before the
# server starts). Safe to run on every `docker compose up`: an existing schema
# is brought up to the image's version; a fresh database is set up first.
set -eu
: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required}"
PORT="${DB_PORT:-5432}"
SCHEMA=/etc/temporal/schema/postgresql/v12

echo "waiting for PostgreSQL at ${POSTGRES_SEEDS}:${PORT}"
i=0
until nc -z -w 5 "$POSTGRES_SEEDS" "$PORT"; do
  i=$((i + 1))
  [ "$i" -lt 60 ] || { echo "PostgreSQL did not answer"; exit 1; }
  sleep 2
done

tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$PORT" "$@"
}

schema() {
  db="$1"
  dir="$SCHEMA/$2/versioned"
  if out=$(tool --db "$db" create 2>&1); then
    echo "created database $db"
  elif echo "$out" | grep -q 'already exists'; then
    echo "database $db exists"
  else
    echo "$out"; exit 1
  fi
  if out=$(tool --db "$db" update-schema -d "$dir" 2>&1); then
    echo "schema of $db up to date"
    return
  fi
  # Only a database without Temporal's schema_version table is set up from scratch.
  if ! echo "$out" | grep -q 'schema_version'; then
    echo "$out"; exit 1
  fi
  tool --db "$db" setup-schema -v 0.0
  tool --db "$db" update-schema -d "$dir"
  echo "schema of $db set up"
}

schema temporal temporal
schema temporal_visibility visibility
