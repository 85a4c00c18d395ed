import Foundation
import SwapInspectTestSupport
import Glibc
import SwapInspectCore
import Testing

/// Real `--json` output of every command, made from inputs built on this machine, validated against
/// docs/swapinspect.schema.json; and the schema itself against FindingCode and the validator.
@Suite("JSON output against docs/swapinspect.schema.json")
struct SchemaTests {
    /// Runs collected so that one validator process checks them all; `finish` validates and reports
    /// every invalid document by its name.
    struct Batch {
        private(set) var documents: [SchemaValidator.Document] = []
        private(set) var results: [String: RunResult] = [:]

        /// Runs `swapinspect ARGUMENTS` (which include --json) and keeps its stdout for validation.
        @discardableResult
        mutating func run(
            _ name: String, _ arguments: [String], status: Int32? = nil, sourceLocation: SourceLocation = #_sourceLocation
        ) throws -> [String: Any] {
            let result = try Runner.swapinspect(arguments, timeout: 30)
            #expect(!result.timedOut, "\(name): hung: \(result)", sourceLocation: sourceLocation)
            if let status { #expect(result.status == status, "\(name): \(result)", sourceLocation: sourceLocation) }
            let parsed = try? JSONSerialization.jsonObject(with: result.stdout)
            let document = try #require(
                parsed as? [String: Any], "\(name): stdout is not exactly one JSON object: \(result)", sourceLocation: sourceLocation)
            let issues = DocumentRules.issues(document)
            #expect(issues.isEmpty, "\(name):\n\(issues.joined(separator: "\n"))", sourceLocation: sourceLocation)
            documents.append(.init(name: name, json: result.stdout))
            results[name] = result
            return document
        }

        /// Also the exit status the report document implies (man EXIT STATUS).
        @discardableResult
        mutating func inspect(
            _ name: String, _ arguments: [String], strict: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
        ) throws -> [String: Any] {
            let document = try run(name, arguments, sourceLocation: sourceLocation)
            let result = try #require(results[name], sourceLocation: sourceLocation)
            #expect(
                DocumentRules.expectedStatus(document, strict: strict) == result.status,
                "\(name): exit status vs the document: \(result)", sourceLocation: sourceLocation)
            return document
        }

