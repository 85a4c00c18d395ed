/// Which kernel activation path is simulated (kernel-semantics §2).
public enum ActivationModel: String, Sendable, CaseIterable {
    /// `generic_swapfile_activate` (mm/page_io.c): bmap, one page at a time.
    case generic
    /// `iomap_swapfile_activate` (fs/iomap/swapfile.c): ext4, XFS.
    case iomap
    /// `btrfs_swap_activate` (fs/btrfs/inode.c).
    case btrfs
    /// `setup_swap_extents` for a block device: one extent over the whole area.
    case blockDevice
}

/// What the physical page numbers of an activation count.
public enum PageAddressSpace: String, Sendable, Equatable {
    /// Pages of the block device (`si->bdev`): what the kernel's swap extents hold.
    case device
    /// btrfs logical pages (FIEMAP's view of btrfs): the chunk tree that maps them to the device
    /// could not be read. Extent counts and spans are exact only within one chunk.
    case btrfsLogical
}

/// What `setup_swap_extents` and the bad-page pass leave behind, or why they fail.
public struct Activation: Sendable, Equatable {
    public var model: ActivationModel
    public var refusal: Refusal?
    /// Set when the layout cannot be judged (data still in delayed allocation, FIBMAP's unmapped blocks):
    /// neither a refusal nor an activation; the report becomes undetermined (exit 2).
    public var undetermined: Undetermined?
    /// `si->max` after activation: usable pages including the header page.
    public var maxPages: UInt64 = 0
    /// The pages the kernel reports (`Adding Nk` / /proc/swaps Size), header and bad pages excluded.
    public var pages: UInt64 = 0
    /// The kernel's `extents:` count.
    public var extentCount: Int = 0
    /// The kernel's `across:` in pages (u64 arithmetic, quirks included).
    public var spanPages: UInt64 = 0
    public var lowestPhysicalPage: UInt64?
    public var highestPhysicalPage: UInt64?
    public var extents: [SwapExtent] = []
    /// What the physical page numbers count: device pages, or (btrfs without the chunk tree) btrfs
    /// logical pages, whose offsets from the device pages are unknown.
    public var addressSpace: PageAddressSpace = .device

    public var ok: Bool { refusal == nil && undetermined == nil }

    public init(model: ActivationModel) { self.model = model }

    /// The kernel's `resume_offset` match value: the first swap extent's start page (`swap_type_of`).
    public var resumeOffset: UInt64? {
        guard ok, addressSpace == .device else { return nil }
        return extents.first?.physicalPage
    }

    mutating func fail(_ refusal: Refusal) -> Activation {
        self.refusal = refusal
        return self
    }

    mutating func cannotJudge(_ reason: String, _ finding: Finding?) -> Activation {
        undetermined = Undetermined(reason: reason, finding: finding)
        return self
    }

    /// Why a layout has no verdict, and the finding that says what to do (if there is one).
    public struct Undetermined: Sendable, Equatable {
        public var reason: String
        public var finding: Finding?
    }

    /// The `lowest`/`highest`/`span` bookkeeping shared by the iomap and btrfs add-extent functions.
    mutating func finish(list: SwapExtentList, lowest: UInt64, highest: UInt64, nrPages: UInt64) {
        extents = list.extents
        extentCount = list.count
        spanPages = 1 &+ highest &- lowest
        lowestPhysicalPage = lowest == .max ? nil : lowest
        highestPhysicalPage = highest
        maxPages = nrPages
        pages = nrPages &- 1
    }
}

/// A run of physically contiguous bytes handed to `iomap_swapfile_add_extent` / `btrfs_add_swap_extent`.
public struct PhysicalRun: Sendable, Equatable {
    public var fileOffset: UInt64
    public var physical: UInt64
    public var length: UInt64

    public init(fileOffset: UInt64, physical: UInt64, length: UInt64) {
        self.fileOffset = fileOffset
        self.physical = physical
        self.length = length
    }
}

/// `iomap_swapfile_add_extent` and `btrfs_add_swap_extent`, which are the same function in two places.
struct RunAccumulator {
    let pageSize: UInt64
    let maxPages: UInt64
    var list = SwapExtentList()
    var nrPages: UInt64 = 0
    var lowest: UInt64 = .max
    var highest: UInt64 = 0

