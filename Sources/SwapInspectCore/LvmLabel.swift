/// The name of the volume group an LVM2 physical volume belongs to, from its on-disk format (lvm2's
/// lib/format_text/layout.h): the `LABELONE` label in one of the first four sectors, its PV header's
/// metadata areas, the first one's mda_header and its current raw location, whose text starts with
/// `VGNAME {`. libblkid names the PV (its UUID) but not the volume group, and `vgchange -ay VG` needs it.
public enum LvmLabel {
    static let sector = 512
    static let labelID = Array("LABELONE".utf8)
    static let labelType = Array("LVM2 001".utf8)
    static let mdaMagic = Array(" LVM2 x[5A%r0N*>".utf8)
    /// lvm2's NAME_LEN.
    static let maxName = 128

    /// Nil when any step does not hold (no label, no metadata area, a name lvm2 would not allow).
    public static func volumeGroup(read: ContainerProbe.Reader) -> String? {
        let head = read(0, 4 * sector)
        for index in 0..<4 {
            let start = index * sector
            guard head.count >= start + sector, Array(head[start..<(start + 8)]) == labelID,
                Array(head[(start + 24)..<(start + 32)]) == labelType
            else { continue }
            let pvHeader = start + Int(ByteField.le32(head, start + 20))
            return metadataArea(head, pvHeader: pvHeader).flatMap { name(read: read, mda: $0) }
        }
        return nil
    }

    /// The first metadata area's byte offset: after the PV UUID (32 bytes) and size (8), the data
    /// areas then the metadata areas, each list of (offset, size) ended by a zero pair.
    static func metadataArea(_ head: [UInt8], pvHeader: Int) -> UInt64? {
        var cursor = pvHeader + 40
        var list = 0
        while cursor + 16 <= head.count {
            let offset = ByteField.le(head, cursor, 8)
            let size = ByteField.le(head, cursor + 8, 8)
            cursor += 16
            if offset == 0 && size == 0 {
                list += 1
                if list == 2 { return nil }
                continue
            }
            if list == 1 { return offset }
        }
        return nil
    }

    static func name(read: ContainerProbe.Reader, mda: UInt64) -> String? {
        let header = read(mda, 56)
        guard header.count == 56, Array(header[4..<20]) == mdaMagic else { return nil }
        let text = read(mda + ByteField.le(header, 40, 8), maxName + 2)
        let name = text.prefix { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "{") }
        guard !name.isEmpty, name.count <= maxName, name.allSatisfy(allowed), name.first != UInt8(ascii: "-") else { return nil }
        return String(decoding: name, as: UTF8.self)
    }

    /// lvm2's validate_name: letters, digits and `+_.-`.
    static func allowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            [UInt8(ascii: "+"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-")].contains(byte)
        }
    }
}
