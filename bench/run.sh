#!/usr/bin/env bash
# make bench: times swapinspect against filefrag, debugfs and a bare FIEMAP walk on swap files with
# 1, 10k, 100k and 1M extents (ext4 and XFS, loop-mounted; then offline in the unmounted ext4 image),
# and a small swap file in a 1 TiB sparse image against a 1 GiB one. Prints a table and writes it to
# bench/out/results.md. Never part of `make test`. First, the start-up table: swapinspect on the
# common small swap file (1 and 100 extents, `--version`, `list`, `probe`) against filefrag, swapon,
# blkid, a Swift hello world and a minimal swift-argument-parser CLI built the same way (bench/startup/).
#
# Environment: BENCH_ONLY=startup runs the start-up table alone (`make bench-startup`: no images, a few
# MiB under /var/tmp; root only for `list` with two active swap areas, made and removed by the script);
# BENCH_STARTUP_ROUNDS (default 10) rounds of BENCH_STARTUP_RUNS (default 30) hyperfine runs of every
# start-up command, the rounds one after the other so that a change in the machine's load falls on every
# command alike;
# BENCH_ONLY=create runs the create row alone (root); BENCH_ONLY=btrfs the btrfs offline row alone
# (root: a loop-mounted btrfs; BENCH_BTRFS_EXTENTS, default 20000, extents in its NOCOW swap file);
# BENCH_ONLY=qcow2 runs the container-format table alone (raw against qcow2, VMDK, a split VMDK and VHDX; no root, ~11 GiB
# under BENCH_WORK, ~2 GiB of random data written);
# BENCH_EXTENTS (default "1 10000 100000 1000000"), BENCH_FS (default "ext4 xfs"),
# BENCH_WORK (default a new /var/tmp/swapinspect-bench.XXXXXX: sparse images, ~12 GiB each, ~5 GiB
# written), BENCH_KEEP=1 keeps them in /var/tmp/swapinspect-bench and reuses them next time (profiling).
# Needs root for the loop-mounted images; without it only the offline image comparison runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
KEEP=${BENCH_KEEP:-0}
ONLY=${BENCH_ONLY:-}
[[ -z $ONLY || $ONLY == startup || $ONLY == create || $ONLY == qcow2 || $ONLY == btrfs ]] || { echo "bench: BENCH_ONLY must be empty, startup, create, qcow2 or btrfs (got $ONLY)" >&2; exit 64; }
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
rm -f "$OUT"/json/*.json "$OUT/rss.tsv" "$OUT/extents.tsv" "$OUT"/startup-*.tsv

mounts=()
loops=()
swaps=()
cleanup() {
    local status=$?
    # The start-up bench's active swap areas first: a swap file keeps its file system busy.
    for swap in "${swaps[@]}"; do swapoff "$swap" 2>/dev/null || true; done
    for mount in "${mounts[@]}"; do umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || true; done
    for loop in "${loops[@]}"; do losetup -d "$loop" 2>/dev/null || true; done
    # --one-file-system: never descend into a mount point that failed to unmount.
    [[ $KEEP == 1 ]] || rm -rf --one-file-system "$WORK"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# As the Makefile's RELEASE_FLAGS.
RELEASE=(-c release --static-swift-stdlib --disable-local-rpath)
log "building (release as make release builds it, .build-bench)"
swift build "${RELEASE[@]}" --scratch-path .build-bench --product swapinspect >&2
SWAPINSPECT=$(swift build "${RELEASE[@]}" --scratch-path .build-bench --show-bin-path)/swapinspect
WALK=$OUT/fiemap-walk
FRAGMENT=$OUT/fragment
cc -O2 -Wall -o "$WALK" bench/fiemap-walk.c
cc -O2 -Wall -o "$FRAGMENT" bench/fragment.c
FILEFRAG=$(command -v filefrag || echo /usr/sbin/filefrag)
DEBUGFS=$(command -v debugfs || echo /usr/sbin/debugfs)
SWAPON=$(command -v swapon || echo /usr/sbin/swapon)
BLKID=$(command -v blkid || echo /usr/sbin/blkid)

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
        "1 GiB image" "$SWAPINSPECT image $WORK/size-1G.img --no-fsck --path /swapfile" \
        "1 TiB image" "$SWAPINSPECT image $WORK/size-1T.img --no-fsck --path /swapfile" \
        "1 GiB image --extents" "$SWAPINSPECT image $WORK/size-1G.img --no-fsck --extents --path /swapfile" \
        "1 TiB image --extents" "$SWAPINSPECT image $WORK/size-1T.img --no-fsck --extents --path /swapfile"
}

# --scan of a sparse 1 TiB ext4 with 67M inodes, every inode table marked initialised (no INODE_UNINIT,
# bg_itable_unused 0: debugfs set_bg), one swap file named and one unnamed, against e2fsck -fn (what
# finds unnamed inodes otherwise; it reads every inode table, so it runs once, under a time limit).
measure_scan() {
    local image=$WORK/scan-1T.img groups g
    rm -f "$image"
    truncate -s 1T "$image"
    mke2fs -q -F -t ext4 -E root_owner=0:0,nodiscard,lazy_itable_init=1,lazy_journal_init=1 "$image"
    groups=$(($(dumpe2fs -h "$image" 2>/dev/null | sed -n 's/^Inode count: *//p') / $(dumpe2fs -h "$image" 2>/dev/null | sed -n 's/^Inodes per group: *//p')))
    head -c 1M /dev/urandom > "$WORK/scan-swap"
    mkswap -q "$WORK/scan-swap" >/dev/null
    {
        for ((g = 0; g < groups; g++)); do
            if ((g == 0 || g == groups - 1)); then echo "set_bg $g flags 4"; else echo "set_bg $g flags 6"; fi
            echo "set_bg $g itable_unused 0"
            echo "set_bg $g checksum calc"
        done
        echo "write $WORK/scan-swap swapfile"
        echo "write $WORK/scan-swap hidden"
        echo "unlink /hidden"
    } > "$WORK/scan.debugfs"
    $DEBUGFS -w -f "$WORK/scan.debugfs" "$image" >/dev/null 2>&1
    log "1 TiB image, $groups initialised inode tables: --scan vs e2fsck -fn"
    measure "scan" "image --scan --no-fsck" "$SWAPINSPECT image $image --scan --no-fsck"
    hyperfine -N -i --style basic --runs 1 --export-json "$OUT/json/scan-e2fsck.json" \
        -n "e2fsck -fn" "timeout ${BENCH_FSCK_LIMIT:-600} e2fsck -fn $image" >&2
}

