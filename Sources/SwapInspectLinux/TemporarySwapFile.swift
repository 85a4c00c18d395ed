internal import CSwapInspectLinux
import Glibc
import SwapInspectCore
import SystemPackage

/// The new swap file under a temporary name beside its target (`.NAME.swapinspect-XXXXXX`), created
/// O_CREAT|O_EXCL|O_NOFOLLOW with mode 0600 and chowned to root:0 before a byte is written, locked
/// (flock) for as long as it lives, and removed on every failure and on SIGINT, SIGTERM and SIGHUP.
/// After SIGKILL it stays; the next `create` of the same target removes it (its lock is free then).
public final class TemporarySwapFile {
    public let target: CreateTarget
    public let name: String
    let directoryFD: FileDescriptor
    let fd: FileDescriptor
    private var committed = false
    private var removed = false

    /// The temporary file's canonical path, to inspect it.
    public var path: String { target.directory == "/" ? "/\(name)" : "\(target.directory)/\(name)" }

    /// The prefix of every temporary name of `target` (its stale files are found by it).
    static func prefix(_ target: CreateTarget) -> String { ".\(target.name).swapinspect-" }

    /// Bytes zeroed per write(2) where zeroes are written.
    static let zeroChunk = 1 << 20
    static let nameCharacters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    private init(target: CreateTarget, name: String, directoryFD: FileDescriptor, fd: FileDescriptor) {
        self.target = target
        self.name = name
        self.directoryFD = directoryFD
        self.fd = fd
    }

    deinit {
        if !committed { remove() }
        try? fd.close()
        try? directoryFD.close()
    }

    /// Removes the stale temporary files of `target` (theirs is a dead process's: their lock is free),
    /// then creates a new one. The directory is locked meanwhile, so that a concurrent `create` cannot
    /// take a file another is just making for stale. Returns the names removed too.
    public static func create(for target: CreateTarget) throws(AreaError) -> (file: TemporarySwapFile, removedStale: [String]) {
        let path = target.path
        let directoryFD: FileDescriptor
        do {
            directoryFD = try FileDescriptor.open(FilePath(target.directory), .readOnly, options: [.directory, .closeOnExec])
        } catch {
            throw AreaError(path: path, operation: "cannot open the directory \(target.directory)", errno: (error as? Errno) ?? .ioError)
        }
        do {
            try syscall { flock(directoryFD.rawValue, LOCK_EX) }
        } catch {
            try? directoryFD.close()
            throw AreaError(path: path, operation: "cannot lock the directory \(target.directory)", errno: error)
        }
        defer { _ = flock(directoryFD.rawValue, LOCK_UN) }
        let stale = removeStale(directoryFD, target: target)
        let name: String, fd: FileDescriptor
        do {
            (name, fd) = try openExclusive(directoryFD, prefix: prefix(target), path: path)
        } catch {
            try? directoryFD.close()
            throw error
        }
        // From here the file owns the directory descriptor and removes itself on failure (deinit).
        let file = TemporarySwapFile(target: target, name: name, directoryFD: directoryFD, fd: fd)
        try file.secure()
        return (file, stale)
    }

    /// A new name that did not exist, opened O_EXCL|O_NOFOLLOW, mode 0600 and locked.
    static func openExclusive(_ directoryFD: FileDescriptor, prefix: String, path: String) throws(AreaError) -> (String, FileDescriptor) {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let suffix = String(decoding: (0..<6).map { _ in nameCharacters.randomElement(using: &generator)! }, as: UTF8.self)
            let name = prefix + suffix
            let flags = O_CREAT | O_EXCL | O_NOFOLLOW | O_RDWR | O_CLOEXEC
            // Signals wait while the file exists unarmed: no window leaves it behind.
            si_cleanup_block(1)
            defer { si_cleanup_block(0) }
            let raw = openat(directoryFD.rawValue, name, flags, mode_t(0o600))
            if raw < 0 {
                let code = Errno(rawValue: Glibc.errno)
                if code == .fileExists || code == .interrupted { continue }
                throw AreaError(path: path, operation: "cannot create a temporary file in the directory", errno: code)
            }
            let fd = FileDescriptor(rawValue: raw)
            // Armed before anything else: from here a signal removes the file.
            if si_cleanup_arm(directoryFD.rawValue, name) != 0 {
                let code = Errno(rawValue: Glibc.errno)
                _ = unlinkat(directoryFD.rawValue, name, 0)
                try? fd.close()
                throw AreaError(path: path, operation: "cannot install the signal handlers", errno: code)
            }
            _ = flock(raw, LOCK_EX)
            return (name, fd)
        }
        throw AreaError(path: path, operation: "cannot create a temporary file in the directory", errno: .fileExists, reason: "every name tried exists")
    }

    /// 0600 whatever the umask left, and root:0, while the file is still empty.
    func secure() throws(AreaError) {
        do {
            try syscall { fchmod(fd.rawValue, 0o600) }
        } catch {
            throw AreaError(path: target.path, operation: "cannot chmod 0600 the temporary file", errno: error)
        }
        do {
            try syscall { fchown(fd.rawValue, 0, 0) }
        } catch {
            throw AreaError(path: target.path, operation: "cannot chown 0:0 the temporary file (create needs root)", errno: error)
        }
    }

    /// Every `.NAME.swapinspect-*` of the directory that is a regular file of root with mode 0600 and
    /// whose lock can be taken at once: a temporary file whose `create` is gone (SIGKILL, a crash).
    /// Where modes come from the mount options (vfat, exFAT, ntfs-3g without `permissions`), every
    /// file shows the mount's mode, and the name, the owner and the free lock are what is checked.
    static func removeStale(_ directoryFD: FileDescriptor, target: CreateTarget) -> [String] {
        let prefix = prefix(target)
        var removed: [String] = []
        for name in directoryNames(target.directory) where name.hasPrefix(prefix) && name.utf8.count == prefix.utf8.count + 6 {
            let raw = openat(directoryFD.rawValue, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard raw >= 0 else { continue }
            defer { _ = Glibc.close(raw) }
            guard let status = try? Stat.fstat(FileDescriptor(rawValue: raw)), status.isRegular, status.uid == 0,
                status.mode & 0o7777 == 0o600 || target.site.modesFromMount, flock(raw, LOCK_EX | LOCK_NB) == 0
            else { continue }
            if unlinkat(directoryFD.rawValue, name, 0) == 0 { removed.append(name) }
        }
        return removed
    }

    static func directoryNames(_ directory: String) -> [String] {
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            names.append(name)
        }
        return names
    }

    func markCommitted() { committed = true }

    /// Removes the file (idempotent).
    public func remove() {
        guard !removed, !committed else { return }
        removed = true
        _ = unlinkat(directoryFD.rawValue, name, 0)
        si_cleanup_disarm()
    }
}
