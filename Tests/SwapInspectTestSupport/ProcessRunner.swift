import Foundation
import Glibc

/// The outcome of one run of a program.
public struct RunResult: CustomStringConvertible, Sendable {
    /// The exit status, or 128 + the signal number when a signal ended the program (as a shell reports it).
    public var status: Int32
    public var stdout: Data
    public var stderr: String
    /// The program outlived its timeout and was killed with SIGKILL.
    public var timedOut: Bool

    public init(status: Int32, stdout: Data, stderr: String, timedOut: Bool = false) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
    }

    /// stdout decoded as UTF-8 (invalid bytes replaced).
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// The non-empty lines of stderr.
    public var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    public var description: String {
        "exit \(status)\(timedOut ? " (timed out, killed)" : "")\n--- stdout ---\n\(stdoutText)--- stderr ---\n\(stderr)"
    }
}

/// Runs programs the way every test target needs them run.
public enum Runner {
    /// Runs `executable` (a path) with `arguments` and waits for it.
    ///
    /// - stdin is /dev/null; stdout and stderr are captured through files, so no pipe can fill up and
    ///   stall the child, however much it prints.
    /// - The environment is the test runner's with `LC_ALL=C`, `NO_COLOR=1` and `COLUMNS=80`, then
    ///   `environment` on top.
    /// - After `timeout` seconds the program is killed (SIGKILL) and the result says `timedOut`;
    ///   `nil` waits as long as it takes.
    ///
    /// Throws only when the program cannot be started; a non-zero exit is in the result.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval? = 60
    ) throws -> RunResult {
        let scratch = try TemporaryDirectory(prefix: "swapinspect-run")
        defer { scratch.remove() }
        let outPath = scratch.file("stdout")
        let errPath = scratch.file("stderr")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outHandle
        process.standardError = errHandle
        var merged = ProcessInfo.processInfo.environment
        merged["LC_ALL"] = "C"
        merged["NO_COLOR"] = "1"
        merged["COLUMNS"] = "80"
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        do {
            try process.run()
        } catch {
            try? outHandle.close()
            try? errHandle.close()
            throw error
        }
        try? outHandle.close()
        try? errHandle.close()

        var timedOut = false
        if let timeout {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning {
                if Date() >= deadline {
                    timedOut = true
                    kill(process.processIdentifier, SIGKILL)
                    break
                }
                usleep(5_000)
            }
        }
        process.waitUntilExit()
        let stdout = FileManager.default.contents(atPath: outPath) ?? Data()
        let stderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        let status = process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
        return RunResult(status: status, stdout: stdout, stderr: stderr, timedOut: timedOut)
    }
}
