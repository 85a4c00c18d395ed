import SwapInspectCore

/// /proc/self/mountinfo, enough to name a device's file system type and source.
enum MountTable {
    struct Entry {
        var type: String
        var source: String
        var mountPoint: String = ""
    }

    /// Each line's `MAJ:MIN` field and entry (proc(5): field 3 is MAJ:MIN, field 5 the mount point, and
    /// the type and source follow the `-` separator).
    static func entries() -> [(device: Substring, entry: Entry)] {
        guard let text = readTextFile("/proc/self/mountinfo") else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4, let dash = fields.firstIndex(of: "-"), dash + 2 < fields.count else { return nil }
            let entry = Entry(
                type: String(fields[dash + 1]), source: ProcSwaps.unescape(fields[dash + 2]),
                mountPoint: ProcSwaps.unescape(fields[4]))
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
    /// that mountinfo does not list.
    static func entry(containing path: String) -> Entry? {
        var best: (length: Int, entry: Entry)?
        for (_, entry) in entries() {
            let mountPoint = entry.mountPoint
            let inside = mountPoint == "/" || path == mountPoint || path.hasPrefix(mountPoint + "/")
            guard inside, mountPoint.count >= (best?.length ?? -1) else { continue }
            best = (mountPoint.count, entry)
        }
        return best?.entry
    }
}
