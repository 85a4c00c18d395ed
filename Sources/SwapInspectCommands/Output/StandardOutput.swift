import Glibc

/// Whether everything written to stdout got there: a failed write (ENOSPC on /dev/full, EIO) or a
/// failed close is exit status 2 with one line on stderr, as util-linux's close_stdout does, for every
/// command. A reader that went away (EPIPE) is not reported.
enum StandardOutput {
    /// The first errno a write to stdout failed with; 0 while none has.
    nonisolated(unsafe) static var failure: Int32 = 0

    static func recordFailure(_ code: Int32) {
        if failure == 0 { failure = code }
    }

    /// Checks stdout when the process exits (also after ArgumentParser's own help and version output).
    static func checkAtExit() {
        atexit {
            StandardOutput.finish()
        }
    }

    /// Flushes stdio's buffer, closes stdout and reports a failure; runs in an atexit handler, so the
    /// exit status is changed with _exit.
    static func finish() {
        // NULL: every stdio stream, stdout among them (print, ArgumentParser's help).
        if fflush(nil) != 0 { recordFailure(errno) }
        if close(1) != 0 && errno != EBADF && errno != EINTR { recordFailure(errno) }
        guard failure != 0, failure != EPIPE else { return }
        printError("stdout: write error: \(String(cString: strerror(failure)))")
        _exit(2)
    }
}
