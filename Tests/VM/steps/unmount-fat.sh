umount /mnt/vfat512 /mnt/vfat4k /mnt/exfat512
