# Reached only when init's resume found no image (a fresh boot): says so, with this boot's id and whether
# the marker of the hibernated system is here (it cannot be: /run is a new tmpfs).
vm_kv fresh "bootid=$(cat /proc/sys/kernel/random/boot_id) marker=$(cat /run/vm-marker 2> /dev/null || echo absent)"
vm_dmesg | grep -i -E 'hibernat|resume|PM:' | vm_emit fresh.dmesg
