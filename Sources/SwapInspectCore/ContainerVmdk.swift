/// VMDK: a sparse extent (`KDMV`, monolithicSparse or streamOptimized) with its embedded descriptor,
/// or a descriptor file whose extents are other files (monolithicFlat, twoGbMaxExtent…).
enum VmdkHeader {
    static let descriptorMagic = "# Disk DescriptorFile"
    static let sector: UInt64 = 512
    /// The most descriptor text read (qemu reads at most 1 MiB of it too).
    static let maxDescriptor = 1 << 20
    /// gd_offset of a streamOptimized header whose grain directory is in the footer.
    static let grainDirectoryAtEnd = UInt64.max
    /// Sparse extent header flag: grains are deflate-compressed, each behind a grain marker.
    static let compressedGrains: UInt32 = 1 << 16
    /// qemu's limits: 512 entries per grain table (VMDK 4 allows no other), a 512 MiB grain directory.
    static let maxTableEntries: UInt64 = 512
    static let maxDirectoryEntries = 128 << 20

    static func parseSparse(size: UInt64, read: ContainerProbe.Reader) throws(ContainerError) -> ContainerInfo {
        let head = read(0, Int(sector))
        guard head.count == Int(sector) else { throw .truncated(.vmdk, "the sparse extent header", end: sector, size: size) }
        let version = ByteField.le32(head, 4)
        guard (1...3).contains(version) else { throw .corrupt(.vmdk, "sparse extent version \(version)") }
        let capacity = ByteField.le(head, 12, 8)
        var info = ContainerInfo(format: .vmdk, virtualSize: capacity.times(sector))
        let descriptorOffset = ByteField.le(head, 28, 8).times(sector)
        let descriptorSize = ByteField.le(head, 36, 8).times(sector)
        let directory = ByteField.le(head, 56, 8)
        if directory != grainDirectoryAtEnd && directory.times(sector) >= size {
            throw .truncated(.vmdk, "the grain directory", end: directory.times(sector).plus(1), size: size)
        }
        if directory != grainDirectoryAtEnd { try checkGrains(head, size: size, read: read) }
        if descriptorOffset > 0 && descriptorSize > 0 {
            guard descriptorOffset.plus(descriptorSize) <= size else {
                throw .truncated(.vmdk, "the embedded descriptor", end: descriptorOffset.plus(descriptorSize), size: size)
            }
            let text = read(descriptorOffset, Int(min(descriptorSize, UInt64(maxDescriptor))))
            // The embedded descriptor's extent is the file itself; only a parent is another file.
            info.references = Descriptor(ByteField.text(text[...])).parent.map { [$0] } ?? []
        }
        return info
    }

