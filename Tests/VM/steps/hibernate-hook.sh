# HOOK for issue #17 item 1 (`swapinspect hibernate`): runs only once the tool lists the command
# (vm_has_command). Here the setup is ready (resume= and resume_offset= on /proc/cmdline match hib.swap,
# /sys/power/resume names vda), so the verdict must be ready: the record hibernate-ready (exit status,
# then the JSON) is checked by HibernationGuestTests (hookVerdicts), which says so when it is missing.
if vm_has_command hibernate; then
    # The next boot's command line is this one (the host boots again with the same resume=/resume_offset=);
    # say so where a UKI system keeps it, since the guest has no boot loader configuration of its own.
    mkdir -p /etc/kernel && cat /proc/cmdline > /etc/kernel/cmdline
    swapon /mnt/ext4/hib.swap
    swapinspect hibernate /mnt/ext4/hib.swap --json > /tmp/hibernate.json 2> /tmp/hibernate.err
    vm_kv hibernate-ready.rc "$?"
    vm_emit hibernate-ready.json < /tmp/hibernate.json
    vm_emit hibernate-ready.stderr < /tmp/hibernate.err
    swapoff /mnt/ext4/hib.swap
else
    vm_kv hibernate-hook "skipped: swapinspect has no hibernate command"
fi
