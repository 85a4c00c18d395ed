import SwapInspectCore
import Testing

@Suite("Swap header detection")
struct HeaderDetectionTests {
    @Test("MAX_SWAP_BADPAGES is floor((PAGE - 10 - 1536) / 4)", arguments: [
        (4096, UInt32(637)), (8192, 1661), (16384, 3709), (32768, 7805), (65536, 15997),
    ])
    func maxBadPagesFitBetweenOffset1536AndTheMagic(pageSize: Int, expected: UInt32) {
        #expect(SwapHeaderLayout.maxBadPages(pageSize: pageSize) == expected)
    }

    @Test func layoutConstantsAreTheKernelOffsets() {
        #expect(SwapHeaderLayout.versionOffset == 1024)
        #expect(SwapHeaderLayout.lastPageOffset == 1028)
        #expect(SwapHeaderLayout.nrBadPagesOffset == 1032)
        #expect(SwapHeaderLayout.uuidOffset == 1036)
        #expect(SwapHeaderLayout.uuidLength == 16)
        #expect(SwapHeaderLayout.labelOffset == 1052)
        #expect(SwapHeaderLayout.labelLength == 16)
        #expect(SwapHeaderLayout.badPagesOffset == 1536)
        #expect(SwapHeaderLayout.magicLength == 10)
        #expect(SwapHeaderLayout.candidatePageSizes == [4096, 8192, 16384, 32768, 65536])
        #expect(SwapHeaderLayout.probeLength == 65536)
    }

    @Test(arguments: HeaderCase.all)
    func forgedHeaderIsDetectedAtItsPageSizeOnly(_ c: HeaderCase) throws {
        let found = SwapHeaderDetector.detectAll(c.forge.bytes())
        #expect(found.map(\.pageSize) == [c.pageSize])
        let header = try #require(found.first)
        #expect(header == SwapHeaderDetector.detect(c.forge.bytes(), pageSize: c.pageSize))
        #expect(header.signature == "SWAPSPACE2")
        #expect(header.kind == .swapV1)
        #expect(header.uuid == fixedUUIDString)
        #expect(header.label == "matrix")

        let written = c.writtenBadPages
        if c.byteOrder == .little || c.kernelSwaps {
            #expect(header.byteOrder == c.byteOrder)
            #expect(header.version == c.version)
            #expect(header.lastPage == c.lastPage)
            #expect(header.nrBadPages == written.count)
            // Only MAX_SWAP_BADPAGES entries are ever read, whatever nr_badpages claims.
            #expect(header.badPages == Array(written.entries.prefix(Int(c.maxBad))))
        } else {
            // Big-endian version 2 reads 0x02000000 raw; swab32 of that is 2, not 1, so the kernel
            // swaps nothing and every field is read in host order.
            #expect(header.byteOrder == .little)
            #expect(header.version == 33_554_432)
            #expect(header.lastPage == c.lastPage.byteSwapped)
            #expect(header.nrBadPages == written.count.byteSwapped)
            let readable = Int(min(written.count.byteSwapped, c.maxBad))
            let expected = (0..<readable).map { $0 < written.entries.count ? written.entries[$0].byteSwapped : 0 }
            #expect(header.badPages == expected)
        }
    }

    @Test("every signature is recognised at the end of every candidate page", arguments: [
        ("SWAPSPACE2", SignatureKind.swapV1), ("SWAP-SPACE", .swapV0), ("S1SUSPEND", .hibernation),
        ("S2SUSPEND", .hibernation), ("ULSUSPEND", .hibernation), ("LINHIB0001", .hibernation),
    ], [4096, 8192, 16384, 32768, 65536])
    func signatureAtPageEndNamesItsKind(signature: (magic: String, kind: SignatureKind), pageSize: Int) throws {
        let (magic, kind) = signature
        let bytes = HeaderForge(pageSize: pageSize, lastPage: 7, magic: magic).bytes()
        let found = SwapHeaderDetector.detectAll(bytes)
        #expect(found.count == 1)
        let header = try #require(found.first)
        #expect(header.signature == magic)
        #expect(header.kind == kind)
        #expect(header.pageSize == pageSize)
        if kind == .swapV1 {
            #expect(header.lastPage == 7)
        } else {
            // Only a v1 header has fields worth decoding.
            #expect(header.lastPage == nil)
            #expect(header.version == nil)
            #expect(header.byteOrder == nil)
            #expect(header.uuid == nil)
        }
    }

