import Foundation
import SwapInspectTestSupport

/// Real files on this machine's file system (not tmpfs: swap files are refused there).
enum Scratch {
    /// A fresh directory under `TMPDIR` (or /var/tmp when it is unset or empty); the caller removes it.
    static func directory() throws -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/var/tmp"
        return try TemporaryDirectory(prefix: "swapinspect-linux-tests", base: base).path
    }

    /// Runs the tool `arguments[0]` with the rest as its arguments; its exit status.
    @discardableResult
    static func run(_ arguments: [String]) throws -> Int32 {
        try Tool.run(arguments[0], Array(arguments.dropFirst()), check: false).status
    }

    static func writeZeros(_ path: String, bytes: Int) throws {
        try Data(count: bytes).write(to: URL(fileURLWithPath: path))
        try run(["sync", path])
    }
}
