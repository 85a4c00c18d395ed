/// Findings about an area beyond the kernel's verdict: who can read it, what its layout costs, whether
/// it is active now.
enum AreaFindings {
    /// util-linux swapon's permission and owner warnings.
    static func security(_ facts: AreaFacts) -> [Finding] {
        var findings: [Finding] = []
        guard facts.kind != .other else { return findings }
        // util-linux swapon: files should be 0600 and root's; block devices may be readable by group disk.
        let mask: UInt32 = facts.kind == .blockDevice ? 0o007 : 0o077
        let suggested: UInt32 = facts.kind == .blockDevice ? 0o660 : 0o600
        let permissions = facts.mode & 0o7777
        let advice = facts.kind == .file ? mountOptionsAdvice(facts.filesystem) : nil
        if permissions & mask != 0 {
            let message = "insecure permissions \(octalMode(permissions)), \(octalMode(suggested)) suggested: other users can read swapped-out memory"
            findings.append(advice.map { Finding(.insecurePermissions, message, advice: $0) } ?? Finding(.insecurePermissions, message))
        }
        if facts.kind == .file && facts.uid != 0 {
            let message = "insecure file owner \(facts.uid), 0 (root) suggested"
            findings.append(advice.map { Finding(.insecureOwner, message, advice: $0) } ?? Finding(.insecureOwner, message))
        }
        return findings
    }

    /// Where modes and owners come from the mount options (`FilesystemFacts.modesFromMount`), what
    /// does work instead of chmod and chown: new options in the fstab entry and a new mount (no fix
    /// line: FixPlanner prints none, since a remount does not apply them and an unmount is the user's call).
    static func mountOptionsAdvice(_ filesystem: FilesystemFacts?) -> String? {
        guard let filesystem, let mountPoint = filesystem.modesFromMount else { return nil }
        let masks = "fmask=0177,dmask=0077 (files 0600) and uid=0,gid=0"
        if filesystem.kind.type == .fuseblk {
            return "this FUSE file system (ntfs-3g without its permissions option) keeps no modes or owners: chmod and chown "
                + "succeed and change nothing; mount \(mountPoint) with permissions (then chmod 0600 the file), or with \(masks), "
                + "in its fstab entry, then unmount and mount it again"
        }
        return "\(filesystem.kind.name) keeps no modes or owners: every file's come from the mount options, and chmod, chown "
            + "and a remount change nothing; mount \(mountPoint) with \(masks) in its fstab entry, then unmount and mount it again"
    }

    /// What an accepted layout costs: pages lost to misalignment or beyond last_page, unwritten or
    /// encrypted extents, fragmentation.
    static func layout(_ facts: AreaFacts, activation: Activation, headerMax: UInt64, pageSize: Int) -> [Finding] {
        var findings: [Finding] = []
        let page = UInt64(pageSize)
        let kib = page / 1024
        if facts.kind == .file {
            let filePages = facts.size / page
            let reachable = min(filePages, headerMax)
            if activation.maxPages < reachable {
                let lost = reachable - activation.maxPages
                let blockSize = facts.filesystem?.blockSize ?? pageSize
                findings.append(
                    Finding(
                        .misalignedPages,
                        "\(lost) page\(lost == 1 ? "" : "s") (\(lost * kib)k) lost: runs of \(blockSize)-byte blocks that do not start or end on a \(pageSize)-byte page boundary yield only their whole aligned pages",
                        advice: blockSize < pageSize
                            ? "recreate the file on a file system with \(pageSize)-byte blocks"
                            : "recreate the file in one allocation (fallocate)"))
                findings.append(
                    Finding(
                        .lastPageBeyondFile,
                        "the header declares \(headerMax) pages but only \(activation.maxPages) are usable: the kernel reports \(activation.pages * kib)k instead of \((headerMax - 1) * kib)k"))
            }
            if filePages > headerMax {
                let wasted = filePages - headerMax
                findings.append(
                    Finding(
                        .fileBeyondLastPage,
                        "the file holds \(filePages) pages but the header uses only \(headerMax): \(wasted * kib)k are never used (the kernel's across: still covers the unused tail)"))
            }
            // Tallied while the extents were mapped: a fallocated file can have a million unwritten extents.
            let tally = facts.extentTally
            let unwrittenCount = tally.unwrittenCount
            let bytes = tally.unwrittenBytes
            if unwrittenCount > 0 {
                findings.append(
                    Finding(
                        .unwrittenExtents,
                        "\(unwrittenCount) extent\(unwrittenCount == 1 ? " is" : "s are") preallocated but unwritten (\(bytes / 1024)k, fallocate); the kernel accepts them"))
            }
            if tally.flags.contains(.encrypted) {
                findings.append(
                    Finding(
                        .oldKernelIncompatible,
                        "the file is encrypted by the file system (fscrypt): 6.18 accepts it, newer kernels refuse it (\"Filesystem-level encrypted swapfile … is unsupported\")",
                        advice: "use dm-crypt or a loop device over the file instead"))
            }
        }
        if activation.extentCount > 1 {
            findings.append(
                Finding(
                    .fragmented,
                    "\(activation.extentCount) swap extents spread across \(activation.spanPages * kib)k of the device"))
        }
        return findings
    }

    /// The area is active now: the prediction for a fresh activation against the kernel's /proc/swaps size.
    static func inUse(_ active: ProcSwapsEntry, report: Report) -> Finding {
        let comparison: String
        if let predictedKiB = report.predictedSizeKiB {
            comparison = predictedKiB == active.sizeKiB
                ? "its size \(active.sizeKiB)k matches the prediction"
                : "its size \(active.sizeKiB)k differs from the predicted \(predictedKiB)k"
        } else {
            comparison = "the kernel reports \(active.sizeKiB)k although a fresh activation would be refused"
        }
        return Finding(.inUse, "active now (priority \(active.priority), \(active.usedKiB)k used): \(comparison)")
    }
}
