# Two swap files on ext4, made the way people make them (dd, mkswap): old.swap, whose offset the host uses
# as the stale resume_offset= (a swap file that was removed), and hib.swap, the hibernation target. Both
# exist at once so that they cannot share blocks; old.swap is removed after its offset is recorded.
vm_fill /mnt/ext4/old.swap $((16 << 20)) && mkswap /mnt/ext4/old.swap > /dev/null || return 1
vm_fill /mnt/ext4/hib.swap $((128 << 20)) && mkswap /mnt/ext4/hib.swap > /dev/null || return 1
chmod 0600 /mnt/ext4/old.swap /mnt/ext4/hib.swap
swapinspect inspect --json /mnt/ext4/old.swap | vm_emit ext4-old.inspect
rm /mnt/ext4/old.swap
# The iomap path on this kernel, compared like the FAT cases; then hib.swap's resumeOffset is the
# resume_offset= of the next boots.
vm_swap_case ext4-hib /mnt/ext4/hib.swap
sync
