internal import CSwapInspectLinux
import Glibc
import SwapInspectCore
import SystemPackage

/// How to look at a live swap area.
public struct LiveOptions: Sendable {
    public var mapper: MapperChoice
    public var sync: Bool

    public init(mapper: MapperChoice = .auto, sync: Bool = false) {
        self.mapper = mapper
        self.sync = sync
    }
}

/// Reads a swap file or swap device on this machine into the core's `AreaFacts`.
/// Opens read-only and non-blocking; never writes.
public enum LiveArea {
    public static func facts(for path: String, options: LiveOptions = LiveOptions()) -> Result<AreaFacts, AreaError> {
        let status: FileStatus
        switch statNamingDanglingLinks(path) {
        case .success(let value): status = value
        case .failure(let error): return .failure(error)
        }
        let canonical = canonicalPath(path) ?? path
        let swaps = SwapControl.activeAreas()

        guard status.isRegular || status.isBlockDevice else {
            return .success(
                AreaFacts(
                    path: canonical, kind: .other, size: status.size, mode: status.mode, uid: status.uid, gid: status.gid,
                    headerBytes: [], specialFile: status.specialFile))
        }

        let fd: FileDescriptor
        switch openReadOnly(path) {
        case .success(let value): fd = value
        case .failure(let error): return .failure(error)
        }
        defer { try? fd.close() }
        let opened: FileStatus
        switch Stat.fstat(fd) {
        case .success(let value): opened = value
        case .failure(let error): return .failure(AreaError(path: path, operation: "cannot stat", errno: error))
        }
        guard opened.device == status.device, opened.inode == status.inode, opened.type == status.type else {
            return .failure(AreaError(path: path, operation: "cannot open", reason: "the path changed while it was being opened"))
        }

        let active = activeEntry(swaps, matching: opened)
        let priority = active?.priority ?? ProcSwaps.nextAutoPriority(swaps)

        let size: UInt64
        let header: [UInt8]
        switch areaSize(fd, opened, path: path).flatMap({ size in readHeader(fd, size: size, path: path).map { (size, $0) } }) {
        case .success(let value): (size, header) = value
        case .failure(let error): return .failure(error)
        }

        if opened.isBlockDevice {
            var facts = AreaFacts(
                    path: canonical, kind: .blockDevice, size: size, mode: opened.mode, uid: opened.uid, gid: opened.gid,
                    headerBytes: header, source: .blockDevice, nonRotational: !isRotational(opened.rdev), priority: priority,
                    active: active)
            facts.supportsDiscard = supportsDiscard(opened.rdev)
            return .success(facts)
        }

        var magic: UInt64 = 0
        var fsBlockSize: UInt64 = 0
        if case .failure(let error) = syscall({ si_fstatfs(fd.rawValue, &magic, &fsBlockSize) }) {
            return .failure(AreaError(path: path, operation: "cannot statfs", errno: error))
        }
        var blockSize: UInt32 = 0
        if case .failure = syscall({ si_figetbsz(fd.rawValue, &blockSize) }) {
            blockSize = UInt32(truncatingIfNeeded: fsBlockSize)
        }
        let mount = MountTable.entry(forDevice: opened.device)
            ?? (magic == FilesystemMagic.btrfs ? MountTable.entry(containing: canonical) : nil)
        let deviceName = blockDeviceName(opened.device)
        let ext4Driver = deviceName.map { Stat.stat("/sys/fs/ext4/\($0)").isSuccess } ?? true
        let kind = FilesystemCatalog.classify(magic: magic, mountType: mount?.type, ext4Driver: ext4Driver)
        let filesystem = FilesystemFacts(
            kind: kind, blockSize: Int(blockSize), device: mount?.source ?? deviceName.map { "/dev/\($0)" })

        var facts = AreaFacts(
            path: canonical, kind: .file, size: size, mode: opened.mode, uid: opened.uid, gid: opened.gid,
            filesystem: filesystem, headerBytes: header, nonRotational: !isRotational(opened.device), priority: priority,
            active: active, allocatedBytes: opened.blocks * 512)
        facts.supportsDiscard = supportsDiscard(opened.device)

        // No point mapping what the kernel refuses before it looks at blocks.
        if case .refused = kind.swapSupport { return .success(facts) }
        switch mapExtents(fd, path: path, size: size, blockSize: blockSize, options: options) {
        case .success(let (found, source, notes)):
            var mapped = found
            if magic == FilesystemMagic.xfs, source == .fiemap, mapped.tally.flags.contains(.shared) {
                mapped = settleXFSInactivation(fd, mapped: mapped)
            }
            facts.setExtents(mapped.extents, tally: mapped.tally)
            facts.source = source
            facts.notes = notes
        case .failure(let error):
            return .failure(error)
        }
        if magic == FilesystemMagic.btrfs {
            switch BtrfsArea.gather(fd, inode: opened.inode, mountSource: mount?.source) {
            case .success(let gathered):
                facts.btrfs = gathered.facts
                facts.btrfs?.mountPoint = mount.map(\.mountPoint).flatMap { $0.isEmpty ? nil : $0 }
                facts.notes += gathered.notes
                adoptSwapDevice(&facts, gathered)
            case .failure(let error):
                return .failure(AreaError(path: path, operation: error.operation, errno: error.errno))
            }
        }
        return .success(facts)
    }