    @Test func tuxOnIceMagicAtOffsetZeroIsAHibernationImage() throws {
        var bytes = [UInt8](repeating: 0, count: 65536)
        let magic: [UInt8] = [0xED, 0xC3, 0x02, 0xE9, 0x98, 0x56, 0xE5, 0x0C]
        bytes.replaceSubrange(0..<8, with: magic)
        #expect(SwapHeaderLayout.tuxOnIceMagic == magic)
        let found = SwapHeaderDetector.detectAll(bytes)
        #expect(found.count == 1)
        let header = try #require(found.first)
        #expect(header.signature == "TuxOnIce")
        #expect(header.kind == .hibernation)
    }

    @Test func zeroPageHasNoSignature() {
        #expect(SwapHeaderDetector.detectAll([UInt8](repeating: 0, count: 65536)).isEmpty)
        #expect(SwapHeaderDetector.detect([UInt8](repeating: 0, count: 4096), pageSize: 4096) == nil)
        #expect(SwapHeaderDetector.detectAll([]).isEmpty)
    }

    @Test func shortBufferIsNotProbedBeyondItsEnd() throws {
        // A 4 KiB file holds a 4 KiB header and cannot hold a 16 KiB one.
        var forge = HeaderForge(pageSize: 4096, lastPage: 0)
        forge.bufferLength = 4096
        let found = SwapHeaderDetector.detectAll(forge.bytes())
        #expect(found.map(\.pageSize) == [4096])
        #expect(SwapHeaderDetector.detect(forge.bytes(), pageSize: 16384) == nil)
        // One byte short: the magic is cut to "SWAPSPACE" and the page is not there.
        forge.bufferLength = 4095
        #expect(forge.bytes().count == 4095)
        #expect(SwapHeaderDetector.detectAll(forge.bytes()).isEmpty)
    }

    @Test func allZeroUUIDAndEmptyLabelReadAsAbsent() throws {
        let bytes = HeaderForge(lastPage: 9, uuid: [UInt8](repeating: 0, count: 16), label: "").bytes()
        let header = try #require(SwapHeaderDetector.detect(bytes, pageSize: 4096))
        #expect(header.uuid == nil)
        #expect(header.label == nil)
    }

    @Test func sixteenByteLabelHasNoTerminatorAndIsReadWhole() throws {
        let bytes = HeaderForge(lastPage: 9, label: "ABCDEFGHIJKLMNOP").bytes()
        let header = try #require(SwapHeaderDetector.detect(bytes, pageSize: 4096))
        #expect(header.label == "ABCDEFGHIJKLMNOP")
    }

    @Test("UUIDs print as util-linux prints them", arguments: [
        (fixedUUIDBytes, fixedUUIDString),
        ([UInt8](0..<16), "00010203-0405-0607-0809-0a0b0c0d0e0f"),
        ([UInt8](repeating: 0xFF, count: 16), "ffffffff-ffff-ffff-ffff-ffffffffffff"),
    ])
    func uuidIsLowercaseHexGroupedEightFourFourFourTwelve(bytes: [UInt8], expected: String) {
        #expect(formatUUID(bytes) == expected)
    }

    @Test func bigEndianVersionOneFieldsAreSwappedBack() throws {
        let bytes = HeaderForge(byteOrder: .big, lastPage: 2047, badPages: [7]).bytes()
        // The raw little-endian reading of the version field is 0x01000000.
        #expect(bytes[1024...1027].elementsEqual([0, 0, 0, 1]))
        let header = try #require(SwapHeaderDetector.detect(bytes, pageSize: 4096))
        #expect(header.byteOrder == .big)
        #expect(header.version == 1)
        #expect(header.lastPage == 2047)
        #expect(header.nrBadPages == 1)
        #expect(header.badPages == [7])
    }
}
