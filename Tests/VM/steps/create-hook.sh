# `swapinspect create` (issue #12) on each sub-page-block file system: the records create-vfat512 and
# create-exfat512 (create's exit status, its JSON and standard error, the bytes after the header page
# that are not zero, then vm_swap_case of the new file) are checked by FatGuestTests.createdFileActivates.
# No skip: a tool without the command fails there (exit status 64, no JSON).
for fs in vfat512 exfat512; do
    file=/mnt/$fs/created.swap
    swapinspect create "$file" --size 4M --json > /tmp/create.json 2> /tmp/create.err
    vm_kv "create-$fs.create-rc" "$?"
    vm_emit "create-$fs.create-json" < /tmp/create.json
    vm_emit "create-$fs.create-stderr" < /tmp/create.err
    # Zero-filled: every byte after the header page (the guest's pages are 4 KiB) is 0.
    vm_kv "create-$fs.nonzero-bytes" "$(tail -c +4097 "$file" | tr -d '\000' | wc -c | tr -d ' ')"
    vm_swap_case "create-$fs" "$file"
done
