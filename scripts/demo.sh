#!/usr/bin/env bash
# Creates three demo swap files in a temporary directory on a real file system and inspects them:
# a good one, a sparse one (the kernel refuses holes) and one whose header was written for 64 KiB pages.
# Nothing is activated. The directory is removed afterwards.
set -uo pipefail
bin=${1:?usage: demo.sh PATH-TO-swapinspect}
# /tmp may be tmpfs, where the kernel refuses every swap file: use /var/tmp.
dir=$(mktemp -d "${TMPDIR:-/var/tmp}/swapinspect-demo.XXXXXX")
trap 'rm -rf "$dir"' EXIT

dd if=/dev/zero of="$dir/good.swap" bs=1M count=64 status=none
chmod 0600 "$dir/good.swap"
mkswap --label demo "$dir/good.swap" >/dev/null

truncate -s 64M "$dir/sparse.swap"
chmod 0600 "$dir/sparse.swap"
mkswap "$dir/sparse.swap" >/dev/null 2>&1

dd if=/dev/zero of="$dir/bad-header.swap" bs=1M count=16 status=none
chmod 0644 "$dir/bad-header.swap"
mkswap --pagesize 65536 "$dir/bad-header.swap" >/dev/null 2>&1
sync "$dir"/*.swap

for file in good.swap sparse.swap bad-header.swap; do
    echo "\$ swapinspect $dir/$file"
    "$bin" "$dir/$file"
    echo "(exit status $?)"
    echo
done