    /// Every grain table and the last grain must lie inside the file: qemu reads a cut-off monolithicSparse
    /// file's missing grains as zeros, so that a disk with nothing on it would be audited. Grains are
    /// appended in order, so the highest grain offset ends the data (for a compressed grain, the size its
    /// marker records). Costs the grain directory and tables (4 bytes per grain), never the data.
    static func checkGrains(_ head: [UInt8], size: UInt64, read: ContainerProbe.Reader) throws(ContainerError) {
        let capacity = ByteField.le(head, 12, 8)
        let grainSectors = ByteField.le(head, 20, 8)
        let perTable = UInt64(ByteField.le32(head, 44))
        guard grainSectors > 0, perTable > 0, perTable <= maxTableEntries else {
            throw .corrupt(.vmdk, "grain size \(grainSectors) sectors, \(perTable) entries per grain table")
        }
        let grainsPerTable = grainSectors.times(perTable)
        let tables = capacity / grainsPerTable + (capacity % grainsPerTable == 0 ? 0 : 1)
        guard tables <= UInt64(maxDirectoryEntries) else { throw .corrupt(.vmdk, "a grain directory of \(tables) entries") }
        let directoryStart = ByteField.le(head, 56, 8).times(sector)
        guard directoryStart.plus(tables * 4) <= size else {
            throw .truncated(.vmdk, "the grain directory", end: directoryStart.plus(tables * 4), size: size)
        }
        let directory = read(directoryStart, Int(tables) * 4)
        var highest: UInt64 = 0
        for index in 0..<Int(tables) {
            let table = UInt64(ByteField.le32(directory, index * 4)) * sector
            guard table != 0 else { continue }
            guard table + perTable * 4 <= size else { throw .truncated(.vmdk, "a grain table", end: table + perTable * 4, size: size) }
            let entries = read(table, Int(perTable) * 4)
            // Plain loads: a 20 GiB disk has 327,680 grain table entries.
            highest = entries.withUnsafeBytes { raw in
                var top = highest
                for entry in 0..<(raw.count / 4) {
                    top = max(top, UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: entry * 4, as: UInt32.self))))
                }
                return top
            }
        }
        // 0 is an unallocated grain, 1 a zeroed one (qemu's VMDK_GTE_ZEROED).
        guard highest > 1 else { return }
        let start = highest * sector
        var end = start.plus(grainSectors.times(sector))
        if ByteField.le32(head, 8) & compressedGrains != 0 {
            // A grain marker: the grain's LBA (8 bytes) and the compressed size (4), then the data.
            let marker = read(start, 12)
            end = marker.count == 12 ? start + 12 + UInt64(ByteField.le32(marker, 8)) : start + 12
        }
        if end > size { throw .truncated(.vmdk, "the last grain", end: end, size: size) }
    }

    static func parseDescriptorFile(size: UInt64, read: ContainerProbe.Reader) throws(ContainerError) -> ContainerInfo {
        let text = read(0, Int(min(size, UInt64(maxDescriptor))))
        let descriptor = Descriptor(ByteField.text(text[...]))
        guard !descriptor.extents.isEmpty || descriptor.hasZeroExtent else {
            throw .corrupt(.vmdk, "the descriptor file lists no extent")
        }
        var info = ContainerInfo(format: .vmdk, virtualSize: descriptor.sectors.times(sector))
        info.references = descriptor.extents.map { ContainerReference(kind: "extent", path: $0) } + (descriptor.parent.map { [$0] } ?? [])
        info.extents = descriptor.extentFiles
        return info
    }

    /// One extent file of a descriptor (given --allow-backing-file), `size` bytes long: a flat extent
    /// must hold its sectors from its offset on, a sparse one its grain tables and grains. qemu reads
    /// what is missing as zeros, so a cut-off extent would be audited as an empty stretch of disk.
    static func checkExtent(_ extent: VmdkExtent, size: UInt64, read: ContainerProbe.Reader) throws(ContainerError) {
        switch extent.kind {
        case "FLAT", "VMFS":
            let end = extent.offset.plus(extent.sectors).times(sector)
            if end > size { throw .truncated(.vmdk, "the flat extent \(extent.file)", end: end, size: size) }
        case "SPARSE", "VMFSSPARSE":
            let magic = read(0, 4)
            // ESX 3's COWD sparse extents (VMFSSPARSE) are read by qemu as they are; only KDMV is checked.
            if magic == Array("COWD".utf8) { return }
            guard magic == Array("KDMV".utf8) else { throw .corrupt(.vmdk, "the sparse extent \(extent.file) has no KDMV header") }
            do {
                _ = try parseSparse(size: size, read: read)
            } catch {
                // `truncated vmdk image: the last grain …` → `truncated vmdk image: the sparse extent NAME: the last grain …`.
                let reason = error.reason
                guard let colon = reason.firstRange(of: ": ") else { throw error }
                throw ContainerError(reason[..<colon.upperBound] + "the sparse extent \(extent.file): " + reason[colon.upperBound...])
            }
        default:
            // qemu refuses the other kinds itself (VMFSRAW, VMFSRDM: "Unsupported extent type").
            break
        }
    }

    /// The lines of a descriptor that name other files.
    struct Descriptor {
        var extents: [String] = []
        var extentFiles: [VmdkExtent] = []
        var hasZeroExtent = false
        var sectors: UInt64 = 0
        var parent: ContainerReference?

        /// `RW 131072 FLAT "name" 0`, `RDONLY … SPARSE "name"`, `RW … ZERO`; `parentFileNameHint="…"`.
        init(_ text: String) {
            for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
                let trimmed = line.drop { $0 == " " || $0 == "\t" }
                if trimmed.hasPrefix("parentFileNameHint=") {
                    let name = trimmed.dropFirst("parentFileNameHint=".count).filter { $0 != "\"" }
                    if !name.isEmpty { parent = ContainerReference(kind: "parent disk", path: String(name)) }
                    continue
                }
                let fields = trimmed.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
                guard fields.count >= 3, ["RW", "RDONLY", "NOACCESS"].contains(fields[0]), let count = UInt64(fields[1]) else {
                    continue
                }
                sectors = sectors.plus(count)
                if fields[2] == "ZERO" { hasZeroExtent = true; continue }
                guard fields.count == 4, let open = fields[3].firstIndex(of: "\""),
                    let close = fields[3][fields[3].index(after: open)...].firstIndex(of: "\"")
                else { continue }
                let file = String(fields[3][fields[3].index(after: open)..<close])
                extents.append(file)
                // After the quoted name: the offset into the file, in sectors (flat extents).
                let rest = fields[3][fields[3].index(after: close)...].split(separator: " ")
                extentFiles.append(VmdkExtent(file: file, kind: String(fields[2]), sectors: count, offset: rest.first.flatMap { UInt64($0) } ?? 0))
            }
        }
    }
}

