import Foundation
import Glibc
import SwapInspectCore
import SwapInspectImage
import SwapInspectTestSupport
import Testing

/// A temporary directory (a `TemporaryDirectory` in the system's temporary directory, named after the
/// test), removed when the last reference goes at the end of the test.
final class Scratch {
    let path: String

    init(_ name: String = #function) throws {
        let clean = name.filter { $0.isLetter || $0.isNumber }
        path = try TemporaryDirectory(prefix: "swapinspect-image-\(clean)", base: NSTemporaryDirectory()).path
    }

    deinit { _ = TemporaryDirectory.removeTree(path) }

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
        try Tool.run("sha256sum", [path]).stdoutText.split(separator: " ").first.map(String.init) ?? ""
    }
}

/// debugfs's view of a file: the independent reference for the extents libext2fs gives us.
enum Debugfs {
    /// `debugfs -R "ex PATH"`: leaf lines `level/max entry/count  lstart - lend  pstart - pend  len [Uninit]`.
    static func extents(_ image: String, _ path: String, blockSize: Int) throws -> [FileExtent] {
        let output = try Tool.run("debugfs", ["-R", "ex \(path)", image]).stdoutText
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
        let output = try Tool.run("debugfs", ["-R", "stat \(path)", image]).stdoutText
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
        let output = try Tool.run("dumpe2fs", ["-h", image]).stdoutText
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

extension BuiltBinary {
    /// Runs `swapinspect ARGUMENTS --json` and parses stdout (an empty object when it is not a JSON object).
    static func json(_ arguments: [String]) throws -> (RunResult, [String: Any]) {
        let output = try run(arguments + ["--json"])
        let object = try JSONSerialization.jsonObject(with: output.stdout) as? [String: Any] ?? [:]
        return (output, object)
    }
}
