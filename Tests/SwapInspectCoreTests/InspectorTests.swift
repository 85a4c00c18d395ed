import SwapInspectCore
import Testing

/// `Inspector.inspect`: the whole pipeline (security, model choice, header, activation, findings, kernel line).
@Suite("Inspector")
struct InspectorTests {
    static let options = InspectOptions(pageSize: 4096)

    /// A vector file as the adapters would describe it, with a freshly forged header.
    func vectorFacts(
        _ file: String, path: String, lastPage: UInt32? = nil, filesystem: FilesystemFacts? = nil
    ) throws -> AreaFacts {
        let vector = try VectorFile.load(file)
        return swapFileFacts(
            path: path, size: vector.fileSize, lastPage: lastPage ?? UInt32(vector.maxPages - 1), extents: vector.extents,
            filesystem: filesystem ?? ext4Filesystem(Int(vector.blockSize)))
    }

    /// E1: 16 MiB, one extent at 4139..8234.
    func e1(mode: UInt32 = 0o100600, uid: UInt32 = 0, active: ProcSwapsEntry? = nil) -> AreaFacts {
        swapFileFacts(
            path: "/mnt/t/m4/c16", size: 16 * mebibyte, lastPage: 4095, extents: blocks([(0, 4139, 4096)], blockSize: 4096),
            filesystem: ext4Filesystem(4096), mode: mode, uid: uid, active: active)
    }

    // MARK: healthy files

    @Test func contiguousFilePredictsTheKernelLineWithoutFindings() {
        let report = Inspector.inspect(e1(), options: Self.options)
        #expect(report.activation?.ok == true)
        #expect(report.activation?.model == .iomap)
        #expect(report.kernelLog == "Adding 16380k swap on /mnt/t/m4/c16.  Priority:-2 extents:1 across:16380k")
        #expect(report.findings.isEmpty)
        #expect(report.resumeOffset == 4139)
        #expect(report.userspaceResumeOffset == 4139)
        #expect(report.unusablePages == 0)
        #expect(report.header?.lastPage == 4095)
        #expect(report.undetermined == nil)
    }

    @Test func partialTailPageIsNotUsed() {
        // E8: i_size 1049576 (256 pages + 1000 B), last_page 255.
        let facts = swapFileFacts(
            path: "/mnt/t/m4/e8", size: 1_049_576, lastPage: 255, extents: blocks([(0, 9000, 257)], blockSize: 4096),
            filesystem: ext4Filesystem(4096))
        let report = Inspector.inspect(facts, options: Self.options)
        #expect(report.kernelLog == "Adding 1020k swap on /mnt/t/m4/e8.  Priority:-2 extents:1 across:1020k")
        #expect(report.findings.isEmpty)
    }

    @Test func xfsFileUsesTheIomapModel() {
        // X1: 32 MiB at 24..8215.
        let facts = swapFileFacts(
            path: "/mnt/t/mx/sw", size: 32 * mebibyte, lastPage: 8191, extents: blocks([(0, 24, 8192)], blockSize: 4096),
            filesystem: xfsFilesystem(4096))
        let report = Inspector.inspect(facts, options: Self.options)
        #expect(report.activation?.model == .iomap)
        #expect(report.kernelLog == "Adding 32764k swap on /mnt/t/mx/sw.  Priority:-2 extents:1 across:32764k")
    }