    /// btrfs sets `si->bdev` to the device holding the file (stripe 0 of its first extent's chunk), not
    /// the anonymous device stat(2) reports: `SS` and discard follow that device.
    static func adoptSwapDevice(_ facts: inout AreaFacts, _ gathered: BtrfsArea.Gathered) {
        let candidates = gathered.swapDevice.map { [$0] } ?? gathered.facts.devices.map(\.path)
        let devices = candidates.compactMap { path -> UInt64? in
            guard case .success(let status) = Stat.stat(path), status.isBlockDevice else { return nil }
            return status.rdev
        }
        guard let first = devices.first else { return }
        let rotational = Set(devices.map(isRotational))
        let discard = Set(devices.map(supportsDiscard))
        facts.nonRotational = !isRotational(first)
        facts.supportsDiscard = supportsDiscard(first)
        if rotational.count > 1 || discard.count > 1 {
            facts.notes.append(
                "the devices of this file system differ in rotation or discard support, and which one holds the file is unknown: the SS and discard flags of the kernel line may differ")
        }
    }

    /// Polls of `settleXFSInactivation`, and the pause before each: 200 ms at most, only for XFS files
    /// that FIEMAP shows as shared.
    static let xfsInactivationPolls = 20
    static let xfsInactivationPause: useconds_t = 10_000

    /// `xfs_vm_swap_activate` calls `xfs_inodegc_flush` before mapping the file: extents shared only with
    /// a clone that was just unlinked are unshared by the time the kernel looks, once background inode
    /// inactivation has updated the refcount btree. Userspace cannot wait for that work, but statfs(2)
    /// expedites it (`xfs_inodegc_push`, ≥5.19), so push and map again for a moment before believing
    /// FIEMAP_EXTENT_SHARED. Extents that stay shared are really shared (a live reflink).
    static func settleXFSInactivation(_ fd: FileDescriptor, mapped: MappedExtents) -> MappedExtents {
        var current = mapped
        for _ in 0..<xfsInactivationPolls {
            var magic: UInt64 = 0
            var blockSize: UInt64 = 0
            _ = syscall { si_fstatfs(fd.rawValue, &magic, &blockSize) }
            usleep(xfsInactivationPause)
            guard case .success(let remapped) = ExtentMapper.fiemap(fd, sync: false) else { break }
            current = remapped
            if !current.tally.flags.contains(.shared) { break }
        }
        return current
    }

