# A 512 KiB swap file grown in runs of 6144 bytes in turn with another file: runs of 12 512-byte
# blocks, so some pages straddle two runs (generic_swapfile_activate skips those).
rm -f /mnt/vfat512/frag-6k.swap /mnt/vfat512/frag-6k.other
vm_interleave /mnt/vfat512/frag-6k.swap /mnt/vfat512/frag-6k.other 6144 85 &&
    mkswap /mnt/vfat512/frag-6k.swap > /dev/null &&
    vm_swap_case vfat512-fragmented-6k /mnt/vfat512/frag-6k.swap
