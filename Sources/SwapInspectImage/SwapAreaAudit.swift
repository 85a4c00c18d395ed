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
    /// manager's member is named as such (never as corrupt), with what libblkid reliably tells of it
    /// (an md array's name and UUID, a PV's UUID) and the commands that look inside.
    static func notAuditableMessage(
        _ type: String, signature: ImageSignature? = nil, format: DiskImageFormat = .raw, volumeGroup: String? = nil
    ) -> String {
        let attach =
            format == .raw
            ? "attach the image read-only first where it is a file (losetup -r -P -f --show IMAGE)"
            : "attach the \(format) image read-only first (modprobe nbd; qemu-nbd --read-only -f \(format.qemuDriver) -c /dev/nbd0 IMAGE)"
        switch type {
        case "LVM2_member", "LVM1_member":
            let pv = signature?.uuid.map { ", PV UUID \($0)" } ?? ""
            let group = volumeGroup.map { " of volume group \($0)" } ?? ""
            let vg = volumeGroup ?? "VG"
            return "an LVM physical volume (\(type)\(pv))\(group): its logical volumes are not read offline; \(attach), activate its volume group (vgchange -ay \(vg)) and run 'swapinspect inspect' on the swap volume (/dev/\(vg)/LV)"
        case "crypto_LUKS":
            return "a LUKS-encrypted volume (\(type)): nothing inside it can be read without its key; \(attach), open it (cryptsetup open --readonly DEVICE NAME) and run 'swapinspect image /dev/mapper/NAME' (or 'swapinspect inspect' on its swap area)"
        case "linux_raid_member":
            return raidMemberMessage(signature, attach: attach)
        case "isw_raid_member", "ddf_raid_member":
            return "a RAID member (\(type)): one member is not the array; \(attach), assemble the array (mdadm --assemble --readonly --scan) and run 'swapinspect image' on the md device"
        case "btrfs":
            return "btrfs is read offline with btrfs inspect-internal dump-tree only where the trees on the image give the kernel's answer; give --allow-kernel-mount (as root) to read it through a read-only kernel mount in a private mount namespace instead, or attach the image (losetup -r -P -f --show IMAGE), mount the file system with -o ro,rescue=nologreplay and run 'swapinspect inspect' on its swap file (the layout verdict holds; the read-only refusal is the mount's)"
        case "BitLocker", "VeraCrypt", "TrueCrypt":
            return "an encrypted volume (\(type)): nothing inside it can be read without its key; unlock it and run 'swapinspect image' on the unlocked device"
        default:
            return "\(type) cannot be read offline (only ext2/3/4, XFS and btrfs file systems and swap areas can): mount it and run 'swapinspect inspect' on its swap files (online FIEMAP works on every file system the kernel supports)"
        }
    }

    /// An md member: libblkid's LABEL is the array's name (`host:name`), UUID the array's, VERSION the
    /// metadata. With metadata 1.0 or 0.90 the superblock is at the member's end and the array's data
    /// starts the member, so its file system is visible there too; it is still the array's (the
    /// kernel assembles the array and mounts /dev/mdN; RAID0/4/5/6/10 members hold only chunks of it),
    /// so it is named as a member and never audited as a disk of its own.
    static func raidMemberMessage(_ signature: ImageSignature?, attach: String) -> String {
        var what = "a RAID member (linux_raid_member"
        if let version = signature?.version { what += ", md metadata \(version)" }
        what += ")"
        switch (signature?.label, signature?.uuid) {
        case (let label?, let uuid?): what += " of array \(label) (UUID \(uuid))"
        case (let label?, nil): what += " of array \(label)"
        // Metadata 0.90 records no name.
        case (nil, let uuid?): what += " of the array with UUID \(uuid)"
        case (nil, nil): break
        }
        let select = signature?.uuid.map { " --uuid=\($0)" } ?? ""
        var message = "\(what): one member is not the array; \(attach), assemble the array (mdadm --assemble --readonly --scan\(select)) and run 'swapinspect image' on the md device"
        if let version = signature?.version, version.hasPrefix("1.0") || version.hasPrefix("0.9") {
            message += "; its superblock is at the member's end, so the member starts with the array's data: a file system or swap area there is the array's, read from the assembled array, never from one member"
        }
        return message
    }

    mutating func notAuditable(_ index: Int, type: String) {
        let area = areas[index]
        // LVM2: the volume group's name from the PV's own metadata (libblkid gives the PV UUID only).
        let group =
            type == "LVM2_member"
            ? LvmLabel.volumeGroup(read: { offset, count in (try? file.read(offset: area.offset + offset, count: count)) ?? [] }) : nil
        let finding = Finding(
            .unsupportedFilesystem,
            Self.notAuditableMessage(type, signature: area.signature, format: container.format, volumeGroup: group))
        let report = Report.notAuditable(
            path: area.name, size: area.size, finding: finding,
            image: location(area, type: area.signature?.type, uuid: area.signature?.uuid, label: area.signature?.label),
            pageSize: options.pageSize)
        append(report, area: index)
    }
}
