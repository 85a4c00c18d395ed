# The disk of the hibernation plans (SwapInspectVMTests/HibernationGuestTests.swift): vda ext4 (vm.sh disk).
mkdir -p /mnt/ext4 && mount -t ext4 /dev/vda /mnt/ext4
