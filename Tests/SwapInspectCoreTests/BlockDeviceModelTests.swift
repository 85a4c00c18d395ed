import SwapInspectCore
import Testing

/// Block devices (docs/kernel-rules.md §2.1, §1.4 6.17–6.18 bad-page rule), checked against §6 B1–B16:
/// an 8 MiB loop device (2048 pages) with headers forged at the offsets of §1.1.
@Suite("block device model")
struct BlockDeviceModelTests {
    enum Outcome: Sendable, Equatable {
        /// The whole kernel line, as printed (trailing space trimmed).
        case adding(String)
        case refused(FindingCode, kernelMessage: String?)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var header: HeaderForge
        var outcome: Outcome
        var testDescription: String { name }
    }

    static func line(_ kib: Int, across: Int = 8188) -> Outcome {
        .adding("Adding \(kib)k swap on /dev/loop0.  Priority:-2 extents:1 across:\(across)k")
    }

    static let cases: [Case] = [
        Case(name: "B1 mkswap", header: HeaderForge(lastPage: 2047), outcome: line(8188)),
        Case(name: "B2 bad {5,10}", header: HeaderForge(lastPage: 2047, badPages: [5, 10]), outcome: line(8180)),
        Case(name: "B3 bad {5,5} counts twice", header: HeaderForge(lastPage: 2047, badPages: [5, 5]), outcome: line(8180)),
        Case(name: "B4 bad {5,2047}", header: HeaderForge(lastPage: 2047, badPages: [5, 2047]), outcome: line(8180)),
        Case(name: "B5 bad {5,2048}", header: HeaderForge(lastPage: 2047, badPages: [5, 2048]),
             outcome: .refused(.badPageOutOfRange, kernelMessage: nil)),
        Case(name: "B6 bad {0}", header: HeaderForge(lastPage: 2047, badPages: [0]),
             outcome: .refused(.badPageOutOfRange, kernelMessage: nil)),
        Case(name: "B7 bad {1..637}", header: HeaderForge(lastPage: 2047, badPages: Array(1...637)), outcome: line(5640)),
        Case(name: "B7 638 entries", header: HeaderForge(lastPage: 2047, badPages: Array(1...637), nrBadPages: 638),
             outcome: .refused(.tooManyBadPages, kernelMessage: nil)),
        Case(name: "B8 big-endian", header: HeaderForge(byteOrder: .big, lastPage: 2047), outcome: line(8188)),
        Case(name: "B8 big-endian bad {7}", header: HeaderForge(byteOrder: .big, lastPage: 2047, badPages: [7]),
             outcome: line(8184)),
        Case(name: "B9 version 2", header: HeaderForge(version: 2, lastPage: 2047),
             outcome: .refused(.unsupportedVersion, kernelMessage: "Unable to handle swap header version 2")),
        Case(name: "B9 big-endian version 2", header: HeaderForge(byteOrder: .big, version: 2, lastPage: 2047),
             outcome: .refused(.unsupportedVersion, kernelMessage: "Unable to handle swap header version 33554432")),
        Case(name: "B10 last_page 0", header: HeaderForge(lastPage: 0),
             outcome: .refused(.emptySwap, kernelMessage: "Empty swap-file")),
        Case(name: "B11 last_page 2048", header: HeaderForge(lastPage: 2048),
             outcome: .refused(.tooSmall, kernelMessage: "Swap area shorter than signature indicates")),
        Case(name: "B12 last_page 1", header: HeaderForge(lastPage: 1), outcome: line(4, across: 4)),
        Case(name: "B13 last_page 1 bad {1}", header: HeaderForge(lastPage: 1, badPages: [1]),
             outcome: .refused(.emptySwap, kernelMessage: "Empty swap-file")),
        Case(name: "B14 magic missing", header: HeaderForge(lastPage: 2047, magic: nil),
             outcome: .refused(.noSignature, kernelMessage: "Unable to find swap-space signature")),
    ]

