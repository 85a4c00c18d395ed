import Foundation
import SwapInspectCore
import Testing

// `btrfs_swap_activate` (docs/kernel-rules.md §2.4): the btrfs vectors T1/T2 on device addresses, every
// refusal in the kernel's order and words, the sharing check, the map-swapfile resume offset, and what
// is (and is not) decided without root.

/// A btrfs vector: the filefrag listing (btrfs logical addresses) plus the chunk map and the
/// map-swapfile numbers in its comments.
struct BtrfsVector {
    var file: VectorFile
    var chunks: [BtrfsChunk]
    var physicalStart: UInt64
    var resumeOffset: UInt64

    static let typeBits: [String: UInt64] = [
        "DATA": BtrfsLayout.blockGroupData, "SYSTEM": BtrfsLayout.blockGroupSystem, "METADATA": BtrfsLayout.blockGroupMetadata,
        "single": 0, "DUP": BtrfsLayout.profileDUP, "RAID1": 1 << 4,
    ]

    /// `# chunk logical 63963136) len 67108864 type DATA|single stripe0_dev 1 phys 105906176`
    static func load(_ name: String) throws -> BtrfsVector {
        let file = try VectorFile.load(name)
        let text = try String(contentsOfFile: VectorFile.folder + "/" + name, encoding: .utf8)
        var chunks: [BtrfsChunk] = []
        var physicalStart: UInt64?
        var resume: UInt64?
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            if line.hasPrefix("# chunk logical"), words.count >= 12 {
                guard let logical = UInt64(words[3].filter(\.isNumber)), let length = UInt64(words[5]),
                    let devid = UInt64(words[9]), let physical = UInt64(words[11])
                else { throw VectorFile.ParseError(description: "\(name): unreadable chunk line: \(line)") }
                let type = try words[7].split(separator: "|").reduce(UInt64(0)) { flags, part in
                    guard let bit = typeBits[String(part)] else {
                        throw VectorFile.ParseError(description: "\(name): unknown chunk type \(part)")
                    }
                    return flags | bit
                }
                chunks.append(BtrfsChunk(logical: logical, length: length, type: type, stripes: [BtrfsStripe(devid: devid, offset: physical)]))
            } else if line.hasPrefix("Physical start:") {
                physicalStart = UInt64(words.last ?? "")
            } else if line.hasPrefix("Resume offset:") {
                resume = UInt64(words.last ?? "")
            }
        }
        guard let physicalStart, let resume, !chunks.isEmpty else {
            throw VectorFile.ParseError(description: "\(name): missing chunk map or map-swapfile numbers")
        }
        return BtrfsVector(file: file, chunks: chunks.sorted { $0.logical < $1.logical }, physicalStart: physicalStart, resumeOffset: resume)
    }

    /// One EXTENT_DATA item per listing row (unwritten rows are prealloc items), not shared.
    var items: [BtrfsFileExtentItem] {
        file.extents.map { extent in
            BtrfsFileExtentItem(
                fileOffset: extent.logical, generation: 7, type: extent.flags.contains(.unwritten) ? .prealloc : .regular,
                diskBytenr: extent.physical, diskNumBytes: extent.length, numBytes: extent.length,
                backrefs: [.data(root: 5, objectid: 257, offset: extent.logical, count: 1)])
        }
    }

    func btrfsFacts(items: [BtrfsFileExtentItem]? = nil) -> BtrfsFacts {
        BtrfsFacts(
            noCow: true, compress: false, noDataSum: true, inode: 257, subvolume: 5, sectorSize: 4096, kernelDeviceName: "loop6",
            devices: [BtrfsDevice(devid: 1, path: "/dev/loop6")], lastSnapshot: 0, items: items ?? self.items, chunks: chunks,
            dataSpaceFlags: [BtrfsLayout.blockGroupData])
    }
}

let btrfsFilesystem = FilesystemFacts(
    kind: FilesystemCatalog.classify(magic: FilesystemMagic.btrfs, mountType: "btrfs", ext4Driver: false),
    blockSize: 4096, device: "/dev/loop6")

