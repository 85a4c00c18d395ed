import SwapInspectCore
import Testing

/// The pure parts of `create`: the header writer, util-linux sizes, the strategy per file system, fstab edits.
@Suite("create: header writer")
struct SwapHeaderWriterTests {
    @Test(arguments: SwapHeaderLayout.candidatePageSizes, [ByteOrder.little, .big])
    func theWrittenHeaderIsTheForgedOne(pageSize: Int, order: ByteOrder) {
        let written = SwapHeaderWriter.page(pageSize: pageSize, pages: 2560, uuid: fixedUUIDBytes, label: "swap one", byteOrder: order)
        // The test's own forger writes the documented offsets without the code under test.
        let forged = Array(HeaderForge(pageSize: pageSize, byteOrder: order, lastPage: 2559, label: "swap one", bufferLength: pageSize).bytes().prefix(pageSize))
        #expect(written == forged)
        let header = SwapHeaderDetector.detect(written, pageSize: pageSize)
        #expect(header?.byteOrder == order && header?.version == 1 && header?.lastPage == 2559 && header?.nrBadPages == 0)
        #expect(header?.uuid == fixedUUIDString && header?.label == "swap one")
    }

    /// mkswap (xstrncpy) keeps 15 bytes of a label and a terminator; so does the writer.
    @Test func aLabelKeepsItsTerminator() {
        let page = SwapHeaderWriter.page(pageSize: 4096, pages: 10, uuid: fixedUUIDBytes, label: "0123456789abcdef")
        #expect(Array(page[1052..<1068]) == Array("0123456789abcde".utf8) + [0])
        #expect(SwapHeaderDetector.detect(page, pageSize: 4096)?.label == "0123456789abcde")
    }

    @Test func uuidsParseAndRandomOnesAreVersion4() {
        #expect(SwapUUID.parse(fixedUUIDString) == fixedUUIDBytes)
        #expect(SwapUUID.parse(fixedUUIDString.uppercased()) == fixedUUIDBytes)
        #expect(SwapUUID.parse("b4f7ce89-32f9-4f0c-94b2-5963f96831a") == nil)
        #expect(SwapUUID.parse("b4f7ce89+32f9-4f0c-94b2-5963f96831a4") == nil)
        #expect(SwapUUID.parse("g4f7ce89-32f9-4f0c-94b2-5963f96831a4") == nil)
        let made = SwapUUID.version4([UInt8](repeating: 0xFF, count: 16))
        #expect(made[6] == 0x4F && made[8] == 0xBF)
    }
}

@Suite("create: sizes as util-linux parses them")
struct SizeArgumentTests {
    static let sizes: [(String, UInt64)] = [
        ("512M", 512 << 20), ("4G", 4 << 30), ("4GiB", 4 << 30), ("4g", 4 << 30), ("1500MB", 1_500_000_000),
        ("1073741824", 1 << 30), ("1K", 1024), ("1KB", 1000), ("1kb", 1000), ("2T", 2 << 40), ("0x100", 256), ("010", 8),
        ("1.5G", 3 << 29), ("0.5M", 1 << 19), ("1.05M", 1_101_004), (" 64M", 64 << 20), ("+8K", 8192),
        // util-linux's parse_size reads a second decimal point as an empty fraction: mirrored.
        ("1..5G", 3 << 29),
    ]

    @Test func sizes() throws {
        for (text, bytes) in Self.sizes {
            #expect(try SizeArgument.parse(text) == bytes, "\(text)")
        }
    }

    @Test(arguments: ["", "-1G", "G", "4Gi", "4GB2", "4X", "1.5", "4 G", "1.5.G", "abc"])
    func notSizes(_ text: String) {
        #expect(throws: SizeArgument.Failure.invalid) { try SizeArgument.parse(text) }
    }

    @Test func overflowIsOutOfRange() {
        #expect(throws: SizeArgument.Failure.outOfRange) { try SizeArgument.parse("16E") }
        #expect(throws: SizeArgument.Failure.outOfRange) { try SizeArgument.parse("99999999999999999999") }
        #expect(throws: SizeArgument.Failure.outOfRange) { try SizeArgument.parse("1Y") }
    }

