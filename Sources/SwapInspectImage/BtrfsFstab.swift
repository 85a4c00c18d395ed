import SwapInspectCore

/// Which subvolume the booted system sees at each mount point of a btrfs file system, from the image's
/// own /etc/fstab: found in the default subvolume, else in the one subvolume right under it whose
/// fstab mounts that very subvolume at / (Fedora's `subvol=root`, Ubuntu's `@`).
extension ImageAuditRun {
    mutating func btrfsNamespace(_ btrfs: BtrfsOffline, index: Int) -> ([FstabEntry]?, BtrfsMounts, [String]) {
        let fallback: BtrfsMounts = [("/", btrfs.defaultSubvolume)]
        guard let (subvolume, entries) = findBtrfsFstab(btrfs, index: index) else {
            return (
                nil, fallback,
                ["no /etc/fstab in the default subvolume (\(btrfs.defaultSubvolume)) or in a subvolume under it that its own fstab mounts at /: paths are looked up in the default subvolume"]
            )
        }
        var mounts: BtrfsMounts = []
        let notes = ["/etc/fstab read from subvolume \(subvolume)\(subvolume == btrfs.defaultSubvolume ? " (the default subvolume)" : ", which its own fstab mounts at /")"]
        for entry in entries where entry.type == "btrfs" && namesThis(entry, btrfs: btrfs, index: index) {
            switch mountedSubvolume(entry, btrfs: btrfs) {
            case .success(let id): mounts.append((entry.file, id))
            case .failure(let error):
                audit.remarks.append("\(areas[index].name): /etc/fstab line \(entry.line): \(error.reason): what it mounts at \(Escapes.visible(entry.file)) is not known")
            }
        }
        if !mounts.contains(where: { $0.point == "/" }) { mounts.append(("/", subvolume)) }
        return (entries, mounts, notes)
    }

    /// Whether an fstab line's device is this file system (UUID=, LABEL=, PARTUUID=, PARTLABEL=; a
    /// device name of the booted machine is taken to be it, as the line says btrfs).
    func namesThis(_ entry: FstabEntry, btrfs: BtrfsOffline, index: Int) -> Bool {
        let area = areas[index]
        switch DeviceSpec.parse(entry.spec) {
        case .tag(let name, let value):
            let candidate = SpecCandidate(
                index: 0, uuid: btrfs.fsid ?? area.signature?.uuid, label: btrfs.label ?? area.signature?.label,
                partUUID: area.partition?.uuid, partLabel: area.partition?.name)
            return DeviceSpecResolver.resolve(name: name, value: value, among: [candidate]) != nil
        case .device, .file: return true
        case .invalid: return false
        }
    }

    /// subvolid=N, else subvol=PATH (from the top level, FS_TREE), else the default subvolume.
    func mountedSubvolume(_ entry: FstabEntry, btrfs: BtrfsOffline) -> Result<UInt64, AreaError> {
        let options = entry.options.flatMap { $0.split(separator: ",") }
        if let id = options.first(where: { $0.hasPrefix("subvolid=") }).map({ $0.dropFirst("subvolid=".count) }) {
            guard let number = UInt64(id), btrfs.roots[number] != nil else {
                return .failure(AreaError(path: btrfs.name, operation: "subvolid", reason: "no subvolume \(Escapes.visible(String(id)))"))
            }
            return .success(number)
        }
        guard let path = options.first(where: { $0.hasPrefix("subvol=") }).map({ String($0.dropFirst("subvol=".count)) }) else {
            return .success(btrfs.defaultSubvolume)
        }
        let components = path.split(separator: "/").map(String.init)
        do {
            let place = try btrfs.directory(components, mounts: [("/", BtrfsOffline.fsTree)], asked: path)
            guard place.directory == btrfs.roots[place.subvolume]?.rootDir else {
                return .failure(AreaError(path: btrfs.name, operation: "subvol", reason: "subvol=\(Escapes.visible(path)) is a directory, not a subvolume"))
            }
            return .success(place.subvolume)
        } catch {
            return .failure(AreaError(path: btrfs.name, operation: "subvol", reason: "subvol=\(Escapes.visible(path)): \(error.reason)"))
        }
    }

    /// The subvolume holding the system's /etc/fstab, and its entries (their parse errors stated).
    mutating func findBtrfsFstab(_ btrfs: BtrfsOffline, index: Int) -> (UInt64, [FstabEntry])? {
        let top = btrfs.defaultSubvolume
        // The usual names of a root subvolume first (Fedora's root, Ubuntu's @), so that a large home
        // subvolume is not dumped to look for /etc/fstab in it; any other one after them.
        let usual = ["root", "@", "@root", "@rootfs", "rootfs"].map { Array($0.utf8) }
        let children = btrfs.parentSubvolume.filter { $0.value == top }.map(\.key).sorted { lhs, rhs in
            let left = btrfs.subvolumeNames[lhs].flatMap { usual.firstIndex(of: $0) } ?? usual.count
            let right = btrfs.subvolumeNames[rhs].flatMap { usual.firstIndex(of: $0) } ?? usual.count
            return (left, lhs) < (right, rhs)
        }
        for candidate in [top] + children {
            let text: [UInt8]
            let size: UInt64
            do {
                let resolved = try btrfs.resolve(Self.fstab, mounts: [("/", candidate)], asked: Self.fstab)
                guard resolved.inode.isRegular else { continue }
                text = try btrfs.read(resolved.inode, count: Self.fstabLimit, path: AreaError.path(Self.fstab, inside: areas[index].name))
                size = resolved.inode.size
            } catch {
                if error.reason != "no such file inside the image" { audit.errors.append(error) }
                continue
            }
            let entries = FstabParser.parse(String(decoding: text, as: UTF8.self)).entries
            let mountsItAtRoot = entries.contains { entry in
                entry.file == "/" && entry.type == "btrfs" && namesThis(entry, btrfs: btrfs, index: index)
                    && (try? mountedSubvolume(entry, btrfs: btrfs).get()) == candidate
            }
            guard candidate == top || mountsItAtRoot else { continue }
            return (candidate, parsedFstab(text, size: size, name: AreaError.path(Self.fstab, inside: areas[index].name)))
        }
        return nil
    }
}
