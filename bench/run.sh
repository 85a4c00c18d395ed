#!/usr/bin/env bash
# make bench: times swapinspect against filefrag, debugfs and a bare FIEMAP walk on swap files with
# 1, 10k, 100k and 1M extents (ext4 and XFS, loop-mounted; then offline in the unmounted ext4 image),
# and a small swap file in a 1 TiB sparse image against a 1 GiB one. Prints a table and writes it to
# bench/out/results.md. Never part of `make test`.
#
# Environment: BENCH_EXTENTS (default "1 10000 100000 1000000"), BENCH_FS (default "ext4 xfs"),
# BENCH_WORK (default a new /var/tmp/swapinspect-bench.XXXXXX: sparse images, ~12 GiB each, ~5 GiB
# written), BENCH_KEEP=1 keeps them in /var/tmp/swapinspect-bench and reuses them next time (profiling).
# Needs root for the loop-mounted images; without it only the offline image comparison runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
KEEP=${BENCH_KEEP:-0}
# A fresh directory per run (deleting ~25 GiB of fragmented sparse images takes a minute or two, and
# must never race the next run); a fixed one when the images are kept for reuse.
if [[ -n ${BENCH_WORK:-} ]]; then
    WORK=$BENCH_WORK
elif [[ $KEEP == 1 ]]; then
    WORK=/var/tmp/swapinspect-bench
else
    WORK=$(mktemp -d /var/tmp/swapinspect-bench.XXXXXX)
fi
EXTENTS=${BENCH_EXTENTS:-"1 10000 100000 1000000"}
FILESYSTEMS=${BENCH_FS:-"ext4 xfs"}
BLOCK=4096

log() { printf '%s bench: %s\n' "$(date +%T)" "$*" >&2; }

