import Foundation
import Glibc

/// The directories searched after PATH: a test runner's PATH often lacks the sbin directories where
/// losetup, mkswap, mkfs.* and swapon live.
private let systemDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

extension Runner {
    /// The first of `names` found as an executable: each name is looked up in PATH, then in the sbin and
    /// bin directories. A name with a slash is taken as a path and returned when it is executable.
    public static func tool(_ names: String...) -> String? {
        tool(names)
    }

    /// The first of `names` found as an executable (see `tool(_:)`).
    public static func tool(_ names: [String]) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + systemDirectories
        for name in names {
            if name.contains("/") {
                if access(name, X_OK) == 0 { return name }
                continue
            }
            for directory in directories {
                let candidate = "\(directory)/\(name)"
                if access(candidate, X_OK) == 0 { return candidate }
            }
        }
        return nil
    }
}

/// Command-line tools run by name, for building fixtures: the failure of a tool is a harness error.
public enum Tool {
    /// Where `name` is (`Runner.tool(name)`), or nil when it is not installed.
    public static func locate(_ name: String) -> String? { Runner.tool(name) }

    /// Runs the tool `name` (or the executable at that path) through `Runner.run`, with no timeout
    /// unless one is given. Throws `TestSupportError` when the tool is not found, and, when `check` is
    /// set, when it exits non-zero (the message carries its stdout and stderr).
    @discardableResult
    public static func run(
        _ name: String, _ arguments: [String], check: Bool = true, environment: [String: String] = [:],
        timeout: TimeInterval? = nil
    ) throws -> RunResult {
        guard let executable = locate(name) else { throw TestSupportError("\(name) not found") }
        let result = try Runner.run(executable, arguments, environment: environment, timeout: timeout)
        if check && result.status != 0 {
            throw TestSupportError("\(name) \(arguments.joined(separator: " ")) failed: \(result)")
        }
        return result
    }

    /// `bash -euo pipefail -c SCRIPT`, checked.
    public static func sh(_ script: String) throws {
        try run("bash", ["-euo", "pipefail", "-c", script])
    }
}
