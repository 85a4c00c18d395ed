import SwapInspectCore
import Testing

/// What the layout and btrfs fuzzers (fuzz/Sources/FuzzLayout, FuzzBtrfs) found, as facts. The raw inputs
/// are kept in fuzz/regressions/TARGET/ and are replayed by every `make fuzz`.
@Suite("fuzz regressions")
struct FuzzRegressionTests {
    let kib: UInt64 = 1024

    /// crash-e0635286: an extent whose device offset is near 2^64 trapped on arithmetic overflow in the
    /// generic model. No file system reports such a map: the area is undetermined, with a reason.
    @Test(arguments: [FilesystemMagic.msdos, FilesystemMagic.ext])
    func extentPastTheLargestOffsetIsUndeterminedNotACrash(_ magic: UInt64) {
        let kind = FilesystemCatalog.classify(magic: magic, mountType: nil, ext4Driver: true)
        for extent in [
            FileExtent(logical: 0, physical: .max - 100, length: 16 * kib),
            FileExtent(logical: .max - 10, physical: 1 << 20, length: 16 * kib),
            FileExtent(logical: 0, physical: 1 << 20, length: 1 << 63),
        ] {
            let facts = AreaFacts(
                path: "/fuzz/swapfile", kind: .file, size: 16 * kib,
                filesystem: FilesystemFacts(kind: kind, blockSize: 1024, device: "/dev/fuzz"),
                headerBytes: HeaderForge(lastPage: 3).bytes(), extents: [extent])
            let report = Inspector.inspect(facts, options: InspectOptions(pageSize: 4096))
            #expect(report.undetermined?.contains("extent map is corrupt") == true, "\(extent)")
            #expect(report.activation == nil)
        }
        let huge = AreaFacts(
            path: "/fuzz/swapfile", kind: .file, size: .max,
            filesystem: FilesystemFacts(kind: kind, blockSize: 1024, device: "/dev/fuzz"),
            headerBytes: HeaderForge(lastPage: 3).bytes(), extents: [])
        #expect(Inspector.inspect(huge, options: InspectOptions(pageSize: 4096)).undetermined?.contains("file size") == true)
    }

    /// timeout-84e18abe: a 4 TiB file on 1 KiB blocks, its run one block off a page boundary, hung the
    /// generic model (a kernel-style walk of 4 billion blocks). It now steps a whole extent at a time:
    /// three blocks slid, then every whole page at once, as the kernel's loop would end up.
    @Test(.timeLimit(.minutes(1)))
    func hugeMisalignedGenericFileIsPredictedAtOnce() {
        let size: UInt64 = 4 << 40
        let extent = FileExtent(logical: 0, physical: (1 << 30) + kib, length: size, flags: .last)
        let activation = ActivationSimulator.generic(
            extents: [extent], fileSize: size, blockSize: 1024, pageSize: 4096, maxPages: size / 4096, path: "/fuzz/swapfile")
        let firstPage: UInt64 = ((1 << 30) / kib + 4) / 4  // block 1048577 slides to 1048580
        let pages: UInt64 = (size / kib - 3) / 4
        #expect(activation.ok)
        #expect(activation.maxPages == pages)
        #expect(activation.extents == [SwapExtent(swapPage: 0, physicalPage: firstPage, pages: pages)])
        #expect(activation.lowestPhysicalPage == firstPage + 1)
        #expect(activation.highestPhysicalPage == firstPage + pages - 1)
    }

    /// FuzzBtrfs crash-aff59854: a delayed-allocation FIEMAP extent of length 0 at file byte 0 underflowed
    /// the message's last byte. crash-a24ae017: the same for an explicit hole item of 0 bytes.
    @Test func emptyExtentsAreNamedWithoutUnderflow() {
        var small = SmallBtrfs()
        var facts = small.facts
        facts.setExtents([FileExtent(logical: 0, physical: 0, length: 0, flags: [.delalloc, .unknown])])
        let delayed = Inspector.inspect(facts, options: InspectOptions(pageSize: 4096))
        #expect(delayed.undetermined?.contains("data at file bytes 0..0 is not yet on disk") == true, "\(delayed.undetermined ?? "")")

        small.items = [BtrfsFileExtentItem(fileOffset: 0, generation: 10, type: .regular, diskBytenr: 0, numBytes: 0)]
        let hole = small.report()
        #expect(hole.findings.contains { $0.code == .holes && $0.message.contains("file bytes 0 are an explicit hole") }, "\(hole.findings)")
    }

    /// FuzzBtrfs crash-05d7af17: a chunk without stripes indexed stripe 0. Like byte numbers past 2^62 in an
    /// extent item or the chunk map, it cannot come from a sound file system: undetermined, with the reason.
    @Test func corruptChunkMapIsUndeterminedNotACrash() {
        var small = SmallBtrfs()
        small.chunks[0].stripes = []
        #expect(small.report().undetermined == "the btrfs metadata is corrupt: the chunk at logical \(SmallBtrfs.chunkLogical) has no stripes")
        small = SmallBtrfs()
        small.chunks[1].length = .max
        #expect(small.report().undetermined?.contains("holds a byte number past 2^62") == true)
        small = SmallBtrfs()
        small.items[1].offset = 1 << 63
        #expect(small.report().undetermined?.contains("the extent item at file offset \(2 * mebibyte)") == true)
        small = SmallBtrfs()
        small.items[1].numBytes = .max - mebibyte
        #expect(small.report().undetermined?.contains("the extent item at file offset \(2 * mebibyte)") == true)
    }

    /// File offsets past 4 EiB are real on btrfs (a preallocation or an explicit hole out there): the file
    /// side is bounded by 2^63 only, so such a file is judged, not called corrupt.
    @Test func fileSideNumbersUpToTwoToTheSixtyThreeArePlausible() {
        var small = SmallBtrfs()
        small.items.append(
            BtrfsFileExtentItem(
                fileOffset: 5 << 60, generation: 10, type: .prealloc, diskBytenr: SmallBtrfs.chunkLogical + 4 * mebibyte,
                diskNumBytes: mebibyte, numBytes: mebibyte))
        #expect(small.btrfs.implausibility == nil)
        small.items.append(BtrfsFileExtentItem(fileOffset: 6 << 60, generation: 10, ramBytes: 1 << 60, type: .regular, diskBytenr: 0, numBytes: 1 << 60))
        #expect(small.btrfs.implausibility == nil)
    }
}
