import Foundation
import Glibc
import SwapInspectCore
import SwapInspectTestSupport
import Testing

/// One bad (or good) input class, built in a fresh directory on the real disk, with what the man page
/// says `swapinspect` must answer.
struct Scenario: Sendable, CustomTestStringConvertible {
    var name: String
    /// Creates the inputs in the directory; returns the command-line arguments (options and paths).
    var prepare: @Sendable (TemporaryDirectory) throws -> [String]
    var status: Int32
    /// Codes that must be among the findings (of some report).
    var codes: [String] = []
    /// Paths (as given) that could not be inspected: each gets one stderr line `swapinspect: PATH: …`.
    var failingPaths: @Sendable (TemporaryDirectory) -> [String] = { _ in [] }
    /// Text the stderr line must contain.
    var stderrContains: String?
    /// Seconds before the run counts as hung.
    var timeout: TimeInterval = 60
    var strict: Bool = false

    var testDescription: String { name }
}

extension Scenario {
    static let good: @Sendable (TemporaryDirectory) throws -> String = { dir in
        let path = dir.file("swapfile")
        try Fixture.swapFile(path)
        return path
    }

    /// A good swap file, a world-readable one (a warning, exit 1 only under --strict) and a missing path.
    /// A good swap file and 16 MiB of random bytes (no signature).
    static func goodAndRandom(_ dir: TemporaryDirectory) throws -> (good: String, random: String) {
        let random = dir.file("random")
        try Fixture.writeFile(random, size: 16 * Fixture.mebibyte, prefix: Fixture.randomBytes(65536))
        return (try good(dir), random)
    }

    /// What `probe` is tried on: a good swap file, 16 MiB of random bytes, a 64K-page header and a FIFO.
    static func probeInputs(_ dir: TemporaryDirectory) throws -> (good: String, random: String, p64k: String, fifo: String) {
        let good = try good(dir)
        let random = dir.file("random")
        try Fixture.writeFile(random, size: 16 * Fixture.mebibyte, prefix: Fixture.randomBytes(65536))
        let p64k = dir.file("p64k")
        try Fixture.swapFile(p64k, mkswapArguments: ["-p", "65536"])
        let fifo = dir.file("fifo")
        try Fixture.fifo(fifo)
        return (good, random, p64k, fifo)
    }

    static func goodReadableMissing(_ dir: TemporaryDirectory) throws -> (good: String, readable: String, missing: String) {
        let readable = dir.file("readable")
        try Fixture.swapFile(readable, mode: 0o644)
        return (try good(dir), readable, dir.file("missing"))
    }

