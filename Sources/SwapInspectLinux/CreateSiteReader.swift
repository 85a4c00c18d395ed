internal import CSwapInspectLinux
import Glibc
import SwapInspectCore
import SystemPackage

/// Where `swapinspect create` is to put a swap file: the directory (its file system, mount and flags,
/// read through an O_DIRECTORY descriptor) and what the target name holds now. Reads only.
public struct CreateTarget: Sendable {
    /// The canonical directory, and the file name in it.
    public var directory: String
    public var name: String
    public var site: CreateSite
    public var existing: Existing?

    /// The canonical path of the target (what the kernel and /proc/swaps will call it).
    public var path: String { directory == "/" ? "/\(name)" : "\(directory)/\(name)" }

    /// What the target name holds before anything is done.
    public struct Existing: Sendable {
        public var isRegular: Bool
        public var isSymlink: Bool
        /// Its /proc/swaps entry when it is an active swap area.
        public var active: ProcSwapsEntry?
    }

    /// The survey of `path`'s directory and name; throws when the directory cannot be opened or the
    /// name cannot be a file (`.`, `..`, a trailing slash).
    public static func survey(_ path: String) throws(AreaError) -> CreateTarget {
        let (directoryPart, name) = split(path)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw AreaError(path: path, operation: "cannot create", errno: .isDirectory, reason: "the path names a directory, not a file")
        }
        guard let directory = canonicalPath(directoryPart) else {
            throw AreaError(path: path, operation: "cannot create", errno: .noSuchFileOrDirectory, reason: "the directory \(directoryPart) does not exist")
        }
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(directory), .readOnly, options: [.directory, .closeOnExec])
        } catch let error as Errno {
            throw AreaError(path: path, operation: "cannot open the directory \(directory)", errno: error)
        } catch {
            throw AreaError(path: path, operation: "cannot open the directory \(directory)", reason: "failed")
        }
        defer { try? fd.close() }
        let site = try readSite(fd, directory: directory, path: path)
        var target = CreateTarget(directory: directory, name: name, site: site, existing: nil)
        if let status = try? Stat.stat(target.path, follow: false) {
            let active = status.isRegular ? LiveArea.activeEntry(SwapControl.activeAreas(), matching: status) : nil
            target.existing = Existing(isRegular: status.isRegular, isSymlink: status.isSymlink, active: active)
        }
        return target
    }

    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    /// statfs (the file system and its swap support), statvfs (read-only), the directory's chattr flags,
    /// and on btrfs what `btrfs_swap_activate` will look at.
    static func readSite(_ fd: FileDescriptor, directory: String, path: String) throws(AreaError) -> CreateSite {
        let geometry: FilesystemGeometry
        let status: FileStatus
        do {
            geometry = try FilesystemGeometry.read(fd)
            status = try Stat.fstat(fd)
        } catch {
            throw AreaError(path: path, operation: "cannot statfs \(directory)", errno: error)
        }
        let mounts = MountTable.read()
        let mount = mounts.entry(forDevice: status.device)
            ?? (geometry.magic == FilesystemMagic.btrfs ? mounts.entry(containing: directory) : nil)
        let filesystem = LiveArea.filesystemFacts(geometry, device: status.device, mount: mount)
        var site = CreateSite(directory: directory, filesystem: filesystem.kind, blockSize: filesystem.blockSize)
        site.modesFromMount = filesystem.modesFromMount != nil
        var readOnly: Int32 = 0
        if (try? syscall { si_fstatvfs_readonly(fd.rawValue, &readOnly) }) != nil { site.readOnly = readOnly != 0 }
        var flags: UInt32 = 0
        if (try? syscall { si_getflags(fd.rawValue, &flags) }) != nil {
            site.directoryImmutable = flags & (si_fs_immutable_fl | si_fs_append_fl) != 0
        }
        if geometry.magic == FilesystemMagic.btrfs { site.btrfs = btrfsSite(fd, flags: flags, inode: status.inode, mount: mount) }
        return site
    }

    /// Device count and data profiles (unprivileged), the subvolume's last snapshot (CAP_SYS_ADMIN).
    static func btrfsSite(_ fd: FileDescriptor, flags: UInt32, inode: UInt64, mount: MountTable.Entry?) -> CreateSite.Btrfs? {
        guard let facts = try? BtrfsArea.inodeAndFilesystem(fd, path: "", inode: inode, mountSource: mount?.source) else { return nil }
        var lastSnapshot: UInt64?
        if let subvolume = facts.subvolume,
            let root = try? BtrfsArea.search(fd, tree: BtrfsLayout.rootTree, objectid: subvolume, type: BtrfsLayout.rootItemKey).first
        {
            lastSnapshot = BtrfsLayout.lastSnapshot(root.body)
        }
        var site = CreateSite.Btrfs(
            deviceCount: facts.deviceCount, dataProfiles: facts.dataSpaceFlags.map { $0.map { $0 & BtrfsLayout.profileMask } },
            lastSnapshot: lastSnapshot, subvolume: facts.subvolume)
        site.directoryCompress = flags & si_fs_compr_fl != 0
        return site
    }
}
