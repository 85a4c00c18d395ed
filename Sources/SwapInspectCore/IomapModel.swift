extension ActivationSimulator {
    static func unallocated(_ path: String, _ reason: String, code: FindingCode, detail: String) -> Refusal {
        let message = "swapon: file \(path) \(reason)"
        return Refusal(kernelMessage: message, finding: Finding(code, "\(message): \(detail)"))
    }

    /// `iomap_swapfile_activate` over the file's extents (ext4, XFS).
    /// `holesMayBePreallocated`: the extents come from FIBMAP, which answers 0 for a preallocated
    /// (unwritten) block as for a hole. iomap accepts the one and refuses the other, so a gap decides nothing.
    public static func iomap(
        extents: [FileExtent], fileSize: UInt64, pageSize: Int, maxPages: UInt64, path: String,
        holesMayBePreallocated: Bool = false
    ) -> Activation {
        var activation = Activation(model: .iomap)
        let page = UInt64(pageSize)
        let end = fileSize / page * page
        var accumulator = RunAccumulator(pageSize: page, maxPages: maxPages)
        // Each file extent yields at most one swap extent.
        accumulator.list.reserveCapacity(extents.count)
        var position: UInt64 = 0
        let refusing: ExtentFlags = [.inline, .delalloc, .unknown, .encoded, .shared]
        func hole(_ first: UInt64, _ last: UInt64) -> Activation {
            if holesMayBePreallocated {
                return activation.cannotJudge(
                    "FIBMAP shows unmapped blocks (file bytes \(first)..\(last)) and cannot tell a hole (refused) from a preallocated, unwritten block (accepted by the iomap path); map with FIEMAP (--mapper auto) to tell them apart",
                    nil)
            }
            return activation.fail(
                unallocated(path, "has unallocated extents", code: .holes, detail: "hole at file bytes \(first)..\(last)"))
        }

        for extent in extents where extent.logicalEnd > position {
            if position >= end { break }
            if extent.logical > position { return hole(position, min(extent.logical, end) - 1) }
            // One test for the common case (a plain or unwritten extent), the kernel's order after it.
            if !extent.flags.isDisjoint(with: refusing), let rejection = iomapRejection(extent, path: path) {
                switch rejection {
                case .refused(let refusal): return activation.fail(refusal)
                case .undetermined(let reason, let finding): return activation.cannotJudge(reason, finding)
                }
            }
            // iomap clips each mapping to the requested range [position, end).
            let start = position
            let stop = min(extent.logicalEnd, end)
            accumulator.merge(
                PhysicalRun(fileOffset: start, physical: extent.physical + (start - extent.logical), length: stop - start))
            position = stop
        }
        if position < end { return hole(position, end - 1) }
        accumulator.flush()
        if accumulator.nrPages == 0 { return activation.fail(noUsablePage(path, pageSize: pageSize)) }
        activation.finish(list: accumulator.list, lowest: accumulator.lowest, highest: accumulator.highest, nrPages: accumulator.nrPages)
        if activation.pages == 0 {
            return activation.fail(KernelRules.emptyAfterActivation(path))
        }
        return activation
    }

    /// Why iomap rejects a mapping, when it does.
    enum IomapRejection {
        case refused(Refusal)
        /// swapon(2) fsyncs first, so delayed data is no refusal, only not known yet.
        case undetermined(String, Finding)
    }

    /// The kernel's checks of one mapping's type and flags, in its order (`iomap_swapfile_iter`): nil
    /// for a plain or unwritten extent.
    static func iomapRejection(_ extent: FileExtent, path: String) -> IomapRejection? {
        if extent.flags.contains(.inline) {
            return .refused(
                unallocated(path, "is inline", code: .inlineData, detail: "the data lives inside the inode"))
        }
        // swapon(2) itself fsyncs first (vfs_fsync in iomap_swapfile_activate), so delayed data is not
        // a refusal: its placement is simply unknown until then. Say so; do not guess.
        if !extent.flags.isDisjoint(with: [.delalloc, .unknown]) {
            return .undetermined(
                "part of the file is still in delayed allocation, so where it will live is not known yet; inspect with --sync (which flushes the file's dirty data, as swapon(2) would) or after sync",
                Finding(
                    .notCommitted,
                    "data at file bytes \(extent.logical)..\(extent.lastByte) is not yet on disk (delayed allocation); its placement is unknown until it is written back"))
        }
        if extent.flags.contains(.encoded) {
            return .refused(
                unallocated(path, "has unallocated extents", code: .encodedExtents,
                            detail: "extent at file byte \(extent.logical) is encoded (compressed)"))
        }
        if extent.flags.contains(.shared) {
            return .refused(
                unallocated(
                    path, "has shared extents", code: .sharedExtents,
                    detail: "extent at file byte \(extent.logical) is shared with another file (reflink)"))
        }
        return nil
    }

    static func noUsablePage(_ path: String, pageSize: Int) -> Refusal {
        let message = "swapon: Cannot find a single usable page in file."
        return Refusal(
            kernelMessage: message,
            finding: Finding(
                .noUsablePages,
                "\(message) No run of the file holds a whole \(pageSize)-byte page at a page-aligned device address",
                advice: "recreate it on a file system with \(pageSize)-byte blocks"))
    }
}
