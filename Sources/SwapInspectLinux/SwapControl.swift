internal import CSwapInspectLinux
import Glibc
import SwapInspectCore
import SystemPackage

/// swapon(2) and swapoff(2), with the kernel's own messages for the attempt.
public enum SwapControl {
    public struct Outcome: Sendable {
        public var errno: Errno?
        /// What the kernel logged during the call (nil when the log cannot be read).
        public var kernelMessages: [String]?
    }

    public static func swapon(_ path: String, flags: SwapFlags) -> Outcome {
        let cursor = KernelLogCursor()
        var errno: Errno?
        do {
            try syscall { si_swapon(path, flags.rawValue) }
        } catch {
            errno = error
        }
        return Outcome(errno: errno, kernelMessages: cursor.drain())
    }

    public static func swapoff(_ path: String) -> Outcome {
        let cursor = KernelLogCursor()
        var errno: Errno?
        do {
            try syscall { si_swapoff(path) }
        } catch {
            errno = error
        }
        return Outcome(errno: errno, kernelMessages: cursor.drain())
    }

    /// Whether this process has CAP_SYS_ADMIN (its bit in CapEff of /proc/self/status).
    public static var hasSysAdmin: Bool {
        guard let status = readTextFile("/proc/self/status") else { return geteuid() == 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            guard let hex = line.dropFirst("CapEff:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first,
                let value = UInt64(hex, radix: 16)
            else { break }
            return value & (1 << UInt64(si_cap_sys_admin)) != 0
        }
        return geteuid() == 0
    }

    /// The active areas now.
    public static func activeAreas() -> [ProcSwapsEntry] {
        ProcSwaps.parse(readTextFile("/proc/swaps") ?? "")
    }

    /// The /proc/swaps entry for this path (matched by inode or device number), if it is active.
    public static func activeEntry(for path: String) -> ProcSwapsEntry? {
        guard let status = try? Stat.stat(path) else { return nil }
        return LiveArea.activeEntry(activeAreas(), matching: status)
    }
}