/// VHD (qemu's `vpc`): the 512-byte footer, big-endian, also copied to the start of a dynamic disk.
enum VhdFooter {
    static let cookie = "conectix"
    static let footerLength = 512
    static let typeFixed: UInt32 = 2
    static let typeDynamic: UInt32 = 3
    static let typeDifferencing: UInt32 = 4
    /// The dynamic disk header's cookie, and where it records the parent's UTF-16BE name.
    static let dynamicCookie = "cxsparse"
    static let parentNameOffset = 64
    static let parentNameLength = 512

    static func parse(_ footer: [UInt8], size: UInt64, read: ContainerProbe.Reader) throws(ContainerError) -> ContainerInfo {
        guard footer.count == footerLength else { throw .truncated(.vhd, "the footer", end: UInt64(footerLength), size: size) }
        let type = ByteField.be32(footer, 60)
        var info = ContainerInfo(format: .vhd, virtualSize: ByteField.be(footer, 48, 8))
        switch type {
        case typeFixed:
            return info
        case typeDynamic, typeDifferencing:
            let offset = ByteField.be(footer, 16, 8)
            let header = read(offset, 1024)
            guard header.count == 1024 else { throw .truncated(.vhd, "the dynamic disk header", end: offset.plus(1024), size: size) }
            guard header.starts(with: Array(dynamicCookie.utf8)) else { throw .corrupt(.vhd, "no dynamic disk header at byte \(offset)") }
            if type == typeDifferencing {
                let start = parentNameOffset
                let name = ByteField.utf16(header[start..<(start + parentNameLength)], bigEndian: true)
                info.references.append(ContainerReference(kind: "parent disk", path: name.isEmpty ? "(unnamed)" : name))
            }
            return info
        default:
            throw .corrupt(.vhd, "disk type \(type) (2 fixed, 3 dynamic, 4 differencing)")
        }
    }
}

/// VDI (VirtualBox): the pre-header's signature at byte 64, the image type at 76.
enum VdiHeader {
    static let signature: UInt32 = 0xBEDA_107F
    /// Block map entries at and above this are no data: VDI_IMAGE_BLOCK_ZERO, VDI_IMAGE_BLOCK_FREE.
    static let zeroedBlock: UInt32 = 0xFFFF_FFFE
    static let typeUndo: UInt32 = 3
    static let typeDifferencing: UInt32 = 4

