internal import CSwapInspectLinux
import Glibc
import SwapInspectCore
import SystemPackage

/// The kernel log from a point in time on: /dev/kmsg opened non-blocking and positioned at its end,
/// so that exactly the records of one swapon/swapoff attempt are read back.
public struct KernelLogCursor {
    let fd: FileDescriptor?

    /// nil descriptor when /dev/kmsg cannot be read (no root, dmesg_restrict): messages are then unknown.
    public init() {
        guard let fd = try? FileDescriptor.open("/dev/kmsg", .readOnly, options: [.nonBlocking, .closeOnExec]) else {
            self.fd = nil
            return
        }
        _ = try? fd.seek(offset: 0, from: .end)
        self.fd = fd
    }

    /// The message text of every record logged since the cursor was made, then closes it.
    public func drain() -> [String]? {
        guard let fd else { return nil }
        defer { try? fd.close() }
        var messages: [String] = []
        // One read returns one whole record or fails with EINVAL: leave room for the longest (~8 KiB + dict).
        var record = [UInt8](repeating: 0, count: 16384)
        while true {
            let count: Int
            do {
                count = try record.withUnsafeMutableBytes { try fd.read(into: $0) }
            } catch Errno.resourceTemporarilyUnavailable {
                break
            } catch Errno.brokenPipe {
                continue  // records were overwritten while reading: skip ahead
            } catch {
                break
            }
            if count <= 0 { break }
            // "prio,seq,usec,flags;message\n key=value…"
            let bytes = record[0..<count]
            guard let semicolon = bytes.firstIndex(of: UInt8(ascii: ";")) else { continue }
            let body = bytes[(semicolon + 1)...].prefix { $0 != UInt8(ascii: "\n") }
            // /dev/kmsg writes unprintable bytes and backslashes as `\xNN`.
            messages.append(Escapes.hex(body))
        }
        return messages
    }
}

/// swapon(2) and swapoff(2), with the kernel's own messages for the attempt.
public enum SwapControl {
    public struct Outcome: Sendable {
        public var errno: Errno?
        /// What the kernel logged during the call (nil when the log cannot be read).
        public var kernelMessages: [String]?
    }

    public static func swapon(_ path: String, flags: SwapFlags) -> Outcome {
        let cursor = KernelLogCursor()
        let result = syscall { si_swapon(path, flags.rawValue) }
        return Outcome(errno: result.failure, kernelMessages: cursor.drain())
    }

    public static func swapoff(_ path: String) -> Outcome {
        let cursor = KernelLogCursor()
        let result = syscall { si_swapoff(path) }
        return Outcome(errno: result.failure, kernelMessages: cursor.drain())
    }

    /// Whether this process has CAP_SYS_ADMIN (bit 21 of CapEff in /proc/self/status).
    public static var hasSysAdmin: Bool {
        guard let status = readTextFile("/proc/self/status") else { return geteuid() == 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            guard let hex = line.dropFirst("CapEff:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first,
                let value = UInt64(hex, radix: 16)
            else { break }
            return value & (1 << 21) != 0
        }
        return geteuid() == 0
    }

    /// The active areas now.
    public static func activeAreas() -> [ProcSwapsEntry] {
        ProcSwaps.parse(readTextFile("/proc/swaps") ?? "")
    }

    /// The /proc/swaps entry for this path (matched by inode or device number), if it is active.
    public static func activeEntry(for path: String) -> ProcSwapsEntry? {
        guard case .success(let status) = Stat.stat(path) else { return nil }
        return LiveArea.activeEntry(activeAreas(), matching: status)
    }
}

/// Error text for an errno, as strerror(3) spells it.
public func errorText(_ errno: Errno) -> String { String(cString: strerror(errno.rawValue)) }

/// The C name of an errno (`EINVAL`), for JSON and messages.
public func errnoName(_ errno: Errno) -> String {
    let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EIO: "EIO", ENXIO: "ENXIO", E2BIG: "E2BIG",
        EBADF: "EBADF", ENOMEM: "ENOMEM", EACCES: "EACCES", EFAULT: "EFAULT", EBUSY: "EBUSY", EEXIST: "EEXIST",
        ENODEV: "ENODEV", ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL", ENFILE: "ENFILE",
        EMFILE: "EMFILE", ENOTTY: "ENOTTY", EFBIG: "EFBIG", ENOSPC: "ENOSPC", EROFS: "EROFS", ELOOP: "ELOOP",
        ENAMETOOLONG: "ENAMETOOLONG", ENOSYS: "ENOSYS", EOPNOTSUPP: "EOPNOTSUPP",
    ]
    return names[errno.rawValue] ?? "errno \(errno.rawValue)"
}
