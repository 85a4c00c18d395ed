import Foundation
import SwapInspectCore
import Testing

/// A kernel-verified layout from Tests/Fixtures: the header comment, `filefrag -v`'s file size,
/// block size and extents (units: file system blocks; converted to bytes here).
struct VectorFile {
    var name: String
    var maxPages: UInt64
    var fileSize: UInt64
    var blockSize: UInt64
    var extents: [FileExtent]
    /// `N extents found` as filefrag counted them (physically contiguous rows count once).
    var reportedExtentCount: Int

    var physicallyDiscontiguousRuns: Int {
        zip(extents.dropFirst(), extents).filter { $0.physical != $1.physical + $1.length }.count + (extents.isEmpty ? 0 : 1)
    }

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    /// `<root>/Tests/Fixtures`, found from this file (`<root>/Tests/SwapInspectCoreTests/VectorFileTests.swift`).
    static let folder: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(2)  // file name, SwapInspectCoreTests
        return (parts + ["Fixtures"]).joined(separator: "/")
    }()

    /// A missing folder fails the test with its path: the vectors are part of the repository.
    static func requireFolder() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ParseError(description: "the kernel-verified vectors are missing: no folder \(folder) (Tests/Fixtures in the repository)")
        }
    }

    /// The ext2/3/4 and XFS vectors in the folder (the btrfs ones, with their chunk maps, are BtrfsModelTests').
    static func listing() throws -> [String] {
        try requireFolder()
        return try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasSuffix(".txt") && !$0.hasPrefix("btrfs-") }
            .sorted()
    }

    static func load(_ name: String) throws -> VectorFile {
        let path = folder + "/" + name
        try requireFolder()
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ParseError(description: "vector \(name) is missing from \(folder)")
        }
        return try parse(String(decoding: data, as: UTF8.self), name: name)
    }

    static func parse(_ text: String, name: String) throws -> VectorFile {
        var maxPages: UInt64?
        var fileSize: UInt64?
        var blockSize: UInt64?
        var reported: Int?
        var extents: [FileExtent] = []

        func number(after marker: String, in line: Substring) -> UInt64? {
            guard let range = line.range(of: marker) else { return nil }
            return UInt64(line[range.upperBound...].prefix { $0.isNumber })
        }

        for line in text.split(separator: "\n") {
            if line.hasPrefix("# header:") {
                maxPages = number(after: "=> maxpages ", in: line)
            } else if line.hasPrefix("File size of ") {
                fileSize = number(after: " is ", in: line)
                blockSize = number(after: " blocks of ", in: line)
            } else if line.hasSuffix(" extents found") || line.hasSuffix(" extent found") {
                reported = Int(line.split(separator: " ").dropLast(2).last ?? "")
            } else if let first = line.first(where: { $0 != " " }), first.isNumber {
                // "   1:       32..      47:       3376..      3391:     16:       3360: last,eof"
                let fields = line.split(separator: ":", omittingEmptySubsequences: false)
                guard fields.count >= 5, let block = blockSize else {
                    throw ParseError(description: "\(name): unexpected extent line: \(line)")
                }
                let logical = fields[1].split(separator: ".").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
                let physical = fields[2].split(separator: ".").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
                guard logical.count == 2, physical.count == 2,
                    let length = UInt64(fields[3].trimmingCharacters(in: .whitespaces))
                else { throw ParseError(description: "\(name): unreadable extent line: \(line)") }
                guard logical[1] - logical[0] + 1 == length, physical[1] - physical[0] + 1 == length else {
                    throw ParseError(description: "\(name): inconsistent extent line: \(line)")
                }
                var flags: ExtentFlags = []
                // The "expected" column (and its colon) is printed only after a discontiguity.
                for flag in (fields.count > 5 ? fields[5] : fields[4]).split(separator: ",") {
                    switch flag.trimmingCharacters(in: .whitespaces) {
                    case "unwritten": flags.insert(.unwritten)
                    case "shared": flags.insert(.shared)
                    case "inline": flags.insert(.inline)
                    case "delalloc": flags.insert(.delalloc)
                    case "unknown_loc": flags.insert(.unknown)
                    case "encoded": flags.insert(.encoded)
                    case "last": flags.insert(.last)
                    case "merged": flags.insert(.merged)
                    case "eof", "": break
                    case let other: throw ParseError(description: "\(name): unknown filefrag flag \(other)")
                    }
                }
                extents.append(
                    FileExtent(logical: logical[0] * block, physical: physical[0] * block, length: length * block, flags: flags))
            }
        }
        guard let maxPages, let fileSize, let blockSize, let reported else {
            throw ParseError(description: "\(name): missing header comment, file size or extent count")
        }
        return VectorFile(
            name: name, maxPages: maxPages, fileSize: fileSize, blockSize: blockSize, extents: extents,
            reportedExtentCount: reported)
    }
}

