#!/usr/bin/env bash
# Installs the Debian packages given as arguments that are not installed yet.
set -euo pipefail
missing=()
for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if ((${#missing[@]} == 0)); then
    exit 0
fi
echo "installing missing Debian packages: ${missing[*]}"
run=()
if ((EUID != 0)); then
    if command -v sudo >/dev/null; then
        run=(sudo)
    else
        echo "swapinspect: need root (or sudo) to install: ${missing[*]}" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
# Another apt run (a second make, unattended-upgrades) holds the lock for a while: wait for it.
"${run[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
"${run[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
