import Foundation
import Glibc
import SwapInspectTestSupport
import Testing

/// Bad inputs to `swapinspect inspect` not covered by CLIEndToEndTests: forged header fields at their
/// limits, more character devices, symlink chains, block devices (loop, root only), and files that
/// change while they are mapped. Each pins the exit status, the one stderr line where there is one,
/// and that the input is unchanged.
@Suite("bad input suite: inspect")
struct BadInputSuiteTests {
    /// A header field forged to its largest value in a synced 16 MiB swap file (little-endian host).
    struct Forged: Sendable, CustomTestStringConvertible {
        var name: String
        var offset: Int
        var value: UInt32
        var code: String
        var testDescription: String { name }
    }

    static let forged: [Forged] = [
        Forged(name: "last_page 0xFFFFFFFF", offset: 1028, value: 0xFFFF_FFFF, code: "too-small"),
        Forged(name: "nr_badpages 0xFFFFFFFF", offset: 1032, value: 0xFFFF_FFFF, code: "too-many-bad-pages"),
    ]

    @Test(arguments: forged)
    func forgedHeaderFieldIsRefusedWithoutCrashing(_ forged: Forged) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("swapfile")
        try Fixture.swapFile(path)
        try BadInput.poke(path, offset: forged.offset, value: forged.value)
        let before = try BadInput.sha256(path)
        let text = try Runner.swapinspect([path])
        #expect(text.status == 1, "\(text)")
        #expect(text.stderr.isEmpty, "\(text)")
        #expect(text.stdoutText.contains("error \(forged.code): "), "\(text)")
        let json = try Runner.swapinspect(["--json", path])
        #expect(json.status == 1, "\(json)")
        let report = try #require(try checkDocument(json, "forged \(forged.name)").reports.first)
        let codes = DocumentRules.codes(report)
        #expect(codes.contains(forged.code), "\(codes)")
        #expect(try BadInput.sha256(path) == before)
    }

    /// Character devices other than /dev/null: never read, never block.
    @Test(arguments: ["/dev/zero", "/dev/full", "/dev/urandom"])
    func characterDeviceIsNotARegularFile(_ device: String) throws {
        try #require(access(device, F_OK) == 0, "\(device) missing")
        let result = try Runner.swapinspect([device], timeout: 20)
        #expect(!result.timedOut, "\(result)")
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
        #expect(result.stdoutText.contains("error not-regular-file: "), "\(result)")
    }

    /// Symlink loops: a link to itself, and a chain of 41 links (one more than the kernel's MAXSYMLINKS):
    /// ELOOP, exit 2, one line naming the path.
    @Test(arguments: ["self", "chain"])
    func symlinkLoopIsOneLineExitTwo(_ shape: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path: String
        if shape == "self" {
            path = dir.file("self")
            try Fixture.symlink(path, at: path)
        } else {
            try Fixture.swapFile(dir.file("swapfile"))
            var target = dir.file("swapfile")
            for index in 0..<41 {
                let link = dir.file("link\(index)")
                try Fixture.symlink(target, at: link)
                target = link
            }
            path = target
        }
        let result = try Runner.swapinspect([path])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderrLines == ["swapinspect: \(path): cannot stat: Too many levels of symbolic links"], "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
    }

    /// A background writer appends to, punches and truncates the file, and sometimes replaces it by
    /// rename, while it is inspected over and over: never a crash or a hang; exit 0, 1 or 2, and exit 2
    /// only with one `swapinspect: PATH: …` line. JSON stays one document, valid against the schema.
    @Test func fileThatChangesWhileMappedNeverCrashes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("swapfile")
        try Fixture.swapFile(path, mib: 8)
        let script = """
            f=\(path); i=0
            while :; do
              i=$((i + 1))
              head -c 65536 /dev/zero >> "$f"
              fallocate -p -o $(( (RANDOM % 2048) * 4096 )) -l 8192 "$f" 2>/dev/null
              if (( i % 7 == 0 )); then truncate -s 8M "$f"; fi
              if (( i % 11 == 0 )); then cp "$f" "$f.new" && mv "$f.new" "$f"; fi
            done
            """
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/bash")
        writer.arguments = ["-c", script]
        writer.standardOutput = FileHandle.nullDevice
        writer.standardError = FileHandle.nullDevice
        try writer.run()
        defer {
            kill(writer.processIdentifier, SIGKILL)
            writer.waitUntilExit()
        }
        usleep(50_000)
        var statuses: [Int32: Int] = [:]
        for round in 0..<24 {
            let json = round % 2 == 1
            let result = try Runner.swapinspect((json ? ["--json"] : []) + ["--extents", path], timeout: 30)
            #expect(!result.timedOut, "hung: \(result)")
            #expect([0, 1, 2].contains(result.status), "\(result)")
            statuses[result.status, default: 0] += 1
            if result.status == 2 {
                #expect(result.stderrLines.count == 1, "\(result)")
                #expect(result.stderr.hasPrefix("swapinspect: \(path)"), "\(result)")
            }
            if json {
                try checkDocument(result, "changing file, round \(round)")
            }
        }
        print("changing file: exit statuses \(statuses.sorted { $0.key < $1.key })")
    }

    // MARK: block devices (loop devices: root only)

    /// A swap area on a loop device: the block-device model, exit 0; no signature on a device, exit 1;
    /// nr_badpages 0xFFFFFFFF on a device, exit 1. The backing file is unchanged.
    @Test func loopDeviceIsABlockDevice() throws {
        guard try BadInput.requireRoot("attaching loop devices") else { return }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let good = dir.file("good")
        try Fixture.swapFile(good)
        let random = dir.file("random")
        try Fixture.writeFile(random, size: 16 * Fixture.mebibyte, prefix: Fixture.randomBytes(65536))
        let bad = dir.file("badpages")
        try Fixture.swapFile(bad)
        try BadInput.poke(bad, offset: 1032, value: 0xFFFF_FFFF)

        for (file, status, code) in [(good, Int32(0), nil), (random, 1, "no-signature"), (bad, 1, "too-many-bad-pages")] as [(String, Int32, String?)] {
            let before = try BadInput.sha256(file)
            let loop = try LoopDevice(file: file, readOnly: true)
            defer { loop.detach() }
            let result = try Runner.swapinspect(["--json", loop.path], timeout: 20)
            #expect(result.status == status, "\(file): \(result)")
            #expect(result.stderr.isEmpty, "\(result)")
            let report = try #require(try checkDocument(result, "loop device on \(file)").reports.first, "\(result)")
            #expect(report["kind"] as? String == "blockDevice", "\(result)")
            if let code {
                let codes = DocumentRules.codes(report)
                #expect(codes.contains(code), "\(codes)")
            } else {
                #expect((report["activation"] as? [String: Any])?["ok"] as? Bool == true, "\(result)")
            }
            loop.detach()
            #expect(try BadInput.sha256(file) == before)
        }
    }
}

/// Helpers of the bad-input suite.
enum BadInput {
    /// Overwrites a little-endian u32 at `offset`, then fsyncs.
    static func poke(_ path: String, offset: Int, value: UInt32) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TestSupportError("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = withUnsafeBytes(of: value.littleEndian) { Array($0) }
        guard pwrite(fd, bytes, bytes.count, off_t(offset)) == bytes.count, fsync(fd) == 0 else {
            throw TestSupportError("pwrite \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func sha256(_ path: String) throws -> String {
        let tool = try #require(Runner.tool("sha256sum"), "sha256sum (coreutils) is needed")
        let result = try Runner.run(tool, [path])
        try #require(result.status == 0, "\(result)")
        return String(result.stdoutText.prefix { $0 != " " })
    }

    /// Root is needed: without it, print why and skip (false); under CI=true, fail instead.
    static func requireRoot(_ why: String) throws -> Bool {
        if getuid() == 0 { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("CI=true but not root: \(why) needs root")
            return false
        }
        print("skipped: \(why) needs root")
        try Test.cancel("\(why) needs root")
    }
}
