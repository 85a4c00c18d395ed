import Foundation
import Glibc
import SwapInspectCore
import SwapInspectImage
import Testing

struct ToolError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The outcome of one run of a program.
struct Output: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    var description: String { "exit \(status)\n--- stdout ---\n\(stdout)--- stderr ---\n\(stderr)" }
}

enum Tool {
    static let searchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    static func locate(_ name: String) -> String? {
        if name.hasPrefix("/") { return name }
        return searchPath.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    /// Runs a program with output captured through files (no pipe can fill up), C locale.
    @discardableResult
    static func run(_ name: String, _ arguments: [String], check: Bool = true, environment: [String: String] = [:]) throws -> Output {
        guard let executable = locate(name) else { throw ToolError("\(name) is not installed") }
        let scratch = NSTemporaryDirectory() + "swapinspect-tool-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        _ = FileManager.default.createFile(atPath: scratch + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: scratch + "/err", contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["LC_ALL"] = "C"
        env["NO_COLOR"] = "1"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + "/out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + "/err"))
        try process.run()
        process.waitUntilExit()
        let output = Output(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: scratch + "/out", encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: scratch + "/err", encoding: .utf8)) ?? "")
        if check && output.status != 0 {
            throw ToolError("\(name) \(arguments.joined(separator: " ")) failed: \(output)")
        }
        return output
    }

    static func sh(_ script: String) throws {
        try run("bash", ["-euo", "pipefail", "-c", script])
    }
}

/// A temporary directory removed at the end of the test.
final class Scratch {
    let path: String

    init(_ name: String = #function) throws {
        let clean = name.filter { $0.isLetter || $0.isNumber }
        path = NSTemporaryDirectory() + "swapinspect-image-\(clean)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    func directory(_ name: String) throws -> String {
        let directory = file(name)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    func write(_ name: String, _ text: String) throws {
        let target = file(name)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: target, atomically: false, encoding: .utf8)
    }
}

/// Swap files and images made at test time, without root.
enum Fixtures {
    static let swapUUID = "5a1b2c3d-0000-4000-8000-00000000c0de"
    static let partitionSwapUUID = "7e57ab1e-1111-4222-8333-444455556666"

    /// A swap file of `bytes` on the host: random data, mkswap with a fixed UUID, then the bytes the kernel
    /// ignores in the header page (boot bits, unused bad-page slots) made non-zero, so mke2fs -d keeps
    /// every block allocated (it turns all-zero blocks into holes).
    static func swapFile(_ path: String, bytes: Int, uuid: String = swapUUID, label: String? = nil, pageSize: Int = 4096) throws {
        try Tool.run("dd", ["if=/dev/urandom", "of=\(path)", "bs=64K", "count=\(bytes / 65536)", "status=none"])
        var arguments = ["-q", "-U", uuid, "-p", String(pageSize)]
        if let label { arguments += ["-L", label] }
        // mkswap -q is quiet about success; its warnings about permissions go to stderr.
        try Tool.run("mkswap", arguments + [path])
        chmod(path, 0o600)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: 0)
        handle.write(Data(repeating: 0xA5, count: 1024))
        try handle.seek(toOffset: 2048)
        handle.write(Data(repeating: 0xA5, count: 1024))
    }

    /// `mke2fs -t TYPE -b BLOCK -d ROOT IMAGE SIZE`, with the root inode's owner made 0 and everything owned by 0.
    static func filesystem(
        _ image: String, type: String = "ext4", blockSize: Int = 4096, sizeMiB: Int = 64, root: String,
        features: [String] = [], label: String? = nil
    ) throws {
        var arguments = ["-q", "-F", "-t", type, "-b", String(blockSize), "-E", "root_owner=0:0", "-d", root]
        if !features.isEmpty { arguments += ["-O", features.joined(separator: ",")] }
        if let label { arguments += ["-L", label] }
        try Tool.run("mke2fs", arguments + [image, "\(sizeMiB)M"])
    }

    static func debugfs(_ image: String, write commands: [String]) throws {
        let script = image + ".debugfs"
        try (commands.joined(separator: "\n") + "\n").write(toFile: script, atomically: false, encoding: .utf8)
        defer { unlink(script) }
        try Tool.run("debugfs", ["-w", "-f", script, image])
    }

    /// Owner 0:0 for each path (mke2fs -d copies the host owner, which is not root without root).
    static func chownRoot(_ image: String, _ paths: [String]) throws {
        try debugfs(image, write: paths.flatMap { ["sif \($0) uid 0", "sif \($0) gid 0"] })
    }

    static func sha256(_ path: String) throws -> String {
        try Tool.run("sha256sum", [path]).stdout.split(separator: " ").first.map(String.init) ?? ""
    }
}

/// debugfs's view of a file: the independent reference for the extents libext2fs gives us.
enum Debugfs {
    /// `debugfs -R "ex PATH"`: leaf lines `level/max entry/count  lstart - lend  pstart - pend  len [Uninit]`.
    static func extents(_ image: String, _ path: String, blockSize: Int) throws -> [FileExtent] {
        let output = try Tool.run("debugfs", ["-R", "ex \(path)", image]).stdout
        var extents: [FileExtent] = []
        for line in output.split(separator: "\n").dropFirst() {
            let tokens = line.replacingOccurrences(of: "/", with: " ").replacingOccurrences(of: "-", with: " ")
                .split(separator: " ")
            guard tokens.count >= 9, let level = Int(tokens[0]), let depth = Int(tokens[1]), level == depth,
                let logical = UInt64(tokens[4]), let physical = UInt64(tokens[6]), let length = UInt64(tokens[8])
            else { continue }
            let size = UInt64(blockSize)
            extents.append(
                FileExtent(
                    logical: logical * size, physical: physical * size, length: length * size,
                    flags: tokens.count > 9 && tokens[9] == "Uninit" ? .unwritten : []))
        }
        return extents
    }

