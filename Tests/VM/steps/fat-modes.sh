# vfat and exFAT keep no modes: a file's comes from the mount options (FatGuestTests.modesComeFromTheMount).
# The records modes-vfat512 and modes-exfat512: create's file's mode, the mode after chmod 0600 (which
# changes nothing), after a remount with new masks (which applies none), after a new mount with
# fmask=0177,dmask=0077 (the advice of insecure-permissions there), and inspect's report then.
for fs in vfat512 exfat512; do
    case $fs in vfat512) dev=/dev/vda type=vfat ;; exfat512) dev=/dev/vdc type=exfat ;; esac
    file=/mnt/$fs/created.swap
    vm_kv "modes-$fs.before" "$(stat -c %a "$file")"
    chmod 0600 "$file"
    vm_kv "modes-$fs.chmod" "$(stat -c %a "$file")"
    mount -o remount,fmask=0177,dmask=0077 "/mnt/$fs" 2> /dev/null
    vm_kv "modes-$fs.remount" "$(stat -c %a "$file")"
    umount "/mnt/$fs" && mount -t "$type" -o fmask=0177,dmask=0077 "$dev" "/mnt/$fs"
    vm_kv "modes-$fs.mounted" "$(stat -c %a "$file")"
    swapinspect inspect --json "$file" > /tmp/inspect.json 2> /dev/null
    vm_kv "modes-$fs.inspect-rc" "$?"
    vm_emit "modes-$fs.inspect" < /tmp/inspect.json
done
