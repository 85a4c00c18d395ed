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