    static let all: [Scenario] = [
        Scenario(name: "a good 16 MiB swap file would activate", prepare: { [try good($0)] }, status: 0),
        Scenario(
            name: "a sparse file is refused (holes)",
            prepare: { dir in
                let path = dir.file("sparse")
                try Fixture.sparseSwapFile(path)
                return [path]
            }, status: 1, codes: ["holes"]),
        Scenario(
            name: "a header of random bytes has no signature",
            prepare: { dir in
                let path = dir.file("random")
                try Fixture.writeFile(path, size: 16 * Fixture.mebibyte, prefix: Fixture.randomBytes(65536))
                return [path]
            }, status: 1, codes: ["no-signature"]),
        Scenario(
            name: "a 64 KiB-page header on a 4 KiB-page kernel is a page size mismatch",
            prepare: { dir in
                let path = dir.file("p64k")
                try Fixture.swapFile(path, mkswapArguments: ["-p", "65536"])
                // The default page size is this machine's; say 4096 only where that is not the default.
                return getpagesize() == 4096 ? [path] : ["--page-size", "4096", path]
            }, status: 1, codes: ["pagesize-mismatch"]),
        Scenario(
            name: "a 64 KiB-page header activates when 64 KiB pages are simulated",
            prepare: { dir in
                let path = dir.file("p64k")
                try Fixture.swapFile(path, mkswapArguments: ["-p", "65536"])
                return ["--page-size", "65536", path]
            }, status: 0),
        Scenario(
            name: "a FIFO is not a regular file and does not hang",
            prepare: { dir in
                let path = dir.file("fifo")
                try Fixture.fifo(path)
                return [path]
            }, status: 1, codes: ["not-regular-file"], timeout: 20),
        Scenario(
            name: "a unix socket is not a regular file",
            prepare: { dir in
                let path = dir.file("socket")
                close(try Fixture.unixSocket(path))
                return [path]
            }, status: 1, codes: ["not-regular-file"], timeout: 20),
        Scenario(
            name: "a directory is not a regular file",
            prepare: { dir in
                let path = dir.file("directory")
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
                return [path]
            }, status: 1, codes: ["not-regular-file"]),
        Scenario(
            name: "/dev/null (a character device) is not a regular file",
            prepare: { _ in ["/dev/null"] }, status: 1, codes: ["not-regular-file"], timeout: 20),
        Scenario(
            name: "a dangling symlink cannot be inspected",
            prepare: { dir in
                let path = dir.file("dangling")
                try Fixture.symlink(dir.file("nowhere"), at: path)
                return [path]
            }, status: 2, failingPaths: { [$0.file("dangling")] }, stderrContains: "dangling symbolic link"),
        Scenario(
            name: "a symlink loop cannot be inspected",
            prepare: { dir in
                try Fixture.symlink(dir.file("loop-b"), at: dir.file("loop-a"))
                try Fixture.symlink(dir.file("loop-a"), at: dir.file("loop-b"))
                return [dir.file("loop-a")]
            }, status: 2, failingPaths: { [$0.file("loop-a")] }),
        Scenario(
            name: "a missing path cannot be inspected",
            prepare: { dir in [dir.file("missing")] }, status: 2, failingPaths: { [$0.file("missing")] },
            stderrContains: "No such file or directory"),
        Scenario(
            name: "an empty file is too small",
            prepare: { dir in
                let path = dir.file("empty")
                try Fixture.writeFile(path, size: 0)
                return [path]
            }, status: 1, codes: ["too-small"]),
        Scenario(
            name: "a 100-byte file is too small",
            prepare: { dir in
                let path = dir.file("hundred")
                try Fixture.writeFile(path, size: 100)
                return [path]
            }, status: 1, codes: ["too-small"]),
        Scenario(
            name: "a world-readable swap file activates with a warning",
            prepare: { dir in
                let path = dir.file("readable")
                try Fixture.swapFile(path, mode: 0o644)
                return [path]
            }, status: 0, codes: ["insecure-permissions"]),
        Scenario(
            name: "a world-readable swap file fails under --strict",
            prepare: { dir in
                let path = dir.file("readable")
                try Fixture.swapFile(path, mode: 0o644)
                return ["--strict", path]
            }, status: 1, codes: ["insecure-permissions"], strict: true),
        Scenario(
            name: "good and refused: the refusal wins",
            prepare: { dir in
                let bad = dir.file("random")
                try Fixture.writeFile(bad, size: 16 * Fixture.mebibyte, prefix: Fixture.randomBytes(65536))
                return [try good(dir), bad]
            }, status: 1, codes: ["no-signature"]),
        Scenario(
            name: "good, missing and refused: could-not-inspect wins",
            prepare: { dir in
                let bad = dir.file("random")
                try Fixture.writeFile(bad, size: 16 * Fixture.mebibyte, prefix: Fixture.randomBytes(65536))
                return [try good(dir), dir.file("missing"), bad]
            }, status: 2, codes: ["no-signature"], failingPaths: { [$0.file("missing")] }),
        Scenario(
            name: "good and a warning: still 0",
            prepare: { dir in
                let readable = dir.file("readable")
                try Fixture.swapFile(readable, mode: 0o644)
                return [try good(dir), readable]
            }, status: 0, codes: ["insecure-permissions"]),
        Scenario(
            name: "good and a warning under --strict: 1",
            prepare: { dir in
                let readable = dir.file("readable")
                try Fixture.swapFile(readable, mode: 0o644)
                return ["--strict", try good(dir), readable]
            }, status: 1, codes: ["insecure-permissions"], strict: true),
        Scenario(
            name: "a missing path after a symlink loop: one line each",
            prepare: { dir in
                try Fixture.symlink(dir.file("loop-b"), at: dir.file("loop-a"))
                try Fixture.symlink(dir.file("loop-a"), at: dir.file("loop-b"))
                return [dir.file("loop-a"), dir.file("missing")]
            }, status: 2, failingPaths: { [$0.file("loop-a"), $0.file("missing")] }),
    ]
}