    @Test func discardFlagsFollowTheSpanAfterOneSpace() throws {
        // E12: a 4 MiB file with flag 0x10000 on a discard-capable loop device.
        let facts = swapFileFacts(
            path: "/mnt/t/m4/d", size: 4 * mebibyte, lastPage: 1023, extents: blocks([(0, 5000, 1024)], blockSize: 4096),
            filesystem: ext4Filesystem(4096))
        let activation = try #require(Inspector.inspect(facts, options: Self.options).activation)
        #expect(
            KernelLine.adding(facts, activation: activation, pageSize: 4096, discardFlags: "Dsc")
                == "Adding 4092k swap on /mnt/t/m4/d.  Priority:-2 extents:1 across:4092k Dsc")
    }

    // MARK: vectors through the whole pipeline

    @Test func misalignedFirstExtentMakesUserspaceResumeOffsetDisagree() throws {
        // F3: kernel resume_offset 688 (ceil), systemd/FIEMAP floor 687.
        let report = Inspector.inspect(try vectorFacts("ext4-1k-m1b-sw.txt", path: "/mnt/t/m1b/sw"), options: Self.options)
        #expect(report.kernelLog == "Adding 592k swap on /mnt/t/m1b/sw.  Priority:-2 extents:2 across:944k")
        #expect(report.resumeOffset == 688)
        #expect(report.userspaceResumeOffset == 687)
        // 150 pages in the file, 149 usable: one lost to alignment.
        let misaligned = try #require(report.finding(.misalignedPages))
        #expect(misaligned.severity == .warning)
        #expect(misaligned.message.hasPrefix("1 page (4k) lost"))
        #expect(report.codes.contains(.fragmented))
        #expect(report.unusablePages == 1)
    }

    @Test func everyGapYieldingOnePageLosesMostOfTheFile() throws {
        // F1: 512 file pages, 313 usable.
        let report = Inspector.inspect(try vectorFacts("ext4-1k-sw1.txt", path: "/mnt/t/m1/sw1"), options: Self.options)
        #expect(report.kernelLog == "Adding 1248k swap on /mnt/t/m1/sw1.  Priority:-2 extents:267 across:8868k")
        #expect(report.finding(.misalignedPages)?.message.hasPrefix("199 pages (796k) lost") == true)
        #expect(report.finding(.fragmented)?.message == "267 swap extents spread across 8868k of the device")
        #expect(report.resumeOffset == 600)
        #expect(report.userspaceResumeOffset == 599)
    }

    @Test func fileLongerThanItsHeaderWastesTheTail() throws {
        // E2c: mkswap m4/fr4 400 -> max 100 of the file's 1000 pages.
        let report = Inspector.inspect(
            try vectorFacts("ext4-4k-fr4-max100.txt", path: "/mnt/t/m4/fr4"), options: Self.options)
        #expect(report.kernelLog == "Adding 396k swap on /mnt/t/m4/fr4.  Priority:-2 extents:1 across:1972k")
        let finding = try #require(report.finding(.fileBeyondLastPage))
        #expect(finding.severity == .warning)
        // The same identity, so that UUID= entries keep working.
        let uuid = try #require(report.header?.uuid)
        #expect(finding.fix == "mkswap -p 4096 -U \(uuid) /mnt/t/m4/fr4")
        #expect(finding.message.contains("3600k"))
        #expect(!report.codes.contains(.misalignedPages))
        #expect(!report.codes.contains(.fragmented))
        #expect(report.unusablePages == 900)
    }

    @Test func fragmentedFileIsReported() throws {
        // E2a: the same file with last_page 999.
        let report = Inspector.inspect(
            try vectorFacts("ext4-4k-fr4-max100.txt", path: "/mnt/t/m4/fr4", lastPage: 999), options: Self.options)
        #expect(report.kernelLog == "Adding 3996k swap on /mnt/t/m4/fr4.  Priority:-2 extents:5 across:20720k")
        let finding = try #require(report.finding(.fragmented))
        #expect(finding.severity == .info)
        #expect(finding.message == "5 swap extents spread across 20720k of the device")
        #expect(report.codes == [.fragmented])
    }

    @Test func fallocatedFileIsAcceptedWithAnUnwrittenNote() throws {
        // E5.
        let report = Inspector.inspect(
            try vectorFacts("ext4-4k-1g-fa300.txt", path: "/mnt/t/meb/fa"), options: Self.options)
        #expect(report.kernelLog == "Adding 307196k swap on /mnt/t/meb/fa.  Priority:-2 extents:4 across:356348k")
        let finding = try #require(report.finding(.unwrittenExtents))
        #expect(finding.severity == .info)
        #expect(finding.message.hasPrefix("4 extents are preallocated but unwritten"))
        #expect(report.codes.sorted { $0.rawValue < $1.rawValue } == [.fragmented, .unwrittenExtents])
    }

    /// The findings read the facts' tally, which follows every replacement of the extents.
    @Test func tallyFollowsTheExtentsItDescribes() throws {
        var facts = swapFileFacts(
            path: "/swapfile", size: 16 * mebibyte, lastPage: 4095,
            extents: [FileExtent(logical: 0, physical: 1 << 30, length: 16 * mebibyte, flags: .last)], filesystem: ext4Filesystem(4096))
        #expect(facts.extentTally.flags == .last)
        #expect(facts.extentTally.unwrittenCount == 0)
        #expect(Inspector.inspect(facts, options: Self.options).finding(.unwrittenExtents) == nil)

        facts.setExtents([
            FileExtent(logical: 0, physical: 1 << 30, length: 8 * mebibyte, flags: .unwritten),
            FileExtent(logical: 8 * mebibyte, physical: 1 << 31, length: 8 * mebibyte, flags: [.unwritten, .encrypted, .last]),
        ])
        #expect(facts.extentTally.unwrittenCount == 2)
        #expect(facts.extentTally.unwrittenBytes == 16 * mebibyte)
        #expect(facts.extentTally.flags == [.unwritten, .encrypted, .last])
        let report = Inspector.inspect(facts, options: Self.options)
        let unwritten = try #require(report.finding(.unwrittenExtents))
        #expect(unwritten.message.hasPrefix("2 extents are preallocated but unwritten (16384k"))
        #expect(report.finding(.oldKernelIncompatible) != nil)

        // One extent written since: the tally drops it, and the finding counts what is left.
        var extents = facts.extents
        extents[0].flags.remove(.unwritten)
        facts.setExtents(extents)
        #expect(facts.extentTally.unwrittenCount == 1)
        #expect(facts.extentTally.unwrittenBytes == 8 * mebibyte)
        let after = try #require(Inspector.inspect(facts, options: Self.options).finding(.unwrittenExtents))
        #expect(after.message.hasPrefix("1 extent is preallocated but unwritten (8192k"))
    }

    @Test(arguments: [
        ("ext2-1k-sw.txt", "Adding 16348k swap on /mnt/t/me2/sw.  Priority:-2 extents:8 across:21736k"),
        ("xfs-1k-sw.txt", "Adding 2756k swap on /mnt/t/me2/sw.  Priority:-2 extents:449 across:22640k"),
        ("ext4-4k-big150.txt", "Adding 153596k swap on /mnt/t/me2/sw.  Priority:-2 extents:3 across:245588k"),
        ("ext4-4k-1g-sw200.txt", "Adding 204796k swap on /mnt/t/me2/sw.  Priority:-2 extents:1 across:204796k"),
    ])
    func vectorThroughTheInspectorGivesTheKernelLine(file: String, line: String) throws {
        let report = Inspector.inspect(try vectorFacts(file, path: "/mnt/t/me2/sw"), options: Self.options)
        #expect(report.kernelLog == line)
    }

    // MARK: refusals

    @Test func holeIsRefusedWithTheAbsolutePath() {
        // E7.
        let facts = swapFileFacts(
            path: "/mnt/t/m4/hole", size: 256 * 4096, lastPage: 255,
            extents: blocks([(0, 5000, 100), (120, 6000, 136)], blockSize: 4096), filesystem: ext4Filesystem(4096))
        let report = Inspector.inspect(facts, options: Self.options)
        #expect(report.activation?.ok == false)
        #expect(report.kernelLog == "swapon: file /mnt/t/m4/hole has unallocated extents")
        #expect(report.codes == [.holes])
        #expect(report.worstSeverity == .error)
        #expect(report.resumeOffset == nil)
        #expect(report.userspaceResumeOffset == nil)
    }

    @Test func reflinkedFileIsRefused() {
        // X2.
        let facts = swapFileFacts(
            path: "/mnt/t/mx/r", size: 32 * mebibyte, lastPage: 8191,
            extents: blocks([(0, 24, 8192)], blockSize: 4096, flags: .shared), filesystem: xfsFilesystem(4096))
        let report = Inspector.inspect(facts, options: Self.options)
        #expect(report.kernelLog == "swapon: file /mnt/t/mx/r has shared extents")
        #expect(report.codes == [.sharedExtents])
    }

    @Test func badPagesInAFileAreRefusedSilently() {
        // E9: nr_badpages = 1 in a regular file: EINVAL, no message.
        let facts = swapFileFacts(
            path: "/mnt/t/m4/bad", size: 4 * mebibyte, lastPage: 1023, extents: blocks([(0, 5000, 1024)], blockSize: 4096),
            filesystem: ext4Filesystem(4096), header: HeaderForge(lastPage: 1023, badPages: [10]))
        let report = Inspector.inspect(facts, options: Self.options)
        #expect(report.activation?.ok == false)
        #expect(report.activation?.refusal?.finding.code == .tooManyBadPages)
        #expect(report.activation?.refusal?.kernelMessage == nil)
        #expect(report.kernelLog == nil)
        #expect(report.codes == [.tooManyBadPages])
    }

    @Test func headerLongerThanTheFileIsTooSmall() {
        // E11: a 4 MiB file with last_page 1024.
        let facts = swapFileFacts(
            path: "/mnt/t/m4/e11", size: 4 * mebibyte, lastPage: 1024, extents: blocks([(0, 5000, 1024)], blockSize: 4096),
            filesystem: ext4Filesystem(4096))
        let report = Inspector.inspect(facts, options: Self.options)
        #expect(report.kernelLog == "Swap area shorter than signature indicates")
        #expect(report.codes == [.tooSmall])
    }

    @Test func threeBlockGapsHoldNoUsablePage() {
        // F2: 400 KiB on 1K blocks in 3-block pieces.
        let runs: [(UInt64, UInt64, UInt64)] = (0..<UInt64(134)).map { (index: UInt64) in
            let logical: UInt64 = index * 3
            return (logical, 3001 + index * 5, min(3, 400 - logical))
        }
        let facts = swapFileFacts(
            path: "/mnt/t/m1/f2", size: 400 * kiB, lastPage: 99, extents: blocks(runs, blockSize: 1024),
            filesystem: ext4Filesystem(1024))
        let report = Inspector.inspect(facts, options: Self.options)
        #expect(report.kernelLog == "swapon: Cannot find a single usable page in file.")
        #expect(report.codes == [.noUsablePages])
    }

    @Test(arguments: [UInt64(0), 1000, 4095])
    func fileSmallerThanAPageIsTooSmall(size: UInt64) throws {
        // What a tiny file holds: the first `size` bytes of a header page (the magic does not fit).
        var forge = HeaderForge(lastPage: 0)
        forge.bufferLength = Int(size)
        let facts = AreaFacts(
            path: "/swapfile", kind: .file, size: size, filesystem: ext4Filesystem(4096), headerBytes: forge.bytes(),
            extents: size == 0 ? [] : [FileExtent(logical: 0, physical: 4096 * 5000, length: 4096)])
        let report = Inspector.inspect(facts, options: Self.options)
        let finding = try #require(report.finding(.tooSmall))
        #expect(finding.severity == .error)
        #expect(report.activation?.ok == false)
        #expect(report.kernelLog == "Unable to find swap-space signature")
        #expect(report.codes == [.tooSmall])
    }

    @Test func missingSignatureStillReportsTheLayoutsHole() {
        // After a fresh mkswap the hole would still refuse the file: both are worth knowing.
        let facts = swapFileFacts(
            path: "/mnt/t/m4/hole", size: 256 * 4096, lastPage: 255,
            extents: blocks([(0, 5000, 100), (120, 6000, 136)], blockSize: 4096), filesystem: ext4Filesystem(4096),
            header: HeaderForge(lastPage: 255, magic: nil))
        let report = Inspector.inspect(facts, options: Self.options)
        #expect(report.kernelLog == "Unable to find swap-space signature")
        #expect(report.codes == [.noSignature, .holes])
    }

    @Test func fourKiBHeaderAuditedForASixtyFourKiBKernelIsAPageSizeMismatch() {
        let report = Inspector.inspect(e1(), options: InspectOptions(pageSize: 65536))
        #expect(report.kernelLog == "Unable to find swap-space signature")
        #expect(report.codes.first == .pagesizeMismatch)
        #expect(report.header?.pageSize == 4096)
    }

    @Test(arguments: [(SpecialFile.directory, ErrnoName.isDirectory), (.fifo, .invalidArgument), (.socket, .noSuchDeviceOrAddress)])
    func specialFileIsNotARegularFile(type: SpecialFile, errno: ErrnoName) {
        let facts = AreaFacts(
            path: "/mnt/t/\(type)", kind: .other, size: 0, mode: 0o040755, uid: 1000, headerBytes: [], specialFile: type)
        let report = Inspector.inspect(facts, options: Self.options)
        #expect(report.codes == [.notRegularFile])
        #expect(report.activation?.ok == false)
        #expect(report.activation?.refusal?.errno == errno)
        #expect(report.kernelLog == nil)
    }

    @Test func otherKindWithoutErrnoFailsWithEinval() {
        let facts = AreaFacts(path: "/dev/null", kind: .other, size: 0, headerBytes: [])
        let report = Inspector.inspect(facts, options: Self.options)
        #expect(report.codes == [.notRegularFile])
        #expect(report.activation?.refusal?.errno == .invalidArgument)
    }

    // MARK: security and state

    @Test func worldReadableFileIsInsecure() throws {
        let report = Inspector.inspect(e1(mode: 0o100644), options: Self.options)
        let finding = try #require(report.finding(.insecurePermissions))
        #expect(finding.severity == .warning)
        #expect(finding.fix == "chmod 0600 /mnt/t/m4/c16")
        #expect(finding.message.contains("0644"))
        // A warning does not change the prediction.
        #expect(report.kernelLog == "Adding 16380k swap on /mnt/t/m4/c16.  Priority:-2 extents:1 across:16380k")
        #expect(report.codes == [.insecurePermissions])
    }

    @Test func fileOwnedByAUserIsInsecure() throws {
        let report = Inspector.inspect(e1(uid: 1000), options: Self.options)
        let finding = try #require(report.finding(.insecureOwner))
        #expect(finding.severity == .warning)
        #expect(finding.fix == "chown 0:0 /mnt/t/m4/c16")
        #expect(report.codes == [.insecureOwner])
    }

    /// vfat, exFAT and ntfs-3g without `permissions` keep no modes or owners: chmod and chown would
    /// change nothing there, so no fix is printed; the advice names the mount options and the mount point.
    @Test(arguments: [("vfat", "vfat keeps no modes"), ("exfat", "exfat keeps no modes"), ("fuseblk", "ntfs-3g without its permissions option")])
    func modesFromMountOptionsHaveAdviceAndNoFix(type: String, says: String) throws {
        var facts = e1(mode: 0o100755, uid: 1000)
        facts.filesystem = FilesystemFacts(
            kind: FilesystemKind(type: FilesystemType(type), swapSupport: .activates(.generic)), blockSize: 4096, device: "/dev/sdb1",
            modesFromMount: "/media/usb")
        let report = Inspector.inspect(facts, options: Self.options)
        #expect(report.codes == [.insecurePermissions, .insecureOwner])
        for finding in report.findings {
            #expect(finding.fix == nil, "\(finding)")
            #expect(finding.message.contains(says) && finding.message.contains("mount /media/usb with"), "\(finding.message)")
            #expect(finding.message.contains("fmask=0177,dmask=0077") && finding.message.contains("uid=0,gid=0"), "\(finding.message)")
        }
    }

    @Test(arguments: [
        ("vfat", [], true), ("msdos", [], true), ("exfat", ["rw", "fmask=0022"], true),
        ("fuseblk", ["rw", "user_id=0", "allow_other"], true), ("fuseblk", ["rw", "default_permissions", "allow_other"], false),
        ("ext4", [], false), (nil, [], false),
    ] as [(String?, [Substring], Bool)])
    func modesComeFromTheMountOn(type: String?, superOptions: [Substring], expected: Bool) {
        #expect(FilesystemCatalog.modesFromMount(mountType: type, superOptions: superOptions) == expected)
    }

    @Test(arguments: [UInt32(0o100600), 0o100400, 0o100000])
    func ownerOnlyModesAreSecure(mode: UInt32) {
        #expect(Inspector.inspect(e1(mode: mode), options: Self.options).findings.isEmpty)
    }

    @Test func activeAreaIsReportedAsInUseAndCompared() throws {
        let active = ProcSwapsEntry(name: "/mnt/t/m4/c16", type: "file", sizeKiB: 16380, usedKiB: 128, priority: -2)
        let report = Inspector.inspect(e1(active: active), options: Self.options)
        let finding = try #require(report.finding(.inUse))
        #expect(finding.severity == .info)
        #expect(finding.message == "active now (priority -2, 128k used): its size 16380k matches the prediction")
        // inspect still predicts a fresh activation.
        #expect(report.kernelLog == "Adding 16380k swap on /mnt/t/m4/c16.  Priority:-2 extents:1 across:16380k")
    }

    @Test func activeAreaOfAnotherSizeIsFlaggedAsDifferent() throws {
        let active = ProcSwapsEntry(name: "/mnt/t/m4/c16", type: "file", sizeKiB: 8188, usedKiB: 0, priority: -3)
        let report = Inspector.inspect(e1(active: active), options: Self.options)
        #expect(
            report.finding(.inUse)?.message == "active now (priority -3, 0k used): its size 8188k differs from the predicted 16380k")
    }

    // MARK: model choice

    @Test func bmapOnlyFileSystemUsesTheGenericModel() {
        // G1 on vfat with 1K clusters.
        let facts = swapFileFacts(
            path: "/mnt/t/g/sw", size: 40960, lastPage: 9, extents: blocks([(0, 1002, 10), (10, 2000, 30)], blockSize: 1024),
            filesystem: vfatFilesystem(1024))
        let report = Inspector.inspect(facts, options: Self.options)
        #expect(report.activation?.model == .generic)
        #expect(report.kernelLog == "Adding 32k swap on /mnt/t/g/sw.  Priority:-2 extents:2 across:1020k")
    }

    @Test(arguments: [
        (ModelSelection.forced(.generic), ActivationModel.generic, "Adding 16k swap on /mnt/t/g/sw.  Priority:-2 extents:2 across:1004k"),
        (.forced(.iomap), .iomap, "Adding 16k swap on /mnt/t/g/sw.  Priority:-2 extents:2 across:1020k"),
    ])
    func explicitModelOverridesTheFileSystemsOwn(choice: ModelSelection, model: ActivationModel, line: String) {
        // G2: the two models differ only in the span end.
        let facts = swapFileFacts(
            path: "/mnt/t/g/sw", size: 40960, lastPage: 4, extents: blocks([(0, 1002, 10), (10, 2000, 30)], blockSize: 1024),
            filesystem: ext4Filesystem(1024))
        let report = Inspector.inspect(facts, options: InspectOptions(pageSize: 4096, model: choice))
        #expect(report.activation?.model == model)
        #expect(report.kernelLog == line)
    }

    @Test func blocksLargerThanThePageAreRefusedSilently() {
        // X4: `mkfs.xfs -b size=16384` on 4K pages -> EINVAL, no message (§1.2 step 11, before any activator).
        let facts = swapFileFacts(
            path: "/mnt/t/mx16/sw", size: 32 * mebibyte, lastPage: 8191,
            extents: blocks([(0, 100, 2048)], blockSize: 16384), filesystem: xfsFilesystem(16384))
        let report = Inspector.inspect(facts, options: Self.options)
        #expect(report.activation?.ok == false)
        #expect(report.activation?.refusal?.errno == .invalidArgument)
        #expect(report.kernelLog == nil)
        #expect(report.codes == [.unsupportedFilesystem])
    }

    /// btrfs needs the btrfs adapter's facts (BtrfsModelTests has the model itself): FIEMAP alone shows
    /// logical addresses.
    @Test func btrfsWithoutBtrfsFactsIsNotPredicted() {
        let btrfs = FilesystemFacts(
            kind: FilesystemCatalog.classify(magic: FilesystemMagic.btrfs, mountType: "btrfs", ext4Driver: false),
            blockSize: 4096, device: "/dev/loop6")
        let facts = swapFileFacts(
            path: "/mnt/t/mb/swapfile", size: 64 * mebibyte, lastPage: 16383,
            extents: blocks([(0, 15616, 16384)], blockSize: 4096), filesystem: btrfs)
        let report = Inspector.inspect(facts, options: Self.options)
        #expect(report.undetermined != nil)
        #expect(report.activation == nil)
        #expect(report.codes == [.unsupportedFilesystem])
    }

    @Test func tmpfsRefusesEverySwapFile() {
        let tmpfs = FilesystemFacts(
            kind: FilesystemCatalog.classify(magic: FilesystemMagic.tmpfs, mountType: "tmpfs", ext4Driver: false),
            blockSize: 4096, device: nil)
        let facts = swapFileFacts(path: "/dev/shm/sw", size: 4 * mebibyte, lastPage: 1023, extents: [], filesystem: tmpfs)
        let report = Inspector.inspect(facts, options: Self.options)
        #expect(report.activation?.ok == false)
        #expect(report.codes == [.unsupportedFilesystem])
        #expect(report.kernelLog == nil)
    }
}