    @Test func pagesAsMkswapCountsThem() throws {
        let size = try #require(CreateSize(requestedBytes: (64 << 20) + 100, pageSize: 4096))
        #expect(size.pages == 16384 && size.bytes == 64 << 20 && size.usablePages == 16383 && size.usableKiB == 65532)
        #expect(CreateSize(requestedBytes: 9 * 4096, pageSize: 4096) == nil)
        #expect(CreateSize(requestedBytes: 10 * 65536, pageSize: 65536)?.usableKiB == 9 * 64)
        #expect(CreateSize(requestedBytes: (UInt64(UInt32.max) + 2) * 4096, pageSize: 4096) == nil)
    }
}

@Suite("create: strategy per file system")
struct CreatePlannerTests {
    static func site(_ magic: UInt64, mountType: String? = nil, ext4Driver: Bool = true) -> CreateSite {
        CreateSite(
            directory: "/mnt/d", filesystem: FilesystemCatalog.classify(magic: magic, mountType: mountType, ext4Driver: ext4Driver),
            blockSize: 4096)
    }

    static func btrfs(_ configure: (inout CreateSite.Btrfs) -> Void = { _ in }) -> CreateSite {
        var site = site(FilesystemMagic.btrfs)
        var facts = CreateSite.Btrfs(deviceCount: 1, dataProfiles: [0], lastSnapshot: 0, subvolume: 5)
        configure(&facts)
        site.btrfs = facts
        return site
    }

    @Test func strategies() {
        #expect(CreatePlanner.plan(Self.site(FilesystemMagic.ext)) == .success(.preallocate))
        #expect(CreatePlanner.plan(Self.site(FilesystemMagic.xfs)) == .success(.preallocate))
        #expect(CreatePlanner.plan(Self.site(FilesystemMagic.ext, mountType: "ext2", ext4Driver: false)) == .success(.zeroFill))
        #expect(CreatePlanner.plan(Self.site(FilesystemMagic.fuse, mountType: "fuseblk")) == .success(.zeroFill))
        #expect(CreatePlanner.plan(Self.site(FilesystemMagic.msdos, mountType: "vfat")) == .success(.zeroFill))
        #expect(CreatePlanner.plan(Self.site(FilesystemMagic.exfat, mountType: "exfat")) == .success(.zeroFill))
        #expect(CreatePlanner.plan(Self.btrfs()) == .success(.noCowThenPreallocate))
    }

    static func refusal(_ site: CreateSite) -> CreateRefusal? {
        if case .failure(let refusal) = CreatePlanner.plan(site) { return refusal }
        return nil
    }

    @Test func refusalsCarryTheKernelsReasonAndErrno() {
        let tmpfs = Self.refusal(Self.site(FilesystemMagic.tmpfs))
        #expect(tmpfs?.code == .unsupportedFilesystem && tmpfs?.errno == .invalidArgument && tmpfs?.reason.hasPrefix("tmpfs has no swap path") == true)
        #expect(Self.refusal(Self.site(FilesystemMagic.overlay))?.reason.hasPrefix("overlayfs has no swap path") == true)
        #expect(Self.refusal(Self.site(FilesystemMagic.nfs))?.reason.contains("NFS swap") == true)
        var readOnly = Self.site(FilesystemMagic.ext)
        readOnly.readOnly = true
        #expect(Self.refusal(readOnly)?.errno == .readOnlyFileSystem)
        var immutable = Self.site(FilesystemMagic.xfs)
        immutable.directoryImmutable = true
        #expect(Self.refusal(immutable)?.errno == .operationNotPermitted && Self.refusal(immutable)?.code == .immutable)
    }

    /// BTRFS_BLOCK_GROUP_RAID1.
    static let raid1: UInt64 = 1 << 4

