#!/usr/bin/env bash
# CI: install PostgreSQL from Debian's packages (if missing), start a throwaway cluster on
# 127.0.0.1:5432, create the `leadboard` role and database, and print the URL on stdout
# (everything else goes to stderr), for `export LEADBOARD_TEST_PG_URL="$(.ci/postgres.sh)"`.
# Runs as root on a fresh machine; the server itself runs as the `postgres` user.
set -euo pipefail

PORT=${LEADBOARD_PG_PORT:-5432}
ROLE=leadboard
PASSWORD=leadboard
DATABASE=leadboard
CLUSTER=main

say() { echo "postgres.sh: $*" >&2; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  say "installing postgresql from Debian's packages"
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
fi

VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$VERSION $CLUSTER"; then
  pg_createcluster "$VERSION" "$CLUSTER" --port "$PORT" >&2
fi

# A throwaway test cluster: loopback only, and durability traded for speed (never do this with
# data you keep).
cat > "/etc/postgresql/$VERSION/$CLUSTER/conf.d/leadboard-ci.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
max_connections = 100
fsync = off
synchronous_commit = off
full_page_writes = off
CONF

if pg_ctlcluster "$VERSION" "$CLUSTER" status >/dev/null 2>&1; then
  pg_ctlcluster "$VERSION" "$CLUSTER" restart >&2
else
  pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "$PORT" && break
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p "$PORT" >&2

as_postgres() { runuser -u postgres -- "$@"; }
as_postgres psql -q -v ON_ERROR_STOP=1 -p "$PORT" -d postgres >&2 <<SQL
SELECT 'CREATE ROLE $ROLE LOGIN PASSWORD ''$PASSWORD'''
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') \gexec
SELECT 'CREATE DATABASE $DATABASE OWNER $ROLE'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DATABASE') \gexec
SQL
# pg_trgm backs leadboard's search index; creating it here (as the superuser) means the tests'
# throwaway schemas can all use it
as_postgres psql -q -v ON_ERROR_STOP=1 -p "$PORT" -d "$DATABASE" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" >&2

echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE"