/// A swap file on btrfs with a forged header of `lastPage`.
func btrfsAreaFacts(
    path: String = "/mnt/t/mb/sw", size: UInt64, lastPage: UInt32, extents: [FileExtent] = [], btrfs: BtrfsFacts
) -> AreaFacts {
    var facts = swapFileFacts(path: path, size: size, lastPage: lastPage, extents: extents, filesystem: btrfsFilesystem)
    facts.btrfs = btrfs
    return facts
}

/// A 4 MiB file in one data chunk mapped at +1 GiB on device 1: two items of 2 MiB, physically contiguous.
struct SmallBtrfs {
    static let chunkLogical: UInt64 = 13_631_488
    static let deviceOffset: UInt64 = 1 << 30
    static let size: UInt64 = 4 * mebibyte

    var items: [BtrfsFileExtentItem] = [
        BtrfsFileExtentItem(
            fileOffset: 0, generation: 10, type: .regular, diskBytenr: chunkLogical, diskNumBytes: 2 * mebibyte,
            numBytes: 2 * mebibyte, backrefs: [.data(root: 5, objectid: 257, offset: 0, count: 1)]),
        BtrfsFileExtentItem(
            fileOffset: 2 * mebibyte, generation: 10, type: .prealloc, diskBytenr: chunkLogical + 2 * mebibyte,
            diskNumBytes: 2 * mebibyte, numBytes: 2 * mebibyte, backrefs: [.data(root: 5, objectid: 257, offset: 2 * mebibyte, count: 1)]),
    ]
    var chunks = [
        BtrfsChunk(logical: chunkLogical, length: 8 * mebibyte, type: BtrfsLayout.blockGroupData, stripes: [BtrfsStripe(devid: 1, offset: deviceOffset)]),
        BtrfsChunk(
            logical: chunkLogical + 8 * mebibyte, length: 8 * mebibyte, type: BtrfsLayout.blockGroupData,
            stripes: [BtrfsStripe(devid: 2, offset: 4096 * 4096)]),
        BtrfsChunk(
            logical: chunkLogical + 16 * mebibyte, length: 8 * mebibyte, type: BtrfsLayout.blockGroupData | 1 << 4,
            stripes: [BtrfsStripe(devid: 1, offset: 2 << 30), BtrfsStripe(devid: 2, offset: 3 << 30)]),
        BtrfsChunk(
            logical: chunkLogical + 24 * mebibyte, length: 8 * mebibyte, type: BtrfsLayout.blockGroupData | BtrfsLayout.profileDUP,
            stripes: [BtrfsStripe(devid: 1, offset: 4 << 30), BtrfsStripe(devid: 1, offset: 5 << 30)]),
    ]
    var noCow = true
    var compress = false
    var noDataSum: Bool? = true
    var lastSnapshot: UInt64? = 0

    var btrfs: BtrfsFacts {
        BtrfsFacts(
            noCow: noCow, compress: compress, noDataSum: noDataSum, inode: 257, subvolume: 5, sectorSize: 4096,
            kernelDeviceName: "loop6", deviceCount: 2,
            devices: [BtrfsDevice(devid: 1, path: "/dev/loop6"), BtrfsDevice(devid: 2, path: "/dev/loop7")],
            lastSnapshot: lastSnapshot, items: items, chunks: chunks, dataSpaceFlags: [BtrfsLayout.blockGroupData])
    }

    var facts: AreaFacts { btrfsAreaFacts(size: Self.size, lastPage: 1023, btrfs: btrfs) }

    func report() -> Report { Inspector.inspect(facts, options: InspectOptions(pageSize: 4096)) }
}

func warning(_ text: String) -> String { "BTRFS warning (device loop6): swapfile \(text)" }

@Suite("btrfs model (btrfs_swap_activate)")
struct BtrfsModelTests {
    // MARK: kernel-verified vectors

