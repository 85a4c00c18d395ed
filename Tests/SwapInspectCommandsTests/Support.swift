import Foundation
import Glibc
import SwapInspectTestSupport
import Testing

/// Paths of the package and of what the build left behind (`PackageRoot` and `BuiltBinary` of SwapInspectTestSupport).
enum Paths {
    /// The package root.
    static let packageRoot: URL = PackageRoot.url

    /// `../shared/spec/cli-contract.md`, next to the repository.
    static let contract = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/spec/cli-contract.md")
    static let manPage = packageRoot.appendingPathComponent("man/swapinspect.8")
    static let completions = packageRoot.appendingPathComponent("completions")
    static let golden = packageRoot.appendingPathComponent("Tests/SwapInspectCommandsTests/Golden")

    /// The built `swapinspect` (see `BuiltBinary.path`).
    static let binary: String = BuiltBinary.path
}

extension Runner {
    /// Runs the built `swapinspect`.
    static func swapinspect(_ arguments: [String], timeout: TimeInterval = 60) throws -> RunResult {
        try #require(
            access(Paths.binary, X_OK) == 0,
            "the swapinspect executable was not found at \(Paths.binary): build it first (swift build --build-tests)")
        return try run(Paths.binary, arguments, timeout: timeout)
    }
}

/// Building the inputs of the end-to-end tests.
enum Fixture {
    static let mebibyte = 1 << 20

    /// `size` bytes written (not sparse), fsync'd so that nothing is left in delayed allocation, then chmod.
    static func writeFile(_ path: String, size: Int, mode: mode_t = 0o600, prefix: [UInt8] = []) throws {
        var data = Data(count: size)
        data.replaceSubrange(0..<min(prefix.count, size), with: prefix.prefix(size))
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TestSupportError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var offset = 0
        try data.withUnsafeBytes { buffer in
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw TestSupportError("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
        guard fsync(fd) == 0, fchmod(fd, mode) == 0 else {
            throw TestSupportError("cannot fsync/chmod \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// `mkswap` with `arguments` (e.g. `-p 65536`) on an existing file.
    static func mkswap(_ path: String, _ arguments: [String] = []) throws {
        let mkswap = try #require(Runner.tool("mkswap"), "mkswap (util-linux) is needed")
        let result = try Runner.run(mkswap, arguments + [path])
        try #require(result.status == 0, "mkswap \(arguments) \(path) failed: \(result)")
    }

    /// The usual swap file: `mib` MiB of zeros written out, 0600, mkswap.
    static func swapFile(_ path: String, mib: Int = 16, mode: mode_t = 0o600, mkswapArguments: [String] = []) throws {
        try writeFile(path, size: mib * mebibyte, mode: 0o600)
        try mkswap(path, mkswapArguments)
        guard chmod(path, mode) == 0 else { throw TestSupportError("chmod \(path) failed") }
    }

    /// A fully sparse file of `mib` MiB given a swap header by mkswap: the header page is allocated, the rest are holes.
    static func sparseSwapFile(_ path: String, mib: Int = 16) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0, ftruncate(fd, off_t(mib * mebibyte)) == 0 else {
            throw TestSupportError("cannot create sparse \(path): \(String(cString: strerror(errno)))")
        }
        close(fd)
        try mkswap(path)
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var generator = SystemRandomNumberGenerator()
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                var word = generator.next()
                let chunk = min(8, buffer.count - offset)
                withUnsafeBytes(of: &word) { buffer.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: chunk) }
                offset += chunk
            }
        }
        return bytes
    }

    static func fifo(_ path: String) throws {
        guard mkfifo(path, 0o600) == 0 else { throw TestSupportError("mkfifo \(path): \(String(cString: strerror(errno)))") }
    }

    /// A bound unix-domain socket at `path`; the descriptor stays open until the caller closes it.
    static func unixSocket(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { close(fd); throw TestSupportError("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard status == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw TestSupportError("bind \(path): \(reason)")
        }
        return fd
    }

    static func symlink(_ target: String, at path: String) throws {
        guard Glibc.symlink(target, path) == 0 else {
            throw TestSupportError("symlink \(path) -> \(target): \(String(cString: strerror(errno)))")
        }
    }
}

/// What a path looked like before a run, to prove the run changed nothing.
struct Snapshot: Equatable {
    var exists: Bool
    var type: mode_t
    var mode: mode_t
    var size: Int64
    var contents: Data?

    init(_ path: String) {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            exists = false
            type = 0
            mode = 0
            size = 0
            contents = nil
            return
        }
        exists = true
        type = status.st_mode & S_IFMT
        mode = status.st_mode & 0o7777
        size = Int64(status.st_size)
        // Only regular files have contents to compare; opening a FIFO here would block.
        contents = type == S_IFREG ? FileManager.default.contents(atPath: path) : nil
    }
}

/// The contract's finding codes by severity, read from cli-contract.md ("## Finding codes").
enum Contract {
    static func text() throws -> String {
        try String(contentsOf: Paths.contract, encoding: .utf8)
    }

    /// code → severity, as the contract lists them (`errors:`, `warnings:`, `info:` paragraphs).
    static func findingCodes() throws -> [String: String] {
        let text = try text()
        guard let section = text.range(of: "## Finding codes") else {
            throw TestSupportError("cli-contract.md has no '## Finding codes' section")
        }
        var body = String(text[section.upperBound...])
        if let next = body.range(of: "\n## ") { body = String(body[..<next.lowerBound]) }
        var codes: [String: String] = [:]
        // Paragraphs: "errors: `a`, `b`, …" possibly wrapped over several lines.
        for paragraph in body.components(separatedBy: "\n\n") {
            let flat = paragraph.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
            let severity: String
            if flat.hasPrefix("errors:") {
                severity = "error"
            } else if flat.hasPrefix("warnings:") {
                severity = "warning"
            } else if flat.hasPrefix("info:") {
                severity = "info"
            } else {
                continue
            }
            // Only the list itself: a parenthesis explains a code and may name options or commands.
            var depth = 0
            var list = ""
            for character in flat {
                if character == "(" { depth += 1 } else if character == ")" { depth = max(0, depth - 1) } else if depth == 0 { list.append(character) }
            }
            for code in backticked(list) where code.range(of: "^[a-z0-9]+(-[a-z0-9]+)*$", options: .regularExpression) != nil {
                codes[code] = severity
            }
        }
        return codes
    }

    static func backticked(_ text: String) -> [String] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }
}
