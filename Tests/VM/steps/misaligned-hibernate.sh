# A swap file on ext4 with 1 KiB blocks whose first block is not at a page boundary of the disk
# (vm.sh disk ext4-1k). iomap_swapfile_add_extent rounds the first extent up to a page, so the kernel's
# swap page 0 — what swsusp_resume_block must name — is not the page holding the header. Hibernating
# with inspect's resumeOffset (the kernel's first extent) writes the image and then fails in
# mark_swapfiles ("Swap header not found!"); with the header's page (userspaceResumeOffset, what
# FIEMAP-flooring tools print) swap_type_of finds no area ("Cannot find swap device"). Either way no
# hibernation: the boot goes on (if it did hibernate, the host sees no "done" and fails).
mkdir -p /mnt/ext4 && mount -t ext4 /dev/vda /mnt/ext4 || return 1
vm_fill /mnt/ext4/hib.swap $((128 << 20)) && mkswap /mnt/ext4/hib.swap > /dev/null && chmod 0600 /mnt/ext4/hib.swap || return 1
vm_swap_case ext4-1k-hib /mnt/ext4/hib.swap
swapinspect inspect --json /mnt/ext4/hib.swap > /tmp/inspect.json
kernel=$(sed -n 's/^ *"resumeOffset": \([0-9]*\),$/\1/p' /tmp/inspect.json)
userspace=$(sed -n 's/^ *"userspaceResumeOffset": \([0-9]*\),$/\1/p' /tmp/inspect.json)
vm_kv misaligned.offsets "kernel=$kernel userspace=$userspace"
swapon /mnt/ext4/hib.swap || return 1
cat /sys/class/block/vda/dev > /sys/power/resume
echo shutdown > /sys/power/disk
for which in kernel userspace; do
    eval offset=\$$which
    [ -n "$offset" ] || continue
    echo "$offset" > /sys/power/resume_offset
    vm_dmesg_clear
    sync
    if echo disk > /sys/power/state 2> /tmp/hibernate.err; then
        vm_kv "misaligned.$which" "accepted"
    else
        vm_kv "misaligned.$which" "refused $(cat /tmp/hibernate.err)"
    fi
    vm_dmesg | grep '^PM: ' | grep -v 'progress' | vm_emit "misaligned.$which-dmesg"
done
swapoff /mnt/ext4/hib.swap
umount /mnt/ext4