    /// T1: `btrfs filesystem mkswapfile --size 64m`: logical 63963136 lies in the chunk mapped to device
    /// byte 105906176, so the header page is device page 25856, not FIEMAP's 15616.
    @Test func mkswapfileVectorIsTranslatedToDeviceAddresses() throws {
        let vector = try BtrfsVector.load("btrfs-swapfile64m.txt")
        #expect(vector.physicalStart == 105_906_176 && vector.resumeOffset == 25856)
        // mkswapfile preallocates one extent and mkswap writes its first page: the item is split in two,
        // the second one pointing 4096 bytes into the same disk extent.
        let disk: UInt64 = 63_963_136
        let items = [
            BtrfsFileExtentItem(fileOffset: 0, generation: 7, type: .regular, diskBytenr: disk, diskNumBytes: 64 * mebibyte, numBytes: 4096, backrefs: [.data(root: 5, objectid: 257, offset: 0, count: 2)]),
            BtrfsFileExtentItem(fileOffset: 4096, generation: 7, type: .prealloc, diskBytenr: disk, diskNumBytes: 64 * mebibyte, offset: 4096, numBytes: 64 * mebibyte - 4096, backrefs: [.data(root: 5, objectid: 257, offset: 0, count: 2)]),
        ]
        let facts = btrfsAreaFacts(
            path: "/mnt/t/mb/swapfile", size: vector.file.fileSize, lastPage: UInt32(vector.file.maxPages - 1), extents: vector.file.extents,
            btrfs: vector.btrfsFacts(items: items))
        let report = Inspector.inspect(facts, options: InspectOptions(pageSize: 4096))
        #expect(report.kernelLog == "Adding 65532k swap on /mnt/t/mb/swapfile.  Priority:-2 extents:1 across:65532k")
        #expect(report.activation?.model == .btrfs)
        #expect(report.activation?.extents == [SwapExtent(swapPage: 0, physicalPage: 25856, pages: 16384)])
        #expect(report.resumeOffset == 25856)
        #expect(report.userspaceResumeOffset == vector.resumeOffset)
        #expect(report.activation?.lowestPhysicalPage == 25857)
        #expect(report.undetermined == nil)
        #expect(!report.findings.contains { $0.severity == .error })
    }

    /// T2: a NOCOW file written in 64 KiB pieces interleaved with another file: 51 runs.
    @Test(arguments: [(nil, 4092, 51, 7292), (500, 1996, 25, 3580)] as [(UInt64?, UInt64, Int, UInt64)])
    func interleavedVectorMatchesTheKernel(maxPages: UInt64?, addingKiB: UInt64, extents: Int, acrossKiB: UInt64) throws {
        let vector = try BtrfsVector.load("btrfs-A.txt")
        let facts = btrfsAreaFacts(
            path: "/mnt/t/mb/A", size: vector.file.fileSize, lastPage: UInt32(vector.file.maxPages - 1), extents: vector.file.extents,
            btrfs: vector.btrfsFacts())
        let outcome = BtrfsSimulator.activate(facts, btrfs: vector.btrfsFacts(), pageSize: 4096, maxPages: maxPages ?? vector.file.maxPages)
        let activation = try #require(outcome.activation)
        #expect(activation.ok)
        #expect(activation.pages * 4 == addingKiB)
        #expect(activation.extentCount == extents)
        #expect(activation.spanPages * 4 == acrossKiB)
        #expect(activation.resumeOffset == vector.resumeOffset)
        #expect(outcome.mapSwapfileResumeOffset == vector.resumeOffset)
        #expect(activation.extents.reduce(0) { $0 + $1.pages } == activation.maxPages)
    }

    @Test func vectorChunkMapsParse() throws {
        let t1 = try BtrfsVector.load("btrfs-swapfile64m.txt")
        #expect(t1.chunks.count == 5)
        #expect(t1.chunks[3] == BtrfsChunk(logical: 63_963_136, length: 67_108_864, type: BtrfsLayout.blockGroupData, stripes: [BtrfsStripe(devid: 1, offset: 105_906_176)]))
        #expect(t1.chunks[1].profile == BtrfsLayout.profileDUP)
        let facts = t1.btrfsFacts()
        #expect(facts.chunk(containing: 63_963_136 + 67_108_863)?.logical == 63_963_136)
        #expect(facts.chunk(containing: 131_072_000 + 67_108_864) == nil)
        #expect(facts.chunk(containing: 13_631_487) == nil)
    }

    // MARK: the healthy case, merge rule and length rule

    @Test func contiguousItemsMergeIntoOneRunOnTheDevice() {
        let report = SmallBtrfs().report()
        #expect(report.kernelLog == "Adding 4092k swap on /mnt/t/mb/sw.  Priority:-2 extents:1 across:4092k")
        #expect(report.resumeOffset == SmallBtrfs.deviceOffset / 4096)
        #expect(report.userspaceResumeOffset == SmallBtrfs.deviceOffset / 4096)
        #expect(report.activation?.addressSpace == .device)
    }

