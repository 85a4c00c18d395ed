import SwapInspectCore

/// Gathers `HibernationFacts` from a system's files (`SystemRoot`): /proc, /sys, efivarfs and the
/// boot configuration, and for each active area what `inspect` finds (read from the real file or
/// device under the root). Reads only; never writes /sys/power/resume or anything else.
public enum HibernationReader {
    /// `deviceUUID`: the UUID libblkid reads on a device path (the adapter that has libblkid gives it).
    public static func facts(
        root: SystemRoot, path: String?, pageSize: Int, inspectAreas: Bool = true, deviceUUID: (String) -> String?
    ) -> HibernationFacts {
        var facts = HibernationFacts()
        facts.root = root.path
        facts.powerState = root.attribute("/sys/power/state")
        facts.lockdown = root.attribute("/sys/kernel/security/lockdown")
        facts.cmdline = root.text("/proc/cmdline")
        facts.activeAnonKiB = meminfoField("Active(anon)", root.text("/proc/meminfo"))
        facts.imageSize = root.attribute("/sys/power/image_size").flatMap { UInt64($0) }
        facts.sysResume = root.attribute("/sys/power/resume").flatMap { DeviceNumber(text: $0) }
        facts.sysResumeOffset = root.attribute("/sys/power/resume_offset").flatMap { UInt64($0) }
        facts.efiBoot = root.exists("/sys/firmware/efi")
        facts.efiHibernateLocation = root.bytes("/sys/firmware/efi/efivars/" + EFIHibernateLocation.fileName)
        facts.boot = bootFiles(root)
        // Whether hibernation is configured at all needs no area inspected (inspect and list ask so).
        guard inspectAreas else { return facts }
        let entries = root.activeAreas()
        facts.swaps = entries.map { area(root: root, name: $0.name, entry: $0, pageSize: pageSize, deviceUUID: deviceUUID) }
        if let path {
            let entry = entries.first { $0.name == path } ?? entries.first { sameObject(root.locate($0.name), root.locate(path)) }
            facts.requested = area(root: root, name: path, entry: entry, pageSize: pageSize, deviceUUID: deviceUUID)
        }
        return facts
    }

    /// `Active(anon):   123456 kB`.
    static func meminfoField(_ name: String, _ text: String?) -> UInt64? {
        for line in (text ?? "").split(separator: "\n") where line.hasPrefix(name + ":") {
            return line.dropFirst(name.count + 1).split(separator: " ").first.flatMap { UInt64($0) }
        }
        return nil
    }

    static func sameObject(_ one: String, _ other: String) -> Bool {
        guard let first = try? Stat.stat(one), let second = try? Stat.stat(other) else { return false }
        return first.isSameObject(as: second)
    }

    /// One area: inspected as `inspect` would, its device and the three offsets.
    static func area(
        root: SystemRoot, name: String, entry: ProcSwapsEntry?, pageSize: Int, deviceUUID: (String) -> String?
    ) -> HibernationArea {
        var area = HibernationArea(path: name, entry: entry)
        if area.isZram || entry?.deleted == true { return area }
        let located = root.locate(name)
        let facts: AreaFacts
        do {
            facts = try LiveArea.facts(for: located)
        } catch {
            area.problem = error.description
            return area
        }
        area.kind = facts.kind
        var report = Inspector.inspect(facts, options: InspectOptions(pageSize: pageSize))
        // Resume reads the image before anything is mounted: the offsets come from the layout, whatever
        // swapon's open would meet now (a read-only mount, chattr +i, a busy device), and from the swap
        // header under a hibernation image already written there.
        var layout = facts
        if let refusal = KernelRules.swaponOpen(facts) {
            area.openRefusal = refusal.finding.message
            layout.open = OpenFacts()
            report = Inspector.inspect(layout, options: InspectOptions(pageSize: pageSize))
        }
        // (The open is checked before the header: only now is a hibernation image seen.)
        if report.findings.contains(where: { $0.code == .hibernationSignature }),
            let original = SwapHeaderLayout.headerUnderHibernationImage(facts.headerBytes, pageSize: pageSize)
        {
            layout.headerBytes = original
            report = Inspector.inspect(layout, options: InspectOptions(pageSize: pageSize))
        }
        guard let status = try? Stat.stat(located) else { return area }
        switch facts.kind {
        case .blockDevice:
            area.device = number(status.rdev)
            area.devicePath = name
            area.deviceUUID = report.header?.uuid
            area.offsetKernel = 0
            area.offsetSystemd = 0
        case .file:
            var device = status.device
            // btrfs: the anonymous st_dev is not the device; the kernel's si->bdev is the one the file's
            // data is on (a single-device file system's only device).
            if facts.btrfs != nil, let source = facts.filesystem?.device, let held = try? Stat.stat(source), held.isBlockDevice {
                device = held.rdev
            }
            area.device = number(device)
            area.devicePath = facts.filesystem?.device ?? BlockDeviceAttributes.name(device).map { "/dev/\($0)" }
            area.deviceUUID = area.devicePath.flatMap(deviceUUID)
            area.offsetKernel = report.resumeOffset
            area.offsetSystemd = report.userspaceResumeOffset
            if let first = facts.extents.first, first.logical == 0, let blockSize = facts.filesystem?.blockSize, blockSize > 0 {
                area.offsetFilefrag = first.physical / UInt64(blockSize)
            }
            if report.resumeOffset == nil, let reason = report.undetermined ?? report.findings.first(where: { $0.severity == .error })?.message {
                area.problem = "the kernel would not activate it as it is (\(reason))"
            }
        case .other:
            area.problem = "not a regular file or block device"
        }
        return area
    }

    static func number(_ dev: UInt64) -> DeviceNumber {
        let (major, minor) = deviceNumbers(dev)
        return DeviceNumber(major: major, minor: minor)
    }

    /// The device number of a device path of this machine (`/dev/…`, a /dev/disk/by-* link).
    public static func deviceNumber(of path: String) -> DeviceNumber? {
        guard let status = try? Stat.stat(path), status.isBlockDevice else { return nil }
        return number(status.rdev)
    }

    /// The boot configuration files, each read under the root.
    static func bootFiles(_ root: SystemRoot) -> BootFiles {
        BootFiles.gather(read: { root.text($0) }, list: { root.isDirectory($0) ? root.list($0) : nil })
    }
}
