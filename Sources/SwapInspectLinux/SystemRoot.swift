import Glibc
import SwapInspectCore

/// The system whose files are read: this machine (`/`), or a captured or mounted one under a
/// directory (`--root DIR`). Every reader of /proc, /sys and /etc that a command may point elsewhere
/// takes one (the injectable context of in-process tests, and the `--root` seam).
public struct SystemRoot: Sendable {
    /// `/`, or the directory without a trailing slash.
    public let path: String

    public init(_ path: String = "/") {
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.path = trimmed.isEmpty ? "/" : trimmed
    }

    public var isHost: Bool { path == "/" }

    /// Where the system's absolute `name` is on this machine.
    public func locate(_ name: String) -> String { isHost ? name : path + (name.hasPrefix("/") ? name : "/" + name) }

    /// A small text file of the system (never blocks on a FIFO: opened non-blocking); nil when unreadable.
    public func text(_ name: String) -> String? {
        guard isRegularFile(name) else { return nil }
        return readTextFile(locate(name))
    }

    /// The first line of a /sys attribute, without its newline.
    public func attribute(_ name: String) -> String? {
        text(name).map { String($0.prefix { $0 != "\n" }) }
    }

    public func bytes(_ name: String, limit: Int = 1 << 16) -> [UInt8]? {
        guard isRegularFile(name) else { return nil }
        return readBytes(locate(name), limit: limit)
    }

    public func exists(_ name: String) -> Bool { access(locate(name), F_OK) == 0 }

    public func isDirectory(_ name: String) -> Bool {
        guard let status = try? Stat.stat(locate(name)) else { return false }
        return status.type == UInt32(S_IFDIR)
    }

    func isRegularFile(_ name: String) -> Bool {
        guard let status = try? Stat.stat(locate(name)) else { return false }
        return status.isRegular
    }

    /// The names in a directory of the system ending in `suffix`, sorted as the shell's glob sorts
    /// them (byte order in the C locale); empty when it does not exist.
    public func list(_ directory: String, suffix: String = "") -> [String] {
        guard let handle = opendir(locate(directory)) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name.hasPrefix(".") || !name.hasSuffix(suffix) { continue }
            names.append(name)
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// The system's active swap areas (its /proc/swaps).
    public func activeAreas() -> [ProcSwapsEntry] { ProcSwaps.parse(text("/proc/swaps") ?? "") }
}

/// Raw bytes of a small file (an efivarfs variable: not text).
func readBytes(_ path: String, limit: Int) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: limit)
    var done = 0
    while done < limit {
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, limit - done) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { break }
        done += count
    }
    return Array(bytes[0..<done])
}
