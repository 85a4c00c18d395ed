import SwapInspectCore

/// The swap entries of the image's own /etc/fstab: read from the root file system, and each resolved
/// to a swap file in it or to an area of the image, as `swapon -a` would on the booted machine.
extension ImageAuditRun {
    /// The notes of a swap file found inside the image: the symbolic links followed to it (swapon
    /// follows them too) and the fstab line that names it.
    static func fileNotes(links: [String], entry: FstabEntry?) -> [String] {
        var notes = links.map { "symbolic link inside the image: \($0)" }
        if let entry {
            notes.append("named by /etc/fstab line \(entry.line)")
            if entry.noauto { notes.append("fstab marks it noauto: swapon -a skips it") }
        }
        return notes
    }

    /// swapon(8) activates regular files and block devices only: what is said of anything else a path
    /// inside the image names (`what`: "a directory", "a FIFO", …).
    static func notRegularFile(_ path: String, _ what: String) -> AreaError {
        AreaError(path: path, operation: "cannot audit", reason: "\(what), not a regular file (inside the image): swapon refuses it")
    }

    static let fstab = "/etc/fstab"
    /// Most bytes of /etc/fstab read: far more than any real one.
    static let fstabLimit = 1 << 20

    /// The root file system's /etc/fstab, parsed; nil when there is none or it cannot be read (an error,
    /// and `fstabProblem` names the defaults that forces). Unparsable lines are errors.
    mutating func readFstab(_ filesystem: ExtFilesystem) -> [FstabEntry]? {
        let resolved: ExtFilesystem.ResolvedPath
        do {
            resolved = try filesystem.resolve(Self.fstab)
        } catch {
            if !ExtFilesystem.isNotFound(error) { fstabUnreadable(error) }
            return nil
        }
        guard resolved.inode.isRegular else { return nil }
        let text: [UInt8]
        do {
            text = try filesystem.read(resolved.inode, path: Self.fstab, count: Self.fstabLimit)
        } catch {
            fstabUnreadable(error)
            return nil
        }
        return parsedFstab(text, size: resolved.inode.size, name: filesystem.name(of: Self.fstab))
    }

    /// The entries of an fstab read from an image (`name`: `IMAGE:PATH`), its size limit and each line
    /// that cannot be parsed stated as errors (ext and XFS alike).
    mutating func parsedFstab(_ text: [UInt8], size: UInt64, name: String) -> [FstabEntry] {
        if size > UInt64(Self.fstabLimit) {
            audit.errors.append(
                AreaError(
                    path: name, operation: "too large",
                    reason: "\(size) bytes, more than the \(Self.fstabLimit) read: the lines after byte \(Self.fstabLimit) are not audited"))
        }
        let parsed = FstabParser.parse(String(decoding: text, as: UTF8.self))
        for error in parsed.errors {
            audit.errors.append(AreaError(path: name, operation: "cannot parse line \(error.line)", reason: error.reason))
        }
        return parsed.entries
    }

    /// An /etc/fstab that exists but cannot be read: an error, and a note on each swap file audited
    /// instead that its options are swapon's defaults, not the fstab's.
    mutating func fstabUnreadable(_ error: AreaError) {
        audit.errors.append(error)
        let names = ImageAuditOptions.defaultSwapFiles.joined(separator: ", ")
        fstabProblem =
            "\(error.path) cannot be read (\(error.reason)): audited under swapon's defaults instead of its options (priority \(Self.automaticPriority), no discard, looked for as \(names))"
    }

    /// The swap file an entry names (to audit in this file system); tags are matched against the
    /// image's areas here, and the rest become remarks, errors or unresolved reports.
    mutating func resolveFstabEntry(_ entry: FstabEntry, area: Int, place: ImageLocation) -> String? {
        let origin = "\(areas[area].name): /etc/fstab line \(entry.line)"
        switch DeviceSpec.parse(entry.spec) {
        case .file(let path):
            return path
        case .tag(let name, let value):
            for index in areas.indices { classify(index) }
            let candidates = areas.indices.map { index in
                let area = areas[index]
                let header = area.headers.first
                return SpecCandidate(
                    index: index, uuid: area.signature?.uuid ?? header?.uuid, label: area.signature?.label ?? header?.label,
                    partUUID: area.partition?.uuid, partLabel: area.partition?.name)
            }
            if let index = DeviceSpecResolver.resolve(name: name, value: value, among: candidates) {
                if selected.contains(index) {
                    // The first line that names it wins (its priority is the one swapon -a uses).
                    if (swapRequests[index] ?? nil) == nil { swapRequests[index] = .some(entry) }
                } else {
                    audit.remarks.append(
                        "\(origin): \(entry.spec) is \(areas[index].name), which was not selected: not audited")
                }
            } else {
                let finding = Finding(
                    .specNotFound,
                    "\(origin): no partition or swap area of the image has \(name)=\(value): swapon -a cannot find the device and skips it; give the intended partition that \(name) (mkswap -U or -L), or correct /etc/fstab line \(entry.line)")
                let placeholder = "nothing in the image (/etc/fstab line \(entry.line) names it)"
                append(
                    .unresolved(path: entry.spec, finding: finding, image: place, pageSize: options.pageSize, placeholder: placeholder),
                    area: area)
            }
        case .device(let path):
            audit.remarks.append(
                "\(origin): \(path) is a device name of the machine that mounts the image and cannot be resolved offline; the image's swap partitions are audited on their own")
        case .invalid(let spec):
            audit.errors.append(
                AreaError(
                    path: AreaError.path(Self.fstab, inside: areas[area].name), operation: "cannot parse line \(entry.line)",
                    reason: "'\(spec)' is neither an absolute path nor UUID=, LABEL=, PARTUUID= or PARTLABEL="))
        }
        return nil
    }
}
