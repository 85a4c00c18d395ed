# HOOK for issue #17 item 1 (`swapinspect hibernate`) with a stale resume_offset= on /proc/cmdline: the
# verdict must be not ready (exit status 1). ext4 is mounted read-only without journal replay (noload):
# the hibernated system's image on it must stay intact for the next boot's resume. The record
# hibernate-stale is checked by HibernationGuestTests (hookVerdicts).
if vm_has_command hibernate; then
    mkdir -p /mnt/ext4 && mount -t ext4 -o ro,noload /dev/vda /mnt/ext4 || return 1
    swapinspect hibernate /mnt/ext4/hib.swap --json > /tmp/hibernate.json 2> /tmp/hibernate.err
    vm_kv hibernate-stale.rc "$?"
    vm_emit hibernate-stale.json < /tmp/hibernate.json
    vm_emit hibernate-stale.stderr < /tmp/hibernate.err
    umount /mnt/ext4
else
    vm_kv stale-hook "skipped: swapinspect has no hibernate command"
fi
