import SwapInspectCore

/// /proc/self/mountinfo (proc(5)), read once for each area inspected: field 3 is MAJ:MIN, field 5 the
/// mount point, field 6 the mount's options; the type, the source and the super block's options follow
/// the `-` separator.
struct MountTable {
    struct Entry {
        /// `MAJ:MIN` of the mount's st_dev.
        var device: String
        var type: String
        var source: String
        var mountPoint: String = ""
        /// `ro` among the mount's own options (MNT_READONLY: a read-only bind mount has it alone).
        var readOnly = false
        /// `ro` among the super block's options (SB_RDONLY: every mount of the file system is read-only).
        var superblockReadOnly = false
        /// The super block's options (after the source): what the file system was mounted with.
        var superOptions: [Substring] = []
    }

    let entries: [Entry]

    static func read() -> MountTable { parse(readTextFile("/proc/self/mountinfo") ?? "") }

    /// Split on bytes, not Characters: a machine has hundreds of mounts, and this runs on every start.
    static func parse(_ text: String) -> MountTable {
        let space = UInt8(ascii: " ")
        let entries = text.utf8.split(separator: UInt8(ascii: "\n")).compactMap { line -> Entry? in
            let fields = line.split(separator: space)
            guard fields.count > 5, let dash = fields.firstIndex(where: { $0.elementsEqual("-".utf8) }), dash + 2 < fields.count
            else { return nil }
            func isReadOnly(_ options: Substring.UTF8View.SubSequence) -> Bool {
                options.split(separator: UInt8(ascii: ",")).contains { $0.elementsEqual("ro".utf8) }
            }
            let superOptions = dash + 3 < fields.count ? Substring(fields[dash + 3]) : ""
            return Entry(
                device: String(decoding: fields[2], as: UTF8.self), type: String(decoding: fields[dash + 1], as: UTF8.self),
                source: Escapes.octal(fields[dash + 2]), mountPoint: Escapes.octal(fields[4]), readOnly: isReadOnly(fields[5]),
                superblockReadOnly: isReadOnly(superOptions.utf8), superOptions: superOptions.split(separator: ","))
        }
        return MountTable(entries: entries)
    }

    static func number(_ dev: UInt64) -> String {
        let (major, minor) = deviceNumbers(dev)
        return "\(major):\(minor)"
    }

    func entry(forDevice dev: UInt64) -> Entry? {
        let wanted = Self.number(dev)
        return entries.first { $0.device == wanted }
    }

    /// The mount whose mount point is the longest prefix of an absolute, canonical `path` (the last one
    /// listed wins, as it covers the others). For btrfs, whose subvolumes each have an anonymous st_dev
    /// that mountinfo does not list. With `device`, only the mounts of that st_dev count, so that a bind
    /// mount is told from the mount it was made from.
    func entry(containing path: String, device: UInt64? = nil) -> Entry? {
        let wanted = device.map(Self.number)
        var best: (length: Int, entry: Entry)?
        for entry in entries where wanted == nil || entry.device == wanted {
            let mountPoint = entry.mountPoint
            let inside = mountPoint == "/" || path == mountPoint || path.hasPrefix(mountPoint + "/")
            guard inside, mountPoint.count >= (best?.length ?? -1) else { continue }
            best = (mountPoint.count, entry)
        }
        return best?.entry
    }
}
