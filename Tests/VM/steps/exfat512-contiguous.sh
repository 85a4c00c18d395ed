# 8 MiB written at once on an empty exFAT with 512-byte clusters.
vm_fill /mnt/exfat512/contiguous.swap $((8 << 20)) && mkswap /mnt/exfat512/contiguous.swap > /dev/null &&
    vm_swap_case exfat512-contiguous /mnt/exfat512/contiguous.swap
