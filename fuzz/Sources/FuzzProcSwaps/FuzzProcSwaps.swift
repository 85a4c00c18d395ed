import CFuzzDriver
import SwapInspectCore

/// /proc/swaps text (and its octal escapes) as the live adapter reads it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProcSwaps(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let entries = ProcSwaps.parse(text)
    _ = ProcSwaps.nextAutoPriority(entries)
    _ = ProcSwaps.unescape(Substring(text))
    return 0
}

/// The entry point SwiftPM links as main (see CFuzzDriver.h).
@_cdecl("FuzzProcSwaps_main")
public func fuzzProcSwapsMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    si_fuzz_main(argc, argv) { data, size in fuzzProcSwaps(data!, size) }
}
