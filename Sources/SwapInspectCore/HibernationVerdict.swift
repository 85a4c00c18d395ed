/// Where a resume device and offset are configured: as written, and the device it resolves to.
public struct ResumeSetting: Sendable, Equatable {
    /// `/sys/power/resume`, `/proc/cmdline`, `HibernateLocation`, `/etc/default/grub line 6 (…)`.
    public var source: String
    /// The device as written (`UUID=…`, `/dev/vda2`, `254:0`); nil when no device is set.
    public var device: String?
    public var resolved: DeviceNumber?
    public var offset: UInt64?

    public init(source: String, device: String?, resolved: DeviceNumber?, offset: UInt64?) {
        self.source = source
        self.device = device
        self.resolved = resolved
        self.offset = offset
    }
}

/// The answer of `swapinspect hibernate`: ready or not, the area and its offsets, where resume is
/// configured, systemd's decision, and a finding (with its fix) for every broken link of the chain.
public struct HibernationVerdict: Sendable, Equatable {
    public var area: HibernationArea?
    /// The resume device for the fix and the JSON `resume.device`: `UUID=…`, else the device path.
    public var resumeDevice: String?
    public var cmdline: ResumeSetting?
    public var sysfs: ResumeSetting?
    public var efi: ResumeSetting?
    public var nextBoot: [ResumeSetting] = []
    public var systemd: SystemdDecision = .supported
    public var findings: [Finding] = []
    /// Why no verdict can be given (exit 2).
    public var undetermined: String?
    public var notes: [String] = []

    public init() {}

    public var ready: Bool { undetermined == nil && !findings.contains { $0.severity == .error } }

    /// The one-line summary `inspect` and `list` print: `hibernate ready`, or the first reason not.
    public var summary: String {
        if let undetermined { return "hibernate cannot tell: \(undetermined)" }
        guard let first = findings.first(where: { $0.severity == .error }) else { return "hibernate ready" }
        return "hibernate not ready: \(first.code.rawValue): \(first.message)"
    }

    /// Whether the system has hibernation configured at all (`inspect` and `list` stay silent otherwise).
    public static func configured(_ facts: HibernationFacts) -> Bool {
        if let resume = facts.sysResume, !resume.isZero { return true }
        if facts.efiHibernateLocation != nil { return true }
        if KernelCommandLine(facts.cmdline ?? "").mentionsResume { return true }
        return NextBoot.sources(facts.boot).contains { $0.cmdline.mentionsResume }
    }
}
