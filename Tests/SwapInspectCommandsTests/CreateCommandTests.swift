import Foundation
import Glibc
import SwapInspectTestSupport
import Testing

/// `create` end to end on this machine's disk (no loop device): usage errors, the dry run, a real
/// create and --if-missing, each JSON document valid against the schema. The kernel tests activate
/// what it makes (SwapInspectKernelTests.Create).
@Suite("create end to end", .serialized)
struct CreateCommandTests {
    static func document(_ result: RunResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result)")
    }

    @Test(arguments: [
        ["--size", "lots"], ["--size", "36K"], ["--size", "1M", "--uuid", "nope"], ["--size", "1M", "--label", "sixteen-bytes!!!"],
        ["--size", "1M", "--priority", "40000"], ["--size", "1M", "--page-size", "1000"], [],
    ])
    func usageErrorsAreExit64(_ arguments: [String]) throws {
        let dir = try TemporaryDirectory(base: "/var/tmp")
        defer { dir.remove() }
        let result = try BuiltBinary.run(["create"] + arguments + [dir.file("swapfile")])
        #expect(result.status == 64, "\(result)")
        #expect(access(dir.file("swapfile"), F_OK) != 0)
    }

    @Test func dryRunCreatesNothing() throws {
        let dir = try TemporaryDirectory(base: "/var/tmp")
        defer { dir.remove() }
        let result = try BuiltBinary.run(["create", "--dry-run", "--json", "--size", "1500MB", dir.file("swapfile")])
        #expect(result.status == 0, "\(result)")
        #expect(try SchemaValidator.violations("create --dry-run", result.stdout).isEmpty)
        let action = try #require(try Self.document(result)["action"] as? [String: Any])
        #expect(action["dryRun"] as? Bool == true && action["performed"] as? Bool == false)
        // 1500 MB is 366210 pages of 4 KiB (rounded down), 366209 of them usable.
        #expect((action["message"] as? String)?.contains("366210 pages") == true, "\(action)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test(.enabled(if: getuid() == 0, "create needs root"))
    func createThenIfMissingWithFstab() throws {
        let dir = try TemporaryDirectory(base: "/var/tmp")
        defer { dir.remove() }
        let path = dir.file("swap file")
        let fstab = dir.file("fstab")
        let arguments = ["create", "--json", "--if-missing", "--size", "8M", "--uuid", "0f8d2a6c-3b1e-4c5d-9e7f-a1b2c3d4e5f6", "--fstab=\(fstab)", path]
        let first = try BuiltBinary.run(arguments)
        #expect(first.status == 0, "\(first)")
        #expect(try SchemaValidator.violations("create", first.stdout).isEmpty)
        let document = try Self.document(first)
        let action = try #require(document["action"] as? [String: Any])
        #expect(action["changed"] as? Bool == true)
        let report = try #require((document["reports"] as? [[String: Any]])?.first)
        #expect((report["header"] as? [String: Any])?["uuid"] as? String == "0f8d2a6c-3b1e-4c5d-9e7f-a1b2c3d4e5f6")
        #expect(try String(contentsOfFile: fstab, encoding: .utf8) == "\(dir.path.replacingOccurrences(of: " ", with: "\\040"))/swap\\040file none swap defaults 0 0\n")
        let second = try BuiltBinary.run(arguments)
        #expect(second.status == 0, "\(second)")
        #expect(try SchemaValidator.violations("create --if-missing", second.stdout).isEmpty)
        #expect((try Self.document(second)["action"] as? [String: Any])?["changed"] as? Bool == false)
        // The text form prints the inspect report, then what was done.
        let text = try BuiltBinary.run(["create", "--if-missing", "--size", "8M", path])
        #expect(text.status == 0 && text.stdoutText.contains("would activate") && text.stdoutText.contains("nothing changed"), "\(text)")
    }
}
