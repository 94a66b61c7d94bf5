#!/usr/bin/env bash
# Builds and runs every test suite against real servers: a private PostgreSQL cluster for the
# store suite (TEST_DATABASE_URL), while the interop suite starts its own redis-servers.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

eval "$(bash scripts/test-services.sh start)"
trap 'bash scripts/test-services.sh stop' EXIT

swift build --build-tests
swift test --skip-build
python3 -m pytest -q Tests/interop
