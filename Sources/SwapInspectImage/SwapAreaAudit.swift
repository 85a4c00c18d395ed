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

    /// What a container or file system no offline reader opens is, and what would open it: a volume
    /// manager's member is named as such (never as corrupt), with the command that looks inside.
    static func notAuditableMessage(_ type: String) -> String {
        let attach = "attach the image read-only first where it is a file (losetup -r -P -f --show IMAGE)"
        switch type {
        case "LVM2_member", "LVM1_member":
            return "an LVM physical volume (\(type)): its logical volumes are not read offline; \(attach), activate its volume group (vgchange -ay VG) and run 'swapinspect inspect' on the swap volume (/dev/VG/LV)"
        case "crypto_LUKS":
            return "a LUKS-encrypted volume (\(type)): nothing inside it can be read without its key; \(attach), open it (cryptsetup open --readonly DEVICE NAME) and run 'swapinspect image /dev/mapper/NAME' (or 'swapinspect inspect' on its swap area)"
        case "linux_raid_member", "isw_raid_member", "ddf_raid_member":
            return "a RAID member (\(type)): one member is not the array; \(attach), assemble the array (mdadm --assemble --readonly --scan) and run 'swapinspect image' on the md device"
        case "btrfs":
            return "btrfs is read offline with btrfs inspect-internal dump-tree only where the trees on the image give the kernel's answer; give --allow-kernel-mount to have swapinspect mount it read-only instead, or attach the image (losetup -r -P -f --show IMAGE), mount the file system and run 'swapinspect inspect' on its swap file"
        case "BitLocker", "VeraCrypt", "TrueCrypt":
            return "an encrypted volume (\(type)): nothing inside it can be read without its key; unlock it and run 'swapinspect image' on the unlocked device"
        default:
            return "\(type) cannot be read offline (only ext2/3/4, XFS and btrfs file systems and swap areas can): mount it and run 'swapinspect inspect' on its swap files (online FIEMAP works on every file system the kernel supports)"
        }
    }

    mutating func notAuditable(_ index: Int, type: String) {
        let area = areas[index]
        let finding = Finding(.unsupportedFilesystem, Self.notAuditableMessage(type))
        let report = Report.notAuditable(
            path: area.name, size: area.size, finding: finding,
            image: location(area, type: area.signature?.type, uuid: area.signature?.uuid, label: area.signature?.label),
            pageSize: options.pageSize)
        append(report, area: index)
    }
}
