internal import CSwapInspectLinux
import Glibc
import SwapInspectCore
import SystemPackage

/// Small text files (fstab) read whole and replaced atomically: the new contents go to a temporary
/// file in the same directory (`.NAME.swapinspect-XXXXXX`, the old file's mode and owner, 0644 and the
/// caller's owner for a new one), fsync(2), rename(2) over the old name, fsync(2) of the directory. A
/// reader sees the old file or the new one, never a part. Also `--output-file`'s textfile for
/// node_exporter (the temporary name does not end in .prom, so the collector skips it).
public enum AtomicFile {
    /// The largest file read (an fstab is a few KiB).
    static let limit = 16 << 20

    /// The contents, or nil when the file does not exist.
    public static func read(_ path: String) throws(AreaError) -> [UInt8]? {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.nonBlocking, .closeOnExec])
        } catch let error as Errno {
            if error == .noSuchFileOrDirectory { return nil }
            throw AreaError(path: path, operation: "cannot open", errno: error)
        } catch {
            throw AreaError(path: path, operation: "cannot open", reason: "failed")
        }
        defer { try? fd.close() }
        guard let status = try? Stat.fstat(fd), status.isRegular else {
            throw AreaError(path: path, operation: "cannot read", errno: .invalidArgument, reason: "not a regular file")
        }
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while contents.count <= limit {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd.rawValue, $0.baseAddress, $0.count) }
            if count < 0 {
                let code = Errno(rawValue: Glibc.errno)
                if code == .interrupted { continue }
                throw AreaError(path: path, operation: "cannot read", errno: code)
            }
            if count == 0 { return contents }
            contents += buffer[0..<count]
        }
        throw AreaError(path: path, operation: "cannot read", errno: .fileTooLarge, reason: "larger than \(limit) bytes")
    }

    /// Replaces (or creates) `path` with `contents`.
    public static func replace(_ path: String, with contents: [UInt8]) throws(AreaError) {
        let (directoryPart, name) = CreateTarget.split(path)
        guard let directory = canonicalPath(directoryPart) else {
            throw AreaError(path: path, operation: "cannot write", errno: .noSuchFileOrDirectory, reason: "the directory \(directoryPart) does not exist")
        }
        let old = try? Stat.stat("\(directory)/\(name)")
        let directoryFD: FileDescriptor
        do {
            directoryFD = try FileDescriptor.open(FilePath(directory), .readOnly, options: [.directory, .closeOnExec])
        } catch {
            throw AreaError(path: path, operation: "cannot open the directory \(directory)", errno: (error as? Errno) ?? .ioError)
        }
        defer { try? directoryFD.close() }
        let (temporary, fd) = try TemporarySwapFile.openExclusive(directoryFD, prefix: ".\(name).swapinspect-", path: path)
        defer { try? fd.close() }
        var renamed = false
        defer {
            if !renamed { _ = unlinkat(directoryFD.rawValue, temporary, 0) }
            si_cleanup_disarm()
        }
        do {
            try syscall { fchmod(fd.rawValue, mode_t((old?.mode ?? 0o644) & 0o7777)) }
            if let old { try syscall { fchown(fd.rawValue, old.uid, old.gid) } }
        } catch {
            throw AreaError(path: path, operation: "cannot give the new file the old one's mode and owner", errno: error)
        }
        do {
            try fd.writeAll(contents)
        } catch {
            throw AreaError(path: path, operation: "cannot write the new file", errno: (error as? Errno) ?? .ioError)
        }
        si_cleanup_block(1)
        defer { si_cleanup_block(0) }
        do {
            try syscall { fsync(fd.rawValue) }
            try syscall { renameat(directoryFD.rawValue, temporary, directoryFD.rawValue, name) }
        } catch {
            throw AreaError(path: path, operation: "cannot replace the file", errno: error)
        }
        renamed = true
        _ = fsync(directoryFD.rawValue)
    }
}
