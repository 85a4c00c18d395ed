#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets of fuzz/Package.swift with ASan and runs each for a bounded
# time over seeds made here (real mkswap headers, /proc/swaps and fstab samples, small ext4 images).
# Usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]   (default 60 s; FuzzHeader FuzzLayout FuzzBtrfs FuzzProcSwaps FuzzFstab FuzzContainer FuzzImage)
# Corpora grow in fuzz/corpus/TARGET, crashes land in fuzz/artifacts/TARGET (both gitignored).
# Exit 1 when any target found a crash, a leak, a timeout or a sanitizer report.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_PER_TARGET=${1:-60}
shift || true
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=(FuzzHeader FuzzLayout FuzzBtrfs FuzzProcSwaps FuzzFstab FuzzContainer FuzzImage)
SCRATCH=$ROOT/.build-fuzz
FUZZ=$ROOT/fuzz

# What works with Swift 6.3 on Linux: a separate package (the fuzzers have no main of their own),
# -sanitize=fuzzer,address on every Swift target, and each fuzzer defining MODULE_main that calls
# LLVMFuzzerRunDriver (SwiftPM renames an executable's entry point to MODULE_main and links main to it).
# A path dependency's new source files are not noticed by a cached build plan: drop the plan.
rm -f "$SCRATCH/debug.yaml"
# The build's own status decides (grep only filters the noise): a failed build must not fuzz old binaries.
set +o pipefail
swift build --package-path "$FUZZ" --scratch-path "$SCRATCH" -c debug \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library 2>&1 | grep -v "Cannot export local symbol"
built=${PIPESTATUS[0]}
set -o pipefail
((built == 0)) || { echo "fuzz: the build failed (exit $built)" >&2; exit 2; }
BIN=$(swift build --package-path "$FUZZ" --scratch-path "$SCRATCH" -c debug --show-bin-path)
for target in "${TARGETS[@]}"; do
    [[ -x $BIN/$target ]] || { echo "fuzz: $BIN/$target was not built" >&2; exit 2; }
done

