# A 4 MiB file made by truncate on exFAT: clusters are allocated but only the first page written by
# mkswap is below the valid data length (exFAT's ValidDataLength); what bmap says beyond it decides.
truncate -s 4M /mnt/exfat512/truncated.swap && mkswap /mnt/exfat512/truncated.swap > /dev/null &&
    vm_swap_case exfat512-truncated /mnt/exfat512/truncated.swap
