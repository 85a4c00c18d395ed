import Glibc
import SwapInspectCore
import SystemPackage

/// What `activate` needs besides the area's facts: the file's dirty data written back as swapon(2)
/// does, the free memory a swapoff needs, the kernel log since boot, an fstab file.
extension SwapControl {
    /// fsync(2) of a regular file, as swapon(2) does before it maps one (`vfs_fsync` in
    /// `iomap_swapfile_activate`; `btrfs_swap_activate` waits for ordered extents): data in delayed
    /// allocation gets its blocks, so the preflight maps what the kernel will map. Opened read-only and
    /// non-blocking (fsync needs no write access); anything but a regular file is left alone. nil when
    /// done or not applicable; the errno of a failed fsync (EIO: swapon(2) would fail the same way).
    public static func flush(_ path: String) -> Errno? {
        guard let fd = try? FileDescriptor.open(FilePath(path), .readOnly, options: [.nonBlocking, .closeOnExec]) else {
            return nil  // the preflight reports why it cannot be opened
        }
        defer { try? fd.close() }
        var status = stat()
        guard fstat(fd.rawValue, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        do {
            try syscall { fsync(fd.rawValue) }
        } catch {
            return error
        }
        return nil
    }

    /// MemAvailable of /proc/meminfo, in KiB.
    public static func memoryAvailableKiB() -> UInt64? {
        readTextFile("/proc/meminfo").flatMap(MemInfo.availableKiB(in:))
    }

    /// Every record still in the kernel log (/dev/kmsg from its first record); nil when it cannot be read.
    public static func kernelLogSinceBoot() -> [String]? {
        KernelLogCursor(fromStart: true).drain()
    }
}

/// A live fstab file (`activate --all --fstab FILE`), read as libmount reads /etc/fstab.
public enum FstabReader {
    /// Most bytes read: far more than any real fstab.
    static let limit = 1 << 20

    /// The file's text. Opened non-blocking (a FIFO does not hang), only a regular file is read.
    public static func read(_ path: String) throws(AreaError) -> String {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.nonBlocking, .closeOnExec])
        } catch {
            throw AreaError(path: path, operation: "cannot open", errno: (error as? Errno) ?? .ioError)
        }
        defer { try? fd.close() }
        var status = stat()
        guard fstat(fd.rawValue, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw AreaError(path: path, operation: "cannot read", reason: "not a regular file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count < limit {
            let count: Int
            do {
                count = try chunk.withUnsafeMutableBytes { try fd.read(into: $0) }
            } catch {
                throw AreaError(path: path, operation: "cannot read", errno: (error as? Errno) ?? .ioError)
            }
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        guard bytes.count < limit else { throw AreaError(path: path, operation: "cannot read", reason: "larger than \(limit) bytes") }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension SwapControl {
    /// Why `path` cannot be named to swapoff(2) (missing, a dangling link, EACCES), or nil when it exists.
    public static func missing(_ path: String) -> AreaError? {
        do {
            _ = try OpenedArea.statNamingDanglingLinks(path)
            return nil
        } catch {
            return error
        }
    }
}
