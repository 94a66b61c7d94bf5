#!/usr/bin/env bash
# The Debian package end to end, as root on a Debian 12 machine: builds it, runs lintian on it (no
# errors or warnings allowed), installs it with apt-get (its postinst makes the user and fetches the data
# files), runs Tests/package against the installed files and binary, then purges it and checks
# that only what Debian policy keeps is left (the `uvian` system user).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "test-deb: must run as root (it installs and purges a package)" >&2; exit 1; }

deb=$(bash scripts/build-deb.sh | tail -n 1)
echo "test-deb: built $deb ($(du -h "$deb" | cut -f1))"

lintian --fail-on error,warning --tag-display-limit 0 "$deb"

# A leftover install of an earlier run goes first, so the checks see this package's install.
if dpkg-query -W -f '${Status}' uvian-worker 2>/dev/null | grep -q installed; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq uvian-worker >/dev/null
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "./$deb"
listed=$(dpkg -L uvian-worker)

status=0
python3 -m pytest -q Tests/package || status=$?

DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq uvian-worker
if dpkg-query -W -f '${Status}' uvian-worker 2>/dev/null | grep -q "installed\|config-files"; then
    echo "test-deb: uvian-worker is still known to dpkg after purge" >&2; status=1
fi
# Every file the package had is gone; directories may stay when something else uses them.
while read -r path; do
    if [ -e "$path" ] && [ ! -d "$path" ]; then echo "test-deb: left after purge: $path" >&2; status=1; fi
done <<< "$listed"
for directory in /etc/uvian-worker /usr/lib/uvian-worker /usr/share/uvian-worker /var/lib/uvian-worker /var/cache/uvian-worker; do
    if [ -e "$directory" ]; then echo "test-deb: left after purge: $directory" >&2; status=1; fi
done
# Policy keeps the system user (files it owned may remain elsewhere; a reinstall reuses it).
getent passwd uvian >/dev/null || { echo "test-deb: the uvian user went with the purge" >&2; status=1; }
[ "$status" -eq 0 ] && echo "test-deb: installed, tested and purged cleanly"
exit "$status"
