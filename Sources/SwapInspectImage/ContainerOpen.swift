import Glibc
import SwapInspectCore

/// How the bytes of the disk inside an image are read.
enum ImageAccess: String {
    /// pread on the image itself (raw).
    case direct
    /// qemu-storage-daemon's read-only FUSE export of the container's disk.
    case qemuStorageDaemon = "qemu-storage-daemon"
}

/// The container format of the image (ContainerProbe, from its magic bytes), and for every format but
/// raw the qemu export its disk is read through.
extension ImageAuditRun {
    /// Most qcow2 backing files followed with --allow-backing-file (qemu's own limit is far larger).
    static let maxBackingChain = 16

    /// Detects the format and, for a container, starts the export and reopens `file` on it. False (with
    /// the error recorded) when the header is unreadable, it names other files without
    /// --allow-backing-file, or qemu cannot read it.
    mutating func openContainer() -> Bool {
        let info: ContainerInfo
        do {
            info = try ContainerProbe.detect(size: file.size, read: reader(file))
        } catch {
            fail(error.reason)
            return false
        }
        container = info
        guard info.format != .raw else { return true }
        do {
            var request = QemuExport.Request(image: image, format: info.format, isBlockDevice: file.isBlockDevice)
            request.backing = try vetReferences(info)
            let export = try QemuExport.start(request, name: image)
            self.export = export
            file = try ImageFile.open(export.path, name: image)
            file.prefetch(Self.probedEnds(size: file.size))
            source = export.path
            access = .qemuStorageDaemon
            return true
        } catch {
            audit.errors.append(error)
            return false
        }
    }

    /// The other files the image names: refused without --allow-backing-file (naming the first), else
    /// the qcow2 backing chain with each link's format told from its own magic.
    func vetReferences(_ info: ContainerInfo) throws(AreaError) -> [(path: String, format: DiskImageFormat)] {
        guard let first = info.references.first else { return [] }
        guard options.allowBackingFile else {
            let more = info.references.count > 1 ? " (and \(info.references.count - 1) more)" : ""
            throw AreaError(
                path: image, operation: "refused",
                reason: "the \(info.format) image reads its \(first.kind) \(first.path)\(more); give --allow-backing-file to read it too")
        }
        try checkExtents(info)
        guard info.format == .qcow2 else { return [] }
        var chain: [(path: String, format: DiskImageFormat)] = []
        var current = (path: image, info: info)
        while let backing = current.info.references.first(where: { $0.kind == "backing file" }) {
            guard chain.count < Self.maxBackingChain else {
                throw AreaError(path: image, operation: "refused", reason: "a backing chain longer than \(Self.maxBackingChain) images")
            }
            let path = Self.resolve(backing.path, relativeTo: current.path)
            let next: ContainerInfo
            do {
                let backingFile = try ImageFile.open(path)
                next = try ContainerProbe.detect(size: backingFile.size, read: reader(backingFile))
            } catch let error as AreaError {
                throw AreaError(path: image, operation: "cannot read its backing file \(path)", errno: error.errno, reason: error.reason)
            } catch {
                throw AreaError(path: path, operation: "cannot audit", reason: (error as? ContainerError)?.reason ?? "unreadable")
            }
            if let recorded = backing.format, recorded != next.format.qemuDriver {
                throw AreaError(path: image, operation: "refused", reason: "its backing file \(path) is \(next.format), but the image records \(recorded)")
            }
            chain.append((path, next.format))
            current = (path, next)
        }
        return chain
    }

    /// A VMDK descriptor's extent files, each cut off or not as its own header and size say.
    func checkExtents(_ info: ContainerInfo) throws(AreaError) {
        for extent in info.extents {
            let path = Self.resolve(extent.file, relativeTo: image)
            do {
                let extentFile = try ImageFile.open(path)
                try ContainerProbe.checkVmdkExtent(extent, size: extentFile.size, read: reader(extentFile))
            } catch let error as AreaError {
                throw AreaError(path: image, operation: "cannot read its extent \(path)", errno: error.errno, reason: error.reason)
            } catch {
                throw AreaError(path: image, operation: "cannot audit", reason: (error as? ContainerError)?.reason ?? "unreadable")
            }
        }
    }

    /// The two ends of a disk libblkid's probes read in scattered small blocks (partition tables, the
    /// GPT backup, RAID and volume-manager superblocks at the end): under its POSIX_FADV_RANDOM each is
    /// a FUSE round trip to qemu; asked for ahead, at once, they are three 1 MiB requests (QemuExport's
    /// readahead). A raw image is read without a daemon in between, and is not asked for.
    static func probedEnds(size: UInt64) -> [(offset: UInt64, length: UInt64)] {
        let head = min(size, 1 << 20)
        let tail = min(size - head, 2 << 20)
        return [(0, head), (size - tail, tail)]
    }

    /// A backing file name as qemu resolves it: relative to the directory of the image that names it.
    static func resolve(_ name: String, relativeTo image: String) -> String {
        guard !name.hasPrefix("/"), let slash = image.lastIndex(of: "/") else { return name }
        return String(image[...slash]) + name
    }

    /// The container probe's reader over an opened image (nothing beyond its end).
    func reader(_ file: ImageFile) -> ContainerProbe.Reader {
        { offset, count in (try? file.read(offset: offset, count: count)) ?? [] }
    }

    /// Stops the export (after every reader of it is closed); a lifetime timeout becomes an error.
    mutating func closeContainer() {
        guard let export else { return }
        file = nil
        if export.timedOut {
            fail("qemu-storage-daemon was stopped after \(QemuExport.lifetimeSeconds) s: the audit is incomplete")
        }
        export.close()
        self.export = nil
    }
}