        func finish(sourceLocation: SourceLocation = #_sourceLocation) throws {
            let violations = try SchemaValidator.violations(documents)
            #expect(
                violations.isEmpty,
                "not valid against docs/swapinspect.schema.json:\n\(violations.joined(separator: "\n"))", sourceLocation: sourceLocation)
        }
    }

    static func reports(_ document: [String: Any]) -> [[String: Any]] { document["reports"] as? [[String: Any]] ?? [] }

    static func tool(_ name: String) throws -> String {
        try #require(Runner.tool(name), "\(name) is needed")
    }

    /// A good swap file the way the man page recommends: fallocate, chmod 0600, mkswap.
    static func fallocatedSwapFile(_ path: String, mib: Int = 16, mkswapArguments: [String] = []) throws {
        let made = try Runner.run(try tool("fallocate"), ["-l", "\(mib)M", path])
        try #require(made.status == 0, "fallocate \(path): \(made)")
        #expect(chmod(path, 0o600) == 0)
        try Fixture.mkswap(path, ["-q"] + mkswapArguments)
    }

    /// Two files written in alternating 64 KiB pieces, each piece fsync'd: the file system interleaves
    /// their blocks, so the swap file usually has many extents.
    static func interleavedSwapFile(_ path: String, other: String, mib: Int = 8) throws {
        let piece = [UInt8](repeating: 0, count: 65536)
        let fds: [Int32] = [path, other].map { (file: String) -> Int32 in open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600) }
        defer { fds.forEach { close($0) } }
        try #require(fds.allSatisfy { $0 >= 0 }, "cannot create \(path)")
        for _ in 0..<(mib * 16) {
            for fd in fds {
                try #require(piece.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == piece.count)
                try #require(fsync(fd) == 0)
            }
        }
        try Fixture.mkswap(path, ["-q"])
    }

    /// A hibernation image's signature where the swap magic would be (the page's last 10 bytes).
    static func hibernationFile(_ path: String) throws {
        var prefix = [UInt8](repeating: 0, count: 4096)
        prefix.replaceSubrange((4096 - 10)..<(4096 - 1), with: Array("S1SUSPEND".utf8))
        try Fixture.writeFile(path, size: 4 * Fixture.mebibyte, prefix: prefix)
    }

    /// `swapinspect [inspect]` on every input class this machine can make without root.
    @Test func inspectOnFilesOfThisMachine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let good = dir.file("fallocated")
        try Self.fallocatedSwapFile(good)
        let labelled = dir.file("labelled")
        try Self.fallocatedSwapFile(labelled, mkswapArguments: ["-L", "schema", "-U", "0f8d2a6c-3b1e-4c5d-9e7f-a1b2c3d4e5f6"])
        let written = try Scenario.good(dir)
        let holey = dir.file("holey")
        try Fixture.sparseSwapFile(holey)
        let interleaved = dir.file("interleaved")
        try Self.interleavedSwapFile(interleaved, other: dir.file("spacer"))
        let p64k = dir.file("p64k")
        try Fixture.swapFile(p64k, mkswapArguments: ["-p", "65536"])
        let random = dir.file("random")
        try Fixture.writeFile(random, size: 16 * Fixture.mebibyte, prefix: Fixture.randomBytes(65536))
        let hibernation = dir.file("hibernation")
        try Self.hibernationFile(hibernation)
        let readable = dir.file("readable")
        try Fixture.swapFile(readable, mode: 0o644)
        let badPages = dir.file("badpages")
        try Fixture.swapFile(badPages)
        try BadInput.poke(badPages, offset: 1032, value: 2)  // nr_badpages
        try BadInput.poke(badPages, offset: 1036, value: 7)
        try BadInput.poke(badPages, offset: 1040, value: 9)
        let empty = dir.file("empty")
        try Fixture.writeFile(empty, size: 0)
        let fifo = dir.file("fifo")
        try Fixture.fifo(fifo)
        let directory = dir.file("directory")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let missing = dir.file("missing")

        var batch = Batch()
        let page = Int(getpagesize())
        let cases: [(String, [String], String?)] = [
            ("fallocated", [good], nil), ("labelled", [labelled], nil), ("written", [written], nil),
            ("holey", [holey], "holes"), ("interleaved", [interleaved], nil),
            ("64K header", page == 4096 ? [p64k] : ["--page-size", "4096", p64k], "pagesize-mismatch"),
            ("64K pages", ["--page-size", "65536", p64k], nil), ("random header", [random], "no-signature"),
            ("hibernation", [hibernation], "hibernation-signature"), ("world-readable", [readable], "insecure-permissions"),
            ("bad pages", [badPages], "too-many-bad-pages"), ("empty", [empty], "too-small"),
            ("FIFO", [fifo], "not-regular-file"), ("directory", [directory], "not-regular-file"),
            ("/dev/null", ["/dev/null"], "not-regular-file"), ("missing", [missing], nil),
        ]
        for (name, arguments, code) in cases {
            let document = try batch.inspect(name, ["--json"] + arguments)
            if let code {
                #expect(Self.reports(document).flatMap(DocumentRules.codes).contains(code), "\(name): no \(code): \(document)")
            }
        }
        let layout = try batch.inspect("interleaved, --extents", ["--json", "--extents", interleaved])
        let extents = (Self.reports(layout).first?["extents"] as? [Any])?.count ?? 0
        print("interleaved swap file: \(extents) swap extents")

        // Several paths, one missing: one document, the missing path in `errors`.
        let all = [good, holey, fifo, missing, directory, random, readable]
        let several = try batch.inspect("several paths", ["inspect", "--json", "--extents"] + all)
        #expect(Self.reports(several).count == all.count - 1, "\(several)")
        #expect((several["errors"] as? [[String: Any]])?.compactMap { $0["path"] as? String } == [missing], "\(several)")
        #expect(Self.reports(several).map { $0["kind"] as? String }.contains("other"))
        try batch.inspect("several paths, --strict", ["--json", "--strict", good, readable], strict: true)
        try batch.inspect("--model generic", ["--json", "--model", "generic", good, written])
        try batch.finish()
    }

    /// `swapinspect --json` without paths: the active areas (as `list`), or an empty document.
    @Test(.swapStateExclusive) func noArgumentRun() throws {
        var batch = Batch()
        let document = try batch.inspect("no arguments", ["--json"])
        let active = try String(contentsOfFile: "/proc/swaps", encoding: .utf8).split(separator: "\n").count > 1
        if !active && Self.reports(document).isEmpty {
            #expect((document["errors"] as? [Any])?.isEmpty == true, "\(document)")
        }
        try batch.inspect("list", ["list", "--json"])
        try batch.finish()
    }

    /// `image` on an ext4 image built with `mke2fs -d` (no root, no mount), on a bare swap area, and on
    /// images that cannot be audited (the top-level `errors`).
    @Test(.enabled(if: Runner.tool("mke2fs") != nil, "mke2fs (e2fsprogs) is not installed"))
    func imageReports() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (_, image) = try Fixture.ext4ImageWithSwapFile(dir) { root in
            try Fixture.writeFile(root + "/small", size: 100, prefix: Fixture.randomBytes(100))
        }
        let swapImage = dir.file("swap.img")
        try Fixture.swapFile(swapImage)
        let junk = dir.file("junk.img")
        try Fixture.writeFile(junk, size: 4 * Fixture.mebibyte, prefix: Fixture.randomBytes(4 * Fixture.mebibyte))

        var batch = Batch()
        let defaults = try batch.inspect("image, default paths", ["image", "--json", image])
        let report = try #require(Self.reports(defaults).first { $0["path"] as? String == "/swapfile" }, "\(defaults)")
        #expect(report["image"] is [String: Any], "\(report)")
        #expect(report["source"] as? String == "ext2fs", "\(report)")
        let named = try batch.inspect("image, --path", ["image", "--json", "--path", "/swapfile", "--path", "/small", "--path", "/nowhere", image])
        #expect((named["errors"] as? [[String: Any]])?.count == 1, "a path missing inside the image is an error: \(named)")
        try batch.inspect("image, --scan", ["image", "--json", "--scan", image])
        let area = try batch.inspect("image of a swap area", ["image", "--json", swapImage])
        #expect(Self.reports(area).first?["kind"] as? String == "blockDevice", "\(area)")
        let corrupt = try batch.inspect("image of random bytes", ["image", "--json", junk])
        #expect((corrupt["errors"] as? [Any])?.isEmpty == false, "\(corrupt)")
        let absent = try batch.inspect("image that is missing", ["image", "--json", dir.file("missing.img")])
        #expect((absent["errors"] as? [Any])?.count == 1, "\(absent)")
        try batch.finish()
    }

    /// `probe` on a swap file, a file without a signature, a 64K-page header, a FIFO and a missing path.
    @Test func probeDocuments() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (good, random, p64k, fifo) = try Scenario.probeInputs(dir)
        let hibernation = dir.file("hibernation")
        try Self.hibernationFile(hibernation)

        var batch = Batch()
        let swap = try batch.run("probe swap file", ["probe", "--json", good], status: 0)
        let probe = try #require((swap["probes"] as? [[String: Any]])?.first, "\(swap)")
        #expect((probe["blkid"] as? [String: Any])?["TYPE"] as? String == "swap", "\(probe)")
        #expect(swap["reports"] == nil, "probe prints probes instead of reports")
        try batch.run("probe random", ["probe", "--json", random], status: 1)
        try batch.run("probe 64K header", ["probe", "--json", "--page-size", "4096", p64k], status: 1)
        try batch.run("probe hibernation", ["probe", "--json", hibernation])
        try batch.run("probe FIFO", ["probe", "--json", fifo], status: 1)
        let several = try batch.run("probe several", ["probe", "--json", good, dir.file("missing"), random, fifo], status: 2)
        #expect((several["errors"] as? [Any])?.count == 1, "\(several)")
        #expect((several["probes"] as? [Any])?.count == 3, "\(several)")
        try batch.finish()
    }

    /// `activate --dry-run` and `deactivate` of an area that is not active: never a system call.
    @Test func activateDryRunAndDeactivateOfAnInactiveArea() throws {
        let dir = try TemporaryDirectory()
        let (good, random) = try Scenario.goodAndRandom(dir)
        defer {
            OtherCommandsTests.swapoffIfActive([good, random])
            dir.remove()
        }
        var batch = Batch()
        let dry = try batch.run("activate --dry-run", ["activate", "--dry-run", "--json", "--priority", "3", "--discard=pages", good], status: 0)
        #expect((dry["action"] as? [String: Any])?["dryRun"] as? Bool == true, "\(dry)")
        try batch.run("activate --dry-run, refused", ["activate", "--dry-run", "--json", random], status: 1)
        try batch.run("activate --dry-run, missing", ["activate", "--dry-run", "--json", dir.file("missing")], status: 2)
        try batch.run("deactivate, not active", ["deactivate", "--json", good], status: 1)
        try batch.run("deactivate --if-needed, not active", ["deactivate", "--json", "--if-needed", good], status: 0)
        try batch.run("deactivate --if-needed, missing", ["deactivate", "--json", "--if-needed", dir.file("missing")], status: 2)
        let fstab = dir.file("fstab")
        try "\(good) none swap pri=3,discard 0 0\n\(random) none swap noauto 0 0\n\(dir.file("missing")) none swap nofail 0 0\n"
            .write(toFile: fstab, atomically: true, encoding: .utf8)
        let all = try batch.run("activate --all --dry-run", ["activate", "--all", "--dry-run", "--json", "--fstab", fstab], status: 0)
        #expect((all["actions"] as? [[String: Any]])?.map { $0["fstabLine"] as? Int } == [1, 2, 3], "\(all)")
        #expect(all["action"] == nil, "--all prints actions instead of action")
        if getuid() != 0 {
            try batch.run("activate without root", ["activate", "--json", good], status: 2)
        }
        try batch.finish()
        let swaps = try String(contentsOfFile: "/proc/swaps", encoding: .utf8)
        #expect(!swaps.contains(good) && !swaps.contains(random), "a dry run activated swap")
    }

    /// As root: a real `activate` of a swap file on the disk, `list` and `inspect` while it is active,
    /// `activate` again (with and without --if-needed), and `deactivate`. swapoff in defer, even on failure.
    @Test(.swapStateExclusive) func activateListDeactivateAsRoot() throws {
        guard try BadInput.requireRoot("a real swapon(2) and swapoff(2)") else { return }
        let dir = try TemporaryDirectory()
        let path = dir.file("swapfile")
        defer {
            OtherCommandsTests.swapoffIfActive([path])
            dir.remove()
        }
        try Self.fallocatedSwapFile(path)
        var batch = Batch()
        let preflight = try batch.run("activate --dry-run before", ["activate", "--dry-run", "--json", path])
        guard try #require(batch.results["activate --dry-run before"]).status == 0 else {
            try batch.finish()
            print("skipped: \(dir.path) takes no swap file here: \(preflight)")
            try Test.cancel("\(dir.path) takes no swap file on this machine")
        }
        let activated = try batch.run("activate", ["activate", "--json", "--priority", "7", path], status: 0)
        let action = try #require(activated["action"] as? [String: Any], "\(activated)")
        #expect(action["performed"] as? Bool == true && action["match"] as? Bool == true, "\(action)")
        #expect(try String(contentsOfFile: "/proc/swaps", encoding: .utf8).contains(path + " "), "not in /proc/swaps")

        let listed = try batch.inspect("list while active", ["list", "--json"])
        let ours = try #require(Self.reports(listed).first { $0["path"] as? String == path }, "\(listed)")
        #expect((ours["active"] as? [String: Any])?["priority"] as? Int == 7, "\(ours)")
        #expect(DocumentRules.codes(ours).contains("in-use"), "\(ours)")
        let noArguments = try batch.inspect("no arguments while active", ["--json"])
        #expect(Self.reports(noArguments).contains { $0["path"] as? String == path }, "\(noArguments)")
        try batch.inspect("inspect while active", ["--json", path])
        try batch.run("activate --if-needed while active", ["activate", "--json", "--if-needed", path], status: 0)
        try batch.run("activate while active", ["activate", "--json", path], status: 1)
        let drifted = try batch.run("activate --if-needed, drifted", ["activate", "--json", "--if-needed", "--priority", "8", path], status: 1)
        #expect(((drifted["action"] as? [String: Any])?["drift"] as? [Any])?.count == 1, "\(drifted)")
        try batch.run("activate --reconcile", ["activate", "--json", "--if-needed", "--reconcile", "--priority", "8", path], status: 0)

        let deactivated = try batch.run("deactivate", ["deactivate", "--json", path], status: 0)
        #expect((deactivated["action"] as? [String: Any])?["performed"] as? Bool == true, "\(deactivated)")
        try batch.run("deactivate --if-needed after", ["deactivate", "--json", "--if-needed", path], status: 0)
        try batch.finish()
        #expect(!(try String(contentsOfFile: "/proc/swaps", encoding: .utf8)).contains(path + " "), "still active")
    }

    // MARK: - the schema and the validator themselves

    /// The finding codes of the schema are exactly FindingCode.allCases, each with its severity.
    @Test func findingCodesAreFindingCodeAllCases() throws {
        let listed = try Contract.enumeration("findingCode")
        #expect(listed == FindingCode.allCases.map(\.rawValue), "$defs/findingCode must list FindingCode.allCases' raw values, in order")
        let severities = try Contract.findingCodes()
        for code in FindingCode.allCases {
            #expect(severities[code.rawValue] == code.severity.rawValue, "\(code.rawValue): \(code.severity) in FindingCode, \(severities[code.rawValue] ?? "none") in the schema")
        }
        #expect(severities.count == FindingCode.allCases.count)
        let schema = try Contract.schema()
        #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        #expect(schema["$id"] is String && schema["title"] is String && schema["description"] is String)
    }

    /// The validator finds drift in a real document: a renamed key, an unknown code, a wrong severity, an
    /// unknown key, a wrong type, a refusal with numbers.
    @Test func validatorCatchesDrift() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let good = dir.file("fallocated")
        try Self.fallocatedSwapFile(good)  // unwritten extents: a finding to mutate
        let result = try Runner.swapinspect(["--json", good])
        try #require(result.status == 0, "\(result)")
        let text = result.stdoutText
        #expect(try SchemaValidator.violations("good", result.stdout).isEmpty)
        let mutations: [(String, String, String, String)] = [
            ("renamed key", "\"spanPages\":", "\"spanPage\":", "spanPages"),
            ("unknown code", "\"code\": \"", "\"code\": \"no-such-", "$.reports[0].findings[0].code"),
            ("severity", "\"severity\": \"", "\"severity\": \"x", "$.reports[0].findings[0].severity"),
            ("unknown key", "\"schemaVersion\": 1,", "\"schemaVersion\": 1, \"extra\": 0,", "extra"),
            ("integer as string", "\"pageSize\": \(getpagesize())", "\"pageSize\": \"\(getpagesize())\"", "$.reports[0].pageSize"),
            ("refused with numbers", "\"ok\": true", "\"ok\": false", "$.reports[0].activation"),
            ("schema version", "\"schemaVersion\": 1", "\"schemaVersion\": 2", "$.schemaVersion"),
            ("tool name", "\"name\": \"swapinspect\"", "\"name\": \"swapinspector\"", "$.tool.name"),
        ]
        if !text.contains("\"code\": \"") { Issue.record("the good file has no finding to mutate: \(text)") }
        for (name, from, to, expected) in mutations {
            guard let range = text.range(of: from) else {
                Issue.record("\(name): \(from) is not in the document")
                continue
            }
            let mutated = text.replacingCharacters(in: range, with: to)
            let violations = try SchemaValidator.violations(name, Data(mutated.utf8))
            #expect(!violations.isEmpty, "\(name): the schema accepts \(to)")
            #expect(violations.contains { $0.contains(expected) }, "\(name): no complaint names \(expected): \(violations)")
        }
        let garbage = try SchemaValidator.violations("not an object", Data("[1, 2]".utf8))
        #expect(!garbage.isEmpty)
    }
}
