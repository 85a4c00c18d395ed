internal import CSwapInspectImage
import Glibc
import SwapInspectCore
internal import SwapInspectLinux

/// Where a path of the booted system lies on a kernel-mounted file system: the fstab entry covering it
/// (the longest mount point that is a prefix), the subvolume that entry mounts, and the rest of the path.
struct MountedPath: Equatable {
    /// The mount point in the booted system (`/`, `/swap`).
    var mountPoint: String
    /// The path below it, without a leading slash (empty: the mount point itself).
    var relative: String
    /// The entry's `subvol=` or `subvolid=` option, nil for the default subvolume.
    var subvolume: String?
}

/// What the default subvolume holds: the image's fstab, and the subvolume the root is in.
struct MountedRoot {
    var entries: [FstabEntry] = []
    /// `subvol=@` where /etc/fstab was found in a subvolume `@` below the default one, else nil.
    var subvolume: String?
}

extension ImageAuditRun {
    /// Where /etc/fstab is looked for when the default subvolume has none: the root subvolumes of
    /// Ubuntu and Arch (`@`), the Debian installer (`@rootfs`) and Fedora (`root`).
    static let rootSubvolumes = ["@", "@rootfs", "root"]

    /// The booted system's view of `path`: the longest fstab mount point above it decides; nil when
    /// that mount is another file system. No entry: the root subvolume.
    static func mountedPath(
        _ path: String, entries: [FstabEntry], isThisFilesystem: (FstabEntry) -> Bool, rootSubvolume: String?
    ) -> MountedPath? {
        var best: (entry: FstabEntry, point: String)?
        for entry in entries where !entry.isSwap && entry.file.hasPrefix("/") {
            let point = entry.file.count > 1 && entry.file.hasSuffix("/") ? String(entry.file.dropLast()) : entry.file
            let covers = point == "/" || path == point || path.hasPrefix(point + "/")
            if covers && point.count >= (best?.point.count ?? 0) { best = (entry, point) }
        }
        let relative = { (point: String) in String(path.dropFirst(point.count).drop { $0 == "/" }) }
        guard let best else { return MountedPath(mountPoint: "/", relative: relative("/"), subvolume: rootSubvolume) }
        guard isThisFilesystem(best.entry) else { return nil }
        let subvolume = best.entry.options.last { $0.hasPrefix("subvol=") || $0.hasPrefix("subvolid=") }
        return MountedPath(mountPoint: best.point, relative: relative(best.point), subvolume: subvolume)
    }

    /// The image's /etc/fstab on the default subvolume, else in one of the usual root subvolumes.
    mutating func mountedRoot(_ mount: KernelMount, area: ImageArea) -> MountedRoot {
        let rootFD = si_open_directory_path(mount.directory)
        guard rootFD >= 0 else { return MountedRoot() }
        defer { close(rootFD) }
        for prefix in [""] + Self.rootSubvolumes.map({ "/" + $0 }) {
            let fd = si_open_in_root(rootFD, prefix + Self.fstab)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            let name = AreaError.path(Self.fstab, inside: area.name)
            let text: (bytes: [UInt8], size: UInt64)
            do {
                text = try Self.readMounted(fd, limit: Self.fstabLimit, name: name)
            } catch {
                audit.errors.append(error)
                return MountedRoot()
            }
            let entries = options.paths.isEmpty ? parsedFstab(text.bytes, size: text.size, name: name) : FstabParser.parse(String(decoding: text.bytes, as: UTF8.self)).entries
            return MountedRoot(entries: entries, subvolume: prefix.isEmpty ? nil : "subvol=" + prefix.dropFirst())
        }
        return MountedRoot()
    }

    /// Up to `limit` bytes of a file opened with `si_open_in_root`, and its size.
    static func readMounted(_ pathFD: Int32, limit: Int, name: String) throws(AreaError) -> (bytes: [UInt8], size: UInt64) {
        let fd = open("/proc/self/fd/\(pathFD)", O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw AreaError(path: name, operation: "cannot open", errnoCode: errno) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw AreaError(path: name, operation: "cannot stat", errnoCode: errno) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw AreaError(path: name, operation: "cannot read", reason: "not a regular file")
        }
        var bytes = [UInt8](repeating: 0, count: min(limit, Int(status.st_size)))
        var done = 0
        while done < bytes.count {
            let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(done)) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw AreaError(path: name, operation: "cannot read", errnoCode: errno) }
            if got == 0 { break }
            done += got
        }
        return (Array(bytes[0..<done]), UInt64(status.st_size))
    }

    /// One swap file on the mounted subvolume: opened inside the image's tree only (symbolic links
    /// resolve in it, never into the host's), read with LiveArea, and judged as the image would boot.
    mutating func auditMountedFile(
        _ mount: KernelMount, _ request: (path: String, entry: FstabEntry?, explicit: Bool), _ target: MountedPath, type: String,
        index: Int, audited: inout Set<[UInt64]>
    ) {
        let area = areas[index]
        let name = AreaError.path(request.path, inside: area.name)
        let rootFD = si_open_directory_path(mount.directory)
        let fd = rootFD < 0 ? -1 : si_open_in_root(rootFD, target.relative.isEmpty ? "." : target.relative)
        let code = errno
        if rootFD >= 0 { close(rootFD) }
        guard fd >= 0 else {
            guard request.explicit else { return }
            let error = AreaError(path: name, operation: "cannot open (inside the image)", errnoCode: code)
            if request.entry == nil && selected.count > 1 { pathMisses[request.path, default: []].append(error) } else { audit.errors.append(error) }
            return
        }
        defer { close(fd) }
        pathHits.insert(request.path)
        var status = stat()
        fstat(fd, &status)
        guard status.st_mode & S_IFMT == S_IFREG else {
            audit.errors.append(Self.notRegularFile(name, fileTypeDescription(UInt32(status.st_mode))))
            return
        }
        guard audited.insert([UInt64(status.st_dev), UInt64(status.st_ino)]).inserted else { return }
        var facts: AreaFacts
        do {
            facts = try LiveArea.facts(for: "/proc/self/fd/\(fd)")
        } catch {
            var error = error
            error.path = name
            audit.errors.append(error)
            return
        }
        bootedView(&facts, mount: mount, request: request, target: target, area: area, type: type)
        var report = Inspector.inspect(facts, options: InspectOptions(pageSize: options.pageSize))
        report.image = kernelMountPlace(area, type: type, subvolume: target.subvolume)
        append(report, area: index)
    }
}
