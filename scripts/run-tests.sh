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
# The fetcher's, the sandbox's and the egress proxy's tests block their threads on real sockets, Retry-After waits and
# sandboxed children (as their callers, plugin threads, may); run beside the host's tests they can
# hold the cooperative threads an in-process worker there needs (a fresh-clone run saw a cancel wait
# 2 s with them alongside). So they run on their own after the rest.
swift test --skip-build --skip 'GuardedFetchTests\.|SandboxTests\.|EgressProxyTests\.'
swift test --skip-build --filter 'GuardedFetchTests\.|SandboxTests\.|EgressProxyTests\.'
python3 -m pytest -q Tests/interop
# Last, as it installs and purges a system package: the Debian package built, checked by lintian,
# installed with apt-get, its worker run as the `uvian` user through a task of every type, purged.
if [ "$(id -u)" -eq 0 ]; then
    bash scripts/test-deb.sh
else
    echo "run-tests: the Debian package's test needs root (it installs a package); not run" >&2
fi