/// What the 6.18 kernel printed for a vector (vectors/README.md), in KiB as printed.
struct VectorExpectation: Sendable, CustomTestStringConvertible {
    var file: String
    /// Override of the header's maxpages (the README's "with max N" variants).
    var maxPages: UInt64?
    var addingKiB: UInt64
    var extents: Int
    var acrossKiB: UInt64
    var example: String

    var testDescription: String { "\(example): \(file)" + (maxPages.map { " max \($0)" } ?? "") }

    static let all: [VectorExpectation] = [
        .init(file: "ext4-4k-1g-sw200.txt", addingKiB: 204_796, extents: 1, acrossKiB: 204_796, example: "E4"),
        .init(file: "ext4-4k-big150.txt", addingKiB: 153_596, extents: 3, acrossKiB: 245_588, example: "E3"),
        .init(file: "ext4-4k-1g-fa300.txt", addingKiB: 307_196, extents: 4, acrossKiB: 356_348, example: "E5"),
        .init(file: "ext4-4k-fr4-max100.txt", addingKiB: 396, extents: 1, acrossKiB: 1972, example: "E2c"),
        .init(file: "ext4-4k-fr4-max100.txt", maxPages: 1000, addingKiB: 3996, extents: 5, acrossKiB: 20720, example: "E2a"),
        .init(file: "ext4-4k-fr4-max100.txt", maxPages: 500, addingKiB: 1996, extents: 2, acrossKiB: 20364, example: "E2b"),
        .init(file: "ext4-1k-sw1.txt", addingKiB: 1248, extents: 267, acrossKiB: 8868, example: "F1"),
        .init(file: "ext4-1k-m1b-sw.txt", addingKiB: 592, extents: 2, acrossKiB: 944, example: "F3"),
        .init(file: "ext2-1k-sw.txt", addingKiB: 16348, extents: 8, acrossKiB: 21736, example: "F5"),
        .init(file: "xfs-1k-sw.txt", addingKiB: 2756, extents: 449, acrossKiB: 22640, example: "X3"),
    ]
}

@Suite("Kernel-verified vectors (Tests/Fixtures)")
struct VectorFileTests {
    @Test(arguments: VectorExpectation.all)
    func iomapModelReproducesTheKernelsAddingLine(_ expectation: VectorExpectation) throws {
        let vector = try VectorFile.load(expectation.file)
        let activation = ActivationSimulator.iomap(
            extents: vector.extents, fileSize: vector.fileSize, pageSize: 4096,
            maxPages: expectation.maxPages ?? vector.maxPages, path: "/mnt/t/" + vector.name)
        #expect(activation.ok)
        #expect(activation.pages * 4 == expectation.addingKiB)
        #expect(activation.extentCount == expectation.extents)
        #expect(activation.spanPages * 4 == expectation.acrossKiB)
        // The extent list is what the count counts, and its pages add up to max.
        #expect(activation.extents.count == expectation.extents)
        #expect(activation.extents.reduce(0) { $0 + $1.pages } == activation.maxPages)
        #expect(activation.maxPages == activation.pages + 1)
    }

    @Test func everyExtFamilyAndXfsVectorHasAnExpectation() throws {
        let files = try VectorFile.listing()
        #expect(files == Set(VectorExpectation.all.map(\.file)).sorted())
        #expect(files.count == 8)
    }

    @Test(arguments: Set(VectorExpectation.all.map(\.file)).sorted())
    func vectorListingParsesCompletely(_ file: String) throws {
        let vector = try VectorFile.load(file)
        #expect(vector.physicallyDiscontiguousRuns == vector.reportedExtentCount)
        #expect(vector.blockSize == 1024 || vector.blockSize == 4096)
        // The listing covers the whole file, in order, without gaps.
        var next: UInt64 = 0
        for extent in vector.extents {
            #expect(extent.logical == next)
            next = extent.logicalEnd
        }
        #expect(next == (vector.fileSize + vector.blockSize - 1) / vector.blockSize * vector.blockSize)
    }