# `swapinspect create --size 8G` against `fallocate -l 8G F && mkswap F` on a loop-mounted ext4 image
# (12 GiB, sparse): the file is removed before every run, so each run allocates 8 GiB anew.
measure_create() {
    local image=$WORK/create.img mnt=$WORK/create.mnt loop
    rm -f "$image"
    truncate -s 12G "$image"
    mkfs.ext4 -q -F -b $BLOCK -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 "$image"
    mkdir -p "$mnt"
    loop=$(losetup -f --show "$image")
    loops+=("$loop")
    mount "$loop" "$mnt"
    mounts+=("$mnt")
    log "create: an 8 GiB swap file, swapinspect create vs fallocate + mkswap"
    hyperfine -N -i --style basic --warmup 1 --min-runs 5 --max-runs 10 --prepare "rm -f $mnt/F" \
        --export-json "$OUT/json/create.json" \
        -n "swapinspect create" "$SWAPINSPECT create --size 8G $mnt/F" \
        -n "fallocate + mkswap" "bash -c 'fallocate -l 8G $mnt/F && mkswap -q $mnt/F'" >&2
    rm -f "$mnt/F"
    umount "$mnt"
    losetup -d "$loop"
    rm -f "$image"
}

# A 20 GiB ext4 disk holding a 2 GiB swap file (random data: 2 GiB allocated), raw and as qcow2, VMDK and
# VHDX (qemu-img convert: only the allocated clusters): `image` reads a container through
# qemu-storage-daemon's on-demand FUSE export, no copy, and runs e2fsck -fn through it as on the raw one;
# the export directory (TMPDIR) must be empty afterwards.
measure_qcow2() {
    local root=$WORK/qcow2-root format
    rm -rf "$root"
    mkdir -p "$root" "$WORK/qcow2-tmp"
    head -c 2G /dev/urandom > "$root/swapfile"
    mkswap -q "$root/swapfile" >/dev/null
    chmod 600 "$root/swapfile"
    rm -f "$WORK"/disk20g.*
    mke2fs -q -F -t ext4 -E root_owner=0:0,nodiscard,lazy_itable_init=1,lazy_journal_init=1 -d "$root" "$WORK/disk20g.img" 20G
    rm -rf "$root"
    for format in qcow2 vmdk vhdx; do
        qemu-img convert -f raw -O $format "$WORK/disk20g.img" "$WORK/disk20g.$format"
    done
    # A descriptor with 2 GiB sparse extent files (VMware's split disk), read with --allow-backing-file:
    # each extent file's grain tables are checked for truncation as the image's own are.
    rm -rf "$WORK/vmdk-split"
    mkdir -p "$WORK/vmdk-split"
    qemu-img convert -f raw -O vmdk -o subformat=twoGbMaxExtentSparse "$WORK/disk20g.img" "$WORK/vmdk-split/disk20g.vmdk"
    # ~9 GiB just written: its writeback must not fall into the timed runs.
    sync
    log "20 GiB disk, 2 GiB of data: raw vs qcow2, VMDK and VHDX"
    local -a pairs=()
    for format in img qcow2 vmdk vhdx; do
        local label=${format/img/raw}
        pairs+=("$label" "$SWAPINSPECT image $WORK/disk20g.$format --path /swapfile"
            "$label --extents" "$SWAPINSPECT image $WORK/disk20g.$format --extents --path /swapfile")
    done
    pairs+=("vmdk-split" "$SWAPINSPECT image --allow-backing-file $WORK/vmdk-split/disk20g.vmdk --path /swapfile"
        "vmdk-split --extents" "$SWAPINSPECT image --allow-backing-file $WORK/vmdk-split/disk20g.vmdk --extents --path /swapfile")
    TMPDIR=$WORK/qcow2-tmp measure "qcow2" "${pairs[@]}"
    # Whatever an export left would be here: nothing may be.
    find "$WORK/qcow2-tmp" -mindepth 1 | wc -l > "$OUT/json/qcow2-leftovers.txt"
    du -sk "$WORK/disk20g.qcow2" | cut -f1 > "$OUT/json/qcow2-kib.txt"
    rm -rf "$WORK"/disk20g.* "$WORK/vmdk-split"
}

