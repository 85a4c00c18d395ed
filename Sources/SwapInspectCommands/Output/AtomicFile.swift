import Glibc

/// Writes a whole file the way node_exporter's textfile collector needs it: never seen half-written. A
/// temporary file in the same directory (hidden, not ending in .prom, so the collector skips it),
/// written, fsync'ed, made 0644 and renamed over the target; then the directory is fsync'ed.
enum AtomicFile {
    struct Failure: Error {
        var message: String
    }

    static func write(_ bytes: [UInt8], to path: String) throws(Failure) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array("\(directory)/.\(base).XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw failure(path, "cannot create a temporary file in \(directory)") }
        let temporary = String(cString: template)
        var ok = fchmod(fd, 0o644) == 0
        var offset = 0
        while ok && offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { ok = false } else { offset += written }
        }
        ok = ok && fsync(fd) == 0
        let saved = errno
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            let reason = ok ? errno : saved
            unlink(temporary)
            errno = reason
            throw failure(path, "cannot write")
        }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    private static func failure(_ path: String, _ what: String) -> Failure {
        Failure(message: "\(path): \(what): \(String(cString: strerror(errno)))")
    }
}
