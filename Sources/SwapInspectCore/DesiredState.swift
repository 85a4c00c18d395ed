/// `activate --if-needed`: an active area compared with the settings asked for.
///
/// The kernel exposes an active area's priority in /proc/swaps (`swap_show`), but not its discard
/// policy: `SWP_DISCARDABLE`, `SWP_AREA_DISCARD` and `SWP_PAGE_DISCARD` live only in
/// `swap_info_struct.flags`, which neither /proc/swaps, sysfs nor `swapon --show` shows. The one trace is
/// the `D`, `s`, `c` letters of the `Adding` line swapon(2) logged, while that line is still in the kernel
/// log; without it the policy is not compared.
public enum DesiredState {
    /// One setting that differs.
    public struct Drift: Sendable, Equatable {
        /// `priority` or `discard`.
        public var setting: String
        public var active: String
        public var requested: String

        public init(setting: String, active: String, requested: String) {
            self.setting = setting
            self.active = active
            self.requested = requested
        }
    }

    /// What is known of an active area's discard policy.
    public enum ActiveDiscard: Sendable, Equatable {
        /// From its `Adding` line: nil is no discard.
        case logged(DiscardPolicy?)
        /// The line is no longer in the kernel log (or the log cannot be read).
        case unknown
    }

    /// The drift between `active` and what `requested` asks for, and notes on what could not be
    /// compared. A setting not asked for is not compared: the kernel's automatic priority, any discard.
    public static func compare(
        active: ProcSwapsEntry, discard: ActiveDiscard, requested: SwapFlags, deviceSupportsDiscard: Bool
    ) -> (drift: [Drift], notes: [String]) {
        var drift: [Drift] = []
        var notes: [String] = []
        if let priority = requested.priority, priority != active.priority {
            drift.append(Drift(setting: "priority", active: "\(active.priority)", requested: "\(priority)"))
        }
        guard let policy = requested.discardPolicy else { return (drift, notes) }
        guard deviceSupportsDiscard else {
            // swapon(2) sets the discard flags only where the device can discard: the request is moot.
            notes.append("the device does not support discard, so the kernel ignores any discard policy: not compared")
            return (drift, notes)
        }
        switch discard {
        case .logged(let activePolicy):
            if activePolicy != policy {
                drift.append(Drift(setting: "discard", active: activePolicy?.rawValue ?? "none", requested: policy.rawValue))
            }
        case .unknown:
            notes.append(
                "the kernel does not expose an active area's discard policy (not in /proc/swaps), and the Adding line of its activation is no longer in the kernel log: discard not compared")
        }
        return (drift, notes)
    }

    /// The last `Adding` line among `messages` for an area named `name` with this size and priority: the
    /// line of its current activation (each swapon(2) logs one; the kernel prints the name it was given).
    public static func lastAddingLine(in messages: [String], name: String, sizeKiB: UInt64, priority: Int) -> String? {
        let prefix = "Adding \(sizeKiB)k swap on \(name).  Priority:\(priority) extents:"
        return messages.last { $0.hasPrefix(prefix) }
    }

    /// The discard policy the letters of an `Adding` line show (`SwapFlags.kernelLetters`): nil for none;
    /// `.unknown` when the line has no `across:` field or an impossible combination.
    public static func discard(ofAddingLine line: String) -> ActiveDiscard {
        let marker = " across:"
        var start: String.Index?
        var index = line.endIndex
        while index > line.startIndex {
            index = line.index(before: index)
            if line[index...].hasPrefix(marker) {
                start = line.index(index, offsetBy: marker.count)
                break
            }
        }
        guard let start else { return .unknown }
        var rest = line[start...].drop { $0.isNumber }
        guard rest.first == "k" else { return .unknown }
        rest = rest.dropFirst().drop { $0 == " " }
        var letters = String(rest)
        while letters.hasSuffix(" ") { letters.removeLast() }
        if letters.hasPrefix("SS") { letters.removeFirst(2) }
        switch letters {
        case "": return .logged(nil)
        case "Dsc": return .logged(.all)
        case "Ds": return .logged(.once)
        case "Dc": return .logged(.pages)
        default: return .unknown
        }
    }
}

/// The swap options of an fstab entry as `swapon -a` reads them (util-linux `parse_options`).
extension FstabEntry {
    /// `nofail`: swapon -a reports no error for this entry.
    public var nofail: Bool { options.contains("nofail") }

    /// `discard`, `discard=once`, `discard=pages`; another value is a bare `discard`, as swapon's.
    public var discardPolicy: DiscardPolicy? {
        for option in options {
            if option == "discard" { return .all }
            if option.hasPrefix("discard=") {
                switch option.dropFirst("discard=".count) {
                case "once": return .once
                case "pages": return .pages
                default: return .all
                }
            }
        }
        return nil
    }

    /// The swapon(2) flags: `pri=` below 0 is the kernel's automatic priority, above 32767 is 32767
    /// (swapon's clamp to SWAP_FLAG_PRIO_MASK).
    public var swapFlags: SwapFlags {
        let priority = self.priority.flatMap { $0 < 0 ? nil : min($0, SwapFlags.maxPriority) }
        return SwapFlags(priority: priority, discard: discardPolicy)
    }
}

/// /proc/meminfo.
public enum MemInfo {
    /// `MemAvailable:` in KiB: what can be allocated without swapping (what swapoff needs for the
    /// pages it brings back).
    public static func availableKiB(in text: String) -> UInt64? {
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2 else { return nil }
            return UInt64(fields[1])
        }
        return nil
    }
}
