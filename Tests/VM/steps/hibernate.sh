# Hibernates into hib.swap. A marker goes into a tmpfs (/run) first: only a resume brings it back.
# With vm.stale_offset= the kernel is first asked to hibernate with that resume_offset: it must refuse
# (hibernate -> swsusp_write -> swap_type_of finds no active area whose first extent starts there).
swapon /mnt/ext4/hib.swap || return 1
token=$(cat /proc/sys/kernel/random/uuid)
echo "$token" > /run/vm-marker
vm_kv hibernate.before "token=$token bootid=$(cat /proc/sys/kernel/random/boot_id)"
vm_kv hibernate.sysfs "resume=$(cat /sys/power/resume) resume_offset=$(cat /sys/power/resume_offset) state=$(cat /sys/power/state) disk=$(cat /sys/power/disk)"
stale=$(vm_cmdline vm.stale_offset)
if [ -n "$stale" ]; then
    good=$(cat /sys/power/resume_offset)
    echo "$stale" > /sys/power/resume_offset
    vm_dmesg_clear
    if echo disk > /sys/power/state 2> /tmp/stale.err; then
        vm_kv hibernate.stale "accepted"
    else
        vm_kv hibernate.stale "refused $(cat /tmp/stale.err)"
    fi
    vm_dmesg | vm_emit hibernate.stale-dmesg
    echo "$good" > /sys/power/resume_offset
fi
# shutdown: power off once the image is written (no platform S4 under qemu's default machine anyway).
echo shutdown > /sys/power/disk
vm_dmesg_clear
sync
if echo disk > /sys/power/state 2> /tmp/hibernate.err; then
    # Only after the resume: the write returns in the restored system.
    vm_kv hibernate.after "token=$(cat /run/vm-marker) bootid=$(cat /proc/sys/kernel/random/boot_id)"
    vm_dmesg | vm_emit hibernate.resume-dmesg
else
    vm_kv hibernate.failed "$(cat /tmp/hibernate.err)"
    vm_dmesg | vm_emit hibernate.failed-dmesg
fi
swapoff /mnt/ext4/hib.swap
