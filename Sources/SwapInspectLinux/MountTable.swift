import SwapInspectCore

/// /proc/self/mountinfo, enough to name a device's file system type and source.
enum MountTable {
    struct Entry {
        var type: String
        var source: String
        var mountPoint: String = ""
        /// `ro` among the mount's own options (MNT_READONLY: a read-only bind mount has it alone).
        var readOnly = false
        /// `ro` among the super block's options (SB_RDONLY: every mount of the file system is read-only).
        var superblockReadOnly = false
    }

    /// Each line's `MAJ:MIN` field and entry (proc(5): field 3 is MAJ:MIN, field 5 the mount point, and
    /// the type and source follow the `-` separator).
    static func entries() -> [(device: Substring, entry: Entry)] {
        guard let text = readTextFile("/proc/self/mountinfo") else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4, let dash = fields.firstIndex(of: "-"), dash + 2 < fields.count else { return nil }
            // Field 6 is the mount's options; the super block's follow the type and source.
            let readOnly = { (options: Substring) in options.split(separator: ",").contains("ro") }
            let entry = Entry(
                type: String(fields[dash + 1]), source: ProcSwaps.unescape(fields[dash + 2]),
                mountPoint: ProcSwaps.unescape(fields[4]), readOnly: fields.count > 5 && readOnly(fields[5]),
                superblockReadOnly: dash + 3 < fields.count && readOnly(fields[dash + 3]))
            return (fields[2], entry)
        }
    }

    static func entry(forDevice dev: UInt64) -> Entry? {
        let (major, minor) = deviceNumbers(dev)
        let wanted = "\(major):\(minor)"
        return entries().first { $0.device == wanted }?.entry
    }

    /// The mount whose mount point is the longest prefix of an absolute, canonical `path` (the last one
    /// listed wins, as it covers the others). For btrfs, whose subvolumes each have an anonymous st_dev
    /// that mountinfo does not list. With `device`, only the mounts of that st_dev count, so that a bind
    /// mount is told from the mount it was made from.
    static func entry(containing path: String, device: UInt64? = nil) -> Entry? {
        let wanted = device.map { dev in
            let (major, minor) = deviceNumbers(dev)
            return "\(major):\(minor)"
        }
        var best: (length: Int, entry: Entry)?
        for (number, entry) in entries() where wanted == nil || String(number) == wanted {
            let mountPoint = entry.mountPoint
            let inside = mountPoint == "/" || path == mountPoint || path.hasPrefix(mountPoint + "/")
            guard inside, mountPoint.count >= (best?.length ?? -1) else { continue }
            best = (mountPoint.count, entry)
        }
        return best?.entry
    }
}
