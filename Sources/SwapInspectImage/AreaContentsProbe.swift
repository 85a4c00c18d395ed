internal import CBlkid
import Glibc
import SwapInspectCore

/// What libblkid finds at the start of a file or device, other than a swap area.
public enum AreaContentsProbe {
    /// The same for a path, opened read-only and non-blocking (a regular file or a block device only).
    public static func holds(path: String) -> (holds: String, isImage: Bool)? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return holds(fd: fd)
    }

    /// Partition tables first (a whole-disk image), then superblocks; nil when there is nothing but swap
    /// or nothing libblkid knows.
    public static func holds(fd: Int32) -> (holds: String, isImage: Bool)? {
        guard let probe = blkid_new_probe() else { return nil }
        defer { blkid_free_probe(probe) }
        guard blkid_probe_set_device(probe, fd, 0, 0) == 0 else { return nil }
        blkid_probe_enable_partitions(probe, 1)
        if let list = blkid_probe_get_partitions(probe), let table = blkid_partlist_get_table(list) {
            let type = blkid_parttable_get_type(table).map { String(cString: $0) } ?? "unknown"
            let count = max(blkid_partlist_numof_partitions(list), 0)
            return ("a \(type) partition table with \(count) partition\(count == 1 ? "" : "s")", true)
        }
        blkid_reset_probe(probe)
        blkid_probe_enable_partitions(probe, 0)
        blkid_probe_enable_superblocks(probe, 1)
        blkid_probe_set_superblocks_flags(probe, Int32(BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE))
        guard blkid_do_safeprobe(probe) == SafeProbe.found else { return nil }
        var value: UnsafePointer<CChar>?
        var length = 0
        guard blkid_probe_lookup_value(probe, "TYPE", &value, &length) == 0, let value else { return nil }
        let type = String(cString: value)
        switch type {
        case "swap", "swsuspend": return nil
        case "crypto_LUKS": return ("a LUKS header (an encrypted volume)", false)
        case "LVM2_member", "LVM1_member": return ("an LVM physical volume", false)
        case "linux_raid_member", "isw_raid_member", "ddf_raid_member": return ("a RAID member (\(type))", false)
        default: return ("a file system (\(type))", true)
        }
    }
}