    /// Logically contiguous items in chunks that are not adjacent on the device are two runs.
    @Test func logicallyContiguousItemsInDifferentChunksAreSeparateRuns() {
        var small = SmallBtrfs()
        // Chunk 0 ends at +8 MiB; an item straddling into chunk 1 would be split by btrfs, so put both
        // items on each side of the boundary, both mapped on device 1.
        small.chunks[1].stripes = [BtrfsStripe(devid: 1, offset: 100 * mebibyte)]
        small.items[0].diskBytenr = SmallBtrfs.chunkLogical + 6 * mebibyte
        small.items[1].diskBytenr = SmallBtrfs.chunkLogical + 8 * mebibyte
        let report = small.report()
        #expect(report.activation?.extentCount == 2)
        #expect(report.activation?.extents.map(\.physicalPage) == [(SmallBtrfs.deviceOffset + 6 * mebibyte) / 4096, 100 * mebibyte / 4096])
    }

    /// `len = isize - key.offset` when the item ends past ALIGN_DOWN(i_size, sectorsize): preallocated
    /// space beyond EOF does not reach the span.
    @Test func itemEndingPastTheFileSizeCountsOnlyUpToIt() {
        var small = SmallBtrfs()
        small.items[1].numBytes = 6 * mebibyte
        let activation = small.report().activation
        #expect(activation?.highestPhysicalPage == (SmallBtrfs.deviceOffset + 4 * mebibyte) / 4096 - 1)
        #expect(activation?.spanPages == 1023)
    }

    // MARK: refusals, in the kernel's order

    @Test func compressionIsCheckedBeforeCopyOnWrite() {
        var small = SmallBtrfs()
        small.compress = true
        small.noCow = false
        let report = small.report()
        #expect(report.kernelLog == warning("must not be compressed"))
        #expect(report.activation?.refusal?.errno == .invalidArgument)
        #expect(report.codes.contains(.compressed))
        let finding = report.finding(.compressed)
        #expect(finding?.message.hasPrefix("swapfile must not be compressed") == true)
        // create sets NOCOW and clears compression on the empty file, then preallocates.
        #expect(finding?.fix?.hasPrefix("swapinspect create --force /mnt/t/mb/sw --size 4194304 --page-size 4096") == true, "\(finding?.fix ?? "-")")
    }

    /// A file that got data before `chattr +C`: the attribute never took, so the inode is copy-on-write.
    @Test func fileWithoutNoCowIsCopyOnWrite() {
        var small = SmallBtrfs()
        small.noCow = false
        small.noDataSum = false
        let report = small.report()
        #expect(report.kernelLog == warning("must not be copy-on-write"))
        let finding = report.finding(.copyOnWrite)
        #expect(finding?.message.hasPrefix("swapfile must not be copy-on-write: the file lacks the NOCOW attribute") == true)
        #expect(finding?.fix?.hasPrefix("swapinspect create --force /mnt/t/mb/sw ") == true)
        #expect(report.resumeOffset == nil && report.userspaceResumeOffset == nil)
    }

    @Test func noCowWithChecksumsIsRefused() {
        var small = SmallBtrfs()
        small.noDataSum = false
        let report = small.report()
        #expect(report.kernelLog == warning("must not be checksummed"))
        #expect(report.codes.contains(.copyOnWrite))
    }

    /// Without the inode item NODATASUM is taken to follow NOCOW, and said so.
    @Test func unknownNoDataSumFollowsNoCow() {
        var small = SmallBtrfs()
        small.noDataSum = nil
        let report = small.report()
        #expect(report.activation?.ok == true)
        #expect(report.facts.notes.contains { $0.contains("NODATASUM") })
    }

    @Test func implicitHoleIsRefusedBeforeLaterProblems() {
        var small = SmallBtrfs()
        small.items[1].fileOffset += 4096  // gap at 2 MiB (NO_HOLES: no item)
        small.items[1].compression = 3
        let report = small.report()
        #expect(report.kernelLog == warning("must not have holes"))
        #expect(report.finding(.holes)?.message.contains("2097152..2101247") == true)
    }

