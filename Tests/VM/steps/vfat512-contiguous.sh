# 8 MiB written at once on an empty FAT32 with 512-byte clusters: one run of 16384 blocks of 512 bytes.
vm_fill /mnt/vfat512/contiguous.swap $((8 << 20)) && mkswap /mnt/vfat512/contiguous.swap > /dev/null &&
    vm_swap_case vfat512-contiguous /mnt/vfat512/contiguous.swap
