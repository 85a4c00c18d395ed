import CFuzzDriver
import SwapInspectCore

/// Header detection and validation (`read_swap_header`) over arbitrary first bytes of an area, then the
/// whole core as a swap file (iomap, one extent) and as a block device (bad-page pass), at every page size.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHeader(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let detected = SwapHeaderDetector.detectAll(bytes)
    for pageSize in SwapHeaderLayout.candidatePageSizes {
        for areaBytes in [UInt64(size), UInt64(size) * 16, 1 << 40] {
            for isRegularFile in [true, false] {
                _ = HeaderValidator.validate(
                    detected: detected, pageSize: pageSize, areaBytes: areaBytes, isRegularFile: isRegularFile,
                    archMaxPages: pageSize == 4096 ? 1 << 20 : nil, path: "/fuzz")
            }
        }
        let options = InspectOptions(pageSize: pageSize)
        let fileSize = UInt64(max(size, 1)) * 16
        // ext4 (iomap) and vfat (generic bmap, 512-byte blocks).
        for (magic, blockSize) in [(FilesystemMagic.ext, 4096), (FilesystemMagic.msdos, 512)] {
            let kind = FilesystemCatalog.classify(magic: magic, mountType: nil, ext4Driver: true)
            let file = AreaFacts(
                path: "/fuzz/swapfile", kind: .file, size: fileSize,
                filesystem: FilesystemFacts(kind: kind, blockSize: blockSize, device: "/dev/fuzz"), headerBytes: bytes,
                extents: [FileExtent(logical: 0, physical: 1 << 20, length: fileSize)])
            _ = Inspector.inspect(file, options: options)
        }
        for deviceBytes in [UInt64(size), 1 << 40] {
            let device = AreaFacts(path: "/dev/fuzz", kind: .blockDevice, size: deviceBytes, headerBytes: bytes, source: .blockDevice)
            _ = Inspector.inspect(device, options: options)
        }
    }
    return 0
}

/// The entry point SwiftPM links as main (see CFuzzDriver.h).
@_cdecl("FuzzHeader_main")
public func fuzzHeaderMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    si_fuzz_main(argc, argv) { data, size in fuzzHeader(data!, size) }
}
