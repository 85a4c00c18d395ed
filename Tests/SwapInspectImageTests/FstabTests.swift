import Foundation
import SwapInspectCore
import SwapInspectTestSupport
import Testing

@Suite struct FstabTests {
    @Test func testSwapEntriesAndEscapesAreParsed() {
        let text = """
            # comment
            UUID=0a1b none swap sw,pri=5 0 0
            /swap\\040file none swap defaults
            LABEL=root / ext4 defaults 0 1
            """
        let (entries, errors) = FstabParser.parse(text)
        #expect(errors.isEmpty)
        #expect(entries.map(\.spec) == ["UUID=0a1b", "/swap file", "LABEL=root"])
        #expect(entries.filter(\.isSwap).count == 2)
        #expect(entries[0].priority == 5)
        #expect(entries[0].line == 2)
    }
}

@Suite struct FstabErrorAndSpecTests {
    @Test(arguments: [
        ("/dev/sda1", "only one field"),
        ("/swapfile none swap sw x 0", "fifth field"),
        ("/swapfile none swap sw 0 y", "sixth field"),
    ])
    func testUnparsableLinesAreReportedWithTheirNumber(line: String, reason: String) {
        let (entries, errors) = FstabParser.parse("# header\n\(line)\n/ok none swap sw 0 0\n")
        #expect(entries.map(\.spec) == ["/ok"])
        #expect(errors.count == 1)
        #expect(errors.first?.line == 2)
        #expect(errors.first?.reason.contains(reason) == true)
    }

    @Test(arguments: [
        ("UUID=ABCD-1234", DeviceSpec.tag(name: "UUID", value: "ABCD-1234")),
        ("uuid=\"abcd\"", DeviceSpec.tag(name: "UUID", value: "abcd")),
        ("PARTUUID=0a-01", DeviceSpec.tag(name: "PARTUUID", value: "0a-01")),
        ("/dev/disk/by-label/my\\x20swap", DeviceSpec.tag(name: "LABEL", value: "my swap")),
        ("/dev/disk/by-partlabel/swap", DeviceSpec.tag(name: "PARTLABEL", value: "swap")),
        ("/dev/mapper/vg-swap", DeviceSpec.device("/dev/mapper/vg-swap")),
        ("/var/swap", DeviceSpec.file("/var/swap")),
        ("swapfile", DeviceSpec.invalid("swapfile")),
        ("ID=x", DeviceSpec.invalid("ID=x")),
    ])
    func testDeviceSpecsAreClassified(spec: String, expected: DeviceSpec) {
        #expect(DeviceSpec.parse(spec) == expected)
    }

    @Test func testTextAfterThePassNumberIsIgnored() {
        let (entries, errors) = FstabParser.parse("/swapfile none swap sw 0 0 # the swap file\n")
        #expect(errors.isEmpty)
        #expect(entries.first?.passno == 0)
    }

    @Test func testTagsResolveToTheFirstMatchingCandidate() {
        let candidates = [
            SpecCandidate(index: 0, uuid: "aaaa", label: "root", partUUID: "p-1", partLabel: "linux"),
            SpecCandidate(index: 1, uuid: "BBBB", label: "swap", partUUID: "P-2", partLabel: "swap"),
            SpecCandidate(index: 2, uuid: "bbbb", label: "swap", partUUID: nil, partLabel: nil),
        ]
        #expect(DeviceSpecResolver.resolve(name: "UUID", value: "bbbb", among: candidates) == 1)
        #expect(DeviceSpecResolver.resolve(name: "LABEL", value: "swap", among: candidates) == 1)
        #expect(DeviceSpecResolver.resolve(name: "LABEL", value: "SWAP", among: candidates) == nil)
        #expect(DeviceSpecResolver.resolve(name: "PARTUUID", value: "p-2", among: candidates) == 1)
        #expect(DeviceSpecResolver.resolve(name: "PARTLABEL", value: "linux", among: candidates) == 0)
        #expect(DeviceSpecResolver.resolve(name: "UUID", value: "cccc", among: candidates) == nil)
    }