@Suite("swapinspect end to end: exit codes, stderr, JSON against the schema")
struct CLIEndToEndTests {
    /// Runs the scenario in text mode and in JSON mode, and checks that no input changed.
    @Test(arguments: Scenario.all)
    func inputClass(_ scenario: Scenario) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let arguments = try scenario.prepare(dir)
        let inputs = arguments.filter { $0.hasPrefix("/") }
        let before = inputs.map(Snapshot.init)
        let failing = scenario.failingPaths(dir)

        // Text.
        let text = try Runner.swapinspect(arguments, timeout: scenario.timeout)
        #expect(!text.timedOut, "swapinspect hung (killed after \(scenario.timeout)s)")
        #expect(text.status == scenario.status, "text mode: \(text)")
        checkStderr(text, failing: failing, scenario: scenario)
        for code in scenario.codes {
            #expect(text.stdoutText.contains(" \(code): "), "text output lacks finding \(code): \(text)")
        }

        // JSON: one document on stdout whatever happened, the same exit status.
        let json = try Runner.swapinspect(["--json"] + arguments, timeout: scenario.timeout)
        #expect(!json.timedOut, "swapinspect --json hung (killed after \(scenario.timeout)s)")
        #expect(json.status == scenario.status, "JSON mode: \(json)")
        checkStderr(json, failing: failing, scenario: scenario)
        let (top, reports) = try checkDocument(json, scenario.name)
        #expect(reports.count + failing.count == inputs.count, "one report per inspected path: \(json)")
        #expect(DocumentRules.expectedStatus(top, strict: scenario.strict) == json.status, "exit status vs JSON: \(json)")
        let errors = top["errors"] as? [[String: Any]] ?? []
        #expect(errors.compactMap { $0["path"] as? String } == failing, "errors[] names the paths that failed: \(json)")
        let allCodes = Set(reports.flatMap(DocumentRules.codes))
        for code in scenario.codes {
            #expect(allCodes.contains(code), "JSON lacks finding \(code): \(json)")
        }
        if scenario.status == 0 {
            for report in reports {
                let activation = report["activation"] as? [String: Any]
                #expect(activation?["ok"] as? Bool == true, "exit 0 but a report would not activate: \(json)")
            }
        }