    @Test func inlineItemIsRefused() {
        var small = SmallBtrfs()
        small.items[0] = BtrfsFileExtentItem(fileOffset: 0, ramBytes: 2 * mebibyte, type: .inline)
        #expect(small.report().kernelLog == warning("must not be inline"))
    }

    @Test func compressedItemIsRefused() {
        var small = SmallBtrfs()
        small.items[1].compression = 3
        let report = small.report()
        #expect(report.kernelLog == warning("must not be compressed"))
        #expect(report.finding(.compressed)?.message.contains("file offset 2097152") == true)
    }

    @Test func explicitHoleIsRefused() {
        var small = SmallBtrfs()
        small.items[1].diskBytenr = 0
        #expect(small.report().kernelLog == warning("must not have holes"))
    }

    /// The shared check comes before the chunk lookup: a shared extent in a RAID1 chunk is "copy-on-write".
    @Test func sharedIsCheckedBeforeTheProfile() {
        var small = SmallBtrfs()
        small.items[1].diskBytenr = SmallBtrfs.chunkLogical + 16 * mebibyte
        small.items[1].backrefs = [.data(root: 5, objectid: 257, offset: 2 * mebibyte, count: 1), .data(root: 5, objectid: 300, offset: 0, count: 1)]
        let report = small.report()
        #expect(report.kernelLog == warning("must not be copy-on-write"))
        #expect(report.finding(.sharedExtents)?.message.contains("inode 300 in subvolume 5") == true)
    }

    /// Items are checked one at a time: a RAID1 first item is refused for its profile before a later hole.
    @Test func profileOfAnEarlierItemComesBeforeALaterHole() {
        var small = SmallBtrfs()
        small.items[0].diskBytenr = SmallBtrfs.chunkLogical + 16 * mebibyte
        small.items[1].diskBytenr = 0
        let report = small.report()
        #expect(report.kernelLog == warning("must have single data profile"))
        #expect(report.codes.contains(.multipleDevices))
        #expect(report.finding(.multipleDevices)?.message.contains("RAID1") == true)
    }

    @Test func dupProfileIsRefused() {
        var small = SmallBtrfs()
        small.items[0].diskBytenr = SmallBtrfs.chunkLogical + 24 * mebibyte
        let report = small.report()
        #expect(report.kernelLog == warning("must have single data profile"))
        #expect(report.codes.contains(.unsupportedFilesystem))
    }

    /// The first item pins its device; an item on another device is refused.
    @Test func fileOnTwoDevicesIsRefused() {
        var small = SmallBtrfs()
        small.items[1].diskBytenr = SmallBtrfs.chunkLogical + 8 * mebibyte
        let report = small.report()
        #expect(report.kernelLog == warning("must be on one device"))
        let finding = report.finding(.multipleDevices)
        #expect(finding?.message.contains("device 1 (/dev/loop6)") == true)
        #expect(finding?.message.contains("device 2 (/dev/loop7)") == true)
    }

    /// The same file system on another device name: the message follows `sb->s_id`.
    @Test func kernelMessageNamesTheMountDevice() {
        var small = SmallBtrfs()
        small.noCow = false
        var facts = small.facts
        facts.btrfs?.kernelDeviceName = "dm-3"
        let report = Inspector.inspect(facts, options: InspectOptions(pageSize: 4096))
        #expect(report.kernelLog == "BTRFS warning (device dm-3): swapfile must not be copy-on-write")
    }

    // MARK: sharing (btrfs_is_data_extent_shared)

    /// A snapshot of a one-leaf subvolume adds a data reference from the snapshot's root.
    @Test func referenceFromASnapshotRootIsShared() {
        var small = SmallBtrfs()
        small.items[0].backrefs = [.data(root: 5, objectid: 257, offset: 0, count: 1), .data(root: 258, objectid: 257, offset: 0, count: 1)]
        let report = small.report()
        #expect(report.kernelLog == warning("must not be copy-on-write"))
        #expect(report.finding(.sharedExtents)?.message.contains("subvolume 258 references it too (a snapshot)") == true)
        // Deleting a snapshot deletes data: it is advice in the message, never a fix.
        #expect(report.finding(.sharedExtents)?.fix == nil)
        #expect(report.finding(.sharedExtents)?.message.contains("btrfs subvolume delete") == true)
    }

