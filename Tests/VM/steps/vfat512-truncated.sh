# A 4 MiB file made by truncate: FAT has no holes, so extending the size allocates and zeroes clusters
# (fat_cont_expand); the kernel sees a fully mapped file.
truncate -s 4M /mnt/vfat512/truncated.swap && mkswap /mnt/vfat512/truncated.swap > /dev/null &&
    vm_swap_case vfat512-truncated /mnt/vfat512/truncated.swap