    @Test func headerFieldsOfTheVectorsAreRead() throws {
        let m1b = try VectorFile.load("ext4-1k-m1b-sw.txt")
        #expect(m1b.maxPages == 150)
        #expect(m1b.fileSize == 614_400)
        #expect(m1b.blockSize == 1024)
        #expect(
            m1b.extents == [
                FileExtent(logical: 0, physical: 2750 * 1024, length: 510 * 1024),
                FileExtent(logical: 510 * 1024, physical: 2316 * 1024, length: 90 * 1024, flags: [.last]),
            ])
        let fa = try VectorFile.load("ext4-4k-1g-fa300.txt")
        #expect(fa.extents.map(\.flags.names) == [[], ["unwritten"], ["unwritten"], ["unwritten"], ["unwritten", "last"]])
    }

    // F1: the run at file offset 0 gives the header page 600 but the span starts at 601.
    @Test func oneKiBBlocksLoseUnalignedHeadAndTail() throws {
        let vector = try VectorFile.load("ext4-1k-sw1.txt")
        let activation = ActivationSimulator.iomap(
            extents: vector.extents, fileSize: vector.fileSize, pageSize: 4096, maxPages: vector.maxPages, path: "/mnt/t/m1/sw1")
        #expect(activation.pages == 312)
        #expect(activation.extents.first?.physicalPage == 600)
        #expect(activation.lowestPhysicalPage == 601)
        #expect(activation.resumeOffset == 600)
    }

    // F1: "The generic model on the same layout would print across:8860k (lowest 603)".
    @Test func genericModelOnTheF1LayoutStartsItsSpanAtTheSecondPage() throws {
        let vector = try VectorFile.load("ext4-1k-sw1.txt")
        let activation = ActivationSimulator.generic(
            extents: vector.extents, fileSize: vector.fileSize, blockSize: Int(vector.blockSize), pageSize: 4096,
            maxPages: vector.maxPages, path: "/mnt/t/m1/sw1")
        #expect(activation.ok)
        #expect(activation.spanPages * 4 == 8860)
        #expect(activation.lowestPhysicalPage == 603)
        #expect(activation.extents.first?.physicalPage == 600)
    }

    // F3: runs [2750..3259] and [2316..2405] in 1K blocks -> pages 688..814 and 579..600.
    @Test func misalignedFirstRunRoundsTheHeaderPageUp() throws {
        let vector = try VectorFile.load("ext4-1k-m1b-sw.txt")
        let activation = ActivationSimulator.iomap(
            extents: vector.extents, fileSize: vector.fileSize, pageSize: 4096, maxPages: vector.maxPages, path: "/mnt/t/m1b/sw")
        #expect(activation.extents == [
            SwapExtent(swapPage: 0, physicalPage: 688, pages: 127),
            SwapExtent(swapPage: 127, physicalPage: 579, pages: 22),
        ])
        #expect(activation.lowestPhysicalPage == 579)
        #expect(activation.highestPhysicalPage == 814)
        #expect(activation.resumeOffset == 688)
    }

    // E2: a header shorter than the file clamps the pages, never the span end (`highest` uses the run's end).
    @Test func clampedRunsKeepTheUnclampedSpanEnd() throws {
        let vector = try VectorFile.load("ext4-4k-fr4-max100.txt")
        let e2c = ActivationSimulator.iomap(
            extents: vector.extents, fileSize: vector.fileSize, pageSize: 4096, maxPages: 100, path: "/mnt/t/m4/fr4")
        #expect(e2c.lowestPhysicalPage == 36898)
        #expect(e2c.highestPhysicalPage == 37390)
        #expect(e2c.extents == [SwapExtent(swapPage: 0, physicalPage: 36897, pages: 100)])

        let e2b = ActivationSimulator.iomap(
            extents: vector.extents, fileSize: vector.fileSize, pageSize: 4096, maxPages: 500, path: "/mnt/t/m4/fr4")
        #expect(e2b.extents == [
            SwapExtent(swapPage: 0, physicalPage: 36897, pages: 494),
            SwapExtent(swapPage: 494, physicalPage: 32300, pages: 6),
        ])
        // Run 2 is clamped to 6 pages; its unclamped end (32767) is below run 1's end, 37390.
        #expect(e2b.lowestPhysicalPage == 32300)
        #expect(e2b.highestPhysicalPage == 37390)

        let e2a = ActivationSimulator.iomap(
            extents: vector.extents, fileSize: vector.fileSize, pageSize: 4096, maxPages: 1000, path: "/mnt/t/m4/fr4")
        #expect(e2a.lowestPhysicalPage == 32300)
        #expect(e2a.highestPhysicalPage == 37479)
        #expect(e2a.spanPages == 5180)
    }

    // F5: ext2 format, runs split by indirect blocks; the first run starts at block 786 -> header page 197.
    @Test func indirectMappedFileStartsAtTheFirstAlignedPage() throws {
        let vector = try VectorFile.load("ext2-1k-sw.txt")
        let activation = ActivationSimulator.iomap(
            extents: vector.extents, fileSize: vector.fileSize, pageSize: 4096, maxPages: vector.maxPages, path: "/mnt/t/me2/sw")
        #expect(activation.extents.first?.physicalPage == 197)
        #expect(activation.resumeOffset == 197)
    }
}
