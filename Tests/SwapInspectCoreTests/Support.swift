import SwapInspectCore

// Shared helpers for the core tests: a header forger that writes the fields of `union swap_header`
// at their documented offsets (docs/kernel-rules.md §1.1) without using the code under test, and small
// builders for layouts and area facts.

/// The UUID every forged header carries (the one in the man page's JSON example).
let fixedUUIDBytes: [UInt8] = [
    0xB4, 0xF7, 0xCE, 0x89, 0x32, 0xF9, 0x4F, 0x0C, 0x94, 0xB2, 0x59, 0x63, 0xF9, 0x68, 0x31, 0xA4,
]
let fixedUUIDString = "b4f7ce89-32f9-4f0c-94b2-5963f96831a4"

/// Writes a swap header page by hand: version at 1024, last_page at 1028, nr_badpages at 1032,
/// UUID at 1036, label at 1052, badpages[] from 1536, magic at PAGE-10.
struct HeaderForge {
    var pageSize = 4096
    var byteOrder: ByteOrder = .little
    var version: UInt32 = 1
    var lastPage: UInt32 = 0
    var badPages: [UInt32] = []
    /// nr_badpages as written; nil = `badPages.count`. Lets a test claim more entries than fit.
    var nrBadPages: UInt32?
    var magic: String? = "SWAPSPACE2"
    var uuid: [UInt8] = fixedUUIDBytes
    var label: String = ""
    /// Bytes in the buffer (the detector reads up to 64 KiB).
    var bufferLength = 65536

    func bytes() -> [UInt8] {
        // A buffer shorter than the header (a tiny file) keeps only the bytes that fit.
        var out = [UInt8](repeating: 0, count: max(bufferLength, pageSize))
        func put(_ value: UInt32, at offset: Int) {
            let le: [UInt8] = [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
            let ordered = byteOrder == .little ? le : le.reversed()
            for (index, byte) in ordered.enumerated() { out[offset + index] = byte }
        }
        put(version, at: 1024)
        put(lastPage, at: 1028)
        put(nrBadPages ?? UInt32(badPages.count), at: 1032)
        for (index, byte) in uuid.enumerated() { out[1036 + index] = byte }
        for (index, byte) in label.utf8.prefix(16).enumerated() { out[1052 + index] = byte }
        for (index, page) in badPages.enumerated() { put(page, at: 1536 + 4 * index) }
        if let magic {
            for (index, byte) in magic.utf8.enumerated() { out[pageSize - 10 + index] = byte }
        }
        return Array(out.prefix(bufferLength))
    }
}

let kiB: UInt64 = 1024
let mebibyte: UInt64 = 1024 * 1024

/// A layout written like the spec writes it: (logical, physical, length) in file system blocks.
func blocks(_ triples: [(UInt64, UInt64, UInt64)], blockSize: UInt64, flags: ExtentFlags = []) -> [FileExtent] {
    triples.map {
        FileExtent(logical: $0.0 * blockSize, physical: $0.1 * blockSize, length: $0.2 * blockSize, flags: flags)
    }
}

/// The `Adding Nk` / `across:Nk` numbers for 4 KiB pages.
func kib4(_ pages: UInt64) -> UInt64 { pages * 4 }

func ext4Filesystem(_ blockSize: Int) -> FilesystemFacts {
    FilesystemFacts(
        kind: FilesystemCatalog.classify(magic: FilesystemMagic.ext, mountType: "ext4", ext4Driver: true),
        blockSize: blockSize, device: "/dev/loop0")
}
func xfsFilesystem(_ blockSize: Int) -> FilesystemFacts {
    FilesystemFacts(
        kind: FilesystemCatalog.classify(magic: FilesystemMagic.xfs, mountType: "xfs", ext4Driver: false),
        blockSize: blockSize, device: "/dev/loop0")
}
/// A bmap-only file system (vfat): the generic model.
func vfatFilesystem(_ blockSize: Int) -> FilesystemFacts {
    FilesystemFacts(
        kind: FilesystemCatalog.classify(magic: FilesystemMagic.msdos, mountType: "vfat", ext4Driver: false),
        blockSize: blockSize, device: "/dev/loop0")
}

/// A regular swap file, root-owned, 0600, with a forged header of `lastPage`.
func swapFileFacts(
    path: String, size: UInt64, lastPage: UInt32, extents: [FileExtent], filesystem: FilesystemFacts,
    mode: UInt32 = 0o100600, uid: UInt32 = 0, header: HeaderForge? = nil, active: ProcSwapsEntry? = nil
) -> AreaFacts {
    let forge = header ?? HeaderForge(lastPage: lastPage)
    return AreaFacts(
        path: path, kind: .file, size: size, mode: mode, uid: uid, gid: 0, filesystem: filesystem,
        headerBytes: forge.bytes(), extents: extents, source: .fiemap, active: active)
}

/// An 8 MiB (2048-page) loop device carrying `header`.
func loopDeviceFacts(_ header: HeaderForge, path: String = "/dev/loop0", priority: Int = -2) -> AreaFacts {
    AreaFacts(
        path: path, kind: .blockDevice, size: 8 * mebibyte, mode: 0o060660, headerBytes: header.bytes(),
        source: .blockDevice, priority: priority)
}

extension Report {
    var codes: [FindingCode] { findings.map(\.code) }
    func finding(_ code: FindingCode) -> Finding? { findings.first { $0.code == code } }
}
