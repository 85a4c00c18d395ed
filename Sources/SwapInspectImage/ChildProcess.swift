internal import CSwapInspectImage
import Glibc
import SwapInspectCore

/// The tools the offline adapter runs (qemu-storage-daemon, xfs_db): each with a memory limit, a CPU
/// and a wall-clock limit, in its own process group, killed with swapinspect, and reaped always.
enum ChildProcess {
    /// Address space of a child: qemu's caches and xfs_db's buffers need far less.
    static let memoryLimit: UInt64 = 1 << 30
    static let cpuSeconds: UInt = 600
    /// Wall-clock limit of a tool that runs to completion (xfs_db): it reads metadata only.
    static let runSeconds: UInt32 = 120

    /// What a finished child left.
    struct Outcome {
        var status: Int32
        var output: [UInt8]
        var errors: [UInt8]
        var timedOut: Bool

        var succeeded: Bool { !timedOut && status == 0 }
        /// Its standard error's first non-empty line, for one-line messages.
        var firstErrorLine: String {
            String(decoding: errors, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        }
    }

    /// The executable named `name` in $PATH, then the sbin directories a non-root $PATH often lacks.
    static func find(_ name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return directories.lazy.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    /// Starts `executable` with its output going to `stdoutFD`/`stderrFD` (-1: /dev/null).
    static func spawn(_ executable: String, _ arguments: [String], stdoutFD: Int32 = -1, stderrFD: Int32 = -1) -> pid_t {
        var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        return si_spawn_limited(executable, &argv, stdoutFD, stderrFD, memoryLimit, UInt(cpuSeconds))
    }

    /// Runs a tool to completion and collects both outputs (at most `limit` bytes of standard output;
    /// past it the tool is stopped rather than waited for).
    static func run(_ executable: String, _ arguments: [String], limit: Int = 256 << 20) throws(AreaError) -> Outcome {
        var output: [UInt8] = []
        let streamed = try stream(executable, arguments, seconds: runSeconds) { piece in
            output += piece
            return output.count < limit
        }
        return Outcome(status: streamed.status, output: output, errors: streamed.errors, timedOut: streamed.timedOut)
    }

    /// How a streamed run ended: its exit status (128+N for signal N), standard error's first 64 KiB,
    /// whether the wall-clock limit stopped it, and whether `accept` did.
    struct Streamed {
        var status: Int32
        var errors: [UInt8]
        var timedOut: Bool
        var stopped: Bool
    }

    /// Runs a tool under the limits and `seconds` of wall-clock time, handing its standard output on in
    /// pieces as they come; `accept` returning false stops it (SIGKILL). Always reaped.
    static func stream(
        _ executable: String, _ arguments: [String], seconds: UInt32, accept: (ArraySlice<UInt8>) -> Bool
    ) throws(AreaError) -> Streamed {
        var out: [Int32] = [-1, -1]
        var err: [Int32] = [-1, -1]
        guard si_pipe_cloexec(&out) == 0 else { throw AreaError(path: executable, operation: "cannot create a pipe") }
        guard si_pipe_cloexec(&err) == 0 else {
            close(out[0]); close(out[1])
            throw AreaError(path: executable, operation: "cannot create a pipe")
        }
        let pid = spawn(executable, arguments, stdoutFD: out[1], stderrFD: err[1])
        close(out[1])
        close(err[1])
        defer { close(out[0]); close(err[0]) }
        guard pid > 0 else { throw AreaError(path: executable, operation: "cannot start") }
        let slot = si_guard_register(pid, nil, nil, nil)
        _ = si_guard_watch(slot, seconds)
        var errors: [UInt8] = []
        let stopped = !pump(out[0], err[0], errors: &errors, accept: accept)
        if stopped { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let timedOut = si_guard_timed_out(slot) != 0
        si_guard_unregister(slot)
        let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Streamed(status: code, errors: errors, timedOut: timedOut, stopped: stopped)
    }

    /// Reads both pipes until both are closed (poll: neither can fill up and block the child); false
    /// when `accept` stopped it.
    static func pump(_ outFD: Int32, _ errFD: Int32, errors: inout [UInt8], accept: (ArraySlice<UInt8>) -> Bool) -> Bool {
        var fds = [pollfd(fd: outFD, events: Int16(POLLIN), revents: 0), pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while fds.contains(where: { $0.fd >= 0 }) {
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 || errno == EINTR else { return true }
            for index in fds.indices where fds[index].fd >= 0 && fds[index].revents != 0 {
                let got = buffer.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else { fds[index].fd = -1; continue }
                if index == 0 {
                    if !accept(buffer[0..<got]) { return false }
                } else if errors.count < 1 << 16 {
                    errors += buffer[0..<got]
                }
            }
        }
        return true
    }
}