    /// `<<< Oracle VM VirtualBox Disk Image >>>`, `<<< QEMU VM Virtual Disk Image >>>`: the text the
    /// pre-header starts with, so that a cut-off header is still told apart from a raw image.
    static func hasBanner(_ head: [UInt8]) -> Bool {
        let text = ByteField.text(head.prefix(64))
        return text.hasPrefix("<<< ") && text.contains(" Disk Image >>>")
    }

    static func parse(_ head: [UInt8], size: UInt64, read: ContainerProbe.Reader) throws(ContainerError) -> ContainerInfo {
        guard head.count >= 400 else { throw .truncated(.vdi, "the header", end: 400, size: size) }
        let type = ByteField.le32(head, 76)
        guard (1...4).contains(type) else { throw .corrupt(.vdi, "image type \(type)") }
        if type == typeUndo || type == typeDifferencing {
            // VirtualBox names the parent by UUID only, in its own registry: no file to point qemu at.
            throw ContainerError("a differencing VDI image: its parent is named only by UUID, and qemu reads no differencing VDI")
        }
        try checkBlocks(head, size: size, read: read)
        return ContainerInfo(format: .vdi, virtualSize: ByteField.le(head, 368, 8))
    }

    /// Every allocated block must lie inside the file: qemu reads a cut-off VDI's missing blocks as
    /// zeros. The block map (4 bytes per block, at offset_bmap) gives each disk block's index in the data
    /// area (offset_data + index × block_size); 0xFFFFFFFF is unallocated, 0xFFFFFFFE zeroed.
    static func checkBlocks(_ head: [UInt8], size: UInt64, read: ContainerProbe.Reader) throws(ContainerError) {
        let mapOffset = UInt64(ByteField.le32(head, 340))
        let dataOffset = UInt64(ByteField.le32(head, 344))
        let blockSize = UInt64(ByteField.le32(head, 376))
        let blocks = Int(ByteField.le32(head, 384))
        guard blockSize > 0 else { throw .corrupt(.vdi, "block size 0") }
        // The map is checked against the file before it is read (a corrupt count is not allocated).
        guard mapOffset.plus(UInt64(blocks) * 4) <= size else {
            throw .truncated(.vdi, "the block map", end: mapOffset + UInt64(blocks) * 4, size: size)
        }
        let map = read(mapOffset, blocks * 4)
        guard map.count == blocks * 4 else { throw .truncated(.vdi, "the block map", end: mapOffset + UInt64(blocks) * 4, size: size) }
        var highest: UInt32?
        for index in 0..<blocks {
            let entry = ByteField.le32(map, index * 4)
            if entry < zeroedBlock { highest = max(highest ?? 0, entry) }
        }
        guard let highest else { return }
        let end = dataOffset.plus((UInt64(highest) + 1).times(blockSize))
        if end > size { throw .truncated(.vdi, "the last allocated block", end: end, size: size) }
    }
}

/// An extent line of a VMDK descriptor file: `RW 131072 FLAT "disk-flat.vmdk" 0`.
public struct VmdkExtent: Sendable, Equatable {
    /// The file, as the descriptor names it (relative to the descriptor's directory unless absolute).
    public var file: String
    /// FLAT, SPARSE, VMFS, VMFSSPARSE…
    public var kind: String
    public var sectors: UInt64
    /// Where in the file the extent starts, in 512-byte sectors (flat extents).
    public var offset: UInt64
}

extension ContainerProbe {
    /// A VMDK descriptor's extent file checked for truncation (`VmdkHeader.checkExtent`).
    public static func checkVmdkExtent(_ extent: VmdkExtent, size: UInt64, read: Reader) throws(ContainerError) {
        try VmdkHeader.checkExtent(extent, size: size, read: read)
    }
}
