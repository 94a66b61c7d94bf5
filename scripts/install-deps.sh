#!/usr/bin/env bash
# Installs what building, running and testing Uvian Worker needs on Debian 12, idempotently:
# only missing packages are installed, so a second run is quick and offline.
set -euo pipefail

packages=(libsqlite3-dev pkg-config gcc libc6-dev make curl ca-certificates)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} > 0)); then
    echo "install-deps: installing ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v swift >/dev/null 2>&1 && [ ! -x /opt/swift/usr/bin/swift ]; then
    echo "install-deps: Swift 6 is required (expected on PATH or at /opt/swift/usr/bin)" >&2
    exit 1
fi
