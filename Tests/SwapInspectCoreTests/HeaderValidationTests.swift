import SwapInspectCore
import Testing

/// `read_swap_header` (mm/swapfile.c), docs/kernel-rules.md §1.3.
@Suite("Swap header validation")
struct HeaderValidationTests {
    static let signatureMissing = "Unable to find swap-space signature"

    func validate(
        _ bytes: [UInt8], pageSize: Int = 4096, areaBytes: UInt64, isRegularFile: Bool = false,
        archMaxPages: UInt64? = nil, path: String = "/swapfile"
    ) -> HeaderVerdict {
        HeaderValidator.validate(
            detected: SwapHeaderDetector.detectAll(bytes), pageSize: pageSize, areaBytes: areaBytes,
            isRegularFile: isRegularFile, archMaxPages: archMaxPages, path: path)
    }

    /// The verdict §1.3 gives, spelled out step by step for the matrix.
    enum Expected: Equatable {
        case accepted(maxPages: UInt64)
        case refused(FindingCode, kernelMessage: String?)
    }

    func expected(_ c: HeaderCase, regularFile: Bool) -> Expected {
        let count = c.writtenBadPages.count
        // Step 2: only a swapped (big-endian v1) header checks the count this early, silently.
        if c.kernelSwaps && count > c.maxBad { return .refused(.tooManyBadPages, kernelMessage: nil) }
        // Step 3: the version as the kernel reads it, printed with %d.
        if c.version != 1 {
            let printed = c.byteOrder == .big ? "33554432" : "2"
            return .refused(.unsupportedVersion, kernelMessage: "Unable to handle swap header version \(printed)")
        }
        // Step 5.
        if c.lastPage == 0 { return .refused(.emptySwap, kernelMessage: "Empty swap-file") }
        // Step 9: need last_page + 1 <= i_size / PAGE.
        if c.lastPage + 1 > HeaderCase.areaPages {
            return .refused(.tooSmall, kernelMessage: "Swap area shorter than signature indicates")
        }
        // Step 10: regular files take no bad pages, silently.
        if regularFile && count != 0 { return .refused(.tooManyBadPages, kernelMessage: nil) }
        // Step 11.
        if count > c.maxBad { return .refused(.tooManyBadPages, kernelMessage: nil) }
        return .accepted(maxPages: UInt64(c.lastPage) + 1)
    }

    @Test(arguments: HeaderCase.all, [false, true])
    func forgedHeaderGetsTheVerdictOfReadSwapHeader(_ c: HeaderCase, regularFile: Bool) {
        let verdict = validate(c.forge.bytes(), pageSize: c.pageSize, areaBytes: c.areaBytes, isRegularFile: regularFile)
        #expect(verdict.header?.pageSize == c.pageSize)
        switch expected(c, regularFile: regularFile) {
        case .accepted(let maxPages):
            #expect(verdict.refusal == nil)
            #expect(verdict.maxPages == maxPages)
            #expect(verdict.findings.map(\.code) == (c.byteOrder == .big ? [.byteSwapped] : []))
        case .refused(let code, let kernelMessage):
            #expect(verdict.maxPages == nil)
            #expect(verdict.refusal?.finding.code == code)
            #expect(verdict.refusal?.finding.severity == .error)
            #expect(verdict.refusal?.kernelMessage == kernelMessage)
            #expect(verdict.refusal?.errno == .invalidArgument)
        }
    }

    @Test(arguments: HeaderCase.all)
    func headerForAnotherPageSizeIsAPageSizeMismatch(_ c: HeaderCase) {
        let kernelPage = c.pageSize == 4096 ? 65536 : 4096
        let verdict = validate(c.forge.bytes(), pageSize: kernelPage, areaBytes: 16 * 65536)
        #expect(verdict.header == nil)
        #expect(verdict.maxPages == nil)
        #expect(verdict.refusal?.kernelMessage == Self.signatureMissing)
        #expect(verdict.refusal?.finding.code == .pagesizeMismatch)
    }