# A btrfs image whose NOCOW swap file has BENCH_BTRFS_EXTENTS extents (bench/interleave.py: O_DIRECT
# writes alternating with a second file), unmounted, then `image --path` (dump-tree of the chunk, root,
# subvolume and extent trees, parsed as they stream) against what a user would otherwise run: the
# subvolume's dump-tree alone, and a read-only mount with map-swapfile.
measure_btrfs() {
    local n=${BENCH_BTRFS_EXTENTS:-20000} image=$WORK/btrfs.img mnt=$WORK/btrfs.mnt
    rm -f "$image"
    mkdir -p "$mnt"
    truncate -s $((3 * n * BLOCK + (512 << 20))) "$image"
    mkfs.btrfs -q -f "$image"
    local loop
    loop=$(losetup --find --show "$image")
    loops+=("$loop")
    mount "$loop" "$mnt"
    mounts+=("$mnt")
    touch "$mnt/swapfile" "$mnt/other"
    chattr +C "$mnt/swapfile" "$mnt/other"
    log "btrfs: writing a swap file of $n extents"
    python3 bench/interleave.py "$mnt/swapfile" "$mnt/other" "$n"
    mkswap -q "$mnt/swapfile" >/dev/null
    chmod 600 "$mnt/swapfile"
    umount "$mnt"
    losetup -d "$loop"
    "$SWAPINSPECT" image "$image" --path /swapfile --json > "$OUT/json/btrfs-report.json" || true
    log "btrfs: image vs dump-tree and mount + map-swapfile"
    measure "btrfs" \
        "swapinspect image" "$SWAPINSPECT image $image --path /swapfile" \
        "dump-tree -t 5" "btrfs inspect-internal dump-tree -t 5 $image" \
        "mount -o ro + map-swapfile" "sh -c 'mount -o ro,loop $image $mnt && btrfs inspect-internal map-swapfile -r $mnt/swapfile; umount $mnt'"
    rm -f "$image"
}

