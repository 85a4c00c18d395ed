import CFuzzDriver
import FuzzSupport
import SwapInspectCore

/// Arbitrary file layouts through the activation models and both renderers: the input is decoded into a
/// page size, a file system (iomap or generic bmap), a block size, a header's last_page and a list of
/// extents (offsets, lengths and FIEMAP flags as they come); the report is rendered as the full text
/// table and as the contract's JSON, which must parse. Covers the hand-written number formatting, whose
/// pointer writes ASan checks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLayout(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var input = Input(UnsafeBufferPointer(start: data, count: size))
    let pageSize = input.pageSize()
    // Bit 0: iomap or generic. Bit 1: the file is longer than its last extent by (bits 2-7) × 512 bytes,
    // so that tails past the extents are reached too.
    let shape = input.byte()
    let iomap = shape & 1 == 0
    let tail = shape & 2 != 0 ? UInt64(shape >> 2) * 512 : 0
    let blockSize = [512, 1024, 2048, 4096, 65536][Int(input.byte()) % 5]
    let lastPage = UInt32(truncatingIfNeeded: input.number())
    var extents: [FileExtent] = []
    while !input.atEnd && extents.count < 4096 { extents.append(input.extent()) }
    let fileSize = (extents.map { $0.logical &+ $0.length }.max() ?? 0) &+ tail

    let kind = FilesystemCatalog.classify(magic: iomap ? FilesystemMagic.ext : FilesystemMagic.msdos, mountType: nil, ext4Driver: true)
    let facts = AreaFacts(
        path: "/fuzz/swap\"file\n", kind: .file, size: fileSize,
        filesystem: FilesystemFacts(kind: kind, blockSize: blockSize, device: "/dev/fuzz"),
        headerBytes: swapHeader(pageSize: pageSize, lastPage: lastPage),
        extents: extents)
    let report = Inspector.inspect(facts, options: InspectOptions(pageSize: pageSize))

    let text = renderChecked(report)
    if let activation = report.activation, activation.ok {
        // Every swap extent is a table row: the text has at least as many lines.
        precondition(text.lazy.filter { $0 == UInt8(ascii: "\n") }.count >= activation.extents.count)
    }
    return 0
}

/// The entry point SwiftPM links as main (see CFuzzDriver.h).
@_cdecl("FuzzLayout_main")
public func fuzzLayoutMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    si_fuzz_main(argc, argv) { data, size in fuzzLayout(data!, size) }
}
