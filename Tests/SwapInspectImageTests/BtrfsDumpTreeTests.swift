import Foundation
import Glibc
import SwapInspectCore
@testable import SwapInspectImage
import SwapInspectTestSupport
import Testing

/// The dump-tree parser on our own recorded dumps (Tests/Fixtures/dump-tree: `btrfs inspect-internal
/// dump-tree --hide-names` of a 128 MiB image made with `mkfs.btrfs --rootdir`, btrfs-progs 6.2) and
/// on forged ones; then whole images built without root (mkfs.btrfs --rootdir): the fstab, hostile
/// names, a second device, and corrupted or truncated copies, which must never crash or hang.
@Suite struct BtrfsDumpTreeTests {
    static let folder: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(2)
        return (parts + ["Fixtures", "dump-tree"]).joined(separator: "/")
    }()

    static func parse(_ text: String, wants: @escaping (BtrfsKey) -> Bool = { _ in true }) throws(BtrfsDumpProblem) -> BtrfsDumpParser {
        var parser = BtrfsDumpParser(wants: wants)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) { try parser.consume(Substring(line)) }
        try parser.finish()
        return parser
    }

    static func fixture(_ name: String) throws -> String {
        try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
    }

    @Test func fsTreeFixtureParsesWithItsHashesAndSizes() throws {
        let parser = try Self.parse(try Self.fixture("fs-tree.txt"))
        #expect(parser.items.count == 28)
        #expect(zip(parser.items, parser.items.dropFirst()).allSatisfy { $0.key < $1.key })
        // The 4 MiB swap file's inode, and the DIR_ITEM naming it: its key offset is btrfs_name_hash("swapfile").
        let inode = try #require(parser.items.first { $0.key.type == BtrfsLayout.inodeItemKey && $0.number("size") == 4 << 20 })
        let entry = try #require(parser.items.first { $0.key.type == 84 && $0.body.first?.contains("(\(inode.key.objectid) INODE_ITEM 0)") == true })
        #expect(entry.key.offset == UInt64(BtrfsNameHash.hash(Array("swapfile".utf8))))
        #expect(entry.leaf == 30_441_472 && entry.itemOffset == 16073 && entry.itemSize == 38)
        #expect(BtrfsNameHash.hash(Array("default".utf8)) == 2_378_154_706)
        #expect(BtrfsNameHash.hash(Array("link".utf8)) == 2_885_771_098)
        let extents = parser.items.filter { $0.key.type == BtrfsLayout.extentDataKey && $0.key.objectid == inode.key.objectid }
        #expect(extents.count == 4 && extents.allSatisfy { $0.number("generation", line: 0) == 7 })
    }

    @Test func chunkTreeFixtureGivesTheChunkMap() throws {
        let parser = try Self.parse(try Self.fixture("chunk-tree.txt")) { $0.type == BtrfsLayout.chunkItemKey }
        let chunks = parser.items.compactMap(BtrfsOffline.chunk)
        #expect(chunks.count == parser.items.count && chunks.count >= 3)
        #expect(chunks.contains { $0.type == BtrfsLayout.blockGroupData && $0.stripes.count == 1 })
        #expect(chunks.contains { $0.type == BtrfsLayout.blockGroupMetadata | BtrfsLayout.profileDUP && $0.stripes.count == 2 })
        #expect(BtrfsOffline.blockGroupFlags("DATA|METADATA|RAID1C3") == 1 | 4 | 512)
        #expect(BtrfsOffline.blockGroupFlags("DATA|RAID7") == nil)
    }

    @Test func keysAsPrintTreePrintsThem() {
        #expect(BtrfsDumpParser.key("FS_TREE ROOT_ITEM 18446744073709551615") == BtrfsKey(objectid: 5, type: 132, offset: .max))
        #expect(BtrfsDumpParser.key("TREE_RELOC ROOT_ITEM FS_TREE") == BtrfsKey(objectid: UInt64(bitPattern: -8), type: 132, offset: 5))
        #expect(BtrfsDumpParser.key("0 QGROUP_INFO 1/5") == BtrfsKey(objectid: 0, type: 242, offset: 1 << 48 | 5))
        #expect(BtrfsDumpParser.key("13631488 UNKNOWN.172 -1") == BtrfsKey(objectid: 13_631_488, type: 172, offset: .max))
        #expect(BtrfsDumpParser.key("256 NO_SUCH_TYPE 0") == nil)
        #expect(BtrfsDumpParser.key("256 INODE_ITEM") == nil)
        #expect(BtrfsDumpParser.number("0x1f") == 31 && BtrfsDumpParser.number("18446744073709551616") == nil && BtrfsDumpParser.number("12a") == nil)
    }

    /// A root tree leaf whose subvolume name (`name`) is printed raw, as btrfs-progs prints it.
    static func rootLeaf(name: String, itemSize: Int? = nil) -> String {
        let size = itemSize ?? 18 + name.utf8.count
        return """
            leaf 1000 items 3 free space 0 generation 9 owner ROOT_TREE
            leaf 1000 flags 0x1(WRITTEN) backref revision 1
            \titem 0 key (256 ROOT_ITEM 0) itemoff 15844 itemsize 439
            \t\tgeneration 8 root_dirid 256 bytenr 30654464 byte_limit 0 bytes_used 16384
            \titem 1 key (256 ROOT_BACKREF 5) itemoff 15000 itemsize \(size)
            \t\troot backref key dirid 256 sequence 3 name \(name)
            \titem 2 key (257 ROOT_ITEM 0) itemoff 14000 itemsize 439
            \t\tgeneration 8 root_dirid 256 bytenr 30670848 byte_limit 0 bytes_used 16384
            total bytes 314572800

            """
    }

    @Test func aSubvolumeNameWithALineBreakAndAForgedItemIsOnlyAName() throws {
        let forged = "x\n\titem 2 key (999 ROOT_ITEM 0) itemoff 1 itemsize 439\n\t\tgeneration 1 root_dirid 256 bytenr 1"
        let parser = try Self.parse(Self.rootLeaf(name: forged))
        #expect(parser.items.map(\.key.objectid) == [256, 256, 257])
        #expect(parser.items[2].number("bytenr") == 30_670_848)
        // Invalid UTF-8 in the name counts by its bytes, not by what it decodes to.
        var parserBytes = BtrfsDumpParser(wants: { _ in true })
        var splitter = LineSplitter()
        let raw = Array(Self.rootLeaf(name: "ab\n\u{7f}").utf8).map { $0 == 0x7F ? 0xFF : $0 }
        try splitter.feed(raw[...]) { (line) throws(BtrfsDumpProblem) in try parserBytes.consume(line) }
        try splitter.finish { (line) throws(BtrfsDumpProblem) in try parserBytes.consume(line) }
        try parserBytes.finish()
        #expect(parserBytes.items.count == 3)
    }

    @Test func forgedOrBrokenStructureIsRefused() {
        // The name is shorter than the forged text after it: the forged item is out of place.
        let forged = "x\n\titem 2 key (999 ROOT_ITEM 0) itemoff 1 itemsize 439"
        #expect(throws: BtrfsDumpProblem.self) { try Self.parse(Self.rootLeaf(name: forged, itemSize: 19)) }
        // A leaf that lists fewer items than it has.
        #expect(throws: BtrfsDumpProblem.self) {
            try Self.parse("leaf 1 items 2 free space 0 generation 1 owner 5\n\titem 0 key (256 INODE_ITEM 0) itemoff 1 itemsize 160\n")
        }
        // Keys that do not rise.
        #expect(throws: BtrfsDumpProblem.self) {
            try Self.parse(
                "leaf 1 items 2 free space 0 generation 1 owner 5\n\titem 0 key (257 INODE_ITEM 0) itemoff 1 itemsize 160\n\titem 1 key (256 INODE_ITEM 0) itemoff 1 itemsize 160\n"
            )
        }
        // A node pointing to a block the dump never printed.
        #expect(throws: BtrfsDumpProblem.self) {
            try Self.parse(
                "node 1 level 1 items 2 free space 0 generation 1 owner 5\n\tkey (256 INODE_ITEM 0) block 2 gen 1\n\tkey (300 INODE_ITEM 0) block 3 gen 1\nleaf 2 items 1 free space 0 generation 1 owner 5\n\titem 0 key (256 INODE_ITEM 0) itemoff 1 itemsize 160\n"
            )
        }
        // Nothing at all, and a line that is not a dump's.
        #expect(throws: BtrfsDumpProblem.self) { try Self.parse("ERROR: cannot open\n") }
        #expect(throws: BtrfsDumpProblem.self) { try Self.parse("leaf x items 1\n") }
    }

    @Test func lineSplittingDoesNotDependOnHowTheStreamIsCut() throws {
        let text = Array(try Self.fixture("fs-tree.txt").utf8)
        var whole: [String] = []
        var splitter = LineSplitter()
        try splitter.feed(text[...]) { (line) throws(BtrfsDumpProblem) in whole.append(String(decoding: line, as: UTF8.self)) }
        for piece in [1, 7, 4096] {
            var lines: [String] = []
            var cut = LineSplitter()
            var start = 0
            while start < text.count {
                try cut.feed(text[start..<min(start + piece, text.count)]) { (line) throws(BtrfsDumpProblem) in
                    lines.append(String(decoding: line, as: UTF8.self))
                }
                start += piece
            }
            try cut.finish { (line) throws(BtrfsDumpProblem) in lines.append(String(decoding: line, as: UTF8.self)) }
            #expect(lines == whole)
        }
    }

    // MARK: - Images built without root

    static var mkfsMissing: String? {
        Tool.locate("mkfs.btrfs") == nil || Tool.locate("btrfs") == nil ? "mkfs.btrfs or btrfs is not installed" : nil
    }

    static func canRun(_ what: String) -> Bool {
        guard let missing = mkfsMissing else { return true }
        if KernelComparisonTests.requiredByCI { Issue.record("CI=true requires \(what), but \(missing)") } else { print("skipping \(what): \(missing)") }
        return false
    }

    /// A 128 MiB btrfs made with --rootdir: /swapfile (copy-on-write, as --rootdir writes it), /etc/fstab,
    /// /link -> swapfile, and a directory whose name holds a line break and an escape character.
    static func rootdirImage(_ scratch: Scratch, mkfsOptions: [String] = []) throws -> String {
        let root = try scratch.directory("root")
        try Fixtures.swapFile(root + "/swapfile", bytes: 4 << 20)
        try scratch.write("root/etc/fstab", "/link none swap sw,pri=3 0 0\n")
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: "swapfile")
        try FileManager.default.createDirectory(atPath: root + "/bad\nname\u{1b}", withIntermediateDirectories: false)
        let image = scratch.file("btrfs.img")
        try Tool.run("truncate", ["-s", "128M", image])
        try Tool.run("mkfs.btrfs", ["-q"] + mkfsOptions + ["--rootdir", root, image])
        return image
    }

    @Test func rootdirImageIsJudgedFromItsFstabThroughTheLink() throws {
        guard Self.canRun("the btrfs --rootdir image tests") else { return }
        let scratch = try Scratch()
        let image = try Self.rootdirImage(scratch)
        let audit = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096))
        #expect(audit.errors.isEmpty, "\(audit.errors)")
        let report = try #require(audit.reports.first)
        #expect(report.facts.path == "/swapfile" && report.facts.priority == 3 && report.facts.source == .dumpTree)
        #expect(report.facts.notes.contains("symbolic link inside the image: /link -> swapfile"))
        #expect(report.findings.map(\.code) == [.copyOnWrite])
        #expect(report.kernelLog == "BTRFS warning (device ?): swapfile must not be copy-on-write")
        #expect(report.facts.btrfs?.items?.isEmpty == false && report.facts.btrfs?.noCow == false)

        // The report with its btrfs object and source dump-tree, against the schema.
        let json = try BuiltBinary.run(["image", "--json", image])
        let document = scratch.file("report.json")
        try json.stdoutText.write(toFile: document, atomically: false, encoding: .utf8)
        #expect(json.stdoutText.contains("\"source\": \"dump-tree\"") || json.stdoutText.contains("\"source\":\"dump-tree\""))
        let validation = try Tool.run(
            "python3",
            [PackageRoot.appending("Tests/SwapInspectCommandsTests/validate-json.py").path, PackageRoot.appending("docs/swapinspect.schema.json").path, document],
            check: false)
        #expect(validation.status == 0, "\(validation.stdoutText)\(validation.stderr)")

        let hostile = try BuiltBinary.run(["image", "--path", "/bad\nname\u{1b}/swapfile", "--path", "/bad\nname\u{1b}", image])
        #expect(hostile.status == 2)
        #expect(hostile.stderr.split(separator: "\n").count == 2, "\(hostile.stderr)")
        #expect(hostile.stderr.contains("/bad\\x0aname\\x1b/swapfile: cannot look up: no such file inside the image"))
        #expect(hostile.stderr.contains("/bad\\x0aname\\x1b: cannot audit: a directory, not a regular file"))
        #expect(!hostile.stderr.contains("\u{1b}"))
    }

    /// Metadata is DUP on one device: a tree block whose first copy is damaged is read from the second,
    /// by dump-tree (one `checksum verify failed` line) as by the kernel, and the verdict is the clean
    /// image's, with a note; the block read here is the copy whose crc32c matches. Both copies damaged:
    /// dump-tree's line, exit 2.
    @Test func aDamagedFirstCopyOfATreeBlockIsReadFromTheSecond() throws {
        guard Self.canRun("the btrfs --rootdir image tests") else { return }
        let scratch = try Scratch()
        // DUP metadata is mkfs.btrfs's default for one device since btrfs-progs 5.15; asked for all the same.
        let image = try Self.rootdirImage(scratch, mkfsOptions: ["-m", "dup"])
        let options = ImageAuditOptions(pageSize: 4096, paths: ["/swapfile"])
        let clean = try #require(ImageAuditor.audit(image: image, options: options).reports.first)
        // The FS tree's first leaf, and the two stripes of the METADATA|DUP chunk holding it.
        let fsTree = try Tool.run("btrfs", ["inspect-internal", "dump-tree", "-t", "5", image]).stdoutText
        let leafLine = try #require(fsTree.split(separator: "\n").first { $0.hasPrefix("leaf ") }, "\(fsTree.prefix(400))")
        let leaf = try #require(UInt64(leafLine.split(separator: " ")[1]))
        let chunkTree = try Tool.run("btrfs", ["inspect-internal", "dump-tree", "-t", "chunk", image]).stdoutText.split(separator: "\n").map(String.init)
        let typeLine = try #require(chunkTree.firstIndex { $0.contains("type METADATA|DUP") }, "metadata is not DUP: \(chunkTree)")
        // `item 3 key (FIRST_CHUNK_TREE CHUNK_ITEM 30408704) itemoff 15881 itemsize 112`
        let keyLine = chunkTree[typeLine - 1]
        let logical = try #require(keyLine.range(of: "CHUNK_ITEM ").flatMap { UInt64(keyLine[$0.upperBound...].prefix { $0 != ")" }) }, "\(keyLine)")
        let stripes = chunkTree[typeLine...].filter { $0.contains("stripe ") && $0.contains(" offset ") }.prefix(2)
            .compactMap { UInt64($0.split(separator: " ").last ?? "") }
        #expect(stripes.count == 2 && leaf >= logical)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: image))
        let nodeSize = 16384
        // Everything after the header: the items (bytenr and the rest of the header stay as they were).
        func damage(_ copy: UInt64) { let start = Int(copy + leaf - logical); bytes.replaceSubrange(start + 101..<start + nodeSize, with: Data(count: nodeSize - 101)) }
        damage(stripes[0])
        let first = scratch.file("first.img")
        try bytes.write(to: URL(fileURLWithPath: first))
        let audit = ImageAuditor.audit(image: first, options: options)
        #expect(audit.errors.isEmpty, "\(audit.errors)")
        let report = try #require(audit.reports.first)
        #expect(report.activation == clean.activation && report.findings.map(\.code) == clean.findings.map(\.code) && report.facts.extents == clean.facts.extents)
        #expect(report.facts.notes.contains { $0.hasPrefix("tree block \(leaf) fails the checksum in a copy and was read from another") }, "\(report.facts.notes)")
        damage(stripes[1])
        let both = scratch.file("both.img")
        try bytes.write(to: URL(fileURLWithPath: both))
        let broken = ImageAuditor.audit(image: both, options: options)
        #expect(broken.reports.isEmpty)
        #expect(broken.errors.map(\.description).contains { $0.contains("checksum verify failed on \(leaf)") }, "\(broken.errors)")
    }

    @Test func aSecondDeviceIsSaidPlainly() throws {
        guard Self.canRun("the btrfs two-device test") else { return }
        let scratch = try Scratch()
        let (first, second) = (scratch.file("a.img"), scratch.file("b.img"))
        try Tool.run("truncate", ["-s", "128M", first, second])
        try Tool.run("mkfs.btrfs", ["-q", "-d", "single", "-m", "single", first, second])
        let result = try BuiltBinary.run(["image", first])
        #expect(result.status == 2)
        #expect(result.stdoutText.contains("the file system has 2 devices, and the image holds one of them"))
        #expect(result.stdoutText.contains("--allow-kernel-mount"))
    }

    /// Bytes flipped in every tree block of the metadata and system chunks, one block at a time, and
    /// copies cut short: a one-line error or a verdict, never a crash or a hang.
    @Test func corruptedAndTruncatedCopiesNeverCrash() throws {
        guard Self.canRun("the btrfs corruption test") else { return }
        let scratch = try Scratch()
        let image = try Self.rootdirImage(scratch)
        let chunks = try Self.parse(
            try Tool.run("btrfs", ["inspect-internal", "dump-tree", "-t", "chunk", image]).stdoutText, wants: { $0.type == 228 }
        ).items.compactMap(BtrfsOffline.chunk)
        var blocks: [UInt64] = []
        for tree in ["root", "chunk", "extent", "5"] {
            let dump = try Tool.run("btrfs", ["inspect-internal", "dump-tree", "-t", tree, image]).stdoutText
            for line in dump.split(separator: "\n") where line.hasPrefix("leaf ") && line.contains(" items ") {
                let logical = UInt64(line.split(separator: " ")[1]) ?? 0
                if let chunk = chunks.last(where: { $0.logical <= logical }) { blocks.append(chunk.stripes[0].offset + logical - chunk.logical) }
            }
        }
        #expect(blocks.count >= 4)
        let original = try Data(contentsOf: URL(fileURLWithPath: image))
        var copies: [(String, Data)] = []
        for (index, block) in blocks.enumerated() {
            for offset in [60, 101 + 17, 101 + 25 * 3, 16000] {
                var data = original
                data[Int(block) + offset] ^= 0x5A
                copies.append(("flip-\(index)-\(offset)", data))
            }
        }
        for size in [1 << 20, 24 << 20, 100 << 20] { copies.append(("cut-\(size)", original.prefix(size))) }
        for (name, data) in copies {
            let path = scratch.file(name)
            try data.write(to: URL(fileURLWithPath: path))
            let result = try BuiltBinary.run(["image", path], timeout: 120)
            #expect([0, 1, 2].contains(result.status), "\(name): \(result.status) \(result.stderr)")
            for line in result.stderr.split(separator: "\n") {
                #expect(line.hasPrefix("swapinspect: ") && !line.contains("\u{1b}"), "\(name): \(line)")
            }
            try FileManager.default.removeItem(atPath: path)
        }
    }
}
