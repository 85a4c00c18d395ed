# A 512 KiB swap file grown in runs of 1536 bytes in turn with another file: runs of 3 512-byte
# blocks, so some pages straddle two runs (generic_swapfile_activate skips those).
rm -f /mnt/vfat512/frag-1536.swap /mnt/vfat512/frag-1536.other
vm_interleave /mnt/vfat512/frag-1536.swap /mnt/vfat512/frag-1536.other 1536 341 &&
    mkswap /mnt/vfat512/frag-1536.swap > /dev/null &&
    vm_swap_case vfat512-fragmented-1536 /mnt/vfat512/frag-1536.swap
