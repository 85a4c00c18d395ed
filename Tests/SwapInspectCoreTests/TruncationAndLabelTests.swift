import SwapInspectCore
import Testing

/// The truncation checks of VMDK grains, VDI blocks and a raw GPT disk, and the LVM volume group name,
/// on bytes written here (qemu-img, sfdisk and lvm2 make the real ones in the image and command tests).
@Suite("cut-off containers and LVM labels")
struct TruncationAndLabelTests {
    static let reader = ContainerProbeTests.reader
    static func put(_ value: UInt64, _ count: Int, at offset: Int, in bytes: inout [UInt8]) {
        ContainerProbeTests.put(value, count, at: offset, in: &bytes, bigEndian: false)
    }

    /// A monolithicSparse VMDK of 16 grains of 64 KiB (one grain table at sector 2, 512 entries),
    /// whose last allocated grain (GTE) starts at `lastGrain` sectors.
    static func vmdk(lastGrain: UInt64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 4096)
        bytes.replaceSubrange(0..<4, with: Array("KDMV".utf8))
        put(1, 4, at: 4, in: &bytes)
        put(16 * 128, 8, at: 12, in: &bytes)  // capacity in sectors
        put(128, 8, at: 20, in: &bytes)  // grain size
        put(512, 4, at: 44, in: &bytes)  // entries per grain table
        put(1, 8, at: 56, in: &bytes)  // grain directory at sector 1
        put(2, 4, at: 512, in: &bytes)  // its one entry: the grain table at sector 2
        put(8, 4, at: 1024, in: &bytes)  // grain 0 at sector 8
        put(lastGrain, 4, at: 1028, in: &bytes)
        return bytes
    }

    @Test func vmdkGrainsMustLieInsideTheFile() throws {
        let image = Self.vmdk(lastGrain: 136)
        let whole = UInt64(136 + 128) * 512
        #expect(try ContainerProbe.detect(size: whole, read: Self.reader(image)).format == .vmdk)
        #expect(throws: ContainerError("truncated vmdk image: the last grain ends at byte \(whole), the file at \(whole - 512)")) {
            try ContainerProbe.detect(size: whole - 512, read: Self.reader(image))
        }
    }

    /// A VDI of four 1 MiB blocks, the map at 512, the data at 4096; `map` the block map's entries.
    static func vdi(map: [UInt32]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 4096)
        bytes.replaceSubrange(0..<40, with: Array("<<< QEMU VM Virtual Disk Image >>>\n".utf8) + [0, 0, 0, 0, 0])
        put(0xBEDA_107F, 4, at: 64, in: &bytes)
        put(1, 4, at: 76, in: &bytes)  // dynamic
        put(512, 4, at: 340, in: &bytes)
        put(4096, 4, at: 344, in: &bytes)
        put(4 << 20, 8, at: 368, in: &bytes)
        put(1 << 20, 4, at: 376, in: &bytes)
        put(UInt64(map.count), 4, at: 384, in: &bytes)
        for (index, entry) in map.enumerated() { put(UInt64(entry), 4, at: 512 + index * 4, in: &bytes) }
        return bytes
    }

    @Test func vdiBlocksMustLieInsideTheFile() throws {
        let image = Self.vdi(map: [0, 0xFFFF_FFFF, 1, 0xFFFF_FFFE])
        let whole = UInt64(4096 + 2 << 20)
        #expect(try ContainerProbe.detect(size: whole, read: Self.reader(image)).format == .vdi)
        #expect(throws: ContainerError("truncated vdi image: the last allocated block ends at byte \(whole), the file at \(whole - 1)")) {
            try ContainerProbe.detect(size: whole - 1, read: Self.reader(image))
        }
        // Nothing allocated: nothing to lie outside.
        #expect(try ContainerProbe.detect(size: 4096, read: Self.reader(Self.vdi(map: [0xFFFF_FFFF]))).format == .vdi)
    }

    /// A GPT header at LBA 1 of 512-byte sectors whose backup is at `alternate`.
    static func gpt(alternate: UInt64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 1024)
        bytes.replaceSubrange(512..<520, with: Array("EFI PART".utf8))
        put(1, 8, at: 512 + 24, in: &bytes)
        put(alternate, 8, at: 512 + 32, in: &bytes)
        put(alternate - 33, 8, at: 512 + 48, in: &bytes)
        return bytes
    }

    @Test func aGPTDiskCutShortIsTruncated() {
        let disk = Self.gpt(alternate: 2047)
        #expect(GptTruncation.problem(size: 2048 * 512, read: Self.reader(disk)) == nil)
        #expect(
            GptTruncation.problem(size: 1024 * 512, read: Self.reader(disk))
                == ContainerError("truncated raw image: the GPT (its backup header at LBA 2047) ends at byte 1048576, the file at 524288"))
        #expect(GptTruncation.problem(size: 1024 * 512, read: Self.reader([UInt8](repeating: 0, count: 1024))) == nil)
    }

    /// An LVM2 PV: the label in sector 1, its PV header with one data area and one metadata area at
    /// 4096, whose mda_header points at text `VGNAME {` 512 bytes in.
    static func physicalVolume(text: String) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 8192)
        bytes.replaceSubrange(512..<520, with: Array("LABELONE".utf8))
        put(32, 4, at: 512 + 20, in: &bytes)
        bytes.replaceSubrange((512 + 24)..<(512 + 32), with: Array("LVM2 001".utf8))
        let pvHeader = 512 + 32 + 40
        put(1 << 20, 8, at: pvHeader, in: &bytes)  // data area
        put(0, 8, at: pvHeader + 8, in: &bytes)
        // zero pair, then the metadata area (4096, 4096), then a zero pair
        put(4096, 8, at: pvHeader + 32, in: &bytes)
        put(4096, 8, at: pvHeader + 40, in: &bytes)
        bytes.replaceSubrange((4096 + 4)..<(4096 + 20), with: Array(" LVM2 x[5A%r0N*>".utf8))
        put(512, 8, at: 4096 + 40, in: &bytes)
        bytes.replaceSubrange((4096 + 512)..<(4096 + 512 + text.utf8.count), with: Array(text.utf8))
        return bytes
    }

    @Test func theVolumeGroupIsReadFromThePVsMetadata() {
        #expect(LvmLabel.volumeGroup(read: Self.reader(Self.physicalVolume(text: "vg_root-1 {\nid = \"x\"\n"))) == "vg_root-1")
        // A name lvm2 would not allow is not repeated.
        #expect(LvmLabel.volumeGroup(read: Self.reader(Self.physicalVolume(text: "bad$name {\n"))) == nil)
        #expect(LvmLabel.volumeGroup(read: Self.reader([UInt8](repeating: 0, count: 8192))) == nil)
    }
}
