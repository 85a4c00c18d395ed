/// The qcow2 header (qemu's docs/interop/qcow2.txt): big-endian, its extensions in the first cluster.
enum Qcow2Header {
    /// Bytes of the version 2 header; version 3 records its own length (at least 104).
    static let version2Length = 72
    static let version3Length = 104
    /// qemu's MIN_CLUSTER_BITS and MAX_CLUSTER_BITS.
    static let clusterBits: ClosedRange<UInt32> = 9...21
    /// qemu's limit on the backing file name (1023 bytes).
    static let maxBackingName = 1023

    /// Incompatible feature bits.
    static let incompatibleCorrupt: UInt64 = 1 << 1
    static let incompatibleDataFile: UInt64 = 1 << 2
    static let incompatibleExtendedL2: UInt64 = 1 << 4
    /// Bits 9–55 of an L1 or standard L2 entry: the host offset; bit 62 marks a compressed cluster.
    static let offsetMask: UInt64 = 0x00FF_FFFF_FFFF_FE00
    static let compressedFlag: UInt64 = 1 << 62
    /// The most L1 table read to check clusters (qemu's own limit is 32 MiB).
    static let maxL1Bytes = 32 << 20

    static func hex(_ value: UInt64) -> String { String(value, radix: 16) }

    /// Header extension types.
    static let extensionEnd: UInt32 = 0
    static let extensionBackingFormat: UInt32 = 0xE279_2ACA
    static let extensionDataFile: UInt32 = 0x4441_5441

    static func parse(size: UInt64, read: ContainerProbe.Reader) throws(ContainerError) -> ContainerInfo {
        let head = read(0, version3Length)
        guard head.count >= version2Length else {
            throw .truncated(.qcow2, "the header", end: UInt64(version2Length), size: size)
        }
        let version = ByteField.be32(head, 4)
        guard version == 2 || version == 3 else { throw .corrupt(.qcow2, "version \(version) (qemu reads 2 and 3)") }
        let bits = ByteField.be32(head, 20)
        guard clusterBits.contains(bits) else { throw .corrupt(.qcow2, "cluster_bits \(bits) (qemu allows 9 to 21)") }
        var info = ContainerInfo(format: .qcow2, virtualSize: ByteField.be(head, 24, 8))
        let crypt = ByteField.be32(head, 32)
        if crypt != 0 {
            throw ContainerError(
                "an encrypted qcow2 image (\(crypt == 1 ? "AES" : "LUKS")): reading it needs its key, and swapinspect reads no encrypted images")
        }
        info.snapshots = Int(ByteField.be32(head, 60))
        var headerLength = UInt64(version2Length)
        var incompatible: UInt64 = 0
        if version == 3 {
            guard head.count >= version3Length else {
                throw .truncated(.qcow2, "the version 3 header", end: UInt64(version3Length), size: size)
            }
            incompatible = ByteField.be(head, 72, 8)
            headerLength = UInt64(ByteField.be32(head, 100))
            guard headerLength >= UInt64(version3Length), headerLength % 8 == 0 else {
                throw .corrupt(.qcow2, "header_length \(headerLength)")
            }
        }
        if incompatible & incompatibleCorrupt != 0 {
            throw ContainerError(
                "the qcow2 image marks itself corrupt (incompatible feature 'corrupt'): check it with qemu-img check first")
        }
        try checkTables(head, size: size)
        let clusterSize = UInt64(1) << bits
        let cluster = read(0, Int(min(clusterSize, size)))
        try readBacking(head, cluster: cluster, size: size, info: &info)
        try readExtensions(cluster, from: Int(headerLength), clusterSize: clusterSize, info: &info)
        if incompatible & incompatibleDataFile == 0 {
            try checkClusters(head, bits: bits, extendedL2: incompatible & incompatibleExtendedL2 != 0, size: size, read: read)
        }
        if incompatible & incompatibleDataFile != 0 && !info.references.contains(where: { $0.kind == "external data file" }) {
            info.references.append(ContainerReference(kind: "external data file", path: "(unnamed: given to qemu as data-file)"))
        }
        return info
    }

    /// The L1 and refcount tables must lie inside the file: a cut-off image fails here, at once.
    static func checkTables(_ head: [UInt8], size: UInt64) throws(ContainerError) {
        let l1Entries = ByteField.be(head, 36, 4)
        let l1Offset = ByteField.be(head, 40, 8)
        if l1Entries > 0, l1Offset.addingReportingOverflow(l1Entries * 8).partialValue > size || l1Offset >= size {
            throw .truncated(.qcow2, "the L1 table", end: l1Offset &+ l1Entries * 8, size: size)
        }
        let refcountOffset = ByteField.be(head, 48, 8)
        guard refcountOffset > 0 else { throw .corrupt(.qcow2, "no refcount table") }
        guard refcountOffset < size else { throw .truncated(.qcow2, "the refcount table", end: refcountOffset.plus(1), size: size) }
    }