    @Test func mkswapForSixtyFourKiBPagesIsNotFoundByAFourKiBKernel() {
        let bytes = HeaderForge(pageSize: 65536, lastPage: 15).bytes()
        let verdict = validate(bytes, pageSize: 4096, areaBytes: 16 * 65536, path: "/swapfile")
        #expect(verdict.refusal?.finding.code == .pagesizeMismatch)
        #expect(verdict.refusal?.kernelMessage == "Unable to find swap-space signature")
        // The rules decide; the fix is FixPlanner's (FixPlannerTests).
        #expect(verdict.refusal?.finding.fix == nil)
    }

    @Test func oldVersionZeroSignatureIsAnUnsupportedVersion() {
        let bytes = HeaderForge(lastPage: 15, magic: "SWAP-SPACE").bytes()
        let verdict = validate(bytes, areaBytes: 16 * 4096)
        #expect(verdict.header?.kind == .swapV0)
        #expect(verdict.refusal?.finding.code == .unsupportedVersion)
        #expect(verdict.refusal?.kernelMessage == "Unable to find swap-space signature")
        #expect(verdict.maxPages == nil)
    }

    @Test(arguments: ["S1SUSPEND", "S2SUSPEND", "ULSUSPEND", "LINHIB0001"])
    func hibernationImageIsNotASwapHeader(magic: String) {
        let bytes = HeaderForge(lastPage: 15, magic: magic).bytes()
        let verdict = validate(bytes, areaBytes: 16 * 4096, path: "/swapfile")
        #expect(verdict.refusal?.finding.code == .hibernationSignature)
        #expect(verdict.refusal?.kernelMessage == "Unable to find swap-space signature")
        #expect(verdict.refusal?.finding.message.contains(magic) == true)
    }

    @Test func tuxOnIceImageAtOffsetZeroIsAHibernationSignature() {
        var bytes = [UInt8](repeating: 0, count: 65536)
        bytes.replaceSubrange(0..<8, with: SwapHeaderLayout.tuxOnIceMagic)
        let verdict = validate(bytes, areaBytes: 16 * 4096)
        #expect(verdict.refusal?.finding.code == .hibernationSignature)
        #expect(verdict.refusal?.kernelMessage == "Unable to find swap-space signature")
    }

    @Test func missingMagicIsNoSignature() {
        let bytes = HeaderForge(lastPage: 15, magic: nil).bytes()
        let verdict = validate(bytes, areaBytes: 16 * 4096, path: "/swapfile")
        #expect(verdict.header == nil)
        #expect(verdict.refusal?.finding.code == .noSignature)
        #expect(verdict.refusal?.kernelMessage == "Unable to find swap-space signature")
        #expect(verdict.refusal?.finding.fix == nil)
    }

    @Test("the version is printed with %d of the raw field", arguments: [
        (ByteOrder.little, UInt32(2), "Unable to handle swap header version 2"),
        (.big, 2, "Unable to handle swap header version 33554432"),
        (.little, 0, "Unable to handle swap header version 0"),
        (.little, 0xFFFF_FFFF, "Unable to handle swap header version -1"),
        (.little, 0x8000_0000, "Unable to handle swap header version -2147483648"),
    ])
    func unknownVersionIsRefusedInTheKernelsWords(order: ByteOrder, version: UInt32, message: String) {
        let bytes = HeaderForge(byteOrder: order, version: version, lastPage: 15).bytes()
        let verdict = validate(bytes, areaBytes: 16 * 4096)
        #expect(verdict.refusal?.finding.code == .unsupportedVersion)
        #expect(verdict.refusal?.kernelMessage == message)
    }

    @Test func badPagesInARegularFileAreRefusedSilently() {
        // §6 E9: nr_badpages = 1 in a regular file -> EINVAL, nothing in dmesg.
        let bytes = HeaderForge(lastPage: 255, badPages: [5]).bytes()
        let verdict = validate(bytes, areaBytes: 256 * 4096, isRegularFile: true)
        #expect(verdict.refusal?.finding.code == .tooManyBadPages)
        #expect(verdict.refusal?.kernelMessage == nil)
        // The same header on a block device is accepted.
        #expect(validate(bytes, areaBytes: 256 * 4096, isRegularFile: false).maxPages == 256)
    }

