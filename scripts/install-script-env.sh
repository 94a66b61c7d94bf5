#!/usr/bin/env bash
# Installs the Python environment that custom_script jobs run in (bound read-only at /opt/venv inside
# the sandbox), idempotently: a second run only compares the marker file with the requirement list.
#   SCRIPT_VENV    where to put it (default /var/cache/uvian-worker/script-venv as root, whose home is
#                  0700 and so not traversable by the sandbox's slot uids; otherwise
#                  ${XDG_CACHE_HOME:-~/.cache}/uvian-worker/script-venv)
#   SCRIPT_PYTHON  the interpreter the venv is made from (default /usr/bin/python3: the venv's
#                  bin/python3 is a symlink to it, and the sandbox shows only /usr, so a python3 found
#                  on PATH under /root/.pyenv or /usr/local would not exist inside it)
# Needs Debian's python3-venv (ensurepip). Wheels only, every version pinned, so every worker on every
# machine runs scripts against the same libraries.
set -euo pipefail
umask 022

if [ "$(id -u)" -eq 0 ]; then
    venv="${SCRIPT_VENV:-/var/cache/uvian-worker/script-venv}"
else
    venv="${SCRIPT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/uvian-worker/script-venv}"
fi
python="${SCRIPT_PYTHON:-/usr/bin/python3}"

# Debian 12's Python is 3.11.2: soupsieve 3 and later need 3.11.5 (the re module's possessive
# quantifiers are broken before it), so 2.10 is the newest that works here. The rest are the newest
# releases for 3.11 with their dependencies pinned too (python-dateutil 4 needs tzdata; scikit-learn
# needs narwhals; joblib needs cloudpickle; bs4 needs typing_extensions).
requirements=(
    numpy==2.4.6
    pandas==3.1.1 python-dateutil==4.0.0 tzdata==2026.6
    scikit-learn==1.9.1 scipy==1.17.1 joblib==1.6.0 threadpoolctl==3.8.0 narwhals==2.29.0 cloudpickle==3.1.3
    beautifulsoup4==4.15.0 soupsieve==2.10 typing_extensions==4.16.0
)
marker_text="${requirements[*]}"

if [ -f "$venv/.uvw-installed" ] && [ "$(cat "$venv/.uvw-installed")" = "$marker_text" ]; then
    echo "install-script-env: scripts' Python environment is ready at $venv"
    exit 0
fi

# A venv without the marker (an interrupted run, or other pins) is redone from scratch, built beside
# the final path and renamed at the end so a failure never leaves one that looks finished.
partial="$venv.partial"
rm -rf "$partial"
mkdir -p "$(dirname "$venv")"
"$python" -m venv "$partial"
"$partial/bin/python3" -m pip install --quiet --disable-pip-version-check --no-cache-dir \
    --only-binary=:all: "${requirements[@]}"

# pip wrote the build path into bin/ (pip's shebangs, activate) and pyvenv.cfg; point them at the final one.
grep -rlF "$partial" "$partial/bin" "$partial/pyvenv.cfg" | xargs -r sed -i "s|$partial|$venv|g"
# The sandbox runs scripts as a slot uid, not the owner: everything readable, every directory traversable.
chmod -R a+rX "$partial"
echo "$marker_text" > "$partial/.uvw-installed"
chmod 644 "$partial/.uvw-installed"
rm -rf "$venv"
mv "$partial" "$venv"
echo "install-script-env: installed the scripts' Python environment at $venv"
