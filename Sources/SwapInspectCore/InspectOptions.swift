/// Which activation path to simulate: the one the file system uses, or one the user forces (`--model`).
public enum ModelSelection: Sendable, Hashable {
    case auto
    case forced(ActivationModel)

    /// The models a user may force; a block device is always simulated as one.
    public static let forcible: [ActivationModel] = [.generic, .iomap, .btrfs]
}

public struct InspectOptions: Sendable {
    public var pageSize: Int
    public var model: ModelSelection
    /// `swapfile_maximum_size` in pages; nil = no limit below u32.
    public var archMaxPages: UInt64?
    /// The priority and discard policy swapon(2) will be called with: they change the kernel's line
    /// (`Priority:`, the `D`/`s`/`c` letters). Without a priority the area keeps the one it has.
    public var swapFlags: SwapFlags

    public init(
        pageSize: Int, model: ModelSelection = .auto, archMaxPages: UInt64? = nil, swapFlags: SwapFlags = SwapFlags()
    ) {
        self.pageSize = pageSize
        self.model = model
        self.archMaxPages = archMaxPages
        self.swapFlags = swapFlags
    }
}
