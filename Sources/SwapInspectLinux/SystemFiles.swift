internal import CSwapInspectLinux
import Glibc
import SystemPackage

/// Most bytes read from a kernel text file: /proc and /sys files are far smaller.
let textFileLimit = 1 << 22

/// The whole content of a small kernel text file (/proc, /sys); nil when it cannot be read.
func readTextFile(_ path: String, limit: Int = textFileLimit) -> String? {
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
