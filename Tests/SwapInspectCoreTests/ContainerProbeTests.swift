import SwapInspectCore
import Testing

/// The container probe on headers written byte by byte (qemu-img makes the real ones in
/// SwapInspectImageTests.ContainerFormatTests): what a header says about other files, and how a
/// broken one is named.
@Suite("container formats from magic bytes")
struct ContainerProbeTests {
    static func reader(_ bytes: [UInt8]) -> ContainerProbe.Reader {
        { offset, count in
            guard offset < UInt64(bytes.count) else { return [] }
            return Array(bytes[Int(offset)..<min(bytes.count, Int(offset) + count)])
        }
    }

    static func put(_ value: UInt64, _ count: Int, at offset: Int, in bytes: inout [UInt8], bigEndian: Bool = true) {
        for index in 0..<count {
            let shift = bigEndian ? (count - 1 - index) * 8 : index * 8
            bytes[offset + index] = UInt8((value >> UInt64(shift)) & 0xFF)
        }
    }

    /// A version 3 qcow2 header of 64 KiB clusters with an empty L1 table.
    static func qcow2(crypt: UInt64 = 0, backing: String? = nil) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 3 << 16)
        bytes.replaceSubrange(0..<4, with: [0x51, 0x46, 0x49, 0xFB])
        put(3, 4, at: 4, in: &bytes)
        put(16, 4, at: 20, in: &bytes)
        put(1 << 30, 8, at: 24, in: &bytes)
        put(crypt, 4, at: 32, in: &bytes)
        put(1 << 16, 8, at: 48, in: &bytes)
        put(104, 4, at: 100, in: &bytes)
        if let backing {
            put(512, 8, at: 8, in: &bytes)
            put(UInt64(backing.utf8.count), 4, at: 16, in: &bytes)
            bytes.replaceSubrange(512..<(512 + backing.utf8.count), with: Array(backing.utf8))
        }
        return bytes
    }

    @Test func testQcow2BackingFileIsNamed() throws {
        let bytes = Self.qcow2(backing: "../base.qcow2")
        let info = try ContainerProbe.detect(size: UInt64(bytes.count), read: Self.reader(bytes))
        #expect(info.format == .qcow2)
        #expect(info.virtualSize == 1 << 30)
        #expect(info.references == [ContainerReference(kind: "backing file", path: "../base.qcow2")])
    }

    @Test func testEncryptedQcow2IsRefused() {
        let bytes = Self.qcow2(crypt: 2)
        #expect(throws: ContainerError("an encrypted qcow2 image (LUKS): reading it needs its key, and swapinspect reads no encrypted images")) {
            try ContainerProbe.detect(size: UInt64(bytes.count), read: Self.reader(bytes))
        }
    }

    @Test func testVmdkDescriptorExtentsAndParent() throws {
        let text = """
            # Disk DescriptorFile
            version=1
            CID=12345678
            parentCID=87654321
            createType="twoGbMaxExtentSparse"
            parentFileNameHint="/images/parent.vmdk"
            RW 4192256 SPARSE "disk-s001.vmdk"
            RW 4192256 SPARSE "disk s002.vmdk"
            RW 2048 ZERO

            """
        let bytes = Array(text.utf8)
        let info = try ContainerProbe.detect(size: UInt64(bytes.count), read: Self.reader(bytes))
        #expect(info.format == .vmdk)
        #expect(info.virtualSize == (4192256 * 2 + 2048) * 512)
        #expect(
            info.references == [
                ContainerReference(kind: "extent", path: "disk-s001.vmdk"), ContainerReference(kind: "extent", path: "disk s002.vmdk"),
                ContainerReference(kind: "parent disk", path: "/images/parent.vmdk"),
            ])
    }

    @Test func testDifferencingVhdNamesItsParent() throws {
        var bytes = [UInt8](repeating: 0, count: 4096)
        bytes.replaceSubrange(0..<8, with: Array("conectix".utf8))
        Self.put(1536, 8, at: 16, in: &bytes)
        Self.put(1 << 30, 8, at: 48, in: &bytes)
        Self.put(4, 4, at: 60, in: &bytes)
        bytes.replaceSubrange(1536..<1544, with: Array("cxsparse".utf8))
        let name = Array("base.vhd".utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        bytes.replaceSubrange((1536 + 64)..<(1536 + 64 + name.count), with: name)
        let info = try ContainerProbe.detect(size: UInt64(bytes.count), read: Self.reader(bytes))
        #expect(info.format == .vhd)
        #expect(info.references == [ContainerReference(kind: "parent disk", path: "base.vhd")])
    }

    @Test func testRawAndCutOffHeaders() throws {
        let zeros = [UInt8](repeating: 0, count: 8192)
        #expect(try ContainerProbe.detect(size: 8192, read: Self.reader(zeros)).format == .raw)
        let cut = Array(Self.qcow2().prefix(80))
        #expect(throws: ContainerError("truncated qcow2 image: the version 3 header ends at byte 104, the file at 80")) {
            try ContainerProbe.detect(size: 80, read: Self.reader(cut))
        }
        let sparse = Array("KDMV".utf8) + [1, 0, 0, 0]
        #expect(throws: ContainerError("truncated vmdk image: the sparse extent header ends at byte 512, the file at 8")) {
            try ContainerProbe.detect(size: 8, read: Self.reader(sparse))
        }
    }

    /// Offsets and sizes near 2^64 in a hostile header (the inputs kept in fuzz/regressions/FuzzContainer)
    /// once trapped on arithmetic overflow, killing the audit: each is now a one-line reason.
    @Test func testHeaderFieldsNear2To64AreReasonsNotCrashes() throws {
        let descriptor = Array("# Disk DescriptorFile\nversion=1\ncreateType=\"monolithicFlat\"\nRW 18446744073709551615 FLAT \"x\" 0\nRW 5 FLAT \"y\" 0\n".utf8)
        let described = try ContainerProbe.detect(size: UInt64(descriptor.count), read: Self.reader(descriptor))
        #expect(described.virtualSize == .max)
        #expect(described.extents.map(\.file) == ["x", "y"])
        #expect(throws: ContainerError("truncated vmdk image: the flat extent x ends at byte 18446744073709551615, the file at 100")) {
            try ContainerProbe.checkVmdkExtent(described.extents[0], size: 100, read: Self.reader([]))
        }

        var vhd = [UInt8](repeating: 0, count: 1024)
        vhd.replaceSubrange(0..<8, with: Array("conectix".utf8))
        Self.put(.max, 8, at: 16, in: &vhd)
        Self.put(3, 4, at: 60, in: &vhd)
        #expect(throws: ContainerError("truncated vhd image: the dynamic disk header ends at byte 18446744073709551615, the file at 1024")) {
            try ContainerProbe.detect(size: 1024, read: Self.reader(vhd))
        }

        var vmdk = [UInt8](repeating: 0, count: 2048)
        vmdk.replaceSubrange(0..<4, with: Array("KDMV".utf8))
        Self.put(1, 4, at: 4, in: &vmdk, bigEndian: false)
        Self.put(.max, 8, at: 12, in: &vmdk, bigEndian: false)
        Self.put(1 << 63, 8, at: 20, in: &vmdk, bigEndian: false)
        Self.put(512, 4, at: 44, in: &vmdk, bigEndian: false)
        Self.put(1 << 62, 8, at: 56, in: &vmdk, bigEndian: false)
        #expect(throws: ContainerError("truncated vmdk image: the grain directory ends at byte 18446744073709551615, the file at 2048")) {
            try ContainerProbe.detect(size: 2048, read: Self.reader(vmdk))
        }

        var qcow2 = Self.qcow2()
        Self.put(1, 4, at: 36, in: &qcow2)
        Self.put(512, 8, at: 40, in: &qcow2)
        Self.put(.max, 8, at: 48, in: &qcow2)
        #expect(throws: ContainerError("truncated qcow2 image: the refcount table ends at byte 18446744073709551615, the file at 196608")) {
            try ContainerProbe.detect(size: UInt64(qcow2.count), read: Self.reader(qcow2))
        }
    }
}