    @Test(arguments: cases)
    func loopDeviceGetsTheKernelsVerdict(_ c: Case) throws {
        let report = Inspector.inspect(loopDeviceFacts(c.header), options: InspectOptions(pageSize: 4096))
        let activation = try #require(report.activation)
        #expect(report.undetermined == nil)
        switch c.outcome {
        case .adding(let line):
            #expect(activation.ok)
            #expect(activation.model == .blockDevice)
            #expect(report.kernelLog == line)
            #expect(activation.extentCount == 1)
            #expect(report.resumeOffset == 0)
            #expect(report.userspaceResumeOffset == 0)
            #expect(report.worstSeverity != .error)
        case .refused(let code, let kernelMessage):
            #expect(!activation.ok)
            #expect(activation.refusal?.finding.code == code)
            #expect(activation.refusal?.kernelMessage == kernelMessage)
            #expect(report.kernelLog == kernelMessage)
            #expect(report.codes.contains(code))
            #expect(report.worstSeverity == .error)
            #expect(report.resumeOffset == nil)
        }
    }

    @Test func bigEndianDeviceIsNotedAsByteSwapped() {
        let report = Inspector.inspect(
            loopDeviceFacts(HeaderForge(byteOrder: .big, lastPage: 2047)), options: InspectOptions(pageSize: 4096))
        #expect(report.codes == [.byteSwapped])
        #expect(report.header?.byteOrder == .big)
    }

    @Test func deviceReadableByGroupDiskIsFineButWorldReadableIsNot() throws {
        var facts = loopDeviceFacts(HeaderForge(lastPage: 2047))
        facts.mode = 0o060660
        facts.uid = 0
        #expect(Inspector.inspect(facts, options: InspectOptions(pageSize: 4096)).findings.isEmpty)
        facts.mode = 0o060644
        let report = Inspector.inspect(facts, options: InspectOptions(pageSize: 4096))
        let finding = try #require(report.finding(.insecurePermissions))
        #expect(finding.fix == "chmod 0660 /dev/loop0")
        // Ownership is not judged for devices (udev gives them root:disk).
        facts.uid = 6
        #expect(!Inspector.inspect(facts, options: InspectOptions(pageSize: 4096)).codes.contains(.insecureOwner))
    }

    @Test func spanIsCapturedBeforeBadPagesAreSubtracted() {
        // 6.17+: across = max - 1 whatever the bad pages; pages = max - 1 - #bad entries.
        let header = HeaderForge(lastPage: 2047, badPages: [5, 5, 9])
        let detected = SwapHeaderDetector.detect(header.bytes(), pageSize: 4096)!
        let activation = ActivationSimulator.blockDevice(header: detected, maxPages: 2048, path: "/dev/loop0")
        #expect(activation.pages == 2044)
        #expect(activation.spanPages == 2047)
        #expect(activation.maxPages == 2048)
        #expect(activation.extents == [SwapExtent(swapPage: 0, physicalPage: 0, pages: 2048)])
        #expect(activation.resumeOffset == 0)
    }

    @Test func badPagesAtOrBeyondTheTruncatedMaximumAreIgnored() {
        // With maxpages cut to 1024 by the architecture limit, an entry p with 1024 <= p <= last_page costs nothing.
        let header = HeaderForge(lastPage: 2047, badPages: [5, 1500])
        let detected = SwapHeaderDetector.detect(header.bytes(), pageSize: 4096)!
        let activation = ActivationSimulator.blockDevice(header: detected, maxPages: 1024, path: "/dev/loop0")
        #expect(activation.ok)
        #expect(activation.pages == 1022)
        #expect(activation.spanPages == 1023)
    }

    @Test func everyPageBadIsAnEmptySwapFile() {
        let header = HeaderForge(lastPage: 3, badPages: [1, 2, 3])
        let detected = SwapHeaderDetector.detect(header.bytes(), pageSize: 4096)!
        let activation = ActivationSimulator.blockDevice(header: detected, maxPages: 4, path: "/dev/loop0")
        #expect(activation.refusal?.kernelMessage == "Empty swap-file")
        #expect(activation.refusal?.finding.code == .emptySwap)
    }

