/// What a path that is neither a regular file nor a block device is; swapon(2) refuses each of them
/// (`claim_swapfile` and `swapon`'s open, docs/kernel-rules.md §1.2).
public enum SpecialFile: String, Sendable, CaseIterable {
    case directory
    case fifo = "FIFO"
    case socket
    case characterDevice = "character device"
    /// Anything else stat(2) can report.
    case other = "special file"

    /// The name messages use.
    public var name: String { rawValue }

    /// The errno swapon(2) fails with: a directory cannot be opened for writing, a socket cannot be
    /// opened at all, the rest open and are refused by `claim_swapfile`.
    public var swaponErrno: ErrnoName {
        switch self {
        case .directory: .isDirectory
        case .socket: .noSuchDeviceOrAddress
        case .fifo, .characterDevice, .other: .invalidArgument
        }
    }
}