    /// log2 of the page size, which is a power of two on every kernel: a shift instead of two 64-bit
    /// divisions per run (a million runs for a fragmented file).
    let pageShift: UInt64?

    init(pageSize: UInt64, maxPages: UInt64) {
        self.pageSize = pageSize
        self.maxPages = maxPages
        pageShift = pageSize.nonzeroBitCount == 1 ? UInt64(pageSize.trailingZeroBitCount) : nil
    }

    /// Whole pages below `bytes`.
    func pages(_ bytes: UInt64) -> UInt64 {
        if let pageShift { return bytes >> pageShift }
        return bytes / pageSize
    }

    /// The run being merged (`iomap_swapfile_info.iomap`, `struct btrfs_swap_info`).
    var pending: PhysicalRun?

    /// The merge both activators share: a mapping that starts on the device where the pending run ends
    /// extends it (byte-exact, type and flags ignored); otherwise the pending run is added and this one
    /// becomes pending.
    mutating func merge(_ mapping: PhysicalRun) {
        if var run = pending, run.physical + run.length == mapping.physical {
            run.length += mapping.length
            pending = run
        } else {
            flush()
            pending = mapping
        }
    }

    /// Adds the pending run, after the last mapping.
    mutating func flush() {
        if let run = pending { add(run) }
        pending = nil
    }

    mutating func add(_ run: PhysicalRun) {
        // Since 5.14 a file longer than its header stops contributing once the header is full.
        if nrPages >= maxPages { return }
        let first = pages(run.physical + pageSize - 1)
        let next = pages(run.physical + run.length)
        if first >= next { return }
        let count = min(next - first, maxPages - nrPages)
        // The header page is excluded from the span: keyed on the run's *file* offset 0.
        let reported = run.fileOffset == 0 ? first + 1 : first
        lowest = min(lowest, reported)
        // Not clamped by `count`: a file longer than its header inflates `across`.
        highest = max(highest, next - 1)
        list.add(swapPage: nrPages, pages: count, physicalPage: first)
        nrPages += count
    }
}