    /// stat(2) of the target; a dangling symlink is named as such rather than as a bare ENOENT.
    static func statNamingDanglingLinks(_ path: String) -> Result<FileStatus, AreaError> {
        switch Stat.stat(path) {
        case .success(let status): return .success(status)
        case .failure(let error):
            if error == .noSuchFileOrDirectory, case .success(let link) = Stat.stat(path, follow: false), link.isSymlink {
                return .failure(
                    AreaError(path: path, operation: "cannot stat", errno: error, reason: "dangling symbolic link to \(readLink(path) ?? "?")"))
            }
            return .failure(AreaError(path: path, operation: "cannot stat", errno: error))
        }
    }

    /// Read-only and O_NONBLOCK: a path swapped for a FIFO between stat and open must not hang us.
    static func openReadOnly(_ path: String) -> Result<FileDescriptor, AreaError> {
        do {
            return .success(try FileDescriptor.open(FilePath(path), .readOnly, options: [.nonBlocking, .closeOnExec]))
        } catch {
            return .failure(AreaError(path: path, operation: "cannot open", errno: error as? Errno))
        }
    }

    static func mapExtents(
        _ fd: FileDescriptor, path: String, size: UInt64, blockSize: UInt32, options: LiveOptions
    ) -> Result<(MappedExtents, ExtentSource, [String]), AreaError> {
        if options.mapper != .fibmap {
            // At most one extent per block, plus one for blocks preallocated past the end of the file.
            let expected = blockSize > 0 ? size / UInt64(blockSize) + 1 : 0
            switch ExtentMapper.fiemap(fd, sync: options.sync, expected: expected) {
            case .success(let extents): return .success((extents, .fiemap, []))
            case .failure(let error):
                let unsupported = [EOPNOTSUPP, ENOSYS, ENOTTY, EINVAL].contains(error.rawValue)
                if options.mapper == .fiemap || !unsupported {
                    return .failure(AreaError(path: path, operation: "FIEMAP failed", errno: error))
                }
            }
        }
        guard blockSize > 0 else {
            return .failure(AreaError(path: path, operation: "FIBMAP failed", reason: "the file system reports no block size"))
        }
        switch ExtentMapper.fibmap(fd, size: size, blockSize: blockSize) {
        case .success(let extents):
            return .success((MappedExtents(extents), .fibmap, ["FIBMAP answers 0 for unwritten (preallocated) blocks as for holes: both show as holes here"]))
        case .failure(let error):
            if error == .notPermitted {
                return .failure(
                    AreaError(path: path, operation: "FIBMAP failed", errno: error, reason: "FIBMAP needs CAP_SYS_RAWIO: run as root"))
            }
            return .failure(AreaError(path: path, operation: "FIBMAP failed", errno: error))
        }
    }

    /// i_size of a file, BLKGETSIZE64 of a block device.
    static func areaSize(_ fd: FileDescriptor, _ status: FileStatus, path: String) -> Result<UInt64, AreaError> {
        guard status.isBlockDevice else { return .success(status.size) }
        var size: UInt64 = 0
        if case .failure(let error) = syscall({ si_blkgetsize64(fd.rawValue, &size) }) {
            return .failure(AreaError(path: path, operation: "cannot get device size (BLKGETSIZE64)", errno: error))
        }
        return .success(size)
    }

    /// The first 64 KiB (fewer for a short area), enough for a signature at any page size.
    static func readHeader(_ fd: FileDescriptor, size: UInt64, path: String) -> Result<[UInt8], AreaError> {
        let length = Int(min(UInt64(SwapHeaderLayout.probeLength), size))
        var bytes = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            do {
                let count = try bytes.withUnsafeMutableBytes { buffer in
                    try fd.read(fromAbsoluteOffset: Int64(done), into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
                }
                if count == 0 { break }
                done += count
            } catch {
                return .failure(AreaError(path: path, operation: "cannot read the header page", errno: error as? Errno ?? .ioError))
            }
        }
        return .success(Array(bytes[0..<done]))
    }