mkdir -p "$OUT/json" "$WORK"
rm -f "$OUT"/json/*.json "$OUT/rss.tsv" "$OUT/extents.tsv"

mounts=()
loops=()
cleanup() {
    local status=$?
    for mount in "${mounts[@]}"; do umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || true; done
    for loop in "${loops[@]}"; do losetup -d "$loop" 2>/dev/null || true; done
    # --one-file-system: never descend into a mount point that failed to unmount.
    [[ $KEEP == 1 ]] || rm -rf --one-file-system "$WORK"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building (release as make release builds it, .build-bench)"
swift build -c release --static-swift-stdlib --scratch-path .build-bench --product swapinspect >&2
SWAPINSPECT=$(swift build -c release --static-swift-stdlib --scratch-path .build-bench --show-bin-path)/swapinspect
WALK=$OUT/fiemap-walk
FRAGMENT=$OUT/fragment
cc -O2 -Wall -o "$WALK" bench/fiemap-walk.c
cc -O2 -Wall -o "$FRAGMENT" bench/fragment.c
FILEFRAG=$(command -v filefrag || echo /usr/sbin/filefrag)
DEBUGFS=$(command -v debugfs || echo /usr/sbin/debugfs)

# hyperfine NAME [label command]...: median/min/max of several runs, exit status ignored (1 = refused
# is a valid answer), output to /dev/null; then one more run of each under /usr/bin/time for peak RSS.
measure() {
    local name=$1
    shift
    local args=()
    local -a pairs=("$@")
    for ((i = 0; i < ${#pairs[@]}; i += 2)); do args+=(-n "${pairs[i]}" "${pairs[i + 1]}"); done
    hyperfine -N -i --style basic --warmup 1 --min-runs 5 --max-runs 20 --export-json "$OUT/json/$name.json" "${args[@]}" >&2
    for ((i = 0; i < ${#pairs[@]}; i += 2)); do
        eval "/usr/bin/time -f %M -o '$OUT/rss.one' ${pairs[i + 1]}" >/dev/null 2>&1 || true
        printf '%s\t%s\t%s\n' "$name" "${pairs[i]}" "$(tail -1 "$OUT/rss.one")" >> "$OUT/rss.tsv"
    done
}

# A loop-mounted file system holding swap-1 (one extent) and swap-N for each N, the N-extent files
# fitted into one-block gaps (bench/fragment.c).
build_live() {
    local fs=$1 image=$WORK/$fs.img mnt=$WORK/$fs.mnt
    local gaps=0 n
    for n in $EXTENTS; do ((n > 1)) && gaps=$((gaps + n)); done
    gaps=$((gaps + gaps / 8 + 1024))  # slack: the files' own extent trees take gaps too
    mkdir -p "$mnt"
    local reuse=0
    [[ -f $WORK/$fs.done && $(cat "$WORK/$fs.done") == "$EXTENTS" ]] && reuse=1
    if ((!reuse)); then
        rm -f "$image" "$WORK/$fs.done"
        truncate -s $((2 * gaps * BLOCK + (1 << 30))) "$image"
        case $fs in
            ext4) mkfs.ext4 -q -F -b $BLOCK -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 "$image" ;;
            # No reflink or free-inode btree: their per-AG reservations turn into contiguous free space
            # once the gaps can stand in for them, and the 10k-extent file would land there in 4 pieces.
            xfs) mkfs.xfs -q -f -b size=$BLOCK -m reflink=0,finobt=0 "$image" ;;
        esac
    fi
    local loop
    loop=$(losetup -f --show "$image")
    loops+=("$loop")
    mount "$loop" "$mnt"
    mounts+=("$mnt")
    if ((!reuse)); then
        log "$fs: fragmenting ($gaps one-block gaps)"
        case $fs in
            ext4) echo 0 > "/sys/fs/ext4/$(basename "$loop")/reserved_clusters" ;;
            xfs) xfs_io -x -c "resblks 0" "$mnt" >/dev/null ;;
        esac
        dd if=/dev/zero of="$mnt/swap-1" bs=1M count=64 conv=fsync status=none
        "$FRAGMENT" "$mnt" "$gaps" $BLOCK
        for n in $EXTENTS; do
            ((n > 1)) || continue
            log "$fs: swap-$n"
            fallocate -l $((n * BLOCK)) "$mnt/swap-$n"
        done
        for n in $EXTENTS; do
            mkswap -q "$mnt/swap-$n" >/dev/null
            chmod 600 "$mnt/swap-$n"
        done
        sync
        echo "$EXTENTS" > "$WORK/$fs.done"
    fi
    for n in $EXTENTS; do
        printf '%s\t%s\t%s\n' "$fs" "$n" "$("$WALK" "$mnt/swap-$n" | cut -d' ' -f1)" >> "$OUT/extents.tsv"
    done
}

measure_live() {
    local fs=$1 mnt=$WORK/$1.mnt n file
    for n in $EXTENTS; do
        file=$mnt/swap-$n
        log "$fs: timing swap-$n"
        measure "live-$fs-$n" \
            "inspect --extents" "$SWAPINSPECT inspect --extents $file" \
            "inspect --extents --json" "$SWAPINSPECT inspect --extents --json $file" \
            "filefrag -v" "$FILEFRAG -v $file" \
            "inspect" "$SWAPINSPECT inspect $file" \
            "filefrag" "$FILEFRAG $file" \
            "fiemap walk" "$WALK $file"
    done
    # Several areas in one call are rendered and freed one by one: peak memory stays that of one area.
    n=${EXTENTS##* }
    file=$mnt/swap-$n
    log "$fs: swap-$n three times in one call"
    measure "live-$fs-$n-x3" "inspect --extents --json, 3 paths" "$SWAPINSPECT inspect --extents --json $file $file $file"
}

measure_offline() {
    local image=$WORK/ext4.img n
    for n in $EXTENTS; do
        log "ext4 image (unmounted): timing /swap-$n"
        measure "offline-ext4-$n" \
            "image --extents --path" "$SWAPINSPECT image $image --extents --path /swap-$n" \
            "debugfs ex" "$DEBUGFS -R ex\\ /swap-$n $image"
    done
}

# The same 64 MiB swap file (random data, so mke2fs -d allocates every block) in a 1 GiB and a 1 TiB image.
measure_image_size() {
    local root=$WORK/size-root
    rm -rf "$root"
    mkdir -p "$root"
    head -c 64M /dev/urandom > "$root/swapfile"
    mkswap -q "$root/swapfile" >/dev/null
    chmod 600 "$root/swapfile"
    local size
    for size in 1G 1T; do
        rm -f "$WORK/size-$size.img"
        mke2fs -q -F -t ext4 -E root_owner=0:0,nodiscard,lazy_itable_init=1,lazy_journal_init=1 -d "$root" \
            "$WORK/size-$size.img" $size
    done
    log "1 GiB vs 1 TiB image"
    measure "size" \
        "1 GiB image" "$SWAPINSPECT image $WORK/size-1G.img --path /swapfile" \
        "1 TiB image" "$SWAPINSPECT image $WORK/size-1T.img --path /swapfile" \
        "1 GiB image --extents" "$SWAPINSPECT image $WORK/size-1G.img --extents --path /swapfile" \
        "1 TiB image --extents" "$SWAPINSPECT image $WORK/size-1T.img --extents --path /swapfile"
}

if ((EUID == 0)); then
    for fs in $FILESYSTEMS; do
        build_live "$fs"
        measure_live "$fs"
    done
    if [[ " $FILESYSTEMS " == *" ext4 "* ]]; then
        umount "$WORK/ext4.mnt"
        measure_offline
    fi
else
    log "not root: no loop-mounted images, so only the 1 GiB vs 1 TiB image comparison runs"
fi
measure_image_size

python3 bench/report.py "$OUT" "$SWAPINSPECT" | tee "$OUT/results.md"
