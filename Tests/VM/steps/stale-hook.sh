# `swapinspect hibernate` (issue #17 item 1) with a stale resume_offset= on /proc/cmdline (and so in
# /sys/power/resume_offset): the verdict must be not ready, exit status 1, with resume-offset-mismatch.
# ext4 is mounted read-only without journal replay (noload): the hibernated system's image on it must
# stay intact for the next boot's resume — so hib.swap is not active either (swapon needs a writable
# mount). The record hibernate-stale is checked by HibernationGuestTests.hookVerdicts. No skip.
# As in hibernate-hook.sh, the next boot's command line is this one (with the stale offset).
mkdir -p /etc/kernel && cat /proc/cmdline > /etc/kernel/cmdline
mkdir -p /mnt/ext4 && mount -t ext4 -o ro,noload /dev/vda /mnt/ext4 || return 1
swapinspect hibernate /mnt/ext4/hib.swap --json > /tmp/hibernate.json 2> /tmp/hibernate.err
vm_kv hibernate-stale.rc "$?"
vm_emit hibernate-stale.json < /tmp/hibernate.json
vm_emit hibernate-stale.stderr < /tmp/hibernate.err
umount /mnt/ext4