    /// `debugfs -R "stat PATH"` BLOCKS section for block-mapped files: `(a-b):x-y`, `(a):x`; (IND) and friends skipped.
    static func blockMap(_ image: String, _ path: String, blockSize: Int) throws -> [FileExtent] {
        let output = try Tool.run("debugfs", ["-R", "stat \(path)", image]).stdout
        guard let section = output.components(separatedBy: "BLOCKS:\n").last else { return [] }
        let text = section.components(separatedBy: "\nTOTAL").first ?? ""
        var extents: [FileExtent] = []
        let size = UInt64(blockSize)
        for item in text.components(separatedBy: ", ") {
            let parts = item.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":")
            guard parts.count == 2, parts[0].hasPrefix("("), !parts[0].contains("IND") else { continue }
            let logical = parts[0].dropFirst().dropLast().split(separator: "-").compactMap { UInt64($0) }
            let physical = parts[1].split(separator: "-").compactMap { UInt64($0) }
            guard let lfirst = logical.first, let pfirst = physical.first else { continue }
            let count = (logical.last! - lfirst) + 1
            extents.append(FileExtent(logical: lfirst * size, physical: pfirst * size, length: count * size))
        }
        return extents
    }

    /// The file system's UUID as dumpe2fs prints it.
    static func uuid(_ image: String) throws -> String {
        let output = try Tool.run("dumpe2fs", ["-h", image]).stdout
        for line in output.split(separator: "\n") where line.hasPrefix("Filesystem UUID:") {
            return line.split(separator: " ").last.map(String.init) ?? ""
        }
        return ""
    }
}

/// Extents merged where they continue each other both logically and physically with the same flags:
/// the shape both libext2fs and debugfs describe, whatever their splitting.
func merged(_ extents: [FileExtent]) -> [FileExtent] {
    var result: [FileExtent] = []
    for extent in extents {
        if let last = result.last, last.logicalEnd == extent.logical, last.physical + last.length == extent.physical,
            last.flags == extent.flags
        {
            result[result.count - 1].length += extent.length
        } else {
            result.append(extent)
        }
    }
    return result
}

/// What the core computes from a layout given independently (debugfs extents, the host copy of the header).
func expectedReport(
    path: String, extents: [FileExtent], headerSource: String, size: UInt64, blockSize: Int, fsName: String,
    pageSize: Int = 4096
) throws -> Report {
    let header = try Array(Data(contentsOf: URL(fileURLWithPath: headerSource)).prefix(SwapHeaderLayout.probeLength))
    let kind = ExtFeatures.kind(compat: fsName == "ext2" ? 0 : ExtFeatures.compatHasJournal, incompat: fsName == "ext4" ? 0x40 : 0, roCompat: 0)
    let facts = AreaFacts(
        path: path, kind: .file, size: size, filesystem: FilesystemFacts(kind: kind, blockSize: blockSize, device: nil),
        headerBytes: header, extents: extents, source: .ext2fs)
    return Inspector.inspect(facts, options: InspectOptions(pageSize: pageSize))
}

/// The numbers the kernel would print, compared field by field so a failure names the field.
func expectSameActivation(_ actual: Report?, _ expected: Report, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let actual else {
        Issue.record("no report", sourceLocation: sourceLocation)
        return
    }
    #expect(actual.activation?.ok == expected.activation?.ok, sourceLocation: sourceLocation)
    #expect(actual.activation?.pages == expected.activation?.pages, sourceLocation: sourceLocation)
    #expect(actual.activation?.extentCount == expected.activation?.extentCount, sourceLocation: sourceLocation)
    #expect(actual.activation?.spanPages == expected.activation?.spanPages, sourceLocation: sourceLocation)
    #expect(actual.activation?.extents == expected.activation?.extents, sourceLocation: sourceLocation)
    #expect(actual.resumeOffset == expected.resumeOffset, sourceLocation: sourceLocation)
    #expect(actual.findings.map(\.code) == expected.findings.map(\.code), sourceLocation: sourceLocation)
}

/// The built `swapinspect`, next to the test runner whatever --scratch-path was used.
enum Binary {
    static let path: String = {
        if let explicit = ProcessInfo.processInfo.environment["SWAPINSPECT_BIN"], !explicit.isEmpty { return explicit }
        var candidates: [String] = []
        if let runner = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append((runner as NSString).deletingLastPathComponent + "/swapinspect")
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("swapinspect").path)
        if let argv0 = CommandLine.arguments.first, argv0.contains("/") {
            candidates.append((argv0 as NSString).deletingLastPathComponent + "/swapinspect")
        }
        return candidates.first { access($0, X_OK) == 0 } ?? candidates.first ?? "swapinspect"
    }()

    static func run(_ arguments: [String]) throws -> Output {
        try Tool.run(path, arguments, check: false)
    }

    static func json(_ arguments: [String]) throws -> (Output, [String: Any]) {
        let output = try run(arguments + ["--json"])
        let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any] ?? [:]
        return (output, object)
    }
}