    /// Two items of the file in one data extent (a preallocated extent partly written) are one reference
    /// with count 2: not shared.
    @Test func splitItemsOfTheSameFileAreNotShared() {
        var small = SmallBtrfs()
        small.items[0].backrefs = [.data(root: 5, objectid: 257, offset: 0, count: 2)]
        #expect(small.report().activation?.ok == true)
    }

    /// Shared only through the tree (a snapshot of a larger subvolume): LOGICAL_INO finds the snapshot's
    /// root, but only if the extent is not newer than the last snapshot.
    @Test(arguments: [(UInt64(10), true), (UInt64(9), false)])
    func treeSharingDependsOnTheLastSnapshot(lastSnapshot: UInt64, shared: Bool) {
        var small = SmallBtrfs()
        small.lastSnapshot = lastSnapshot
        small.items[0].referencers = [BtrfsReferencer(inode: 257, offset: 0, root: 5), BtrfsReferencer(inode: 257, offset: 0, root: 260)]
        small.items[1].referencers = [BtrfsReferencer(inode: 257, offset: 2 * mebibyte, root: 5)]
        let report = small.report()
        #expect(report.activation?.ok == !shared)
        if shared {
            #expect(report.finding(.sharedExtents)?.message.contains("subvolume 260") == true)
        }
    }

    /// Not newer than the last snapshot and no referencers known: undetermined, unless FIEMAP answers.
    @Test func unknownTreeSharingIsUndeterminedWithoutFiemap() {
        var small = SmallBtrfs()
        small.lastSnapshot = 20
        let report = small.report()
        #expect(report.undetermined?.contains("shared") == true)
        #expect(report.activation == nil)

        var facts = small.facts
        facts.setExtents([FileExtent(logical: 0, physical: SmallBtrfs.chunkLogical, length: SmallBtrfs.size)])
        #expect(Inspector.inspect(facts, options: InspectOptions(pageSize: 4096)).activation?.ok == true)
    }

    /// FIEMAP_EXTENT_SHARED is the kernel's own answer; a disagreeing extent tree is noted, not followed.
    @Test func fiemapSharedFlagOverridesTheExtentTree() {
        let small = SmallBtrfs()
        var facts = small.facts
        facts.setExtents([
            FileExtent(logical: 0, physical: SmallBtrfs.chunkLogical, length: 2 * mebibyte),
            FileExtent(logical: 2 * mebibyte, physical: SmallBtrfs.chunkLogical + 2 * mebibyte, length: 2 * mebibyte, flags: [.shared, .unwritten]),
        ])
        let report = Inspector.inspect(facts, options: InspectOptions(pageSize: 4096))
        #expect(report.kernelLog == warning("must not be copy-on-write"))
        #expect(report.codes.contains(.sharedExtents))
        #expect(report.facts.notes.contains { $0.contains("following the kernel") })
    }

    // MARK: resume offsets

    /// The kernel adds the item's extent offset; map-swapfile and systemd use disk_bytenr alone.
    @Test func firstItemWithAnExtentOffsetMakesMapSwapfileWrong() {
        var small = SmallBtrfs()
        small.items[0].offset = 4096
        small.items[0].numBytes -= 4096
        small.items[1].fileOffset -= 4096
        small.items[1].numBytes += 4096
        small.items[1].diskBytenr = small.items[0].diskBytenr + 2 * mebibyte
        let report = small.report()
        #expect(report.resumeOffset == SmallBtrfs.deviceOffset / 4096 + 1)
        #expect(report.userspaceResumeOffset == SmallBtrfs.deviceOffset / 4096)
    }

    @Test func mapSwapfileStripeFormulaAndRefusals() {
        var small = SmallBtrfs()
        #expect(BtrfsSimulator.mapSwapfileResumeOffset(small.btrfs, pageSize: 4096) == SmallBtrfs.deviceOffset / 4096)
        // "file stored on multiple devices" only breaks the loop: the offset is still printed.
        small.items[1].diskBytenr = SmallBtrfs.chunkLogical + 8 * mebibyte
        #expect(BtrfsSimulator.mapSwapfileResumeOffset(small.btrfs, pageSize: 4096) == SmallBtrfs.deviceOffset / 4096)
        // "unsupported block group profile: 16"
        small.items[1].diskBytenr = SmallBtrfs.chunkLogical + 16 * mebibyte
        #expect(BtrfsSimulator.mapSwapfileResumeOffset(small.btrfs, pageSize: 4096) == nil)
        // A 64K-page machine divides by its own page size.
        #expect(BtrfsSimulator.mapSwapfileResumeOffset(SmallBtrfs().btrfs, pageSize: 65536) == SmallBtrfs.deviceOffset / 65536)
    }

