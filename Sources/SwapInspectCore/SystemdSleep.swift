/// What `systemctl hibernate` would be told: systemd-logind's answer (src/login/logind-dbus.c,
/// `method_do_shutdown_or_sleep`) from `sleep_supported_full` (src/shared/sleep-config.c) and
/// `hibernation_is_safe` (src/shared/hibernate-util.c), replayed on the facts.
public enum SystemdDecision: String, Sendable, Equatable {
    case supported
    /// SLEEP_STATE_OR_MODE_NOT_SUPPORTED: `disk` is not in /sys/power/state.
    case stateNotSupported
    /// SLEEP_RESUME_NOT_SUPPORTED (-ENOTRECOVERABLE): `noresume`, or neither EFI nor resume=.
    case resumeNotSupported
    /// SLEEP_RESUME_DEVICE_MISSING (-ESTALE): /sys/power/resume names no active swap area at that offset.
    case resumeDeviceMissing
    /// SLEEP_RESUME_MISCONFIGURED (-ENOMEDIUM): resume_offset without resume.
    case resumeMisconfigured
    /// SLEEP_NOT_ENOUGH_SWAP_SPACE (-ENOSPC): no area, or Active(anon) above 98% of its free space.
    case notEnoughSwapSpace

    /// logind's D-Bus error text, verbatim (`Call to Hibernate failed: …` in systemctl).
    public var message: String? {
        switch self {
        case .supported: nil
        case .stateNotSupported: "Sleep verb 'hibernate' is not configured or configuration is not supported by kernel"
        case .resumeNotSupported:
            "Not running on EFI and resume= is not set, or noresume is set. No available method to resume from hibernation"
        case .resumeDeviceMissing: "Specified resume device is missing or is not an active swap device"
        case .resumeMisconfigured: "Invalid resume config: resume= is not populated yet resume_offset= is"
        case .notEnoughSwapSpace:
            "Not enough suitable swap space for hibernation available on compatible block devices and file systems"
        }
    }
}

public enum SystemdSleep {
    /// `HIBERNATION_SWAP_THRESHOLD`: Active(anon) must fit in 98% of the free swap.
    static let threshold = 0.98

    /// systemd's decision, and the index in `facts.swaps` of the area it would hibernate into.
    /// `resume`/`offset`: /sys/power/resume and resume_offset as systemd reads them.
    public static func decide(
        _ facts: HibernationFacts, noresume: Bool, resume: DeviceNumber, offset: UInt64?
    ) -> (SystemdDecision, Int?) {
        guard let state = facts.powerState, state.split(separator: " ").contains(where: { $0.filter { $0 != "\n" } == "disk" }) else {
            return (.stateNotSupported, nil)
        }
        if noresume { return (.resumeNotSupported, nil) }
        // read_resume_config: a populated offset without a device is refused.
        if resume.isZero, let offset, offset > 0 { return (.resumeMisconfigured, nil) }
        guard let chosen = choose(facts.swaps, resume: resume, offset: offset) else {
            return (resume.isZero ? .notEnoughSwapSpace : .resumeDeviceMissing, nil)
        }
        if resume.isZero && !facts.efiBoot { return (.resumeNotSupported, chosen) }
        if let active = facts.activeAnonKiB, let entry = facts.swaps[chosen].entry {
            let free = Double(entry.sizeKiB) - Double(entry.usedKiB)
            if Double(active) > free * threshold { return (.notEnoughSwapSpace, chosen) }
        }
        return (.supported, chosen)
    }

    /// `find_suitable_hibernation_device_full`: with resume= set, the area on that device at that
    /// offset (any offset when the kernel does not expose resume_offset); else the last area that beats
    /// the one chosen so far on priority or on free space (systemd's comparison, kept as it is).
    static func choose(_ swaps: [HibernationArea], resume: DeviceNumber, offset: UInt64?) -> Int? {
        var chosen: Int?
        for (index, area) in swaps.enumerated() {
            guard let entry = area.entry, eligible(area), let device = area.device else { continue }
            if !resume.isZero {
                if device == resume && (!area.isFile || offset == nil || area.offsetSystemd == offset) { return index }
                continue
            }
            if let best = chosen.flatMap({ swaps[$0].entry }) {
                if entry.priority > best.priority || entry.sizeKiB &- entry.usedKiB > best.sizeKiB &- best.usedKiB { chosen = index }
            } else {
                chosen = index
            }
        }
        return chosen
    }

    /// `read_swap_entries`: files not deleted, partitions that are not zram.
    static func eligible(_ area: HibernationArea) -> Bool {
        guard let entry = area.entry else { return false }
        if entry.type == "file" { return !entry.deleted }
        return entry.type == "partition" && !area.isZram
    }
}
