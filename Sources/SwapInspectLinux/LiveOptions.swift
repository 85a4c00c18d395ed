/// How physical blocks are found (`--mapper`).
public enum MapperChoice: String, Sendable, CaseIterable {
    /// FIEMAP, falling back to FIBMAP where FIEMAP is unsupported.
    case auto
    case fiemap
    case fibmap
}

/// How to look at a live swap area.
public struct LiveOptions: Sendable {
    public var mapper: MapperChoice
    public var sync: Bool

    public init(mapper: MapperChoice = .auto, sync: Bool = false) {
        self.mapper = mapper
        self.sync = sync
    }
}
