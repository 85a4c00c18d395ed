import SwapInspectCore

/// What libblkid finds at the start of a file or device, other than a swap area: the image adapter's
/// own partition-table and superblock probes (`ImageFile`).
public enum AreaContentsProbe {
    /// Partition tables first (a whole-disk image), then superblocks; nil when there is nothing but swap,
    /// nothing libblkid knows, or the path is no regular file or block device.
    public static func holds(path: String) -> (holds: String, isImage: Bool)? {
        guard let file = try? ImageFile.open(path) else { return nil }
        if let container = container(file) { return (container, true) }
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

    /// A qcow2, VMDK, VHDX, VHD or VDI container, told from its magic bytes (ContainerProbe, as `image`
    /// does): its disk is what `swapinspect image` reads; nil for anything else.
    static func container(_ file: ImageFile) -> String? {
        let read: ContainerProbe.Reader = { offset, count in (try? file.read(offset: offset, count: count)) ?? [] }
        do {
            let info = try ContainerProbe.detect(size: file.size, read: read)
            guard info.format != .raw else { return nil }
            let size = info.virtualSize.map { " (a disk of \($0) bytes)" } ?? ""
            return "a \(info.format) disk image\(size)"
        } catch {
            return "a disk image container whose header cannot be read (\(error.reason))"
        }
    }
}
