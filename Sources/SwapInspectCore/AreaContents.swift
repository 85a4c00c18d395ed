/// What an area holds besides a swap header, as libblkid and the system see it: looked at before any
/// fix that would overwrite or replace the area is proposed.
public struct AreaContents: Sendable, Equatable {
    /// What is there, for people: "a gpt partition table with 3 partitions", "an ext4 file system",
    /// "a LUKS header", "an LVM physical volume"; nil when nothing but swap or zeroes is.
    public var holds: String?
    /// A partition table or file system in a regular file: an image, which `swapinspect image` audits.
    public var isImage = false
    /// Loop devices whose backing file this is.
    public var loopDevices: [String] = []

    public init(holds: String? = nil, isImage: Bool = false, loopDevices: [String] = []) {
        self.holds = holds
        self.isImage = isImage
        self.loopDevices = loopDevices
    }

    /// Why nothing may be written over the area, nil when nothing stands in the way.
    public var reasonNotToOverwrite: String? {
        var reasons: [String] = []
        if let holds { reasons.append("it holds \(holds)") }
        if !loopDevices.isEmpty { reasons.append("it is the backing file of \(loopDevices.joined(separator: ", "))") }
        return reasons.isEmpty ? nil : reasons.joined(separator: " and ")
    }
}

extension FindingCode {
    /// The fix of this code writes over the area or replaces it (mkswap, dd, recreating the file).
    public var fixRewritesArea: Bool {
        switch self {
        case .noSignature, .unsupportedVersion, .hibernationSignature, .pagesizeMismatch, .emptySwap, .tooSmall,
            .tooManyBadPages, .badPageOutOfRange, .holes, .sharedExtents, .inlineData, .encodedExtents, .copyOnWrite,
            .compressed, .multipleDevices, .noUsablePages, .misalignedPages, .fileBeyondLastPage:
            true
        default:
            false
        }
    }
}

extension [Finding] {
    /// Whether a finding proposes a fix that writes over the area: then its contents are looked at.
    public var proposeRewrite: Bool { contains { $0.fix != nil && $0.code.fixRewritesArea } }

    /// No fix that overwrites the area is kept when it holds something else: the message says what is
    /// there instead (and, for an image file, which command audits it).
    public mutating func withholdRewrites(of path: String, kind: AreaKind, _ contents: AreaContents) {
        guard let reason = contents.reasonNotToOverwrite else { return }
        let hint = contents.isImage && kind == .file ? "; did you mean `swapinspect image \(path)`?" : ""
        for index in indices where self[index].fix != nil && self[index].code.fixRewritesArea {
            self[index].fix = nil
            self[index].message += " — no fix is proposed that would overwrite it: \(reason)\(hint)"
        }
    }
}
