internal import CSwapInspectLinux
import SwapInspectCore
import SystemPackage

/// A regular file or block device opened read-only and non-blocking, checked to be the object stat(2)
/// named, with its size and its first bytes. The caller closes it.
struct OpenedArea {
    let fd: FileDescriptor
    /// fstat(2) of the descriptor.
    let status: FileStatus
    /// i_size of a file, BLKGETSIZE64 of a block device.
    let size: UInt64
    /// The first 64 KiB (fewer for a short area), enough for a signature at any page size.
    let header: [UInt8]

    /// Opens `path`, which stat(2) showed as `expected`.
    static func open(_ path: String, expecting expected: FileStatus) throws(AreaError) -> OpenedArea {
        let fd = try openReadOnly(path)
        var opened = false
        defer { if !opened { try? fd.close() } }
        let status: FileStatus
        do {
            status = try Stat.fstat(fd)
        } catch {
            throw AreaError(path: path, operation: "cannot stat", errno: error)
        }
        guard status.isSameObject(as: expected) else {
            throw AreaError(path: path, operation: "cannot open", reason: "the path changed while it was being opened")
        }
        let size = try areaSize(fd, status, path: path)
        let header = try readHeader(fd, size: size, path: path)
        opened = true
        return OpenedArea(fd: fd, status: status, size: size, header: header)
    }

    func close() { try? fd.close() }

    /// Read-only and O_NONBLOCK: a path swapped for a FIFO between stat and open must not hang us.
    static func openReadOnly(_ path: String) throws(AreaError) -> FileDescriptor {
        do {
            return try FileDescriptor.open(FilePath(path), .readOnly, options: [.nonBlocking, .closeOnExec])
        } catch let error as Errno {
            throw AreaError(path: path, operation: "cannot open", errno: error)
        } catch {
            throw AreaError(path: path, operation: "cannot open", reason: "failed")
        }
    }

    static func areaSize(_ fd: FileDescriptor, _ status: FileStatus, path: String) throws(AreaError) -> UInt64 {
        guard status.isBlockDevice else { return status.size }
        var size: UInt64 = 0
        do {
            try syscall { si_blkgetsize64(fd.rawValue, &size) }
        } catch {
            throw AreaError(path: path, operation: "cannot get device size (BLKGETSIZE64)", errno: error)
        }
        return size
    }

    static func readHeader(_ fd: FileDescriptor, size: UInt64, path: String) throws(AreaError) -> [UInt8] {
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
                throw AreaError(path: path, operation: "cannot read the header page", errno: error as? Errno ?? .ioError)
            }
        }
        return Array(bytes[0..<done])
    }

    /// stat(2) of the target; a dangling symlink is named as such rather than as a bare ENOENT.
    static func statNamingDanglingLinks(_ path: String) throws(AreaError) -> FileStatus {
        do {
            return try Stat.stat(path)
        } catch {
            if error == .noSuchFileOrDirectory, let link = try? Stat.stat(path, follow: false), link.isSymlink {
                throw AreaError(
                    path: path, operation: "cannot stat", errno: error, reason: "dangling symbolic link to \(readLink(path) ?? "?")")
            }
            throw AreaError(path: path, operation: "cannot stat", errno: error)
        }
    }
}
