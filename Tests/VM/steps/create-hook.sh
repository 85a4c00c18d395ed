# HOOK for issue #12 (`swapinspect create`): runs only once the tool lists the command (vm_has_command). A file it creates
# on each sub-page-block file system must be accepted by the kernel as predicted; the records
# create-vfat512 and create-exfat512 (create's own exit status and output, then vm_swap_case) are
# checked by FatGuestTests.createdFileActivates, which says it skipped while the step says so.
if vm_has_command create; then
    for fs in vfat512 exfat512; do
        swapinspect create /mnt/$fs/created.swap --size 4M > /tmp/create.out 2>&1
        vm_kv "create-$fs.create-rc" "$?"
        vm_emit "create-$fs.create-output" < /tmp/create.out
        vm_swap_case "create-$fs" /mnt/$fs/created.swap
    done
else
    vm_kv create-hook "skipped: swapinspect has no create command"
fi