    @Test func bigEndianCountBeyondTheLimitIsRefusedBeforeTheLastPageCheck() {
        // Step 2 precedes step 5: last_page 0 would say "Empty swap-file", but the swapped count fails first.
        let bytes = HeaderForge(byteOrder: .big, lastPage: 0, nrBadPages: 638).bytes()
        let verdict = validate(bytes, areaBytes: 2048 * 4096)
        #expect(verdict.refusal?.finding.code == .tooManyBadPages)
        #expect(verdict.refusal?.kernelMessage == nil)
    }

    @Test func fileOfExactlyLastPagePlusOnePagesFits() {
        let bytes = HeaderForge(lastPage: 1023).bytes()
        #expect(validate(bytes, areaBytes: 1024 * 4096, isRegularFile: true).maxPages == 1024)
        // §6 E11: a 4 MiB file with last_page 1024.
        let tooBig = validate(HeaderForge(lastPage: 1024).bytes(), areaBytes: 4 * mebibyte, isRegularFile: true)
        #expect(tooBig.refusal?.finding.code == .tooSmall)
        #expect(tooBig.refusal?.kernelMessage == "Swap area shorter than signature indicates")
    }

    @Test func partialTrailingPageDoesNotCountTowardsTheArea() {
        // swapfilepages = i_size >> PAGE_SHIFT: 1024 pages + 4095 bytes is still 1024 pages.
        let verdict = validate(HeaderForge(lastPage: 1024).bytes(), areaBytes: 1024 * 4096 + 4095, isRegularFile: true)
        #expect(verdict.refusal?.finding.code == .tooSmall)
    }

    @Test func unknownAreaSizeSkipsTheShorterThanSignatureCheck() {
        // `swapfilepages != 0 && maxpages > swapfilepages`: a size of 0 skips the check.
        let verdict = validate(HeaderForge(lastPage: 99_999).bytes(), areaBytes: 0)
        #expect(verdict.refusal == nil)
        #expect(verdict.maxPages == 100_000)
    }

    @Test func oversizedAreaIsTruncatedToTheArchitectureLimit() {
        let verdict = validate(HeaderForge(lastPage: 5000).bytes(), areaBytes: 5001 * 4096, archMaxPages: 4096)
        #expect(verdict.refusal == nil)
        #expect(verdict.maxPages == 4096)
        let finding = verdict.findings.first { $0.code == .truncatedByKernelLimit }
        #expect(finding?.message == "Truncating oversized swap area, only using 16384k out of 20000k")
        #expect(finding?.severity == .warning)
    }

    @Test func lastPageEqualToTheArchitectureLimitSilentlyDropsTheLastPage() {
        // maxpages is not > last_page, so it stays at the limit: pages 0..last_page-1 only.
        let verdict = validate(HeaderForge(lastPage: 4096).bytes(), areaBytes: 4097 * 4096, archMaxPages: 4096)
        #expect(verdict.maxPages == 4096)
        #expect(verdict.findings.isEmpty)
    }

    @Test func lastPageAllOnesWrapsMaxPagesToUIntMax() {
        // last_page + 1 has zero low 32 bits -> maxpages = UINT_MAX.
        let verdict = validate(HeaderForge(lastPage: 0xFFFF_FFFF).bytes(), areaBytes: (UInt64(1) << 32) * 4096)
        #expect(verdict.refusal == nil)
        #expect(verdict.maxPages == 0xFFFF_FFFF)
    }

    @Test func bigEndianHeaderIsAcceptedWithAByteSwappedNote() {
        let verdict = validate(HeaderForge(byteOrder: .big, lastPage: 2047).bytes(), areaBytes: 8 * mebibyte)
        #expect(verdict.maxPages == 2048)
        #expect(verdict.findings.map(\.code) == [.byteSwapped])
        #expect(verdict.findings.first?.severity == .info)
    }
}
