# `swapinspect hibernate` (issue #17 item 1) in a ready setup: resume= and resume_offset= on /proc/cmdline
# match hib.swap, init wrote them to /sys/power/resume and resume_offset (vm_trigger_resume). The record
# hibernate-ready (exit status, the JSON, standard error) is checked by HibernationGuestTests.hookVerdicts.
# No skip: a tool without the command fails there.
# The next boot's command line is this one (the host boots again with the same resume=/resume_offset=);
# say so where a UKI system keeps it, since the guest has no boot loader configuration of its own.
mkdir -p /etc/kernel && cat /proc/cmdline > /etc/kernel/cmdline
swapon /mnt/ext4/hib.swap
swapinspect hibernate /mnt/ext4/hib.swap --json > /tmp/hibernate.json 2> /tmp/hibernate.err
vm_kv hibernate-ready.rc "$?"
vm_emit hibernate-ready.json < /tmp/hibernate.json
vm_emit hibernate-ready.stderr < /tmp/hibernate.err
swapoff /mnt/ext4/hib.swap
# In the boot whose hibernate step first asks the kernel to hibernate with the stale offset (vm.stale_offset=,
# refused there: swap_type_of finds no active area starting at it), the verdict for that same
# /sys/power/resume_offset, hib.swap active on a writable mount: the record hibernate-stale-sysfs.
stale=$(vm_cmdline vm.stale_offset)
if [ -n "$stale" ]; then
    swapon /mnt/ext4/hib.swap
    good=$(cat /sys/power/resume_offset)
    echo "$stale" > /sys/power/resume_offset
    swapinspect hibernate /mnt/ext4/hib.swap --json > /tmp/hibernate.json 2> /tmp/hibernate.err
    vm_kv hibernate-stale-sysfs.rc "$?"
    vm_emit hibernate-stale-sysfs.json < /tmp/hibernate.json
    vm_emit hibernate-stale-sysfs.stderr < /tmp/hibernate.err
    echo "$good" > /sys/power/resume_offset
    swapoff /mnt/ext4/hib.swap
fi
