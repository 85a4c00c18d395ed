import Foundation
import SwapInspectTestSupport
import Testing

/// The C shim's FIEMAP walk compiled with its ioctl and pthread_create scripted (ShimHarness/), so that the
/// paths a real file system cannot be made to take on demand run on every `make test`: an error from the
/// helper thread in the middle of a walk, EINTR, no thread, a zero-length tail, a file system answering
/// from before the range, an over-reported count, and many short walks.
@Suite("C shim, syscalls scripted")
struct ShimHarnessTests {
    static let harness = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("ShimHarness")
    static let shim = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/CSwapInspectLinux")

    /// cc, gcc, or the clang that comes with the Swift toolchain.
    static func compiler() -> String? {
        Runner.tool("cc", "gcc", "clang")
    }

    /// Runs `executable` to the end; its exit status and its stdout followed by its stderr.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try Runner.run(executable, arguments, timeout: nil)
        return (result.status, result.stdoutText + result.stderr)
    }

    @Test(.timeLimit(.minutes(2)))
    func fiemapWalkTakesEveryPathCorrectly() throws {
        guard let cc = Self.compiler() else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("no C compiler (cc, gcc or clang) in PATH") }
            print("skipped: no C compiler (cc, gcc or clang) in PATH")
            try Test.cancel("no C compiler in PATH")
        }
        let dir = try Scratch.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let binary = "\(dir)/fiemap_walk_test"
        let arguments = [
            "-std=gnu11", "-O1", "-g", "-Wall", "-pthread",
            "-I", Self.shim.path, "-I", Self.shim.appendingPathComponent("include").path,
            Self.harness.appendingPathComponent("fiemap_walk_test.c").path, "-o", binary,
        ]
        // With AddressSanitizer where the compiler has it: a read past a request buffer fails loudly.
        var build = try Self.run(cc, ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"] + arguments)
        if build.status != 0 {
            print("note: building the shim harness without sanitizers: \(build.output.split(separator: "\n").first ?? "")")
            build = try Self.run(cc, arguments)
        }
        try #require(build.status == 0, "the harness does not compile:\n\(build.output)")
        let result = try Self.run(binary, [])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output == "ok\n", "\(result.output)")
    }
}
