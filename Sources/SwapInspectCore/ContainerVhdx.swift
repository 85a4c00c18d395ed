/// VHDX (MS-VHDX): the region table at 192 KiB (copy at 256 KiB) locates the metadata region, whose
/// File Parameters say whether the disk is differencing, and whose Parent Locator names the parent.
enum VhdxHeader {
    static let headerArea: UInt64 = 1 << 20
    static let regionTables: [UInt64] = [192 << 10, 256 << 10]
    static let regionTableLength = 64 << 10
    static let metadataRegion = guid("8B7CA206-4790-4B9A-B8FE-575F050F886E")
    static let fileParameters = guid("CAA16737-FA36-4D43-B3B6-33F0AA44E76B")
    static let virtualDiskSize = guid("2FA54224-CD1B-4876-B211-5DBED83BF4B8")
    static let parentLocator = guid("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C")
    static let hasParent: UInt32 = 1 << 1
    /// Parent locator keys, best first (MS-VHDX 2.2.4.1).
    static let parentKeys = ["relative_path", "absolute_win32_path", "volume_path"]

    static func parse(size: UInt64, read: ContainerProbe.Reader) throws(ContainerError) -> ContainerInfo {
        guard size >= headerArea else { throw .truncated(.vhdx, "the 1 MiB header area", end: headerArea, size: size) }
        var found: [UInt8]?
        for offset in regionTables where found == nil {
            let candidate = read(offset, regionTableLength)
            if candidate.starts(with: Array("regi".utf8)) { found = candidate }
        }
        guard let table = found else { throw .corrupt(.vhdx, "no region table at 192 KiB or 256 KiB") }
        let count = min(Int(ByteField.le32(table, 8)), 2047)
        var metadata: (offset: UInt64, length: Int)?
        for index in 0..<count {
            let entry = 16 + index * 32
            guard entry + 32 <= table.count else { break }
            if Array(table[entry..<(entry + 16)]) == metadataRegion {
                metadata = (ByteField.le(table, entry + 16, 8), Int(ByteField.le32(table, entry + 24)))
            }
        }
        guard let metadata else { throw .corrupt(.vhdx, "the region table lists no metadata region") }
        guard metadata.offset.plus(UInt64(metadata.length)) <= size else {
            throw .truncated(.vhdx, "the metadata region", end: metadata.offset.plus(UInt64(metadata.length)), size: size)
        }
        let region = read(metadata.offset, min(metadata.length, 1 << 20))
        guard region.starts(with: Array("metadata".utf8)) else { throw .corrupt(.vhdx, "no metadata table at byte \(metadata.offset)") }
        return try parseMetadata(region)
    }

    static func parseMetadata(_ region: [UInt8]) throws(ContainerError) -> ContainerInfo {
        var items: [[UInt8]: [UInt8]] = [:]
        let count = min(Int(ByteField.le(region, 10, 2)), 2047)
        for index in 0..<count {
            let entry = 32 + index * 32
            guard entry + 32 <= region.count else { break }
            let offset = Int(ByteField.le32(region, entry + 16))
            let length = Int(ByteField.le32(region, entry + 20))
            guard offset >= 0, length >= 0, offset + length <= region.count else {
                throw .corrupt(.vhdx, "a metadata item outside the metadata region")
            }
            items[Array(region[entry..<(entry + 16)])] = Array(region[offset..<(offset + length)])
        }
        guard let parameters = items[fileParameters], parameters.count >= 8 else {
            throw .corrupt(.vhdx, "no File Parameters metadata item")
        }
        var info = ContainerInfo(format: .vhdx, virtualSize: items[virtualDiskSize].map { ByteField.le($0, 0, 8) })
        if ByteField.le32(parameters, 4) & hasParent != 0 {
            let name = items[parentLocator].flatMap(parentName) ?? "(named by no parent locator entry)"
            info.references.append(ContainerReference(kind: "parent disk", path: name))
        }
        return info
    }

    /// The parent's path from the locator's key/value entries (UTF-16LE, offsets from its start).
    static func parentName(_ locator: [UInt8]) -> String? {
        let count = Int(ByteField.le(locator, 18, 2))
        var values: [String: String] = [:]
        for index in 0..<count {
            let entry = 20 + index * 12
            guard entry + 12 <= locator.count else { break }
            let key = (Int(ByteField.le32(locator, entry)), Int(ByteField.le(locator, entry + 8, 2)))
            let value = (Int(ByteField.le32(locator, entry + 4)), Int(ByteField.le(locator, entry + 10, 2)))
            guard key.0 + key.1 <= locator.count, value.0 + value.1 <= locator.count else { continue }
            values[ByteField.utf16(locator[key.0..<(key.0 + key.1)], bigEndian: false)] =
                ByteField.utf16(locator[value.0..<(value.0 + value.1)], bigEndian: false)
        }
        return parentKeys.lazy.compactMap { values[$0] }.first
    }

    /// A GUID's bytes as MS-VHDX stores them: the first three fields little-endian, the rest as written.
    static func guid(_ text: String) -> [UInt8] {
        let groups = text.split(separator: "-").map { group in
            stride(from: 0, to: group.count, by: 2).map { offset -> UInt8 in
                let start = group.index(group.startIndex, offsetBy: offset)
                return UInt8(group[start..<group.index(start, offsetBy: 2)], radix: 16) ?? 0
            }
        }
        guard groups.count == 5 else { return [] }
        return groups[0].reversed() + groups[1].reversed() + groups[2].reversed() + groups[3] + groups[4]
    }
}
