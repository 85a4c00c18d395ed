# A 512 KiB swap file grown in runs of 1536 bytes in turn with another file: runs of 3 512-byte
# blocks, so some pages straddle two runs (generic_swapfile_activate skips those).
rm -f /mnt/exfat512/frag-1536.swap /mnt/exfat512/frag-1536.other
vm_interleave /mnt/exfat512/frag-1536.swap /mnt/exfat512/frag-1536.other 1536 341 &&
    mkswap /mnt/exfat512/frag-1536.swap > /dev/null &&
    vm_swap_case exfat512-fragmented-1536 /mnt/exfat512/frag-1536.swap