        let after = inputs.map(Snapshot.init)
        for (index, path) in inputs.enumerated() {
            #expect(before[index] == after[index], "\(path) changed while being inspected")
        }
    }

    func checkStderr(_ result: RunResult, failing: [String], scenario: Scenario) {
        let lines = result.stderrLines
        #expect(lines.count == failing.count, "one stderr line per path that could not be inspected, nothing else: \(result)")
        for (line, path) in zip(lines, failing) {
            #expect(line.hasPrefix("swapinspect: \(path): "), "stderr line is not `swapinspect: PATH: …`: \(line)")
            #expect(line.count > "swapinspect: \(path): ".count + 3, "stderr line says nothing: \(line)")
        }
        if let wanted = scenario.stderrContains {
            #expect(result.stderr.contains(wanted), "stderr should say \(wanted): \(result)")
        }
    }

    /// A file only root may read, inspected as `nobody`: open fails with EACCES, exit 2.
    @Test(.enabled(if: getuid() == 0, "needs root to make a file that another user cannot read"))
    func unreadableFileCannotBeInspected() throws {
        guard let setpriv = Runner.tool("setpriv") else {
            print("skipped: setpriv (util-linux) is not installed")
            try Test.cancel("setpriv (util-linux) is not installed")
        }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // nobody must reach the file (mkdtemp makes 0700) but not read it.
        #expect(chmod(dir.path, 0o755) == 0)
        let path = dir.file("swapfile")
        try Fixture.swapFile(path, mode: 0o600)
        let before = Snapshot(path)
        let asNobody = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", Paths.binary]
        let probe = try Runner.run(setpriv, asNobody + ["--version"])
        if probe.status != 0 {
            print("skipped: nobody cannot run \(Paths.binary): \(probe)")
            try Test.cancel("user nobody cannot run \(Paths.binary) (directory permissions)")
        }
        for json in [false, true] {
            let result = try Runner.run(setpriv, asNobody + (json ? ["--json", path] : [path]))
            #expect(result.status == 2, "\(result)")
            #expect(result.stderrLines.count == 1, "\(result)")
            #expect(result.stderr.hasPrefix("swapinspect: \(path): "), "\(result)")
            #expect(result.stderr.contains("Permission denied"), "\(result)")
            if json {
                let document = try #require(try? JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result)")
                #expect((document["reports"] as? [Any])?.isEmpty == true)
                #expect((document["errors"] as? [Any])?.count == 1)
            } else {
                #expect(result.stdout.isEmpty, "\(result)")
            }
        }
        #expect(Snapshot(path) == before)
    }

    /// A file on a file system whose swap path is not modelled (cgroup2 here): exit 2, a stderr line, and
    /// still one JSON document valid against the schema.
    @Test func unmodelledFileSystemCannotBeJudged() throws {
        let candidates = ["/sys/fs/cgroup/cgroup.procs", "/sys/fs/cgroup/unified/cgroup.procs", "/sys/fs/cgroup/cpu/cgroup.procs"]
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            print("skipped: no cgroup file to stand for an unmodelled file system")
            try Test.cancel("no cgroup file to stand for an unmodelled file system")
        }
        let result = try Runner.swapinspect(["--json", path])
        let (_, reports) = try checkDocument(result, "unmodelled file system \(path)")
        let report = try #require(reports.first)
        try #require(report["undetermined"] is String, "cgroup files are judged now; pick another unmodelled file system: \(result)")
        #expect(result.status == 2, "\(result)")
        #expect(result.stderrLines.count == 1 && result.stderr.hasPrefix("swapinspect: \(path): "), "\(result)")
        #expect(DocumentRules.codes(report).contains("unsupported-filesystem"))
    }

    /// Usage errors: exit 64, nothing on stdout, the reason on stderr. `PATH` stands for a good swap file.
    /// The `activate` cases carry --dry-run so that a broken validation still cannot call swapon(2).
    @Test(arguments: [
        (["--bogus", "PATH"], "Unknown option"),
        (["--page-size", "3", "PATH"], "--page-size"),
        (["--page-size", "4k", "PATH"], "--page-size"),
        (["--model", "nope", "PATH"], "nope"),
        (["--mapper", "nope", "PATH"], "nope"),
        (["inspect", "--priority", "1", "PATH"], "--priority"),
        (["probe", "--page-size", "3", "PATH"], "--page-size"),
        (["probe"], "<path>"),
        (["activate", "--dry-run"], "<path>"),
        (["activate", "--dry-run", "--priority", "40000", "PATH"], "--priority"),
        (["activate", "--dry-run", "--discard=bogus", "PATH"], "bogus"),
        (["deactivate"], "<path>"),
    ])
    func usageErrorsExit64(_ template: [String], _ message: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try Scenario.good(dir)
        let before = Snapshot(path)
        let arguments = template.map { $0 == "PATH" ? path : $0 }
        for json in [false, true] {
            let result = try Runner.swapinspect(json ? arguments + ["--json"] : arguments)
            #expect(result.status == 64, "\(arguments): \(result)")
            #expect(result.stdout.isEmpty, "a usage error prints nothing on stdout: \(result)")
            #expect(result.stderr.contains(message), "\(arguments): \(result)")
        }
        #expect(Snapshot(path) == before)
        // Other tests may activate their own areas meanwhile: look only for ours.
        #expect(!(try String(contentsOfFile: "/proc/swaps", encoding: .utf8)).contains(path), "\(path) was activated")
    }

    /// `swapinspect PATH` is `swapinspect inspect PATH`.
    @Test func inspectIsTheDefaultSubcommand() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (good, readable, missing) = try Scenario.goodReadableMissing(dir)
        for options in [[], ["--json"], ["--strict"], ["--json", "--extents", "--page-size", "4096"]] {
            for paths in [[good], [readable], [good, missing]] {
                let implicit = try Runner.swapinspect(options + paths)
                let explicit = try Runner.swapinspect(["inspect"] + options + paths)
                #expect(implicit.status == explicit.status, "\(options) \(paths)")
                #expect(implicit.stdoutText == explicit.stdoutText, "\(options) \(paths)")
                #expect(implicit.stderr == explicit.stderr, "\(options) \(paths)")
            }
        }
        let strict = try Runner.swapinspect(["--strict", readable])
        #expect(strict.status == 1, "\(strict)")
    }

    /// Several paths: reports in path order (each rendered as soon as it is made), the failed path only in
    /// `errors` and on stderr, the worst exit status; in text, one blank line between reports.
    @Test func severalPathsMakeOneDocumentInPathOrder() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (good, readable, missing) = try Scenario.goodReadableMissing(dir)
        let json = try Runner.swapinspect(["--json", "--extents", good, missing, readable])
        #expect(json.status == 2, "\(json)")
        #expect(json.stderrLines.count == 1 && json.stderr.hasPrefix("swapinspect: \(missing): "), "\(json)")
        let (document, reports) = try checkDocument(json, "good, missing, readable")
        #expect(reports.map { $0["path"] as? String } == [good, readable])
        let errors = try #require(document["errors"] as? [[String: Any]])
        #expect(errors.map { $0["path"] as? String } == [missing])

        let text = try Runner.swapinspect([good, readable])
        #expect(text.status == 0, "\(text)")
        let blocks = text.stdoutText.components(separatedBy: "\n\n")
        #expect(blocks.count == 2, "\(text.stdoutText)")
        #expect(blocks.first?.hasPrefix("\(good): would activate") == true, "\(text.stdoutText)")
        #expect(blocks.last?.hasPrefix("\(readable): would activate") == true, "\(text.stdoutText)")
    }

    /// Data still in delayed allocation (written, not yet synced) has no place on disk: the report cannot
    /// be judged (exit 2, `activation` null, `not-committed` with the `--sync` fix); `--sync` flushes the
    /// file as swapon(2) would, and then it is judged.
    @Test func delayedAllocationIsUndeterminedUntilSynced() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let type = try Runner.run(try #require(Runner.tool("stat")), ["-f", "-c", "%T", dir.path]).stdoutText
        guard ["ext2/ext3", "xfs"].contains(type.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            print("skipped: \(dir.path) is on \(type), not ext4 or XFS (delayed allocation)")
            try Test.cancel("\(dir.path) is not on ext4 or XFS")
        }
        let path = dir.file("dirty")
        try Fixture.swapFile(path, mib: 4)
        // Another MiB past the header's last page, written and not synced: delayed allocation for ~30 s,
        // unless something syncs the file system meanwhile (the kernel tests do): then write once more.
        var dirty: RunResult?
        for _ in 0..<3 {
            let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
            #expect(fd >= 0)
            let tail = [UInt8](repeating: 0x5A, count: Fixture.mebibyte)
            #expect(tail.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == Fixture.mebibyte)
            close(fd)
            let result = try Runner.swapinspect(["--json", path])
            // Written back already, the file is judged and would activate (exit 0): dirty it again.
            if result.status != 0 {
                dirty = result
                break
            }
        }
        guard let dirty else {
            print("skipped: the data was written back before it could be inspected, three times (no delayed allocation on \(dir.path)?)")
            try Test.cancel("no delayed allocation observed on \(dir.path)")
        }
        #expect(dirty.status == 2, "\(dirty)")
        #expect(dirty.stderrLines.count == 1 && dirty.stderr.contains("cannot predict"), "\(dirty)")
        let report = try #require(try checkDocument(dirty, "delayed allocation").reports.first)
        #expect(report["activation"] is NSNull, "\(dirty)")
        #expect(report["undetermined"] is String, "\(dirty)")
        let findings = try #require(report["findings"] as? [[String: Any]])
        let notCommitted = try #require(findings.first { $0["code"] as? String == "not-committed" }, "\(dirty)")
        #expect((notCommitted["fix"] as? String)?.hasPrefix("sync ") == true, "\(notCommitted)")
        #expect((notCommitted["alternatives"] as? [String])?.first?.contains("--sync") == true, "\(notCommitted)")

        let synced = try Runner.swapinspect(["--json", "--sync", path])
        #expect(synced.status == 0, "\(synced)")
        let judged = try #require(try checkDocument(synced, "delayed allocation, synced").reports.first)
        #expect((judged["activation"] as? [String: Any])?["ok"] as? Bool == true, "\(synced)")
    }

    /// FIBMAP answers 0 for a preallocated block as for a hole: on the iomap path (which accepts the one and
    /// refuses the other) a fallocated file mapped with FIBMAP cannot be judged; FIEMAP judges it.
    @Test(.enabled(if: getuid() == 0, "FIBMAP needs root (CAP_SYS_RAWIO)"))
    func fibmapCannotJudgeAPreallocatedFileOnTheIomapPath() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("preallocated")
        #expect(try Runner.run(try #require(Runner.tool("fallocate")), ["-l", "16M", path]).status == 0)
        #expect(try Runner.run(try #require(Runner.tool("mkswap")), ["-q", path]).status == 0)
        #expect(chmod(path, 0o600) == 0)
        let fibmap = try Runner.swapinspect(["--mapper", "fibmap", path])
        #expect(fibmap.status == 2, "\(fibmap)")
        #expect(fibmap.stderrLines.count == 1 && fibmap.stderr.contains("cannot tell a hole"), "\(fibmap)")
        let fiemap = try Runner.swapinspect([path])
        #expect(fiemap.status == 0, "\(fiemap)")
        #expect(fiemap.stdoutText.contains("would activate"), "\(fiemap)")
    }

    /// A good swap file: the numbers the kernel would print, and the extents adding up.
    @Test func goodSwapFileReportsTheKernelNumbers() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try Scenario.good(dir)
        let result = try Runner.swapinspect(["--json", path])
        #expect(result.status == 0, "\(result)")
        let document = try #require(try? JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let report = try #require((document["reports"] as? [[String: Any]])?.first)
        #expect(report["kind"] as? String == "file")
        let header = try #require(report["header"] as? [String: Any])
        #expect(header["signature"] as? String == "SWAPSPACE2")
        #expect(header["lastPage"] as? Int == 16 * Fixture.mebibyte / Int(getpagesize()) - 1)
        let activation = try #require(report["activation"] as? [String: Any])
        let pages = try #require(activation["pages"] as? Int)
        #expect(pages == 16 * Fixture.mebibyte / Int(getpagesize()) - 1)
        let extents = try #require(report["extents"] as? [[String: Any]])
        #expect(extents.reduce(0) { $0 + ($1["pages"] as? Int ?? 0) } == pages + 1, "swap extents cover the header page and the usable pages")
        #expect(report["resumeOffset"] as? Int == extents.first?["physicalPage"] as? Int)
        #expect((activation["kernelLog"] as? String)?.hasPrefix("Adding \(pages * Int(getpagesize()) / 1024)k swap on ") == true)
    }
}

/// The harness itself: a hang must end as a failure, not stall the suite.
@Test func runnerKillsAHungProcess() throws {
    let sleep = try #require(Runner.tool("sleep"))
    let start = Date()
    let result = try Runner.run(sleep, ["30"], timeout: 1)
    #expect(result.timedOut)
    #expect(result.status != 0)
    #expect(Date().timeIntervalSince(start) < 10)
}
