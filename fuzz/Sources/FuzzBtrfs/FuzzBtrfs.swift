import CFuzzDriver
import FuzzSupport
import SwapInspectCore

/// `btrfs_swap_activate` over arbitrary btrfs facts: inode flags, file extent items (type, compression,
/// disk extent, offsets, back references), the chunk map (profiles, stripes) and FIEMAP's extents, as a
/// corrupt file system or a racing writer could present them. The report is rendered as text and JSON,
/// which must parse.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBtrfs(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var input = Input(UnsafeBufferPointer(start: data, count: size))
    let pageSize = input.pageSize()
    let flags = input.byte()
    let sectorSize = [4096, 16384, 65536, 0, 512][Int(input.byte()) % 5]
    let lastPage = UInt32(truncatingIfNeeded: input.number())
    let lastSnapshot = flags & 0x08 != 0 ? input.number() : nil
    let fileSize = input.number()

    var items: [BtrfsFileExtentItem] = []
    for _ in 0..<Int(input.byte() % 16) {
        var item = BtrfsFileExtentItem(
            fileOffset: input.number(), generation: input.number(), ramBytes: input.number(), compression: input.byte() % 4,
            encryption: input.byte() % 2, type: BtrfsFileExtentType(raw: input.byte() % 4), diskBytenr: input.number(),
            diskNumBytes: input.number(), offset: input.number(), numBytes: input.number())
        switch input.byte() % 4 {
        case 0: item.backrefs = [.data(root: input.number(), objectid: input.number(), offset: input.number(), count: UInt32(input.byte()))]
        case 1: item.backrefs = [.sharedData(parent: input.number(), count: UInt32(input.byte()))]
        case 2: item.referencers = [BtrfsReferencer(inode: input.number(), offset: input.number(), root: input.number())]
        default: break
        }
        items.append(item)
    }
    var chunks: [BtrfsChunk] = []
    for _ in 0..<Int(input.byte() % 6) {
        let stripes = (0..<Int(input.byte() % 4)).map { _ in BtrfsStripe(devid: input.number() % 4, offset: input.number()) }
        chunks.append(
            BtrfsChunk(
                logical: input.number(), length: input.number(), stripeLength: input.number(), type: input.number(),
                subStripes: UInt16(input.byte()), stripes: stripes))
    }
    chunks.sort { $0.logical < $1.logical }
    var extents: [FileExtent] = []
    while !input.atEnd && extents.count < 256 { extents.append(input.extent()) }

    let kind = FilesystemCatalog.classify(magic: FilesystemMagic.btrfs, mountType: "btrfs", ext4Driver: false)
    var facts = AreaFacts(
        path: "/fuzz/btrfs/swapfile", kind: .file, size: fileSize,
        filesystem: FilesystemFacts(kind: kind, blockSize: sectorSize, device: "/dev/fuzz"),
        headerBytes: swapHeader(pageSize: pageSize, lastPage: lastPage),
        extents: extents)
    facts.btrfs = BtrfsFacts(
        noCow: flags & 0x01 != 0, compress: flags & 0x02 != 0, noDataSum: flags & 0x04 != 0 ? true : (flags & 0x40 != 0 ? false : nil),
        inode: 257, subvolume: 5, sectorSize: sectorSize, deviceCount: Int(flags >> 4 & 0x3) + 1,
        devices: [BtrfsDevice(devid: 1, path: "/dev/fuzz1"), BtrfsDevice(devid: 2, path: "/dev/fuzz2")],
        lastSnapshot: lastSnapshot, items: flags & 0x80 != 0 ? nil : items, chunks: chunks.isEmpty ? nil : chunks,
        dataSpaceFlags: chunks.map(\.type))
    let report = Inspector.inspect(facts, options: InspectOptions(pageSize: pageSize))

    _ = renderChecked(report)
    return 0
}

/// The entry point SwiftPM links as main (see CFuzzDriver.h).
@_cdecl("FuzzBtrfs_main")
public func fuzzBtrfsMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    si_fuzz_main(argc, argv) { data, size in fuzzBtrfs(data!, size) }
}