    /// Every L2 table and data cluster must lie inside the file: qemu reads past the end as zeros, so a
    /// cut-off image would otherwise look like a disk with nothing on it. Costs the L1 table and the L2
    /// tables (8 bytes per cluster of data), never the data.
    static func checkClusters(
        _ head: [UInt8], bits: UInt32, extendedL2: Bool, size: UInt64, read: ContainerProbe.Reader
    ) throws(ContainerError) {
        let clusterSize = UInt64(1) << bits
        let l1Bytes = Int(min(ByteField.be(head, 36, 4) * 8, UInt64(maxL1Bytes)))
        let l1 = read(ByteField.be(head, 40, 8), l1Bytes)
        let entrySize = extendedL2 ? 16 : 8
        // Bits 0..x-1 of a compressed entry are its host offset (qcow2.txt: x = 62 - (cluster_bits - 8)).
        let compressedMask = (UInt64(1) << (62 - (UInt64(bits) - 8))) - 1
        let unalignedBits = clusterSize - 1
        for index in stride(from: 0, to: l1.count - 7, by: 8) {
            let table = ByteField.be(l1, index, 8) & offsetMask
            guard table != 0 else { continue }
            // qemu refuses the read with EIO (qcow2_get_host_offset, l2_load): garbage, not a cut-off file.
            guard table & unalignedBits == 0 else {
                throw .corruptTable(.qcow2, "L2 table offset 0x\(hex(table)) unaligned (L1 index: 0x\(hex(UInt64(index / 8))))")
            }
            guard table + clusterSize <= size else { throw .truncated(.qcow2, "an L2 table", end: table + clusterSize, size: size) }
            let l2 = read(table, Int(clusterSize))
            // The highest end of any cluster the table points at, and the first standard cluster whose
            // offset is not a cluster's (one pass of plain loads: a 20 GiB disk has 327,680 entries).
            let (highest, unaligned) = l2.withUnsafeBytes { raw -> (UInt64, (offset: UInt64, entry: Int)?) in
                var highest: UInt64 = 0
                var unaligned: (offset: UInt64, entry: Int)?
                var entry = 0
                while entry + 8 <= raw.count {
                    let value = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: entry, as: UInt64.self))
                    let compressed = value & compressedFlag != 0
                    let host = value & (compressed ? compressedMask : offsetMask)
                    if !compressed && host & unalignedBits != 0 && unaligned == nil { unaligned = (host, entry / entrySize) }
                    if host != 0 { highest = max(highest, host + (compressed ? 1 : clusterSize)) }
                    entry += entrySize
                }
                return (highest, unaligned)
            }
            if let unaligned {
                throw .corruptTable(
                    .qcow2, "Cluster allocation offset 0x\(hex(unaligned.offset)) unaligned (L2 offset: 0x\(hex(table)), L2 index: 0x\(hex(UInt64(unaligned.entry))))")
            }
            if highest > size { throw .truncated(.qcow2, "a data cluster", end: highest, size: size) }
        }
    }

    static func readBacking(_ head: [UInt8], cluster: [UInt8], size: UInt64, info: inout ContainerInfo) throws(ContainerError) {
        let offset = ByteField.be(head, 8, 8)
        let length = Int(ByteField.be32(head, 16))
        guard offset != 0 else { return }
        guard length <= maxBackingName else { throw .corrupt(.qcow2, "a backing file name of \(length) bytes") }
        guard offset + UInt64(length) <= UInt64(cluster.count) else {
            throw offset + UInt64(length) > size
                ? .truncated(.qcow2, "the backing file name", end: offset + UInt64(length), size: size)
                : .corrupt(.qcow2, "the backing file name lies outside the first cluster")
        }
        let name = ByteField.text(cluster[Int(offset)..<(Int(offset) + length)])
        info.references.append(ContainerReference(kind: "backing file", path: name))
    }

    /// The header extensions after the header, up to the end marker, inside the first cluster.
    static func readExtensions(_ cluster: [UInt8], from start: Int, clusterSize: UInt64, info: inout ContainerInfo) throws(ContainerError) {
        var offset = start
        while offset + 8 <= cluster.count {
            let type = ByteField.be32(cluster, offset)
            let length = Int(ByteField.be32(cluster, offset + 4))
            if type == extensionEnd { return }
            let data = offset + 8
            guard data + length <= cluster.count else { throw .corrupt(.qcow2, "header extension 0x\(String(type, radix: 16)) overruns the first cluster") }
            let value = ByteField.text(cluster[data..<(data + length)])
            switch type {
            case extensionBackingFormat:
                if let index = info.references.firstIndex(where: { $0.kind == "backing file" }) { info.references[index].format = value }
            case extensionDataFile:
                info.references.append(ContainerReference(kind: "external data file", path: value))
            default: break
            }
            offset = data + (length + 7) / 8 * 8
        }
        if UInt64(cluster.count) < clusterSize && offset + 8 > cluster.count {
            throw .truncated(.qcow2, "the header extensions", end: UInt64(offset + 8), size: UInt64(cluster.count))
        }
    }
}
