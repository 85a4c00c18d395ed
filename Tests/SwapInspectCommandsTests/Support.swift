import Foundation
import Glibc
import SwapInspectTestSupport
import Testing

/// Paths of the package and of what the build left behind (`PackageRoot` and `BuiltBinary` of SwapInspectTestSupport).
enum Paths {
    /// The package root.
    static let packageRoot: URL = PackageRoot.url

    /// The JSON Schema of `--json` output: with the man page, the user contract.
    static let schema = packageRoot.appendingPathComponent("docs/swapinspect.schema.json")
    /// Validates documents against `schema` (Draft202012Validator of python3-jsonschema).
    static let validator = packageRoot.appendingPathComponent("Tests/SwapInspectCommandsTests/validate-json.py")
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
    /// A 64 MiB ext4 image built with `mke2fs -d` (no root, no mount) from `DIR/root`, which holds a
    /// 16 MiB swap file `/swapfile` and whatever `extra` adds; returns the root directory and the image.
    static func ext4ImageWithSwapFile(
        _ dir: TemporaryDirectory, extra: (String) throws -> Void = { _ in }
    ) throws -> (root: String, image: String) {
        let root = dir.file("root")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        // Random contents, so that mke2fs -d writes every block (it leaves zero blocks as holes).
        let swapfile = root + "/swapfile"
        try writeFile(swapfile, size: 16 * mebibyte, prefix: randomBytes(16 * mebibyte))
        try mkswap(swapfile, ["-q"])
        try extra(root)
        let image = dir.file("fs.img")
        try writeFile(image, size: 0)
        guard truncate(image, 64 << 20) == 0 else { throw TestSupportError("truncate \(image)") }
        let mke2fs = try #require(Runner.tool("mke2fs"), "mke2fs (e2fsprogs) is needed")
        let made = try Runner.run(mke2fs, ["-q", "-F", "-t", "ext4", "-b", "4096", "-d", root, image])
        try #require(made.status == 0, "mke2fs: \(made)")
        return (root, image)
    }

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

/// The user contract in the repository: man/swapinspect.8 and docs/swapinspect.schema.json.
enum Contract {
    /// docs/swapinspect.schema.json, parsed.
    static func schema() throws -> [String: Any] {
        let data = try Data(contentsOf: Paths.schema)
        guard let schema = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestSupportError("\(Paths.schema.path) is not a JSON object")
        }
        return schema
    }

    static func definitions() throws -> [String: Any] {
        guard let definitions = try schema()["$defs"] as? [String: Any] else {
            throw TestSupportError("\(Paths.schema.path) has no $defs")
        }
        return definitions
    }

    /// The string values of the `enum` of `$defs/NAME`, in order.
    static func enumeration(_ name: String) throws -> [String] {
        guard let definition = try definitions()[name] as? [String: Any], let values = definition["enum"] as? [Any] else {
            throw TestSupportError("\(Paths.schema.path) has no $defs/\(name) with an enum")
        }
        return values.compactMap { $0 as? String }
    }

    /// code → severity, as the schema's `errorCode`, `warningCode` and `infoCode` enums list them.
    static func findingCodes() throws -> [String: String] {
        var codes: [String: String] = [:]
        for severity in ["error", "warning", "info"] {
            for code in try enumeration("\(severity)Code") {
                if let other = codes[code] {
                    throw TestSupportError("\(Paths.schema.path): \(code) is listed as \(other) and as \(severity)")
                }
                codes[code] = severity
            }
        }
        return codes
    }

    /// Every name under a `properties` anywhere in the schema (keys we own; `blkid`'s are libblkid's).
    static func propertyNames() throws -> Set<String> {
        var names = Set<String>()
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                for (key, inner) in object {
                    if key == "properties", let properties = inner as? [String: Any] { names.formUnion(properties.keys) }
                    collect(inner)
                }
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(try schema())
        return names
    }
}
