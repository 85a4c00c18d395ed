extension ActivationSimulator {
    /// `generic_swapfile_activate` (mm/page_io.c): bmap block by block; a page needs `PAGE/B` logically
    /// consecutive blocks that are physically consecutive from a page-aligned block; otherwise slide by one block.
    /// Unwritten, delayed and inline extents read as holes, as `bmap` returns 0 for them.
    public static func generic(
        extents: [FileExtent], fileSize: UInt64, blockSize: Int, pageSize: Int, maxPages: UInt64, path: String
    ) -> Activation {
        var activation = Activation(model: .generic)
        if let refusal = unusableBlockSize(blockSize, pageSize: pageSize) { return activation.fail(refusal) }
        let block = UInt64(blockSize)
        let blocksPerPage = UInt64(pageSize / blockSize)
        let lastBlock = fileSize / block
        let map = BlockMap(extents: extents, blockSize: block)
        let mapped = map.mapped
        var cursor = 0
        func bmap(_ logicalBlock: UInt64, from start: Int) -> UInt64 { map.bmap(logicalBlock, from: start) }

        var probe: UInt64 = 0
        var pageNumber: UInt64 = 0
        var lowest: UInt64 = .max
        var highest: UInt64 = 0
        var list = SwapExtentList()
        let holes = genericHoles(path)

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
            return activation.fail(KernelRules.emptyAfterActivation(path))
        }
        return activation
    }

    static func genericHoles(_ path: String) -> Refusal {
        Refusal(
            kernelMessage: "swapon: swapfile has holes",
            finding: Finding(
                .holes, "swapon: swapfile has holes (a probed block is unmapped)"))
    }

    /// PAGE/B must be a whole number of blocks of at least one.
    static func unusableBlockSize(_ blockSize: Int, pageSize: Int) -> Refusal? {
        if let refusal = KernelRules.blockLargerThanPage(blockSize: blockSize, pageSize: pageSize, filesystem: nil) {
            return refusal
        }
        // Block sizes are powers of two: one that does not divide the page is no file system's.
        guard blockSize <= 0 || pageSize % blockSize != 0 else { return nil }
        return Refusal(
            kernelMessage: nil,
            finding: Finding(
                .unsupportedFilesystem, "\(blockSize)-byte blocks do not divide the \(pageSize)-byte page: no file system has them"))
    }
}

/// `bmap` over a file's extents: the physical block of a logical block, 0 for a hole. Unwritten,
/// delayed and inline extents read as holes, as `bmap` returns 0 for them.
struct BlockMap {
    let mapped: [FileExtent]
    let blockSize: UInt64

    init(extents: [FileExtent], blockSize: UInt64) {
        mapped = extents.filter { $0.flags.isDisjoint(with: [.unwritten, .delalloc, .unknown, .inline]) }
        self.blockSize = blockSize
    }

    /// Searches from extent `start` on; callers keep `start` behind the block they ask for, so the walk
    /// over a file costs its extents once.
    func bmap(_ logicalBlock: UInt64, from start: Int) -> UInt64 {
        let byte = logicalBlock * blockSize
        var index = start
        while index < mapped.count {
            let extent = mapped[index]
            if extent.logical > byte { return 0 }
            if byte < extent.logicalEnd {
                return (extent.physical + (byte - extent.logical)) / blockSize
            }
            index += 1
        }
        return 0
    }
}