    // MARK: without root (no items, no chunk tree)

    func unprivileged(_ extents: [FileExtent], dataSpaces: [UInt64]? = [BtrfsLayout.blockGroupData], devices: Int = 1) -> Report {
        var btrfs = SmallBtrfs().btrfs
        btrfs.items = nil
        btrfs.chunks = nil
        btrfs.noDataSum = nil
        btrfs.lastSnapshot = nil
        btrfs.deviceCount = devices
        btrfs.dataSpaceFlags = dataSpaces
        let facts = btrfsAreaFacts(size: SmallBtrfs.size, lastPage: 1023, extents: extents, btrfs: btrfs)
        return Inspector.inspect(facts, options: InspectOptions(pageSize: 4096))
    }

    static let logicalExtents = [
        FileExtent(logical: 0, physical: SmallBtrfs.chunkLogical, length: 2 * mebibyte),
        FileExtent(logical: 2 * mebibyte, physical: SmallBtrfs.chunkLogical + 2 * mebibyte, length: 2 * mebibyte, flags: [.unwritten, .last]),
    ]

    /// Single data, one device: the verdict and the page count are certain; the addresses are logical.
    @Test func withoutRootTheVerdictStandsOnLogicalAddresses() {
        let report = unprivileged(Self.logicalExtents)
        #expect(report.undetermined == nil)
        #expect(report.activation?.ok == true)
        #expect(report.activation?.pages == 1023)
        #expect(report.activation?.addressSpace == .btrfsLogical)
        #expect(report.activation?.extentCount == 1)
        #expect(report.resumeOffset == nil && report.userspaceResumeOffset == nil)
    }

    @Test func withoutRootRaid1OnlyDataIsRefused() {
        let report = unprivileged(Self.logicalExtents, dataSpaces: [BtrfsLayout.blockGroupData | 1 << 4], devices: 2)
        #expect(report.kernelLog == warning("must have single data profile"))
    }

    /// Two devices, single data: which device each extent is on needs the chunk tree: exit 2.
    @Test func withoutRootTwoDevicesAreUndetermined() {
        let report = unprivileged(Self.logicalExtents, devices: 2)
        #expect(report.activation == nil)
        #expect(report.undetermined?.contains("device holding file offset 2097152") == true)
    }

    /// A refusal FIEMAP sees stays certain even when an earlier check is unknown (here the first extent's
    /// data profile, with single and RAID1 data on the file system).
    @Test func withoutRootASharedExtentIsRefusedDespiteAnUnknownProfile() {
        var extents = Self.logicalExtents
        extents[1].flags.insert(.shared)
        let report = unprivileged(extents, dataSpaces: [BtrfsLayout.blockGroupData, BtrfsLayout.blockGroupData | 1 << 4], devices: 2)
        #expect(report.undetermined == nil)
        #expect(report.kernelLog == warning("must not be copy-on-write"))
        #expect(report.facts.notes.contains { $0.contains("may report an earlier check") })
    }

    @Test func withoutRootFiemapHolesInlineAndCompressionAreRefused() {
        #expect(unprivileged([Self.logicalExtents[0]]).kernelLog == warning("must not have holes"))
        var compressed = Self.logicalExtents
        compressed[0].flags = [.encoded]
        #expect(unprivileged(compressed).kernelLog == warning("must not be compressed"))
        #expect(unprivileged([FileExtent(logical: 0, physical: 0, length: 4 * mebibyte, flags: [.inline])]).kernelLog == warning("must not be inline"))
    }

    @Test func delayedAllocationIsUndetermined() {
        var extents = Self.logicalExtents
        extents[1] = FileExtent(logical: 2 * mebibyte, physical: 0, length: 2 * mebibyte, flags: [.delalloc, .unknown])
        let report = unprivileged(extents)
        #expect(report.undetermined?.contains("--sync") == true)
    }

