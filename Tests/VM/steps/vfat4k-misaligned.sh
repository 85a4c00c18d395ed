# 4 MiB contiguous on FAT32 with 4 KiB clusters whose data area starts off a 4 KiB boundary (mkfs.vfat -a
# -R 33): every page's first 512-byte block is misaligned, which generic_swapfile_activate skips.
vm_fill /mnt/vfat4k/misaligned.swap $((4 << 20)) && mkswap /mnt/vfat4k/misaligned.swap > /dev/null &&
    vm_swap_case vfat4k-misaligned /mnt/vfat4k/misaligned.swap
