import SwapInspectCore
import SystemPackage

/// Reads a swap file or swap device on this machine into the core's `AreaFacts`.
/// Opens read-only and non-blocking; never writes.
public enum LiveArea {
    public static func facts(for path: String, options: LiveOptions = LiveOptions()) throws(AreaError) -> AreaFacts {
        let status = try OpenedArea.statNamingDanglingLinks(path)
        let canonical = canonicalPath(path) ?? path
        guard status.isRegular || status.isBlockDevice else {
            return AreaFacts(
                path: canonical, kind: .other, size: status.size, mode: status.mode, uid: status.uid, gid: status.gid,
                headerBytes: [], specialFile: status.specialFile)
        }
        let area = try OpenedArea.open(path, expecting: status)
        defer { area.close() }
        let swaps = SwapControl.activeAreas()
        let active = activeEntry(swaps, matching: area.status)
        let priority = active?.priority ?? ProcSwaps.nextAutoPriority(swaps)
        let mounts = MountTable.read()
        if area.status.isBlockDevice {
            var facts = blockDeviceFacts(area, canonical: canonical, priority: priority, active: active)
            facts.open = OpenFactsReader.blockDevice(area, canonical: canonical, active: active != nil, mounts: mounts)
            return facts
        }
        var facts = try fileFacts(
            area, path: path, canonical: canonical, priority: priority, active: active, options: options, mounts: mounts)
        facts.open = OpenFactsReader.file(area, canonical: canonical, mounts: mounts)
        return facts
    }

    static func blockDeviceFacts(_ area: OpenedArea, canonical: String, priority: Int, active: ProcSwapsEntry?) -> AreaFacts {
        let status = area.status
        var facts = AreaFacts(
            path: canonical, kind: .blockDevice, size: area.size, mode: status.mode, uid: status.uid, gid: status.gid,
            headerBytes: area.header, source: .blockDevice, nonRotational: !BlockDeviceAttributes.isRotational(status.rdev),
            priority: priority, active: active)
        facts.supportsDiscard = BlockDeviceAttributes.supportsDiscard(status.rdev)
        return facts
    }

    /// A swap file: its file system, then (unless the file system is refused outright) its extents,
    /// and on btrfs what `btrfs_swap_activate` reads.
    static func fileFacts(
        _ area: OpenedArea, path: String, canonical: String, priority: Int, active: ProcSwapsEntry?, options: LiveOptions,
        mounts: MountTable
    ) throws(AreaError) -> AreaFacts {
        let status = area.status
        let geometry: FilesystemGeometry
        do {
            geometry = try FilesystemGeometry.read(area.fd)
        } catch {
            throw AreaError(path: path, operation: "cannot statfs", errno: error)
        }
        let mount = mounts.entry(forDevice: status.device)
            ?? (geometry.magic == FilesystemMagic.btrfs ? mounts.entry(containing: canonical) : nil)
        let filesystem = filesystemFacts(geometry, device: status.device, mount: mount)
        var facts = AreaFacts(
            path: canonical, kind: .file, size: area.size, mode: status.mode, uid: status.uid, gid: status.gid,
            filesystem: filesystem, headerBytes: area.header, nonRotational: !BlockDeviceAttributes.isRotational(status.device),
            priority: priority, active: active, allocatedBytes: status.allocatedBytes)
        facts.supportsDiscard = BlockDeviceAttributes.supportsDiscard(status.device)

        // No point mapping what the kernel refuses before it looks at blocks.
        if case .refused = filesystem.kind.swapSupport { return facts }
        var (mapped, source, notes) = try ExtentMapper.map(
            area.fd, path: path, size: area.size, blockSize: geometry.blockSize, options: options)
        if geometry.magic == FilesystemMagic.xfs, source == .fiemap, mapped.tally.flags.contains(.shared) {
            mapped = settleXFSInactivation(area.fd, mapped: mapped)
        }
        facts.setExtents(mapped.extents, tally: mapped.tally)
        facts.source = source
        facts.notes = notes
        if geometry.magic == FilesystemMagic.btrfs {
            let gathered = try BtrfsArea.gather(area.fd, path: path, inode: status.inode, mountSource: mount?.source)
            facts.btrfs = gathered.facts
            facts.btrfs?.mountPoint = mount.map(\.mountPoint).flatMap { $0.isEmpty ? nil : $0 }
            facts.notes += gathered.notes
            adoptSwapDevice(&facts, gathered)
        }
        return facts
    }

    /// The file system kind (the ext4 driver is told from ext2/3 by its /sys/fs/ext4 entry) and its device.
    static func filesystemFacts(_ geometry: FilesystemGeometry, device: UInt64, mount: MountTable.Entry?) -> FilesystemFacts {
        let deviceName = BlockDeviceAttributes.name(device)
        let ext4Driver = deviceName.map { (try? Stat.stat("/sys/fs/ext4/\($0)")) != nil } ?? true
        let kind = FilesystemCatalog.classify(magic: geometry.magic, mountType: mount?.type, ext4Driver: ext4Driver)
        var facts = FilesystemFacts(
            kind: kind, blockSize: Int(geometry.blockSize), device: mount?.source ?? deviceName.map { "/dev/\($0)" })
        if let mount, FilesystemCatalog.modesFromMount(mountType: mount.type, superOptions: mount.superOptions) {
            facts.modesFromMount = mount.mountPoint
        }
        return facts
    }

    /// btrfs sets `si->bdev` to the device holding the file (stripe 0 of its first extent's chunk), not
    /// the anonymous device stat(2) reports: `SS` and discard follow that device.
    static func adoptSwapDevice(_ facts: inout AreaFacts, _ gathered: BtrfsArea.Gathered) {
        let candidates = gathered.swapDevice.map { [$0] } ?? gathered.facts.devices.map(\.path)
        let devices = candidates.compactMap { path -> UInt64? in
            guard let status = try? Stat.stat(path), status.isBlockDevice else { return nil }
            return status.rdev
        }
        guard let first = devices.first else { return }
        let rotational = Set(devices.map(BlockDeviceAttributes.isRotational))
        let discard = Set(devices.map(BlockDeviceAttributes.supportsDiscard))
        facts.nonRotational = !BlockDeviceAttributes.isRotational(first)
        facts.supportsDiscard = BlockDeviceAttributes.supportsDiscard(first)
        if rotational.count > 1 || discard.count > 1 {
            facts.notes.append(
                "the devices of this file system differ in rotation or discard support, and which one holds the file is unknown: the SS and discard flags of the kernel line may differ")
        }
    }

    /// The /proc/swaps line of the area this descriptor names, matched by inode (file) or device (block).
    static func activeEntry(_ entries: [ProcSwapsEntry], matching status: FileStatus) -> ProcSwapsEntry? {
        entries.first { entry in
            guard !entry.deleted, let other = try? Stat.stat(entry.name) else { return false }
            if status.isBlockDevice { return other.isBlockDevice && other.rdev == status.rdev }
            return other.device == status.device && other.inode == status.inode
        }
    }
}
