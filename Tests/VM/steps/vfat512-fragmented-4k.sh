# A 512 KiB swap file grown in runs of 4096 bytes in turn with another file: runs of 8 512-byte
# blocks, so pages fit a run when the runs start on a page boundary.
rm -f /mnt/vfat512/frag-4k.swap /mnt/vfat512/frag-4k.other
vm_interleave /mnt/vfat512/frag-4k.swap /mnt/vfat512/frag-4k.other 4096 128 &&
    mkswap /mnt/vfat512/frag-4k.swap > /dev/null &&
    vm_swap_case vfat512-fragmented-4k /mnt/vfat512/frag-4k.swap