SEEDS=$FUZZ/corpus/seeds
mkdir -p "$SEEDS"
scratch=$(mktemp -d /var/tmp/swapinspect-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

seed_header() {
    local dir=$SEEDS/FuzzHeader
    mkdir -p "$dir"
    for page in 4096 8192 16384 32768 65536; do
        local file=$scratch/swap-$page
        rm -f "$file"
        truncate -s $((page * 16)) "$file"
        mkswap -q -p "$page" -L fuzz -U 5a1b2c3d-0000-4000-8000-00000000c0de "$file" >/dev/null
        head -c 65536 "$file" > "$dir/mkswap-p$page"
    done
    # Bad pages, a hibernation signature, the old v0 header.
    local file=$scratch/swap-bad
    rm -f "$file"; truncate -s 1M "$file"
    printf '3\n7\n' > "$scratch/bad-list"
    mkswap -q -l "$scratch/bad-list" "$file" >/dev/null 2>&1 || mkswap -q "$file" >/dev/null
    head -c 65536 "$file" > "$dir/mkswap-badpages"
    head -c 4096 "$dir/mkswap-p4096" > "$dir/s1suspend"
    printf 'S1SUSPEND\0' | dd of="$dir/s1suspend" bs=1 seek=$((4096 - 10)) conv=notrunc status=none
    head -c 4096 /dev/zero > "$dir/v0"
    printf 'SWAP-SPACE' | dd of="$dir/v0" bs=1 seek=$((4096 - 10)) conv=notrunc status=none
}

seed_text() {
    mkdir -p "$SEEDS/FuzzProcSwaps" "$SEEDS/FuzzFstab"
    printf 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/swapfile                               file\t\t1048572\t\t0\t\t-2\n/dev/vda2                               partition\t2097148\t\t1024\t\t10\n/var/swap\\040file\\011x (deleted)         file\t\t65532\t\t0\t\t-3\n' > "$SEEDS/FuzzProcSwaps/two"
    cp /proc/swaps "$SEEDS/FuzzProcSwaps/live" 2>/dev/null || true
    cat > "$SEEDS/FuzzFstab/debian" <<'FSTAB'
# /etc/fstab: static file system information.
UUID=5a1b2c3d-0000-4000-8000-00000000c0de /               ext4    errors=remount-ro 0       1
/swapfile                                 none            swap    sw,pri=5          0       0
LABEL="swap" none swap defaults,noauto 0 0
PARTUUID=disk-id-01 none swap sw 0 0
/dev/disk/by-label/my\x20swap none swap sw
/dev/sda2	none	swap	sw	0	0
/var/swap\040file none swap sw 0 0
relative none swap
UUID=1234-5678
FSTAB
    cp /etc/fstab "$SEEDS/FuzzFstab/host" 2>/dev/null || true
}

seed_image() {
    local dir=$SEEDS/FuzzImage
    mkdir -p "$dir"
    local root=$scratch/root
    rm -rf "$root"; mkdir -p "$root/etc" "$root/swap"
    # Random data, so that mke2fs -d allocates every block (it skips all-zero blocks).
    head -c 65536 /dev/urandom > "$root/swapfile"
    mkswap -q -U 5a1b2c3d-0000-4000-8000-00000000c0de "$root/swapfile" >/dev/null
    chmod 600 "$root/swapfile"
    ln -s /swapfile "$root/link"
    ln -s loop2 "$root/loop1"; ln -s loop1 "$root/loop2"
    printf '/swapfile none swap sw 0 0\nLABEL=x none swap sw 0 0\n' > "$root/etc/fstab"
    local opts=(-q -F -b 1024 -N 32 -E root_owner=0:0,nodiscard -d "$root")
    mke2fs "${opts[@]}" -t ext4 -O ^has_journal,^resize_inode "$dir/ext4-extents.img" 256K >/dev/null
    mke2fs "${opts[@]}" -t ext2 -O ^resize_inode "$dir/ext2-blockmap.img" 256K >/dev/null
    # A fresh swap file on a file system with inline_data.
    rm -f "$root/swapfile"
    head -c 65536 /dev/urandom > "$root/swapfile"; mkswap -q "$root/swapfile" >/dev/null
    mke2fs "${opts[@]}" -t ext4 -O ^has_journal,^resize_inode,inline_data "$dir/ext4-inline.img" 256K >/dev/null
    # A swap file of 60 one-block pieces between holes (mke2fs -d keeps holes): its extent tree is an index
    # in the inode over a leaf block (depth 1), so mutations reach the index and leaf parsing.
    rm -f "$root/swapfile"
    for piece in $(seq 0 59); do
        head -c 1024 /dev/urandom | dd of="$root/swapfile" bs=1024 seek=$((piece * 2)) conv=notrunc status=none
    done
    mkswap -q "$root/swapfile" >/dev/null 2>&1
    mke2fs "${opts[@]}" -t ext4 -O ^has_journal,^resize_inode "$dir/ext4-deep.img" 256K >/dev/null
}

# Container images: a small raw disk converted by qemu-img to every format it writes (qcow2 plain,
# compressed and with extended L2 entries, VMDK sparse and streamOptimized, a VMDK descriptor, VHDX, VHD,
# VDI), each cut to its first 64 KiB.
seed_container() {
    local dir=$SEEDS/FuzzContainer raw=$scratch/container.raw
    mkdir -p "$dir"
    head -c 1048576 /dev/urandom > "$raw"
    qemu-img convert -q -f raw -O qcow2 "$raw" "$scratch/c.qcow2"
    qemu-img convert -q -c -f raw -O qcow2 "$raw" "$scratch/c-compressed.qcow2"
    qemu-img convert -q -f raw -O qcow2 -o extended_l2=on,cluster_size=128k "$raw" "$scratch/c-extended.qcow2"
    qemu-img convert -q -f raw -O vmdk "$raw" "$scratch/c.vmdk"
    qemu-img convert -q -f raw -O vmdk -o subformat=streamOptimized "$raw" "$scratch/c-stream.vmdk"
    qemu-img convert -q -f raw -O vhdx "$raw" "$scratch/c.vhdx"
    qemu-img convert -q -f raw -O vpc "$raw" "$scratch/c.vhd"
    qemu-img convert -q -f raw -O vdi "$raw" "$scratch/c.vdi"
    local image
    for image in "$scratch"/c*.qcow2 "$scratch"/c*.vmdk "$scratch"/c.vhdx "$scratch"/c.vhd "$scratch"/c.vdi; do
        head -c 65536 "$image" > "$dir/$(basename "$image")"
    done
    printf '# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="twoGbMaxExtentSparse"\nRW 4096 SPARSE "c-s001.vmdk"\nRW 2048 FLAT "c-flat.vmdk" 0\nRW 1024 ZERO\n' > "$dir/descriptor.vmdk"
    rm -f "$raw" "$scratch"/c*.qcow2 "$scratch"/c*.vmdk "$scratch"/c.vhdx "$scratch"/c.vhd "$scratch"/c.vdi
}

# Layouts (FuzzLayout.swift decodes: page size, iomap or generic, block size, last_page, then extents of
# logical, physical, length as LEB128 and two flag bytes): one 1 MiB extent; two 512 KiB pieces with a
# gap on 1 KiB blocks (generic); a misaligned unwritten piece.
seed_layout() {
    local dir=$SEEDS/FuzzLayout
    mkdir -p "$dir"
    printf '\x00\x00\x03\xff\x01\x00\x80\x80\x40\x80\x80\x40\x00\x01' > "$dir/one-extent"
    printf '\x00\x01\x01\xff\x01\x00\x80\x80\x40\x80\x80\x20\x00\x00\x80\x80\x20\x80\x80\x80\x01\x80\x80\x20\x00\x01' > "$dir/gap-generic"
    printf '\x00\x00\x03\x7f\x00\x80\x10\x80\x80\x40\x01\x00\x80\x80\x40\x80\x90\x40\x80\x80\x3f\x01\x01' > "$dir/misaligned-unwritten"
}

# btrfs facts (FuzzBtrfs.swift decodes them in order): a NOCOW file of one regular 1 MiB item in one
# single-profile chunk, with its FIEMAP extent; the same checksummed and compressed; a prealloc item
# shared through a snapshot.
seed_btrfs() {
    local dir=$SEEDS/FuzzBtrfs
    mkdir -p "$dir"
    printf '\x00\x05\x00\xff\x01\x80\x80\x40\x01\x00\x07\x80\x80\x40\x00\x00\x01\x80\x80\x80\x01\x80\x80\x40\x00\x80\x80\x40\x03\x01\x01\x01\x80\x80\x80\x01\x80\x80\x80\x01\x80\x80\x04\x01\x00\x00\x80\x80\x80\x01\x80\x80\x40\x00\x01' > "$dir/nocow-one-item"
    printf '\x00\x02\x00\xff\x01\x80\x80\x40\x01\x00\x07\x80\x80\x40\x01\x00\x01\x80\x80\x80\x01\x80\x80\x10\x00\x80\x80\x40\x03\x01\x01\x01\x80\x80\x80\x01\x80\x80\x80\x01\x80\x80\x04\x01\x00\x00\x80\x80\x80\x01\x80\x80\x40\x08\x01' > "$dir/compressed"
    printf '\x00\x0d\x00\xff\x01\x09\x80\x80\x40\x01\x00\x07\x80\x80\x40\x00\x00\x02\x80\x80\x80\x01\x80\x80\x40\x00\x80\x80\x40\x02\x81\x02\x80\x80\x40\x05\x01\x01\x01\x80\x80\x80\x01\x80\x80\x80\x01\x80\x80\x04\x01\x00\x00\x80\x80\x80\x01\x80\x80\x40\x03\x01' > "$dir/shared-prealloc"
}

seed_header
seed_layout
seed_btrfs
seed_text
seed_container
seed_image

status=0
for target in "${TARGETS[@]}"; do
    corpus=$FUZZ/corpus/$target
    artifacts=$FUZZ/artifacts/$target
    mkdir -p "$corpus" "$artifacts"
    case $target in
        FuzzImage) max_len=262144 ;;
        FuzzHeader | FuzzLayout | FuzzBtrfs | FuzzContainer) max_len=65536 ;;
        *) max_len=4096 ;;
    esac
    echo "== $target: ${SECONDS_PER_TARGET}s"
    start=$(date +%s)
    set +e
    # Inputs that once crashed or hung (fuzz/regressions/TARGET, committed) are replayed with the seeds.
    regressions=()
    [[ -d $FUZZ/regressions/$target ]] && regressions=("$FUZZ/regressions/$target")
    TMPDIR=$scratch ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$BIN/$target" "$corpus" "$SEEDS/$target" "${regressions[@]}" \
        -max_total_time="$SECONDS_PER_TARGET" -max_len=$max_len -timeout=10 -rss_limit_mb=4096 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 > "$FUZZ/artifacts/$target.log" 2>&1
    code=$?
    set -e
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$FUZZ/artifacts/$target.log" | grep -o '[0-9]*$' || echo "?")
    echo "   $((  $(date +%s) - start ))s, $runs runs, exit $code, corpus $(ls "$corpus" | wc -l) inputs"
    if ((code != 0)); then
        status=1
        grep -E "^==[0-9]+==ERROR|^SUMMARY|Fatal error|deadly signal|Test unit written" "$FUZZ/artifacts/$target.log" | head -5 | sed 's/^/   /'
    fi
done
exit $status
