import SwapInspectCore

/// What libblkid finds at the start of a file or device, other than a swap area: the image adapter's
/// own partition-table and superblock probes (`ImageFile`).
public enum AreaContentsProbe {
    /// Partition tables first (a whole-disk image), then superblocks; nil when there is nothing but swap,
    /// nothing libblkid knows, or the path is no regular file or block device.
    public static func holds(path: String) -> (holds: String, isImage: Bool)? {
        guard let file = try? ImageFile.open(path) else { return nil }
        if let table = try? file.partitionTable() {
            let count = table.partitions.count
            return ("a \(table.type) partition table with \(count) partition\(count == 1 ? "" : "s")", true)
        }
        guard let type = file.signature(offset: 0, size: file.size)?.type else { return nil }
        switch type {
        case "swap", "swsuspend": return nil
        case "crypto_LUKS": return ("a LUKS header (an encrypted volume)", false)
        case "LVM2_member", "LVM1_member": return ("an LVM physical volume", false)
        case "linux_raid_member", "isw_raid_member", "ddf_raid_member": return ("a RAID member (\(type))", false)
        default: return ("a file system (\(type))", true)
        }
    }
}