public enum ActivationSimulator {
    static func unallocated(_ path: String, _ reason: String, code: FindingCode, detail: String, fix: String?) -> Refusal {
        let message = "swapon: file \(path) \(reason)"
        return Refusal(kernelMessage: message, finding: Finding(code, "\(message): \(detail)", fix: fix))
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
        let recreate = "recreate the file fully allocated: rm \(path); dd if=/dev/zero of=\(path) bs=1M count=N; mkswap \(path)"
        let refusing: ExtentFlags = [.inline, .delalloc, .unknown, .encoded, .shared]
        func hole(_ first: UInt64, _ last: UInt64) -> Activation {
            if holesMayBePreallocated {
                return activation.cannotJudge(
                    "FIBMAP shows unmapped blocks (file bytes \(first)..\(last)) and cannot tell a hole (refused) from a preallocated, unwritten block (accepted by the iomap path); map with FIEMAP (--mapper auto) to tell them apart",
                    nil)
            }
            return activation.fail(
                unallocated(path, "has unallocated extents", code: .holes, detail: "hole at file bytes \(first)..\(last)", fix: recreate))
        }

        for extent in extents where extent.logicalEnd > position {
            if position >= end { break }
            if extent.logical > position { return hole(position, min(extent.logical, end) - 1) }
            // One test for the common case (a plain or unwritten extent), the kernel's order after it.
            if !extent.flags.isDisjoint(with: refusing) {
                if extent.flags.contains(.inline) {
                    return activation.fail(
                        unallocated(path, "is inline", code: .inlineData, detail: "the data lives inside the inode", fix: recreate))
                }
                // swapon(2) itself fsyncs first (vfs_fsync in iomap_swapfile_activate), so delayed data is not
                // a refusal: its placement is simply unknown until then. Say so; do not guess.
                if !extent.flags.isDisjoint(with: [.delalloc, .unknown]) {
                    return activation.cannotJudge(
                        "part of the file is still in delayed allocation, so where it will live is not known yet; inspect with --sync (which flushes the file's dirty data, as swapon(2) would) or after sync",
                        Finding(
                            .notCommitted,
                            "data at file bytes \(extent.logical)..\(extent.lastByte) is not yet on disk (delayed allocation); its placement is unknown until it is written back",
                            fix: "inspect with --sync, or run: sync \(path)"))
                }
                if extent.flags.contains(.encoded) {
                    return activation.fail(
                        unallocated(path, "has unallocated extents", code: .encodedExtents,
                                    detail: "extent at file byte \(extent.logical) is encoded (compressed)", fix: recreate))
                }
                if extent.flags.contains(.shared) {
                    return activation.fail(
                        unallocated(
                            path, "has shared extents", code: .sharedExtents,
                            detail: "extent at file byte \(extent.logical) is shared with another file (reflink)",
                            fix: "unshare it: cp --reflink=never \(path) \(path).new && mv \(path).new \(path)"))
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
        if accumulator.nrPages == 0 {
            let message = "swapon: Cannot find a single usable page in file."
            return activation.fail(
                Refusal(
                    kernelMessage: message,
                    finding: Finding(
                        .noUsablePages,
                        "\(message) No run of the file holds a whole \(pageSize)-byte page at a page-aligned device address",
                        fix: "recreate the file in one allocation (fallocate -l SIZE \(path)) on a file system with \(pageSize)-byte blocks")))
        }
        activation.finish(list: accumulator.list, lowest: accumulator.lowest, highest: accumulator.highest, nrPages: accumulator.nrPages)
        if activation.pages == 0 {
            return activation.fail(emptyAfterActivation(path))
        }
        return activation
    }

    static func emptyAfterActivation(_ path: String) -> Refusal {
        Refusal(
            kernelMessage: "Empty swap-file",
            finding: Finding(.emptySwap, "Empty swap-file: only the header page is usable", fix: "make the file larger and run mkswap \(path)"))
    }

    /// `generic_swapfile_activate` (mm/page_io.c): bmap block by block; a page needs `PAGE/B` logically
    /// consecutive blocks that are physically consecutive from a page-aligned block; otherwise slide by one block.
    /// Unwritten, delayed and inline extents read as holes, as `bmap` returns 0 for them.
    public static func generic(
        extents: [FileExtent], fileSize: UInt64, blockSize: Int, pageSize: Int, maxPages: UInt64, path: String
    ) -> Activation {
        var activation = Activation(model: .generic)
        // SYSCALL_DEFINE2(swapon), ≥6.12: `mapping_min_folio_order(mapping) > 0` (block larger than a page)
        // fails with EINVAL and no message before any activator runs. Without this, PAGE/B is 0 below.
        guard blockSize > 0, blockSize <= pageSize, pageSize % blockSize == 0 else {
            return activation.fail(
                Refusal(
                    kernelMessage: nil,
                    finding: Finding(
                        .unsupportedFilesystem,
                        "\(blockSize)-byte blocks are larger than the \(pageSize)-byte page: swapon fails with EINVAL",
                        fix: "put the swap file on a file system whose block size is at most \(pageSize) bytes")))
        }
        let block = UInt64(blockSize)
        let blocksPerPage = UInt64(pageSize / blockSize)
        let lastBlock = fileSize / block
        let mapped = extents.filter { $0.flags.isDisjoint(with: [.unwritten, .delalloc, .unknown, .inline]) }
        var cursor = 0

        // bmap(lblk) -> physical block, 0 for a hole. `cursor` only follows `probe`, which never decreases.
        func bmap(_ logicalBlock: UInt64, from start: Int) -> UInt64 {
            let byte = logicalBlock * block
            var index = start
            while index < mapped.count {
                let extent = mapped[index]
                if extent.logical > byte { return 0 }
                if byte < extent.logicalEnd {
                    return (extent.physical + (byte - extent.logical)) / block
                }
                index += 1
            }
            return 0
        }

        var probe: UInt64 = 0
        var pageNumber: UInt64 = 0
        var lowest: UInt64 = .max
        var highest: UInt64 = 0
        var list = SwapExtentList()
        let holes = Refusal(
            kernelMessage: "swapon: swapfile has holes",
            finding: Finding(
                .holes, "swapon: swapfile has holes (a probed block is unmapped)",
                fix: "recreate the file fully written: dd if=/dev/zero of=\(path) bs=1M count=N; mkswap \(path)"))

        scan: while probe + blocksPerPage <= lastBlock && pageNumber < maxPages {
            let probeByte = probe * block
            while cursor < mapped.count && mapped[cursor].logicalEnd <= probeByte { cursor += 1 }
            let firstBlock = bmap(probe, from: cursor)
            if firstBlock == 0 { return activation.fail(holes) }
            // The blocks from `probe` on that lie in the same extent map linearly (firstBlock + j), so the
            // kernel's block-by-block steps through them are taken at once, with the same outcome: sliding
            // through a misaligned stretch, or taking the whole pages inside the extent. A huge file costs
            // its extents, not its blocks; pages that cross into the next extent are probed block by block.
            let inExtent = (mapped[cursor].logicalEnd - probeByte + block - 1) / block
            let misalignment = firstBlock % blocksPerPage
            if misalignment != 0 {
                probe += min(blocksPerPage - misalignment, inExtent)
                continue
            }
            if inExtent >= blocksPerPage {
                let pages = min(inExtent / blocksPerPage, maxPages - pageNumber, (lastBlock - probe) / blocksPerPage)
                let physicalPage = firstBlock / blocksPerPage
                // The header page (swap page 0) is left out of the span bookkeeping.
                let uncounted: UInt64 = pageNumber == 0 ? 1 : 0
                if pages > uncounted {
                    lowest = min(lowest, physicalPage + uncounted)
                    highest = max(highest, physicalPage + pages - 1)
                }
                list.add(swapPage: pageNumber, pages: pages, physicalPage: physicalPage)
                pageNumber += pages
                probe += pages * blocksPerPage
                continue
            }
            var offset: UInt64 = 1
            while offset < blocksPerPage {
                let next = bmap(probe + offset, from: cursor)
                if next == 0 { return activation.fail(holes) }
                if next != firstBlock + offset {
                    probe += 1
                    continue scan
                }
                offset += 1
            }
            let physicalPage = firstBlock / blocksPerPage
            if pageNumber > 0 {
                lowest = min(lowest, physicalPage)
                highest = max(highest, physicalPage)
            }
            list.add(swapPage: pageNumber, pages: 1, physicalPage: physicalPage)
            pageNumber += 1
            probe += blocksPerPage
        }
        if pageNumber == 0 { pageNumber = 1 }
        activation.finish(list: list, lowest: lowest, highest: highest, nrPages: pageNumber)
        if activation.pages == 0 {
            return activation.fail(emptyAfterActivation(path))
        }
        return activation
    }

    /// A block device: one extent over `0..<max`, then the 6.17/6.18 bad-page pass (`setup_swap_map`):
    /// the span is captured before bad pages are subtracted, and duplicates count twice.
    public static func blockDevice(header: SwapHeader, maxPages: UInt64, path: String) -> Activation {
        var activation = Activation(model: .blockDevice)
        var list = SwapExtentList()
        list.add(swapPage: 0, pages: maxPages, physicalPage: 0)
        activation.extents = list.extents
        activation.extentCount = list.count
        activation.maxPages = maxPages
        activation.spanPages = maxPages - 1
        activation.lowestPhysicalPage = 1
        activation.highestPhysicalPage = maxPages - 1
        var pages = maxPages - 1
        let lastPage = UInt64(header.lastPage ?? 0)
        for bad in header.badPages.map(UInt64.init) {
            if bad == 0 || bad > lastPage {
                return activation.fail(
                    Refusal(
                        kernelMessage: nil,
                        finding: Finding(
                            .badPageOutOfRange,
                            "bad page \(bad) is outside 1..\(lastPage) (last_page); the kernel refuses the area",
                            fix: "mkswap -c \(path)")))
            }
            // `si->pages` is an unsigned int: duplicates are counted twice and may wrap.
            if bad < maxPages { pages = (pages &- 1) & 0xFFFF_FFFF }
        }
        activation.pages = pages
        if pages == 0 {
            return activation.fail(
                Refusal(
                    kernelMessage: "Empty swap-file",
                    finding: Finding(.emptySwap, "Empty swap-file: every page after the header is marked bad", fix: "mkswap -c \(path)")))
        }
        return activation
    }
}
