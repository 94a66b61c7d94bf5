#!/usr/bin/env bash
# Builds and runs every test suite against real servers: a private PostgreSQL cluster for the
# store suite (TEST_DATABASE_URL), while the interop suite starts its own redis-servers.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

# A services directory of this run's own, so two runs on one machine never stop each other's servers.
SERVICES_DIR=$(mktemp -d /tmp/uvw-test-services.XXXXXX)
chmod 755 "$SERVICES_DIR"
export SERVICES_DIR
eval "$(bash scripts/test-services.sh start)"
trap 'bash scripts/test-services.sh stop; rm -rf "$SERVICES_DIR"' EXIT

swift build --build-tests
swift test --skip-build
python3 -m pytest -q Tests/interop
