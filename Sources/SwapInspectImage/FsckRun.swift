import Glibc
import SwapInspectCore

/// `e2fsck -fn` on the file system of an image, read-only (-n opens it O_RDONLY and answers no to
/// every question), as a child process with a time limit: killed and reaped when it runs over.
enum FsckRun {
    enum Verdict: Equatable {
        case clean
        /// Exit status 4: errors left uncorrected; the first problem lines of its output.
        case errors([String])
        /// Exit status 8 and above: e2fsck could not check (its message).
        case failed(String)
        case timedOut(seconds: Int)
        /// Not run, and why (no e2fsck, a name it cannot take).
        case skipped(String)
    }

    /// Seconds e2fsck may run before it is killed.
    static let timeLimit = 60
    /// Output kept from e2fsck: enough for its first problems.
    static let outputLimit = 1 << 16
    /// Problem lines quoted in a finding.
    static let quotedLines = 3
    static let searchPath = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]

    /// The e2fsck argument for a file system `offset` bytes into `image` (its `?offset=` io option).
    static func device(image: String, offset: UInt64) -> String {
        offset == 0 ? image : "\(image)?offset=\(offset)"
    }

    static func run(image: String, offset: UInt64, timeLimit: Int = timeLimit) -> Verdict {
        start(image: image, offset: offset).finish(timeLimit: timeLimit)
    }

    /// An e2fsck started ahead of the audit that needs its verdict, which it reads meanwhile: `finish`
    /// collects it (its time limit counted from its start, as before), `cancel` stops and reaps one
    /// that is not needed; either happens once, and deinit cancels.
    final class Started {
        /// The e2fsck process (0: not run); reaped once collected or stopped.
        let process: pid_t
        private var pid: pid_t
        private var output: Int32
        private var outcome: Verdict?
        /// When it started (CLOCK_MONOTONIC seconds).
        private let started: Int

        init(pid: pid_t, output: Int32) {
            (process, self.pid, self.output, outcome, started) = (pid, pid, output, nil, FsckRun.now())
        }

        /// Not run, and why.
        init(_ verdict: Verdict) {
            (process, pid, output, outcome, started) = (0, 0, -1, verdict, 0)
        }

        deinit { cancel() }

        func finish(timeLimit: Int = FsckRun.timeLimit) -> Verdict {
            if let outcome { return outcome }
            let (text, status) = FsckRun.collect(pid: pid, from: output, seconds: timeLimit, since: started)
            close(output)
            (pid, output) = (0, -1)
            let verdict = status.map { FsckRun.verdict(status: $0, output: text) } ?? .timedOut(seconds: timeLimit)
            outcome = verdict
            return verdict
        }

        /// Stops and reaps it unless its verdict was collected.
        func cancel() {
            guard pid > 0 else { return }
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            close(output)
            (pid, output) = (0, -1)
            outcome = .skipped("stopped: its verdict was not needed")
        }
    }

    /// Seconds on the monotonic clock.
    static func now() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int(now.tv_sec)
    }

    /// Starts `e2fsck -fn` on the file system `offset` bytes into `image`, its output into a pipe.
    static func start(image: String, offset: UInt64) -> Started {
        // e2fsck splits its device argument at the first '?' (its io options).
        guard !image.contains("?") else { return Started(.skipped("the image's name contains '?', which e2fsck takes for its options")) }
        let candidates: [String] = searchPath.map { directory in directory + "/e2fsck" }
        guard let program = candidates.first(where: { candidate in access(candidate, X_OK) == 0 }) else {
            return Started(.skipped("e2fsck is not installed (e2fsprogs)"))
        }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { return Started(.skipped("cannot create a pipe: \(String(cString: strerror(errno)))")) }
        // Our ends stay ours: the child gets them only as its stdout and stderr.
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        // Room for 1 MiB of output (F_SETPIPE_SZ, 1031; best effort): it runs while swapinspect reads,
        // before its output is collected, and must not stop on a full pipe meanwhile.
        _ = fcntl(pipeEnds[1], 1031, Int32(1 << 20))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        let arguments = [program, "-fn", device(image: image, offset: offset)]
        let environment = ["LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"]
        var pid: pid_t = 0
        let spawned = withCStrings(arguments) { argv in
            withCStrings(environment) { envp in posix_spawn(&pid, program, &actions, nil, argv, envp) }
        }
        close(pipeEnds[1])
        guard spawned == 0 else {
            close(pipeEnds[0])
            return Started(.skipped("cannot run e2fsck: \(String(cString: strerror(spawned)))"))
        }
        return Started(pid: pid, output: pipeEnds[0])
    }

    /// Reads the child's output until it exits or the time is up (then it is killed); always reaps it.
    /// The exit status is nil when the child was killed for running over, or died of a signal.
    static func collect(pid: pid_t, from fd: Int32, seconds: Int, since start: Int) -> ([UInt8], Int32?) {
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var open = true
        while open {
            let left = start + seconds - now()
            if left <= 0 { break }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(left, 1) * 1000))
            if ready < 0 && errno != EINTR { break }
            guard ready > 0 else { continue }
            let got = read(fd, &buffer, buffer.count)
            if got < 0 && errno == EINTR { continue }
            if got <= 0 {
                open = false
            } else if output.count < outputLimit {
                output += buffer.prefix(got)
            }
        }
        var status: Int32 = 0
        if open {
            kill(pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return (output, nil)
        }
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS.
        guard status & 0x7F == 0 else { return (output, nil) }
        return (output, (status >> 8) & 0xFF)
    }

    /// e2fsck's exit status (0 clean, 4 errors left, 8 operational error and up) with its output.
    static func verdict(status: Int32, output: [UInt8]) -> Verdict {
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n").map { $0.trimmingCharacters() }
        let problems = lines.filter { line in
            !line.isEmpty && !line.hasPrefix("Pass ") && !line.hasPrefix("e2fsck ") && !line.contains("***")
                && !line.contains(" files (") && !line.hasPrefix("Warning: skipping journal recovery")
        }
        // With -n, e2fsck answers "Fix? no" and may still exit 0 (an invalid group descriptor checksum
        // is IGNORED): any problem line it prints counts.
        if status == 0 { return problems.isEmpty ? .clean : .errors(Array(problems.prefix(quotedLines))) }
        if status & 8 != 0 || status & 4 == 0 {
            return .failed(problems.prefix(quotedLines).joined(separator: "; "))
        }
        return .errors(Array(problems.prefix(quotedLines)))
    }

    static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}

extension Substring {
    /// Without leading and trailing blanks.
    func trimmingCharacters() -> String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