    @Test func btrfsRefusals() {
        let raid1 = Self.refusal(Self.btrfs { $0.dataProfiles = [Self.raid1]; $0.deviceCount = 2 })
        #expect(raid1?.code == .multipleDevices && raid1?.reason.contains("single data profile") == true, "\(raid1?.reason ?? "-")")
        let dup = Self.refusal(Self.btrfs { $0.dataProfiles = [BtrfsLayout.profileDUP] })
        #expect(dup?.code == .unsupportedFilesystem && dup?.reason.contains("DUP") == true, "\(dup?.reason ?? "-")")
        let twoDevices = Self.refusal(Self.btrfs { $0.deviceCount = 2 })
        #expect(twoDevices?.reason.contains("swapfile must be on one device") == true)
        let snapshotted = Self.refusal(Self.btrfs { $0.lastSnapshot = 7 })
        #expect(snapshotted?.errno == .textFileBusy && snapshotted?.reason.contains("snapshotted") == true)
        // Without root the last snapshot is unknown: not a refusal (the model checks sharing after creation).
        #expect(Self.refusal(Self.btrfs { $0.lastSnapshot = nil }) == nil)
        var unread = Self.site(FilesystemMagic.btrfs)
        unread.btrfs = nil
        #expect(Self.refusal(unread) != nil)
    }
}

@Suite("create: fstab edits")
struct FstabEditTests {
    static let entry = FstabEdit.entryLine(spec: "/swapfile", flags: SwapFlags())

    @Test func entryLines() {
        #expect(Self.entry == "/swapfile none swap defaults 0 0")
        #expect(FstabEdit.entryLine(spec: "/my swap\\x", flags: SwapFlags(priority: 10, discard: .once)) == "/my\\040swap\\134x none swap defaults,pri=10,discard=once 0 0")
        #expect(FstabEdit.entryLine(spec: "/s", flags: SwapFlags(discard: .all)) == "/s none swap defaults,discard 0 0")
        #expect(FstabEdit.entryLine(spec: "/s", flags: SwapFlags(discard: .pages)) == "/s none swap defaults,discard=pages 0 0")
        // The escaped spec reads back as the path.
        let parsed = FstabParser.parse(FstabEdit.entryLine(spec: "/a b\tc#", flags: SwapFlags())).entries.first
        #expect(parsed?.spec == "/a b\tc#" && parsed?.isSwap == true)
    }

    @Test func appendsKeepingEveryOtherByteAndIsIdempotent() throws {
        let original = Array("# <file system>\tmount\r\nUUID=abc / ext4  errors=remount-ro 0 1\n\n# tail comment".utf8)
        guard case .changed(let once, let line, false) = FstabEdit.apply(original, spec: "/swapfile", line: Self.entry) else {
            Issue.record("not appended")
            return
        }
        #expect(once == original + Array("\n/swapfile none swap defaults 0 0\n".utf8))
        #expect(line == 5)
        #expect(FstabEdit.apply(once, spec: "/swapfile", line: Self.entry) == .unchanged(line: 5))
    }

    @Test func replacesTheEntryInPlace() {
        let original = Array("/dev/sda1 / ext4 defaults 0 1\n/swapfile  none  swap  sw,pri=3  0  0\r\n/other none swap sw 0 0\n".utf8)
        let line = FstabEdit.entryLine(spec: "/swapfile", flags: SwapFlags(priority: 5))
        guard case .changed(let edited, 2, true) = FstabEdit.apply(original, spec: "/swapfile", line: line) else {
            Issue.record("not replaced")
            return
        }
        #expect(String(decoding: edited, as: UTF8.self) == "/dev/sda1 / ext4 defaults 0 1\n/swapfile none swap defaults,pri=5 0 0\r\n/other none swap sw 0 0\n")
        #expect(FstabEdit.apply(edited, spec: "/swapfile", line: line) == .unchanged(line: 2))
    }

    @Test func emptyAndMalformedFiles() {
        #expect(FstabEdit.apply([], spec: "/s", line: "/s none swap defaults 0 0") == .changed(Array("/s none swap defaults 0 0\n".utf8), line: 1, replaced: false))
        let malformed = Array("/dev/sda1 / ext4 defaults x 1\nlonely\n".utf8)
        guard case .malformed(let errors) = FstabEdit.apply(malformed, spec: "/s", line: "/s none swap defaults 0 0") else {
            Issue.record("a malformed file was rewritten")
            return
        }
        #expect(errors.map(\.line) == [1, 2])
    }
}