    @Test func testExtFormatNamesFollowLibblkid() {
        #expect(ExtFeatures.type(compat: 0, incompat: 0x2, roCompat: 0x3) == .ext2)
        #expect(ExtFeatures.type(compat: 0x4, incompat: 0x2, roCompat: 0x3) == .ext3)
        #expect(ExtFeatures.type(compat: 0x4, incompat: 0x2 | 0x40, roCompat: 0x3) == .ext4)
        #expect(ExtFeatures.type(compat: 0, incompat: 0x2, roCompat: 0x400) == .ext4)
    }
}

/// Line endings as libmount reads them (`mnt_table_parse_next`): one "\r" before "\n" (or at the end of a
/// last line without one) ends the line; a second stays in the last field. Checked against the parser
/// itself and against findmnt --tab-file, libmount's own reading of the same bytes.
@Suite struct FstabLineEndingTests {
    static let crlf = "# a CRLF fstab\r\n/a none swap pri=4 0 0\r\n\r\n/b\tnone swap noauto,pri=9\r\n/c none swap discard=pages,pri=2\r"

    @Test func testACRLFFstabParsesAsItsLFTwin() {
        let (entries, errors) = FstabParser.parse(Self.crlf)
        let lf = FstabParser.parse(Self.crlf.replacingOccurrences(of: "\r", with: ""))
        #expect(errors.isEmpty)
        #expect(entries.map(\.spec) == ["/a", "/b", "/c"])
        #expect(entries.map(\.line) == [2, 4, 5])
        #expect(entries.map(\.options) == [["pri=4"], ["noauto", "pri=9"], ["discard=pages", "pri=2"]])
        #expect(entries.map(\.priority) == [4, 9, 2])
        #expect(entries[0].freq == 0 && entries[0].passno == 0)
        #expect(entries == lf.entries)
    }

    @Test func testOnlyOneCarriageReturnIsTheLineEnding() {
        let (entries, errors) = FstabParser.parse("/x none swap sw 0 0\r\r\n/y none swap sw\r\r\n\r\r\n/z none\rswap sw\n")
        // "0\r" is no number: libmount refuses the line ("parse error at line 1").
        #expect(errors.map(\.line) == [1, 3])
        #expect(errors.first?.reason.contains("sixth field") == true)
        #expect(entries.map(\.spec) == ["/y", "/z"])
        #expect(entries[0].options == ["sw\r"])
        #expect(entries[1].file == "none\rswap" && entries[1].type == "sw")
    }

    @Test func testAnEscapedHashIsNoComment() {
        let (entries, errors) = FstabParser.parse("\\043swap none swap sw\n  # comment\n")
        #expect(errors.isEmpty)
        #expect(entries.map(\.spec) == ["#swap"])
    }

    @Test(arguments: [crlf, "/x none swap sw 0 0\r\r\n/y none swap sw\r\r\n\r\r\n/z none\rswap sw\n"])
    func testFieldsAreThoseFindmntReads(text: String) throws {
        let findmnt = try #require(Tool.locate("findmnt"), "findmnt (util-linux, in DEBIAN_PACKAGES) is not installed")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.file("fstab")
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        let run = try Runner.run(findmnt, ["--tab-file", file, "--json", "-o", "SOURCE,TARGET,FSTYPE,OPTIONS"])
        let object = try JSONSerialization.jsonObject(with: Data(run.stdoutText.utf8)) as? [String: Any]
        let rows = try #require(object?["filesystems"] as? [[String: Any]], "findmnt: \(run)")
        let entries = FstabParser.parse(text).entries
        #expect(rows.map { $0["source"] as? String } == entries.map(\.spec))
        #expect(rows.map { $0["target"] as? String } == entries.map(\.file))
        #expect(rows.map { $0["fstype"] as? String } == entries.map(\.type))
        #expect(rows.map { $0["options"] as? String } == entries.map { $0.options.isEmpty ? nil : $0.options.joined(separator: ",") })
    }
}
