#!/usr/bin/env bash
# The host side of `make test-vm`: what the guest boots from. The Swift suite SwapInspectVMTests calls
# it and runs qemu itself (so a timeout kills qemu, not a shell around it).
#
#   vm.sh kernel CACHE_DIR           Debian's cloud kernel (CONFIG_HIBERNATION=y) with its modules,
#                                    downloaded once into CACHE_DIR; prints the extracted tree's vmlinuz.
#   vm.sh initramfs KERNEL BIN OUT   the guest's initramfs (a newc cpio): busybox, /init, the plans
#                                    and steps of Tests/VM, the kernel modules they need, BIN with the
#                                    shared libraries ldd names.
#   vm.sh disk KIND OUT              an empty file system image for the guest: ext4, ext4-1k, vfat512 (FAT32,
#                                    512-byte clusters), vfat4k-misaligned (4 KiB clusters, data area
#                                    not 4 KiB aligned), exfat512 (512-byte clusters).
#
# Exit status 77 with the reason on stderr: the prerequisite is not available here (the suite skips).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

skip() { echo "vm.sh: $*" >&2; exit 77; }
die() { echo "vm.sh: $*" >&2; exit 1; }

# The kernel series the guest runs; the package is the newest one the meta-package depends on.
KERNEL_META=${SWAPINSPECT_VM_KERNEL_META:-linux-image-6.12-cloud-amd64}
# The modules the guest loads (modprobe --show-depends adds what they depend on, in load order).
GUEST_MODULES=(virtio_blk fat vfat nls_cp437 nls_ascii nls_utf8 exfat)

cmd_kernel() {
    local cache package deb tree
    cache=$(realpath -m "$1")
    mkdir -p "$cache"
    package=$(apt-cache depends "$KERNEL_META" 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }') || true
    if [[ -n $package ]]; then
        deb=$(find "$cache" -maxdepth 1 -name "${package}_*.deb" | head -n1)
        if [[ -z $deb ]]; then
            # apt's sandbox user cannot write into the build tree; the download is a plain file fetch.
            if (cd "$cache" && apt-get download -q "$package" >/dev/null 2>"$cache/download.log"); then
                deb=$(find "$cache" -maxdepth 1 -name "${package}_*.deb" | head -n1)
            else
                # Offline: a kernel downloaded earlier still does.
                deb=$(find "$cache" -maxdepth 1 -name 'linux-image-*-cloud-amd64_*.deb' | sort | tail -n1)
                [[ -n $deb ]] || skip "apt-get download $package failed: $(tail -n1 "$cache/download.log")"
            fi
        fi
    else
        # No package list (offline, another release): a kernel downloaded earlier still does.
        deb=$(find "$cache" -maxdepth 1 -name 'linux-image-*-cloud-amd64_*.deb' | sort | tail -n1)
        [[ -n $deb ]] || skip "apt-cache knows no $KERNEL_META and $cache holds no kernel package"
    fi
    tree="$cache/$(basename "$deb" .deb)"
    if [[ ! -e $tree/.complete ]]; then
        rm -rf "$tree"
        dpkg-deb -x "$deb" "$tree"
        local release
        release=$(ls "$tree/lib/modules")
        # The package ships no modules.dep (its postinst runs depmod); modprobe --show-depends needs it.
        depmod -b "$tree" "$release"
        touch "$tree/.complete"
    fi
    local config
    config=$(ls "$tree"/boot/config-*)
    grep -qx 'CONFIG_HIBERNATION=y' "$config" || skip "$(basename "$config") has no CONFIG_HIBERNATION=y"
    ls "$tree"/boot/vmlinuz-*
}

# Copies BIN and every library ldd resolves for it to the same absolute paths under ROOT.
copy_with_libraries() {
    local bin=$1 root=$2 target=$3 lib
    install -D -m 0755 "$bin" "$root$target"
    # Symbols are no use in the guest and would double what the kernel unpacks (and hibernation saves).
    strip "$root$target"
    while read -r lib; do
        install -D -m 0755 "$lib" "$root$lib"
    done < <(ldd "$bin" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }')
}

copy_modules() {
    local tree=$1 root=$2 release module path
    release=$(ls "$tree/lib/modules")
    mkdir -p "$root/vm/modules"
    : > "$root/vm/modules/order"
    for module in "${GUEST_MODULES[@]}"; do
        while read -r _ path _; do
            local name
            name=$(basename "$path" .ko.xz)
            [[ -e $root/vm/modules/$name.ko ]] && continue
            # busybox insmod hands the bytes to init_module(2), which wants them uncompressed.
            xz -dc "$path" > "$root/vm/modules/$name.ko"
            echo "$name" >> "$root/vm/modules/order"
        done < <(modprobe -d "$tree" -S "$release" --show-depends "$module" | grep '^insmod ')
    done
}

cmd_initramfs() {
    local vmlinuz=$1 bin=$2 out=$3 tree root busybox
    tree=$(dirname "$(dirname "$vmlinuz")")
    busybox=$(command -v busybox) || skip "busybox (busybox-static) is not installed"
    file -L "$busybox" | grep -q 'statically linked' || skip "$busybox is not statically linked (install busybox-static)"
    [[ -x $bin ]] || die "$bin is not an executable"
    root=$(mktemp -d "${TMPDIR:-/var/tmp}/swapinspect-initramfs.XXXXXX")
    trap 'rm -rf "$root"' RETURN
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,mnt,tmp,vm}
    cp "$busybox" "$root/bin/busybox"
    install -m 0755 "$here/init" "$root/init"
    cp -r "$here/plans" "$here/steps" "$here/lib.sh" "$root/vm/"
    copy_with_libraries "$bin" "$root" /usr/bin/swapinspect
    copy_modules "$tree" "$root"
    # Uncompressed: under TCG the kernel's gunzip of the archive costs seconds, a memcpy nothing.
    (cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) > "$out.tmp"
    mv "$out.tmp" "$out"
}

cmd_disk() {
    local kind=$1 out=$2
    rm -f "$out"
    case $kind in
        ext4)
            truncate -s 256M "$out"
            # 4 KiB blocks: with 1 KiB ones a swap file need not start on a page boundary of the disk.
            mkfs.ext4 -q -F -b 4096 -L vmext4 "$out" ;;
        ext4-1k)
            # 1 KiB blocks and s_first_data_block 1: a large file's extents start on odd blocks, so the
            # swap header is not at a page boundary of the disk.
            truncate -s 256M "$out"
            mkfs.ext4 -q -F -b 1024 -L vmext4-1k "$out" ;;
        vfat512)
            truncate -s 64M "$out"
            mkfs.vfat -F 32 -s 1 -S 512 -n VFAT512 "$out" >/dev/null ;;
        vfat4k-misaligned)
            # -a: no alignment of the data area; 33 reserved sectors put it off a 4 KiB boundary.
            truncate -s 64M "$out"
            mkfs.vfat -F 32 -s 8 -S 512 -a -R 33 -n VFAT4KMIS "$out" >/dev/null 2>&1 ;;
        exfat512)
            truncate -s 64M "$out"
            mkfs.exfat -c 512 -L exfat512 "$out" >/dev/null ;;
        *) die "unknown disk kind $kind" ;;
    esac
}

case ${1:-} in
    kernel) shift; cmd_kernel "$@" ;;
    initramfs) shift; cmd_initramfs "$@" ;;
    disk) shift; cmd_disk "$@" ;;
    *) die "usage: vm.sh kernel CACHE | initramfs VMLINUZ BIN OUT | disk ext4|ext4-1k|vfat512|vfat4k-misaligned|exfat512 OUT" ;;
esac
