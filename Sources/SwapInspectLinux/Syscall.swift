internal import CSwapInspectLinux
import Glibc
import SwapInspectCore
import SystemPackage

/// A failed operation on a path, with the errno when there is one. Rendered as
/// `PATH: operation: reason`, one line.
public struct AreaError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var errno: Errno?
    public var reason: String

    public init(path: String, operation: String, errno: Errno? = nil, reason: String? = nil) {
        self.path = path
        self.operation = operation
        self.errno = errno
        self.reason = reason ?? errno.map(errorText) ?? "failed"
    }

    public var description: String { "\(path): \(operation): \(reason)" }
}

/// The one seam every raw syscall goes through: retries EINTR and turns -1 into a typed `Errno`.
@inline(__always)
func syscall(_ body: () -> Int32) -> Result<Int32, Errno> {
    while true {
        let result = body()
        if result >= 0 { return .success(result) }
        let code = Errno(rawValue: Glibc.errno)
        if code == .interrupted { continue }
        return .failure(code)
    }
}

/// stat(2) / lstat(2) / fstat(2) results that matter here.
struct FileStatus {
    var mode: UInt32
    var uid: UInt32
    var gid: UInt32
    var size: UInt64
    var blocks: UInt64
    var device: UInt64
    var rdev: UInt64
    var inode: UInt64

    init(_ raw: stat) {
        mode = raw.st_mode
        uid = raw.st_uid
        gid = raw.st_gid
        size = UInt64(max(raw.st_size, 0))
        blocks = UInt64(max(raw.st_blocks, 0))
        device = UInt64(raw.st_dev)
        rdev = UInt64(raw.st_rdev)
        inode = UInt64(raw.st_ino)
    }

    var type: UInt32 { mode & UInt32(S_IFMT) }
    var isRegular: Bool { type == UInt32(S_IFREG) }
    var isBlockDevice: Bool { type == UInt32(S_IFBLK) }
    var isSymlink: Bool { type == UInt32(S_IFLNK) }

    /// What a non-regular, non-block object is.
    var specialFile: SpecialFile {
        switch type {
        case UInt32(S_IFDIR): .directory
        case UInt32(S_IFIFO): .fifo
        case UInt32(S_IFSOCK): .socket
        case UInt32(S_IFCHR): .characterDevice
        default: .other
        }
    }
}

private func statFollowing(_ path: String, _ raw: inout Glibc.stat) -> Int32 { stat(path, &raw) }

enum Stat {
    static func stat(_ path: String, follow: Bool = true) -> Result<FileStatus, Errno> {
        var raw = Glibc.stat()
        let result = syscall { follow ? statFollowing(path, &raw) : lstat(path, &raw) }
        return result.map { _ in FileStatus(raw) }
    }

    static func fstat(_ fd: FileDescriptor) -> Result<FileStatus, Errno> {
        var raw = Glibc.stat()
        return syscall { Glibc.fstat(fd.rawValue, &raw) }.map { _ in FileStatus(raw) }
    }
}

func deviceNumbers(_ dev: UInt64) -> (major: UInt32, minor: UInt32) {
    // glibc's gnu_dev_major/gnu_dev_minor encoding of dev_t
    let major = ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~UInt64(0xFFF))
    let minor = (dev & 0xFF) | ((dev >> 12) & ~UInt64(0xFF))
    return (UInt32(truncatingIfNeeded: major), UInt32(truncatingIfNeeded: minor))
}

/// The whole content of a small kernel text file (/proc, /sys); nil when it cannot be read.
func readTextFile(_ path: String, limit: Int = 1 << 22) -> String? {
    guard let fd = try? FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking]) else {
        return nil
    }
    defer { try? fd.close() }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while bytes.count < limit {
        guard let count = try? chunk.withUnsafeMutableBytes({ try fd.read(into: $0) }), count > 0 else { break }
        bytes += chunk[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// The target of a symbolic link, or nil.
func readLink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink(path, &buffer, buffer.count - 1)
    guard count >= 0 else { return nil }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// realpath(3): the absolute path without symlinks, as util-linux swapon passes it to the kernel.
func canonicalPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// This machine's page size.
public func systemPageSize() -> Int { Int(si_page_size()) }