# The start-up baselines, built as swapinspect is (RELEASE), with their own scratch path;
# swift-argument-parser resolves as for swapinspect (same URL and version rule).
build_baselines() {
    log "building the start-up baselines (bench/startup, .build-bench)"
    local product
    for product in hello minimal-cli; do
        swift build "${RELEASE[@]}" --package-path bench/startup --scratch-path bench/startup/.build-bench --product $product >&2
    done
    BASELINES=$(swift build "${RELEASE[@]}" --package-path bench/startup --scratch-path bench/startup/.build-bench --show-bin-path)
}

# A swap file of N blocks with N extents, on the file system of $WORK and without root: 2N-1 contiguous
# blocks, then every odd block taken out with FALLOC_FL_COLLAPSE_RANGE (ext4, XFS), which leaves the even
# ones one free block apart.
fragmented_swap_file() {
    local file=$1 n=$2 i
    dd if=/dev/zero of="$file" bs=$BLOCK count=$((2 * n - 1)) conv=fsync status=none
    for ((i = n - 2; i >= 0; i--)); do
        fallocate --collapse-range -o $(((2 * i + 1) * BLOCK)) -l $BLOCK "$file" || {
            log "the file system of $WORK cannot collapse a range (ext4 and XFS can): set BENCH_WORK to a directory on one"
            return 1
        }
    done
    mkswap -q "$file" >/dev/null
    chmod 600 "$file"
}

