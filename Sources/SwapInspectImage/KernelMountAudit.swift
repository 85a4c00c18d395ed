internal import CSwapInspectImage
import Glibc
import SwapInspectCore
internal import SwapInspectLinux

/// `image --allow-kernel-mount`: the swap files of a file system no offline reader reads (btrfs),
/// inspected with the online machinery (`LiveArea`: FIEMAP, the btrfs tree searches) on a read-only
/// kernel mount of it (`KernelMount`), then judged as the image would boot: the read-only mount, its
/// loop device and its temporary mount point are swapinspect's, so the paths are those inside the
/// image, and the read-only refusal is not the verdict (the booted system mounts it read-write).
extension ImageAuditRun {
    /// What --allow-kernel-mount mounts: file systems that no offline reader of swapinspect reads and
    /// this kernel's swapon has a model for. ext2/3/4 and XFS stay offline (libext2fs, xfs_db).
    static let kernelMountTypes: Set<String> = ["btrfs"]

    /// The file system type to mount for an area's content, or nil when it is read offline.
    static func kernelMountType(_ content: ImageArea.Content) -> String? {
        if case .other(let type) = content, kernelMountTypes.contains(type) { return type }
        return nil
    }

    /// The area's swap files are read through a kernel mount (--allow-kernel-mount and its type).
    func readsFiles(_ area: ImageArea) -> Bool { options.allowKernelMount && Self.kernelMountType(area.content) != nil }

    mutating func auditByKernelMount(_ index: Int, type: String) {
        let area = areas[index]
        if let reason = KernelMountNamespace.unavailable() {
            audit.errors.append(AreaError(path: area.name, operation: "cannot mount it", reason: reason))
            return
        }
        let mount: KernelMount
        do {
            mount = try KernelMount.attach(source: source, offset: area.offset, size: area.size, name: area.name)
        } catch {
            audit.errors.append(error)
            return
        }
        auditMounted(mount, index: index, type: type)
        if let error = mount.close() { audit.errors.append(error) }
    }

    /// The default subvolume first (its /etc/fstab), then each subvolume the requests lie in, one
    /// mount at a time.
    mutating func auditMounted(_ mount: KernelMount, index: Int, type: String) {
        let area = areas[index]
        do {
            try mount.mount(type: type, subvolume: nil)
        } catch {
            audit.errors.append(error)
            return
        }
        let root = mountedRoot(mount, area: area)
        let place = kernelMountPlace(area, type: type, subvolume: nil)
        var requests: [(path: String, entry: FstabEntry?, explicit: Bool)] = options.paths.map { ($0, nil, true) }
        if options.paths.isEmpty {
            let swaps = root.entries.filter(\.isSwap)
            for entry in swaps {
                if let path = resolveFstabEntry(entry, area: index, place: place) { requests.append((path, entry, true)) }
            }
            if swaps.isEmpty { requests = ImageAuditOptions.defaultSwapFiles.map { ($0, nil, false) } }
        }
        let run = self
        let mapped = requests.map { request in
            (request, Self.mountedPath(request.path, entries: root.entries, isThisFilesystem: { run.namesFilesystem($0, index: index) }, rootSubvolume: root.subvolume))
        }
        var current: String?? = .some(nil)
        var audited: Set<[UInt64]> = []
        for subvolume in Self.orderedUnique(mapped.compactMap { $0.1?.subvolume }) {
            if current != .some(subvolume) {
                if let error = mount.unmount() { audit.errors.append(error); return }
                do {
                    try mount.mount(type: type, subvolume: subvolume)
                } catch {
                    audit.errors.append(error)
                    continue
                }
                current = .some(subvolume)
            }
            for (request, target) in mapped where target?.subvolume == subvolume {
                auditMountedFile(mount, request, target!, type: type, index: index, audited: &audited)
            }
        }
        for (request, target) in mapped where target == nil && request.explicit {
            audit.errors.append(
                AreaError(
                    path: AreaError.path(request.path, inside: area.name), operation: "cannot audit",
                    reason: "the image's /etc/fstab mounts another file system there, not this \(type)"))
        }
    }