    // B15: the flags and priority parts of the line.
    @Test("the line carries the priority and the SS/D/s/c flags", arguments: [
        (5, false, "", "Adding 8188k swap on /dev/loop0.  Priority:5 extents:1 across:8188k"),
        (-2, false, "Dsc", "Adding 8188k swap on /dev/loop0.  Priority:-2 extents:1 across:8188k Dsc"),
        (-2, false, "Ds", "Adding 8188k swap on /dev/loop0.  Priority:-2 extents:1 across:8188k Ds"),
        (-2, false, "Dc", "Adding 8188k swap on /dev/loop0.  Priority:-2 extents:1 across:8188k Dc"),
        (7, false, "Dsc", "Adding 8188k swap on /dev/loop0.  Priority:7 extents:1 across:8188k Dsc"),
        (-3, true, "", "Adding 8188k swap on /dev/loop0.  Priority:-3 extents:1 across:8188k SS"),
        (32767, true, "Dsc", "Adding 8188k swap on /dev/loop0.  Priority:32767 extents:1 across:8188k SSDsc"),
    ])
    func addingLineFormatsPriorityAndFlags(priority: Int, nonRotational: Bool, discard: String, expected: String) throws {
        var facts = loopDeviceFacts(HeaderForge(lastPage: 2047), priority: priority)
        facts.nonRotational = nonRotational
        let report = Inspector.inspect(facts, options: InspectOptions(pageSize: 4096))
        let activation = try #require(report.activation)
        #expect(KernelLine.adding(facts, activation: activation, pageSize: 4096, discardFlags: discard) == expected)
        if discard.isEmpty {
            #expect(report.kernelLog == expected)
        }
    }

    // B15: the swap_flags that produce those lines, and the letters the kernel prints for them.
    @Test("swap_flags and discard letters", arguments: [
        (Int?.some(5), DiscardPolicy?.none, Int32(0x8005), ""),
        (nil, .all, 0x10000, "Dsc"),
        (nil, .once, 0x30000, "Ds"),
        (nil, .pages, 0x50000, "Dc"),
        (7, .all, 0x18007, "Dsc"),
    ])
    func swapFlagsMatchTheKernelVectors(priority: Int?, discard: DiscardPolicy?, raw: Int32, letters: String) {
        let flags = SwapFlags(priority: priority, discard: discard)
        #expect(flags.rawValue == raw)
        #expect(flags.kernelLetters(deviceSupportsDiscard: true) == letters)
        // Without a discard-capable device the kernel prints no letters at all.
        #expect(flags.kernelLetters(deviceSupportsDiscard: false) == "")
    }

    @Test func sixtyFourKiBPagesPrintSixtyFourKiBPerPage() throws {
        // K(x) = x << (PAGE_SHIFT - 10): a 64 MiB device with 64K pages has 1023 usable pages = 65472k.
        let header = HeaderForge(pageSize: 65536, lastPage: 1023)
        let facts = AreaFacts(
            path: "/dev/vdb", kind: .blockDevice, size: 64 * mebibyte, mode: 0o060660, headerBytes: header.bytes(),
            source: .blockDevice)
        let report = Inspector.inspect(facts, options: InspectOptions(pageSize: 65536))
        #expect(report.kernelLog == "Adding 65472k swap on /dev/vdb.  Priority:-2 extents:1 across:65472k")
    }

    @Test func sizeWrapsAtFourTebibytesButAcrossDoesNot() {
        // %u of K(si->pages) is 32-bit; across is u64. 2^30 pages of 4K = 4 TiB -> 0k.
        var activation = Activation(model: .blockDevice)
        activation.pages = 1 << 30
        activation.spanPages = 1 << 30
        activation.extentCount = 1
        let facts = loopDeviceFacts(HeaderForge(lastPage: 2047))
        #expect(
            KernelLine.adding(facts, activation: activation, pageSize: 4096)
                == "Adding 0k swap on /dev/loop0.  Priority:-2 extents:1 across:4294967296k")
    }
}