    // MARK: model choice

    @Test func otherModelsDoNotApplyToBtrfs() {
        let report = Inspector.inspect(SmallBtrfs().facts, options: InspectOptions(pageSize: 4096, model: .forced(.iomap)))
        #expect(report.undetermined?.contains("btrfs_swap_activate") == true)
        let ext4 = swapFileFacts(path: "/x", size: 4 * mebibyte, lastPage: 1023, extents: [], filesystem: ext4Filesystem(4096))
        let forced = Inspector.inspect(ext4, options: InspectOptions(pageSize: 4096, model: .forced(.btrfs)))
        #expect(forced.undetermined?.contains("only to files on btrfs") == true)
    }

    /// A bad header is reported first; the btrfs layout's own problem is reported too.
    @Test func headerRefusalStillReportsTheLayoutProblem() {
        var small = SmallBtrfs()
        small.noCow = false
        var facts = small.facts
        facts.headerBytes = HeaderForge(magic: nil).bytes()
        let report = Inspector.inspect(facts, options: InspectOptions(pageSize: 4096))
        #expect(report.kernelLog == "Unable to find swap-space signature")
        #expect(report.codes.contains(.noSignature) && report.codes.contains(.copyOnWrite))
    }

    // MARK: on-disk layouts

    func le(_ value: UInt64, _ bytes: Int = 8) -> [UInt8] { (0..<bytes).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    @Test func fileExtentItemDecodes() throws {
        let bytes = le(7) + le(1 << 20) + [0, 0] + le(0, 2) + [2] + le(13_631_488) + le(1 << 20) + le(4096) + le(1 << 20 - 4096)
        let item = try #require(BtrfsLayout.fileExtentItem(fileOffset: 4096, bytes))
        #expect(item.type == .prealloc && item.generation == 7 && item.diskBytenr == 13_631_488)
        #expect(item.offset == 4096 && item.numBytes == (1 << 20) - 4096 && item.end(sectorSize: 4096) == 1 << 20)
        let inline = try #require(BtrfsLayout.fileExtentItem(fileOffset: 0, le(7) + le(100) + [0, 0, 0, 0, 0] + [UInt8](repeating: 1, count: 100)))
        #expect(inline.type == .inline && inline.end(sectorSize: 4096) == 4096)
        #expect(BtrfsLayout.fileExtentItem(fileOffset: 0, le(7) + le(1) + [0, 0, 0, 0, 1]) == nil)
    }

    @Test func chunkDecodes() throws {
        var bytes = le(1 << 30) + le(2) + le(65536) + le(BtrfsLayout.blockGroupData | 1 << 4) + le(65536, 4) + le(65536, 4) + le(4096, 4)
        bytes += le(2, 2) + le(0, 2)
        bytes += le(1) + le(1 << 20) + [UInt8](repeating: 0, count: 16)
        bytes += le(2) + le(2 << 20) + [UInt8](repeating: 0, count: 16)
        let chunk = try #require(BtrfsLayout.chunk(logical: 1 << 40, bytes))
        #expect(chunk.stripes == [BtrfsStripe(devid: 1, offset: 1 << 20), BtrfsStripe(devid: 2, offset: 2 << 20)])
        #expect(chunk.profile == 1 << 4 && BtrfsLayout.profileName(chunk.profile) == "RAID1")
    }

    @Test func inlineBackrefsDecode() throws {
        let header = le(3) + le(9) + le(1)
        let dataRef = [BtrfsLayout.extentDataRefKey] + le(5) + le(257) + le(0) + le(2, 4)
        let sharedRef = [BtrfsLayout.sharedDataRefKey] + le(30_408_704) + le(1, 4)
        let owner = [BtrfsLayout.extentOwnerRefKey] + le(5)
        let refs = try #require(BtrfsLayout.inlineBackrefs(header + dataRef + sharedRef + owner))
        #expect(refs == [.data(root: 5, objectid: 257, offset: 0, count: 2), .sharedData(parent: 30_408_704, count: 1), .other(type: BtrfsLayout.extentOwnerRefKey)])
        #expect(BtrfsLayout.inlineBackrefs(header + [99]) == nil)
        #expect(BtrfsLayout.lastSnapshot([UInt8](repeating: 0, count: 200) + le(42)) == 42)
    }
}
