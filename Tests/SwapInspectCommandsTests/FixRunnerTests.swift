import Foundation
import Glibc
import SwapInspectTestSupport
import Testing

/// Every fix the scenarios produce, run as printed by /bin/sh, then the area inspected again: the
/// finding is gone, no other error or warning appeared, and a recreated area kept its UUID. (Info
/// findings such as `fragmented` or `unwritten-extents` describe a layout that activates; a refusal hid
/// them before.)
@Suite("fixes are commands that remove their finding", .serialized)
struct FixRunnerTests {
    struct State {
        /// The codes of errors and warnings.
        var codes: Set<String>
        var fixes: [(code: String, fix: String)]
        var uuid: String?
    }

    static func state(_ path: String) throws -> State {
        let result = try BuiltBinary.run(["--json", path])
        let document = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result)")
        let report = try #require((document["reports"] as? [[String: Any]])?.first, "\(result)")
        let findings = report["findings"] as? [[String: Any]] ?? []
        let codes = Set(findings.filter { $0["severity"] as? String != "info" }.compactMap { $0["code"] as? String })
        let fixes = findings.compactMap { finding -> (String, String)? in
            guard let code = finding["code"] as? String, let fix = finding["fix"] as? String else { return nil }
            return (code, fix)
        }
        return State(codes: codes, fixes: fixes, uuid: (report["header"] as? [String: Any])?["uuid"] as? String)
    }

    /// Runs the fix of `code` on `path` and checks what it left.
    static func runFix(_ code: String, on path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try state(path)
        let fix = try #require(before.fixes.first { $0.code == code }?.fix, "no fix for \(code): \(before.codes)", sourceLocation: sourceLocation)
        let ran = try BuiltBinary.runShell(fix)
        #expect(ran.status == 0, "\(fix): \(ran)", sourceLocation: sourceLocation)
        let after = try state(path)
        #expect(!after.codes.contains(code), "\(fix) left \(code)", sourceLocation: sourceLocation)
        #expect(after.codes.isSubset(of: before.codes), "\(fix) added \(after.codes.subtracting(before.codes))", sourceLocation: sourceLocation)
        if let uuid = before.uuid, after.uuid != nil {
            #expect(after.uuid == uuid, "\(fix) changed the UUID", sourceLocation: sourceLocation)
        }
        print("fix ran: \(code): \(fix)")
    }

    @Test func permissionsOwnerAndHeaderFixes() throws {
        let dir = try TemporaryDirectory(base: "/var/tmp")
        defer { dir.remove() }
        // A name that needs quoting: the fix must still run as printed.
        let readable = dir.file("swap file 'one'")
        try Fixture.swapFile(readable, mode: 0o644)
        try Self.runFix("insecure-permissions", on: readable)

        let zeroes = dir.file("zeroes")
        try Fixture.writeFile(zeroes, size: 16 * Fixture.mebibyte)
        try Self.runFix("no-signature", on: zeroes)

        let big = dir.file("p64k")
        try Fixture.swapFile(big, mkswapArguments: ["-p", "65536", "-L", "big label"])
        try Self.runFix("pagesize-mismatch", on: big)

        let tail = dir.file("tail")
        try Fixture.writeFile(tail, size: 16 * Fixture.mebibyte)
        // A header for 8 MiB of the 16 MiB file.
        let short = try Runner.run(
            try #require(Runner.tool("mkswap")), ["-q", "-U", "01234567-89ab-4cde-8f01-23456789abcd", "-L", "tail", tail, "8192"])
        try #require(short.status == 0, "\(short)")
        try Self.runFix("file-beyond-last-page", on: tail)

        if getuid() == 0 {
            let owned = dir.file("owned")
            try Fixture.swapFile(owned)
            try #require(chown(owned, 1000, 1000) == 0)
            try Self.runFix("insecure-owner", on: owned)
        }
    }

    /// A sparse swap file on this machine's file system: recreated fully allocated, same size and UUID.
    @Test func holesAreFixedByRecreatingTheFile() throws {
        let dir = try TemporaryDirectory(base: "/var/tmp")
        defer { dir.remove() }
        let sparse = dir.file("sparse")
        try Fixture.writeFile(sparse, size: 0)
        try #require(truncate(sparse, 16 << 20) == 0)
        try Fixture.mkswap(sparse, ["-q"])
        let before = try Self.state(sparse)
        try #require(before.codes.contains("holes"), "the sparse file has no hole here: \(before.codes)")
        try Self.runFix("holes", on: sparse)
        var status = stat()
        #expect(stat(sparse, &status) == 0 && status.st_size == 16 << 20 && status.st_mode & 0o777 == 0o600)
        let after = try BuiltBinary.run([sparse])
        #expect(after.status == 0, "\(after)")
    }
}

/// The same for every fix that the end-to-end scenarios produce, each on a fresh copy of its inputs.
@Suite("every scenario's fixes, run as printed")
struct ScenarioFixRunnerTests {
    typealias Findings = [(path: String, code: String, severity: String, fix: String?)]

    static func findings(_ arguments: [String]) throws -> Findings {
        let result = try BuiltBinary.run(arguments + ["--json"])
        guard let document = try? JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] else { return [] }
        return (document["reports"] as? [[String: Any]] ?? []).flatMap { report -> Findings in
            let path = report["path"] as? String ?? ""
            return (report["findings"] as? [[String: Any]] ?? []).map {
                (path, $0["code"] as? String ?? "", $0["severity"] as? String ?? "", $0["fix"] as? String)
            }
        }
    }

    @Test(arguments: Scenario.all)
    func everyFixRemovesItsFindingAndAddsNoProblem(_ scenario: Scenario) throws {
        let planned = try {
            let dir = try TemporaryDirectory(base: "/var/tmp")
            defer { dir.remove() }
            return try Self.findings(try scenario.prepare(dir)).filter { $0.fix != nil }
        }()
        for target in planned {
            // A fresh copy of the inputs for each fix: the fixes of one area are alternatives.
            let dir = try TemporaryDirectory(base: "/var/tmp")
            defer { dir.remove() }
            let arguments = try scenario.prepare(dir)
            let before = try Self.findings(arguments).filter { $0.path.hasSuffix(String(target.path.split(separator: "/").last ?? "")) }
            guard let fix = before.first(where: { $0.code == target.code })?.fix else { continue }
            if fix.hasPrefix("chown") && getuid() != 0 { continue }
            let ran = try BuiltBinary.runShell(fix)
            #expect(ran.status == 0, "\(scenario.name): \(fix): \(ran)")
            let after = try Self.findings(arguments).filter { finding in before.contains { $0.path == finding.path } }
            let problems = { (findings: Findings) in Set(findings.filter { $0.severity != "info" }.map(\.code)) }
            #expect(!problems(after).contains(target.code), "\(scenario.name): \(fix) left \(target.code)")
            #expect(problems(after).isSubset(of: problems(before)), "\(scenario.name): \(fix) added \(problems(after).subtracting(problems(before)))")
            print("fix ran (\(scenario.name)): \(fix)")
        }
    }
}