    /// The /proc/swaps line of the area this descriptor names, matched by inode (file) or device (block).
    static func activeEntry(_ entries: [ProcSwapsEntry], matching status: FileStatus) -> ProcSwapsEntry? {
        entries.first { entry in
            guard !entry.deleted, case .success(let other) = Stat.stat(entry.name) else { return false }
            if status.isBlockDevice { return other.isBlockDevice && other.rdev == status.rdev }
            return other.device == status.device && other.inode == status.inode
        }
    }

    /// The kernel name of a block device (`loop0`, `vda1`) from /sys/dev/block/MAJ:MIN.
    static func blockDeviceName(_ dev: UInt64) -> String? {
        let (major, minor) = deviceNumbers(dev)
        guard let target = readLink("/sys/dev/block/\(major):\(minor)") else { return nil }
        return target.split(separator: "/").last.map(String.init)
    }

    /// A queue attribute of the device, or of its parent disk for a partition (whose directory has no queue/).
    static func queueAttribute(_ dev: UInt64, _ name: String) -> Substring? {
        let (major, minor) = deviceNumbers(dev)
        let base = "/sys/dev/block/\(major):\(minor)"
        for directory in ["\(base)/queue", "\(base)/../queue"] {
            if let text = readTextFile("\(directory)/\(name)") { return text.split(separator: "\n").first ?? "" }
        }
        return nil
    }

    /// queue/discard_max_bytes is not 0. Unknown counts as no discard.
    static func supportsDiscard(_ dev: UInt64) -> Bool {
        queueAttribute(dev, "discard_max_bytes").flatMap { UInt64($0) }.map { $0 > 0 } ?? false
    }

    /// queue/rotational. Unknown counts as rotational.
    static func isRotational(_ dev: UInt64) -> Bool {
        queueAttribute(dev, "rotational").map { $0.hasPrefix("1") } ?? true
    }
}

extension Result {
    var isSuccess: Bool { failure == nil }

    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// /proc/self/mountinfo, enough to name a device's file system type and source.
enum MountTable {
    struct Entry {
        var type: String
        var source: String
        var mountPoint: String = ""
    }

    static func entry(forDevice dev: UInt64) -> Entry? {
        guard let text = readTextFile("/proc/self/mountinfo") else { return nil }
        let (major, minor) = deviceNumbers(dev)
        let wanted = "\(major):\(minor)"
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 2, fields[2] == wanted, let dash = fields.firstIndex(of: "-"), dash + 2 < fields.count
            else { continue }
            return Entry(
                type: String(fields[dash + 1]), source: ProcSwaps.unescape(fields[dash + 2]),
                mountPoint: fields.count > 4 ? ProcSwaps.unescape(fields[4]) : "")
        }
        return nil
    }

    /// The mount whose mount point is the longest prefix of an absolute, canonical `path` (the last one
    /// listed wins, as it covers the others). For btrfs, whose subvolumes each have an anonymous st_dev
    /// that mountinfo does not list.
    static func entry(containing path: String) -> Entry? {
        guard let text = readTextFile("/proc/self/mountinfo") else { return nil }
        var best: (length: Int, entry: Entry)?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 4, let dash = fields.firstIndex(of: "-"), dash + 2 < fields.count else { continue }
            let mountPoint = ProcSwaps.unescape(fields[4])
            let inside = mountPoint == "/" || path == mountPoint || path.hasPrefix(mountPoint + "/")
            guard inside, mountPoint.count >= (best?.length ?? -1) else { continue }
            best = (mountPoint.count, Entry(type: String(fields[dash + 1]), source: ProcSwaps.unescape(fields[dash + 2]), mountPoint: mountPoint))
        }
        return best?.entry
    }
}
