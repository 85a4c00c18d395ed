/// What libblkid says about the start of a file or device: its NAME=value pairs
/// (TYPE, VERSION, UUID, LABEL, SBMAGIC, SBMAGIC_OFFSET, PTTYPE, …).
public struct BlkidValues: Sendable, Equatable {
    public var pairs: [(name: String, value: String)]

    public init(pairs: [(name: String, value: String)]) { self.pairs = pairs }

    public subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

    public static func == (lhs: BlkidValues, rhs: BlkidValues) -> Bool {
        lhs.pairs.map(\.name) == rhs.pairs.map(\.name) && lhs.pairs.map(\.value) == rhs.pairs.map(\.value)
    }

    /// The page size a swap signature implies: the magic sits in the last 10 bytes of the page.
    public var swapPageSize: Int? {
        guard let offset = self["SBMAGIC_OFFSET"].flatMap({ Int($0) }) else { return nil }
        return offset + SwapHeaderLayout.magicLength
    }
}

/// What a libblkid superblock probe answered.
public enum BlkidAnswer: Sendable, Equatable {
    case found(BlkidValues)
    case nothing
    /// Several signatures compete (libblkid refuses to choose).
    case ambivalent
    case failed(String)
}
