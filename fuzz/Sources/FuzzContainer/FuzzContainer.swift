import CFuzzDriver
import SwapInspectCore

/// The container probe as `image` runs it on the first bytes of an image: magic, header, backing and
/// extent names, and the truncation checks over the L1/L2 tables, grain tables and block maps, whose
/// offsets and sizes a hostile image sets to anything. The input is the whole file; its size is the
/// input's, or (first byte odd) a claimed size far larger, as a sparse or cut-off file gives. Then
/// every VMDK descriptor extent against the same bytes, and the GPT truncation check.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzContainer(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let claimed: UInt64 = bytes.first.map { $0 & 1 == 1 ? UInt64(size) << 20 : UInt64(size) } ?? 0
    let read: ContainerProbe.Reader = { offset, count in
        guard offset < UInt64(bytes.count), count > 0 else { return [] }
        let start = Int(offset)
        return Array(bytes[start..<min(bytes.count, start + min(count, bytes.count))])
    }
    if let info = try? ContainerProbe.detect(size: claimed, read: read) {
        for extent in info.extents { _ = try? ContainerProbe.checkVmdkExtent(extent, size: claimed, read: read) }
    }
    _ = GptTruncation.problem(size: claimed, read: read)
    return 0
}

/// The entry point SwiftPM links as main (see CFuzzDriver.h).
@_cdecl("FuzzContainer_main")
public func fuzzContainerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    si_fuzz_main(argc, argv) { data, size in fuzzContainer(data!, size) }
}
