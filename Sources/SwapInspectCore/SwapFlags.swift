/// Discard policies of `swapon(2)` (`SWAP_FLAG_DISCARD*`, include/linux/swap.h).
public enum DiscardPolicy: String, Sendable, CaseIterable {
    /// Discard the whole area once at swapon and freed pages as they are reused.
    case all
    /// `SWAP_FLAG_DISCARD_ONCE`: only the one discard of the whole area at swapon.
    case once
    /// `SWAP_FLAG_DISCARD_PAGES`: only freed pages, asynchronously.
    case pages
}

/// The `swap_flags` argument of `swapon(2)`, built from a priority and a discard policy.
public struct SwapFlags: Sendable, Equatable {
    public static let prefer: Int32 = 0x8000
    public static let priorityMask: Int32 = 0x7FFF
    public static let discard: Int32 = 0x10000
    public static let discardOnce: Int32 = 0x20000
    public static let discardPages: Int32 = 0x40000
    public static let maxPriority = 32767

    public var priority: Int?
    public var discardPolicy: DiscardPolicy?

    public init(priority: Int? = nil, discard: DiscardPolicy? = nil) {
        self.priority = priority
        self.discardPolicy = discard
    }

    public var rawValue: Int32 {
        var flags: Int32 = 0
        if let priority {
            flags |= Self.prefer | (Int32(priority) & Self.priorityMask)
        }
        switch discardPolicy {
        case .all: flags |= Self.discard
        case .once: flags |= Self.discard | Self.discardOnce
        case .pages: flags |= Self.discard | Self.discardPages
        case nil: break
        }
        return flags
    }

    /// The `D`, `s`, `c` letters of the `Adding` line (`swapon` in mm/swapfile.c): only when discard was
    /// asked for and the device supports it; `once` drops the per-page `c`, `pages` drops the area-wide `s`.
    public func kernelLetters(deviceSupportsDiscard: Bool) -> String {
        guard let discardPolicy, deviceSupportsDiscard else { return "" }
        switch discardPolicy {
        case .all: return "Dsc"
        case .once: return "Ds"
        case .pages: return "Dc"
        }
    }
}
