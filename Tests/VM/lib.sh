# Shell functions for the guest's init and steps (busybox sh). The marker protocol the host parses
# (SwapInspectVMTests/SerialLog.swift): every line the host reads starts with "@@VM".
#   @@VM boot …, @@VM done …, @@VM error …         from init
#   @@VM begin STEP / @@VM end STEP rc=N            around each step of the plan
#   @@VM:KEY TEXT                                   one line of the record KEY (records can be multi-line)
# The kernel's own console messages (loglevel=4 keeps most of them off) are ignored by the host.

vm_line() { echo "@@VM $*"; }

# vm_emit KEY: stdin, each line as a line of the record KEY.
vm_emit() { sed "s|^|@@VM:$1 |"; }

# vm_kv KEY TEXT: a one-line record.
vm_kv() { k=$1; shift; echo "@@VM:$k $*"; }

# vm_cmdline NAME: the value of NAME= on the kernel command line, empty when absent.
vm_cmdline() {
    for word in $(cat /proc/cmdline); do
        case $word in "$1="*) echo "${word#*=}"; return ;; esac
    done
}

vm_load_modules() {
    for module in $(cat /vm/modules/order); do
        # A module whose hardware is not there (crc32c-intel without SSE4.2) fails; nothing needs it.
        insmod "/vm/modules/$module.ko" 2>/dev/null || vm_line "note insmod $module failed"
    done
}

# virtio_blk probes asynchronously; wait (up to 10 s) until every disk qemu was given is there.
vm_wait_for_disks() {
    want=$(vm_cmdline vm.disks)
    i=0
    while [ "$(ls /sys/block | grep -c '^vd')" -lt "${want:-0}" ] && [ $i -lt 100 ]; do
        sleep 0.1; i=$((i + 1))
    done
    vm_line "disks $(ls /sys/block | grep '^vd' | tr '\n' ' ')"
}

# The resume path of initramfs-tools (scripts/local-premount/resume): the kernel's own late_initcall
# (software_resume_initcall) ran before virtio_blk was loaded and found no device for resume=, so init
# writes resume_offset and then MAJ:MIN to /sys/power/resume — before anything is mounted. Writing
# /sys/power/resume makes the kernel look for an image at that offset: when one is there, the saved
# system is restored and this shell never returns; otherwise boot goes on. It also names the swap area
# the next hibernation writes to (swsusp_resume_device/swsusp_resume_block).
vm_trigger_resume() {
    device=$(vm_cmdline resume)
    [ -n "$device" ] || return 0
    offset=$(vm_cmdline resume_offset)
    name=${device#/dev/}
    if [ ! -e "/sys/class/block/$name/dev" ]; then
        vm_line "error resume device $device not found"
        return 0
    fi
    [ -n "$offset" ] && echo "$offset" > /sys/power/resume_offset
    vm_line "resume-attempt device=$device dev=$(cat /sys/class/block/$name/dev) offset=${offset:-0}"
    cat "/sys/class/block/$name/dev" > /sys/power/resume
    vm_line "resume-none"
}

vm_run_plan() {
    for step in $(grep -v '^#' "/vm/plans/$1"); do
        vm_line "begin $step"
        ( . "/vm/steps/$step.sh" )
        vm_line "end $step rc=$? uptime=$(cut -d' ' -f1 /proc/uptime)"
    done
}

# The kernel log since the last vm_dmesg_clear, without the [time] prefix.
vm_dmesg() { dmesg | sed 's/^\[ *[0-9.]*\] //'; }
vm_dmesg_clear() { dmesg -c > /dev/null; }

# vm_fill FILE BYTES: FILE of BYTES zero bytes, written at once (on a fresh FAT/exFAT: contiguous).
vm_fill() { dd if=/dev/zero of="$1" bs=4096 count=$(($2 / 4096)) 2>/dev/null; }

# vm_interleave A B CHUNK COUNT: A and B grow by CHUNK bytes in turn, COUNT times each. FAT and exFAT
# allocate clusters when the data is written (no delayed allocation), so each file gets runs of
# CHUNK bytes separated by the other's.
vm_interleave() {
    : > "$1"; : > "$2"
    n=0
    while [ $n -lt "$4" ]; do
        head -c "$3" /dev/zero >> "$1"
        head -c "$3" /dev/zero >> "$2"
        n=$((n + 1))
    done
}

# vm_swap_case NAME FILE: what `swapinspect inspect --json` predicts for FILE, then what the kernel
# does: swapon(2) (busybox swapon: exit status and strerror text), the kernel log it wrote, /proc/swaps.
# The host compares them (SwapInspectVMTests). The area is deactivated again.
vm_swap_case() {
    swapinspect inspect --json "$2" > /tmp/inspect.json 2> /tmp/inspect.err
    vm_kv "$1.inspect-rc" "$?"
    vm_emit "$1.inspect" < /tmp/inspect.json
    vm_emit "$1.inspect-stderr" < /tmp/inspect.err
    vm_dmesg_clear
    if swapon "$2" 2> /tmp/swapon.err; then rc=0; else rc=1; fi
    vm_kv "$1.swapon" "$rc $(cat /tmp/swapon.err)"
    vm_dmesg | vm_emit "$1.dmesg"
    grep -F "$2 " /proc/swaps | vm_emit "$1.procswaps"
    [ $rc = 0 ] && swapoff "$2"
    return 0
}
