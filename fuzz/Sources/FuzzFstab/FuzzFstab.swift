import CFuzzDriver
import SwapInspectCore

/// fstab text as `swapinspect image` reads /etc/fstab from an image: lines, fields, escapes, specs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFstab(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let (entries, _) = FstabParser.parse(text)
    let candidates = [
        SpecCandidate(index: 0, uuid: "5a1b2c3d-0000-4000-8000-00000000c0de", label: "swap", partUUID: "disk-id-01", partLabel: nil),
        SpecCandidate(index: 1, uuid: nil, label: nil, partUUID: nil, partLabel: "SWAP"),
    ]
    for entry in entries {
        _ = entry.priority
        _ = entry.noauto
        _ = entry.isSwap
        let spec = DeviceSpec.parse(entry.spec)
        if case .tag(let name, let value) = spec {
            _ = DeviceSpecResolver.resolve(name: name, value: value, among: candidates)
        }
    }
    return 0
}

/// The entry point SwiftPM links as main (see CFuzzDriver.h).
@_cdecl("FuzzFstab_main")
public func fuzzFstabMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    si_fuzz_main(argc, argv) { data, size in fuzzFstab(data!, size) }
}
