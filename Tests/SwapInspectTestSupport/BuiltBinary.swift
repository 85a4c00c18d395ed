import Foundation
import Glibc

/// The `swapinspect` executable the build produced, for the tests that run the command line.
public enum BuiltBinary {
    /// Where the executable is. `SWAPINSPECT_BIN` overrides the lookup. Otherwise: the test runner
    /// (`swapinspectPackageTests.xctest`) lives in the same bin directory as the executable, whatever
    /// `--scratch-path` was used, so look next to it first (through /proc/self/exe, the bundle, argv[0]),
    /// then in `<root>/.build/debug` and `<root>/.build-cli/debug`. When none is executable, the first
    /// candidate (next to the runner), so that a failure names the expected place.
    public static let path: String = {
        if let explicit = ProcessInfo.processInfo.environment["SWAPINSPECT_BIN"], !explicit.isEmpty {
            return explicit
        }
        var candidates: [String] = []
        if let runner = readLink("/proc/self/exe") {
            candidates.append(directory(of: runner) + "/swapinspect")
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("swapinspect").path)
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("swapinspect").path)
        if let argv0 = CommandLine.arguments.first, argv0.contains("/") {
            candidates.append(directory(of: argv0) + "/swapinspect")
        }
        for scratch in [".build", ".build-cli"] {
            candidates.append(PackageRoot.appending("\(scratch)/debug/swapinspect").path)
        }
        return candidates.first { access($0, X_OK) == 0 } ?? candidates[0]
    }()

    /// Whether `path` is an executable file.
    public static var isBuilt: Bool { access(path, X_OK) == 0 }

    /// Runs the executable through `Runner.run` (C locale, no colour, output through files). Throws
    /// when it has not been built; its exit status, whatever it is, is in the result.
    public static func run(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval? = nil) throws -> RunResult {
        guard isBuilt else {
            throw TestSupportError("the swapinspect executable was not found at \(path): build it first (swift build --build-tests)")
        }
        return try Runner.run(path, arguments, environment: environment, timeout: timeout)
    }

    /// The environment for a shell that runs a printed fix: `swapinspect` in it is this executable
    /// (its directory first in PATH), not whatever else PATH would find.
    public static var shellEnvironment: [String: String] {
        let inherited = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        return ["PATH": directory(of: path) + ":" + inherited]
    }

    /// Runs a shell command line (a printed fix) with `shellEnvironment`.
    public static func runShell(_ command: String) throws -> RunResult {
        try Runner.run("/bin/sh", ["-c", command], environment: shellEnvironment)
    }

    /// The directory part of `path` ("." when it has no slash).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    /// readlink(2) of `path`, or nil.
    public static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