    /// Each value once, in the order first seen.
    static func orderedUnique(_ values: [String?]) -> [String?] {
        var seen: [String?] = []
        for value in values where !seen.contains(value) { seen.append(value) }
        return seen
    }

    func kernelMountPlace(_ area: ImageArea, type: String, subvolume: String?) -> ImageLocation {
        var place = location(area, type: type, uuid: area.signature?.uuid, label: area.signature?.label)
        place.kernelMount = ImageLocation.KernelMount(
            options: KernelMount.describedOptions(type: type, subvolume: subvolume), subvolume: subvolume)
        return place
    }

    /// Whether an fstab entry mounts this file system: its tag names this area, or it names a device
    /// (which only the booted machine can resolve) with this type.
    func namesFilesystem(_ entry: FstabEntry, index: Int) -> Bool {
        let area = areas[index]
        guard entry.type == area.signature?.type || entry.type == "auto" else { return false }
        switch DeviceSpec.parse(entry.spec) {
        case .tag(let name, let value):
            let candidate = SpecCandidate(
                index: index, uuid: area.signature?.uuid, label: area.signature?.label, partUUID: area.partition?.uuid,
                partLabel: area.partition?.name)
            return DeviceSpecResolver.resolve(name: name, value: value, among: [candidate]) == index
        case .device: return true
        case .file, .invalid: return false
        }
    }
}

extension ImageAuditRun {
    /// The facts as the booted system would have them: the path inside the image, its file system
    /// named as the image's area, the fstab entry's priority, and no read-only mount (ours is read-only,
    /// the booted system's read-write). The device's rotation and discard support are those of the
    /// machine that boots it, unknown here, as for every offline audit.
    func bootedView(
        _ facts: inout AreaFacts, mount: KernelMount, request: (path: String, entry: FstabEntry?, explicit: Bool),
        target: MountedPath, area: ImageArea, type: String
    ) {
        let mounted = facts.path
        var inside = request.path
        if mounted == mount.directory || mounted.hasPrefix(mount.directory + "/") {
            let below = String(mounted.dropFirst(mount.directory.count))
            inside = target.mountPoint == "/" ? (below.isEmpty ? "/" : below) : target.mountPoint + below
        }
        let rename = { (text: String) in text.replacing(mounted, with: inside).replacing(mount.directory, with: target.mountPoint) }
        var notes = facts.notes.map(rename)
        notes += Self.fileNotes(links: inside != request.path ? ["\(request.path) -> \(inside)"] : [], entry: request.entry)
        let options = KernelMount.describedOptions(type: type, subvolume: target.subvolume)
        notes.append(
            "read through a read-only kernel mount (--allow-kernel-mount: -o \(options) on a read-only loop device, in swapinspect's private mount namespace); the read-only mount is swapinspect's: the verdict is the booted system's read-write mount's")
        if let logRoot = btrfsLogRoot(area), logRoot != 0 {
            notes.append(
                "its log tree (fsyncs not yet committed: a crash or power cut) was not replayed (rescue=nologreplay); the booted kernel replays it at its first read-write mount, which can still change the file")
        }
        facts.path = inside
        facts.notes = notes
        facts.filesystem?.device = area.name
        facts.priority = request.entry?.priority ?? Self.automaticPriority
        facts.active = nil
        facts.open.readOnlySuperblock = nil
        facts.open.readOnlyMount = nil
        facts.nonRotational = false
        facts.supportsDiscard = false
        if var btrfs = facts.btrfs {
            btrfs.kernelDeviceName = area.name
            btrfs.mountPoint = target.mountPoint
            btrfs.devices = btrfs.devices.map { BtrfsDevice(devid: $0.devid, path: $0.path == mount.loopDevice ? area.name : $0.path) }
            facts.btrfs = btrfs
        }
    }

    /// The superblock's log_root (btrfs_super_block at 64 KiB, log_root at byte 0x60): not zero while
    /// fsynced changes wait in the log tree for replay.
    func btrfsLogRoot(_ area: ImageArea) -> UInt64? {
        guard area.signature?.type == "btrfs", let bytes = try? file.read(offset: area.offset + 0x10000 + 0x60, count: 8), bytes.count == 8
        else { return nil }
        return bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
}
