import SwapInspectCore
import SystemPackage

/// The kernel log from a point in time on: /dev/kmsg opened non-blocking and positioned at its end,
/// so that exactly the records of one swapon/swapoff attempt are read back.
public struct KernelLogCursor {
    let fd: FileDescriptor?

    /// Room for the longest record one read(2) of /dev/kmsg returns: the kernel's 8 KiB message limit
    /// (CONSOLE_EXT_LOG_MAX) plus its dictionary.
    static let recordCapacity = 16384

    /// nil descriptor when /dev/kmsg cannot be read (no root, dmesg_restrict): messages are then unknown.
    /// `fromStart`: from the oldest record still in the log instead (a fresh open of /dev/kmsg starts there).
    public init(fromStart: Bool = false) {
        guard let fd = try? FileDescriptor.open("/dev/kmsg", .readOnly, options: [.nonBlocking, .closeOnExec]) else {
            self.fd = nil
            return
        }
        if !fromStart { _ = try? fd.seek(offset: 0, from: .end) }
        self.fd = fd
    }

    /// The message text of every record logged since the cursor was made, then closes it.
    public func drain() -> [String]? {
        guard let fd else { return nil }
        defer { try? fd.close() }
        var messages: [String] = []
        // One read returns one whole record or fails with EINVAL.
        var record = [UInt8](repeating: 0, count: Self.recordCapacity)
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
