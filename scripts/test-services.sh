#!/usr/bin/env bash
# Starts (or stops) a private PostgreSQL 15 cluster on 127.0.0.1 for the tests, from Debian's
# packages: its own data directory, a free port, trust auth for the local test user.
#   eval "$(scripts/test-services.sh start)"   # exports TEST_DATABASE_URL and TEST_PG_DIR
#   scripts/test-services.sh stop
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
SERVICES_DIR=${SERVICES_DIR:-/tmp/uvw-test-services}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case "${1:-}" in
start)
    mkdir -p "$SERVICES_DIR"
    dir=$(mktemp -d "$SERVICES_DIR/pg.XXXXXX")
    chown postgres:postgres "$dir"
    chmod 700 "$dir"
    port=$(free_port)
    runuser -u postgres -- "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" \
        start >/dev/null
    echo "export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
    echo "export TEST_PG_DIR=$dir"
    echo "export TEST_PG_PORT=$port"
    ;;
stop)
    for dir in "$SERVICES_DIR"/pg.*; do
        [ -d "$dir/data" ] || continue
        runuser -u postgres -- "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
        rm -rf "$dir"
    done
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