# The start-up table: every command started anew, so what is timed is process start, the Swift runtime,
# argument parsing and the small amount of kernel work a common swap file needs.
measure_startup() {
    local dir=$WORK/startup rounds=${BENCH_STARTUP_ROUNDS:-10} runs=${BENCH_STARTUP_RUNS:-30}
    rm -rf "$dir"
    mkdir -p "$dir"
    build_baselines
    dd if=/dev/zero of="$dir/swap-1" bs=1M count=16 conv=fsync status=none
    mkswap -q "$dir/swap-1" >/dev/null
    chmod 600 "$dir/swap-1"
    fragmented_swap_file "$dir/swap-100" 100
    local name
    for name in swap-1 swap-100; do
        printf '%s\t%s\n' "$name" "$("$WALK" "$dir/$name" | cut -d' ' -f1)" >> "$OUT/startup-extents.tsv"
    done
    local -a pairs=(
        "swapinspect --version" "$SWAPINSPECT --version"
        "swapinspect inspect, 1 extent" "$SWAPINSPECT inspect $dir/swap-1"
        "swapinspect inspect, 100 extents" "$SWAPINSPECT inspect $dir/swap-100"
    )
    if ((EUID == 0)); then
        # Two more small swap files, active while `list` is timed (swapoff in cleanup, even on failure).
        for name in area-a area-b; do
            dd if=/dev/zero of="$dir/$name" bs=1M count=16 conv=fsync status=none
            chmod 600 "$dir/$name"
            mkswap -q "$dir/$name" >/dev/null
            swaps+=("$dir/$name")
            swapon "$dir/$name"
        done
        printf 'areas\t%s\n' "$(($(wc -l < /proc/swaps) - 1))" >> "$OUT/startup-extents.tsv"
        pairs+=("swapinspect list" "$SWAPINSPECT list")
    else
        log "not root: no swap areas activated, so no 'list' in the start-up table"
    fi
    pairs+=(
        "swapinspect probe" "$SWAPINSPECT probe $dir/swap-1"
        "filefrag -v" "$FILEFRAG -v $dir/swap-1"
        "swapon --show" "$SWAPON --show"
        "blkid -p" "$BLKID -p $dir/swap-1"
        "Swift hello world" "$BASELINES/hello"
        "ArgumentParser CLI" "$BASELINES/minimal-cli greet --loud world"
        "ArgumentParser CLI --version" "$BASELINES/minimal-cli --version"
    )
    log "start-up: $((${#pairs[@]} / 2)) commands, $rounds rounds of $runs runs each"
    local args=() i round
    for ((i = 0; i < ${#pairs[@]}; i += 2)); do args+=(-n "${pairs[i]}" "${pairs[i + 1]}"); done
    for ((round = 1; round <= rounds; round++)); do
        hyperfine -N -i --style none --warmup 5 --runs "$runs" --export-json "$OUT/json/startup-$round.json" "${args[@]}" >&2
    done
    for ((i = 0; i < ${#pairs[@]}; i += 2)); do
        eval "/usr/bin/time -f %M -o '$OUT/rss.one' ${pairs[i + 1]}" >/dev/null 2>&1 || true
        printf '%s\t%s\t%s\n' startup "${pairs[i]}" "$(tail -1 "$OUT/rss.one")" >> "$OUT/rss.tsv"
    done
    # Instruction counts, which the other load on the machine does not move: callgrind on copies without
    # debug information (valgrind 3.19 cannot read Swift 6.3's DWARF 5).
    if command -v valgrind >/dev/null; then
        log "start-up: instruction counts (callgrind)"
        local bin=$dir/bin
        mkdir -p "$bin"
        for name in "$SWAPINSPECT" "$BASELINES/hello" "$BASELINES/minimal-cli"; do
            strip --strip-debug -o "$bin/$(basename "$name")" "$name"
        done
        local command
        for ((i = 0; i < ${#pairs[@]}; i += 2)); do
            command=${pairs[i + 1]//$SWAPINSPECT/$bin/swapinspect}
            command=${command//$BASELINES/$bin}
            eval "valgrind --tool=callgrind --callgrind-out-file=/dev/null $command" 2> "$dir/callgrind.err" >/dev/null || true
            printf '%s\t%s\n' "${pairs[i]}" "$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$dir/callgrind.err")" \
                >> "$OUT/startup-instructions.tsv"
        done
    else
        log "no valgrind: no instruction counts in the start-up table (make bench-deps installs it)"
    fi
    for swap in "${swaps[@]}"; do swapoff "$swap"; done
    swaps=()
    rm -rf "$dir"
}

if [[ $ONLY == btrfs ]]; then
    ((EUID == 0)) || { echo "bench: BENCH_ONLY=btrfs needs root (a loop-mounted image)" >&2; exit 1; }
    measure_btrfs
    python3 bench/report.py "$OUT" "$SWAPINSPECT" | tee "$OUT/results.md"
    exit 0
fi
if [[ $ONLY == create ]]; then
    ((EUID == 0)) || { echo "bench: BENCH_ONLY=create needs root (a loop-mounted image)" >&2; exit 1; }
    measure_create
    python3 bench/report.py "$OUT" "$SWAPINSPECT" | tee "$OUT/results.md"
    exit 0
fi
if [[ $ONLY == qcow2 ]]; then
    measure_qcow2
    python3 bench/report.py "$OUT" "$SWAPINSPECT" | tee "$OUT/results.md"
    exit 0
fi
measure_startup
if [[ $ONLY == startup ]]; then
    python3 bench/report.py "$OUT" "$SWAPINSPECT" | tee "$OUT/results.md"
    exit 0
fi

if ((EUID == 0)); then
    for fs in $FILESYSTEMS; do
        build_live "$fs"
        measure_live "$fs"
    done
    if [[ " $FILESYSTEMS " == *" ext4 "* ]]; then
        umount "$WORK/ext4.mnt"
        measure_offline
    fi
    measure_create
    measure_btrfs
else
    log "not root: no loop-mounted images, so only the 1 GiB vs 1 TiB image comparison runs"
fi
measure_image_size
measure_scan
measure_qcow2

python3 bench/report.py "$OUT" "$SWAPINSPECT" | tee "$OUT/results.md"
