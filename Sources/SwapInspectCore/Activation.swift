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
