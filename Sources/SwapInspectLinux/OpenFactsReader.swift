internal import CSwapInspectLinux
import Glibc
import SwapInspectCore
import SystemPackage

/// What swapon(2)'s `O_RDWR|O_EXCL` open and its claim will meet (docs/kernel-rules.md §1.2 step 6),
/// learned without opening anything for writing.
enum OpenFactsReader {
    /// A swap file: its inode flags, and whether its file system or this mount of it is read-only.
    static func file(_ area: OpenedArea, canonical: String, mounts: MountTable) -> OpenFacts {
        var open = OpenFacts()
        var flags: UInt32 = 0
        // File systems without chattr flags answer ENOTTY: nothing stops the open there.
        if (try? syscall({ si_getflags(area.fd.rawValue, &flags) })) != nil {
            open.immutable = flags & si_fs_immutable_fl != 0
            open.appendOnly = flags & si_fs_append_fl != 0
        }
        // The mount the path goes through; btrfs subvolumes have an st_dev that mountinfo does not list.
        let mount = mounts.entry(containing: canonical, device: area.status.device) ?? mounts.entry(containing: canonical)
        if let mount {
            if mount.superblockReadOnly { open.readOnlySuperblock = mount.mountPoint }
            if mount.readOnly { open.readOnlyMount = mount.mountPoint }
        }
        return open
    }

    /// A block device: whether a file system is mounted from it, a device is stacked on it, or another
    /// process holds it exclusively. An active swap device holds itself: `active` skips the probe.
    static func blockDevice(_ area: OpenedArea, canonical: String, active: Bool, mounts: MountTable) -> OpenFacts {
        var open = OpenFacts()
        let number = MountTable.number(area.status.rdev)
        // btrfs lists an anonymous MAJ:MIN: its mounts are found by their source.
        open.mountedAt = mounts.entries.first { $0.device == number || ($0.source.hasPrefix("/") && canonicalPath($0.source) == canonical) }?
            .mountPoint
        open.holders = directoryEntries("/sys/dev/block/\(number)/holders")
        if !active && open.mountedAt == nil && open.holders.isEmpty {
            open.claimedElsewhere = isClaimedExclusively(canonical)
        }
        return open
    }

    /// Tries the exclusive claim swapon(2) makes, read-only and non-blocking: EBUSY means someone holds
    /// the device `O_EXCL`. A successful probe holds the claim only until the descriptor is closed at once.
    static func isClaimedExclusively(_ path: String) -> Bool {
        do {
            let fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.exclusiveCreate, .nonBlocking, .closeOnExec])
            try? fd.close()
            return false
        } catch {
            return (error as? Errno) == .resourceBusy
        }
    }

    /// The names in a directory, sorted; none when it cannot be read.
    static func directoryEntries(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
