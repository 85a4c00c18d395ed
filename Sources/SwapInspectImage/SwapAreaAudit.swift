import SwapInspectCore

/// Swap partitions, audited as block devices, and the areas no offline reader can open.
extension ImageAuditRun {
    /// The mode of a swap partition's device node, which an image does not record: what udev gives a
    /// disk's partitions (root:disk 0660).
    static let partitionMode: UInt32 = 0o660

    /// The priority of an area `swapon -a` activates without one: the kernel's first automatic one, as
    /// nothing of the image is active yet.
    static let automaticPriority = ProcSwaps.nextAutoPriority([])

    mutating func auditSwapArea(_ index: Int, entry: FstabEntry?) {
        classify(index)
        let area = areas[index]
        var facts = AreaFacts(
            path: area.name, kind: .blockDevice, size: area.size, mode: Self.partitionMode,
            headerBytes: area.headerBytes, source: .blockDevice, priority: entry?.priority ?? Self.automaticPriority)
        if let entry {
            facts.notes.append("named by /etc/fstab line \(entry.line) as \(entry.spec)")
            if entry.noauto { facts.notes.append("fstab marks it noauto: swapon -a skips it") }
        }
        var report = Inspector.inspect(facts, options: InspectOptions(pageSize: options.pageSize))
        // The header Inspector chose: the one at the simulated page size, else the first found.
        let header = report.header
        report.image = location(
            area, type: area.signature?.type ?? (header == nil ? nil : "swap"),
            uuid: area.signature?.uuid ?? header?.uuid, label: area.signature?.label ?? header?.label)
        append(report, area: index)
    }

    mutating func notAuditable(_ index: Int, type: String) {
        let area = areas[index]
        let need: String
        switch type {
        case "LVM2_member":
            need = "activate the volume group (vgchange -ay) and run 'swapinspect inspect' on its swap volume"
        case "crypto_LUKS":
            need = "open it (cryptsetup open) and run 'swapinspect inspect' on the mapped device or on swap files inside it"
        case "linux_raid_member":
            need = "assemble the array (mdadm --assemble) and run 'swapinspect inspect' on it"
        default:
            need = "mount it and run 'swapinspect inspect' on its swap files (online FIEMAP works on every file system the kernel supports)"
        }
        let finding = Finding(
            .unsupportedFilesystem,
            "\(type) cannot be read offline (only ext2/3/4 file systems and swap areas can): \(need)")
        let report = Report.notAuditable(
            path: area.name, size: area.size, finding: finding,
            image: location(area, type: area.signature?.type, uuid: area.signature?.uuid, label: area.signature?.label),
            pageSize: options.pageSize)
        append(report, area: index)
    }
}
