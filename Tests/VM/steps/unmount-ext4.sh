umount /mnt/ext4
