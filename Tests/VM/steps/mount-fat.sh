# The disks of the fat plan (SwapInspectVMTests/FatGuestTests.swift): vda vfat512, vdb vfat4k-misaligned,
# vdc exfat512 (vm.sh disk).
mkdir -p /mnt/vfat512 /mnt/vfat4k /mnt/exfat512
mount -t vfat /dev/vda /mnt/vfat512 && mount -t vfat /dev/vdb /mnt/vfat4k && mount -t exfat /dev/vdc /mnt/exfat512
