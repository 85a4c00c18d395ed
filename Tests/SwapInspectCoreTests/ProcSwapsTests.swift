import SwapInspectCore
import Testing

/// /proc/swaps as `swap_show` (mm/swapfile.c, 5.x–6.18) prints it:
/// `seq_puts("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n")`, then per area
/// `seq_file_path(file, " \t\n\\")` and `"%*s%s\t%lu\t%s%lu\t%s%d\n"` with the width `len < 40 ? 40 - len : 1`,
/// the type `"partition"` or `"file\t"`, and an extra tab after size and used when they are below 10000000.
@Suite("/proc/swaps")
struct ProcSwapsTests {
    static let header = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"

    /// One line exactly as `swap_show` writes it, from the already escaped name.
    static func line(_ escapedName: String, partition: Bool, size: UInt64, used: UInt64, priority: Int) -> String {
        let padding = String(repeating: " ", count: escapedName.utf8.count < 40 ? 40 - escapedName.utf8.count : 1)
        return escapedName + padding + (partition ? "partition" : "file\t") + "\t\(size)\t" + (size < 10_000_000 ? "\t" : "")
            + "\(used)\t" + (used < 10_000_000 ? "\t" : "") + "\(priority)\n"
    }

    @Test func headerLineOnlyIsAnEmptyTable() {
        #expect(ProcSwaps.parse(Self.header).isEmpty)
        #expect(ProcSwaps.parse("").isEmpty)
    }

    @Test func fileAndPartitionLinesAsTheKernelPrintsThem() {
        let text = Self.header
            + "/swapfile                               file\t\t1048572\t\t0\t\t-2\n"
            + "/dev/vda2                               partition\t8388604\t\t524288\t\t-3\n"
        #expect(ProcSwaps.parse(text) == [
            ProcSwapsEntry(name: "/swapfile", type: "file", sizeKiB: 1_048_572, usedKiB: 0, priority: -2),
            ProcSwapsEntry(name: "/dev/vda2", type: "partition", sizeKiB: 8_388_604, usedKiB: 524_288, priority: -3),
        ])
    }

    @Test func largeAreasLoseTheAlignmentTab() {
        // 16 GiB and more: no extra tab after a size or used count of 8 digits or more.
        let text = Self.header
            + Self.line("/dev/nvme0n1p3", partition: true, size: 33_554_428, used: 12_345_678, priority: 10)
            + Self.line("/var/swap/big", partition: false, size: 16_777_212, used: 42, priority: -2)
        #expect(ProcSwaps.parse(text) == [
            ProcSwapsEntry(name: "/dev/nvme0n1p3", type: "partition", sizeKiB: 33_554_428, usedKiB: 12_345_678, priority: 10),
            ProcSwapsEntry(name: "/var/swap/big", type: "file", sizeKiB: 16_777_212, usedKiB: 42, priority: -2),
        ])
    }

    @Test func longNameIsFollowedByASingleSpace() {
        let name = "/srv/very/long/directory/name/for/swap/files/swapfile.img"
        #expect(name.utf8.count > 40)
        let text = Self.header + Self.line(name, partition: false, size: 4092, used: 0, priority: -2)
        #expect(ProcSwaps.parse(text) == [
            ProcSwapsEntry(name: name, type: "file", sizeKiB: 4092, usedKiB: 0, priority: -2),
        ])
    }

    @Test("seq_file_path escapes are undone", arguments: [
        ("/mnt/my\\040swap", "/mnt/my swap"),
        ("/mnt/tab\\011swap", "/mnt/tab\tswap"),
        ("/mnt/new\\012line", "/mnt/new\nline"),
        ("/mnt/back\\134slash", "/mnt/back\\slash"),
        ("/mnt/\\040\\011\\012\\134", "/mnt/ \t\n\\"),
    ])
    func escapedNameIsUnescaped(escaped: String, name: String) {
        #expect(ProcSwaps.unescape(Substring(escaped)) == name)
        let text = Self.header + Self.line(escaped, partition: false, size: 1020, used: 4, priority: -4)
        #expect(ProcSwaps.parse(text) == [
            ProcSwapsEntry(name: name, type: "file", sizeKiB: 1020, usedKiB: 4, priority: -4),
        ])
    }

    @Test("text that is not an octal escape is kept", arguments: [
        ("/a\\b", "/a\\b"), ("/a\\04", "/a\\04"), ("/a\\", "/a\\"), ("/a\\089", "/a\\089"), ("/a\\0401", "/a 1"),
    ])
    func incompleteEscapeIsLiteral(text: String, expected: String) {
        #expect(ProcSwaps.unescape(Substring(text)) == expected)
    }

    @Test func deletedFileLosesTheSuffixAndIsFlagged() {
        // d_path appends " (deleted)", which seq_file_path escapes like any space.
        let text = Self.header
            + Self.line("/swap\\040file\\040(deleted)", partition: false, size: 65532, used: 0, priority: -2)
            + Self.line("/swapfile2", partition: false, size: 65532, used: 0, priority: -3)
        #expect(ProcSwaps.parse(text) == [
            ProcSwapsEntry(name: "/swap file", type: "file", sizeKiB: 65532, usedKiB: 0, priority: -2, deleted: true),
            ProcSwapsEntry(name: "/swapfile2", type: "file", sizeKiB: 65532, usedKiB: 0, priority: -3, deleted: false),
        ])
    }

    @Test func malformedLinesAreSkipped() {
        let text = Self.header + "garbage\n" + "/x file\tnot-a-number\t0\t-2\n"
            + Self.line("/ok", partition: false, size: 8, used: 0, priority: -2)
        #expect(ProcSwaps.parse(text).map(\.name) == ["/ok"])
    }

    @Test func noActiveAreaGivesPriorityMinusTwo() {
        #expect(ProcSwaps.nextAutoPriority([]) == -2)
    }

    @Test("the next auto priority is one below the lowest negative one", arguments: [
        ([-2], -3),
        ([-2, -3, -4], -5),
        ([5, -2], -3),
        ([10], -2),
        ([0], -2),
        ([-1], -2),
        ([32767, -7, -3], -8),
    ])
    func nextAutoPriorityFollowsLeastPriority(priorities: [Int], expected: Int) {
        let entries = priorities.enumerated().map {
            ProcSwapsEntry(name: "/swap\($0.offset)", type: "file", sizeKiB: 1020, usedKiB: 0, priority: $0.element)
        }
        #expect(ProcSwaps.nextAutoPriority(entries) == expected)
    }

    @Test func fileThenDeviceThenSwapoffKeepsPrioritiesDense() {
        // B16: file (auto) gets -2, then the device -3; after swapoff of the file the device shows -2,
        // and the file activated again gets -3.
        var active: [ProcSwapsEntry] = []
        let filePriority = ProcSwaps.nextAutoPriority(active)
        #expect(filePriority == -2)
        active.append(ProcSwapsEntry(name: "/mnt/t/sw", type: "file", sizeKiB: 8188, usedKiB: 0, priority: filePriority))
        let devicePriority = ProcSwaps.nextAutoPriority(active)
        #expect(devicePriority == -3)
        // After swapoff of the file the kernel renumbers the device to -2; /proc/swaps then reads:
        let after = ProcSwaps.parse(Self.header + Self.line("/dev/loop0", partition: true, size: 8188, used: 0, priority: -2))
        #expect(after.map(\.priority) == [-2])
        #expect(ProcSwaps.nextAutoPriority(after) == -3)
    }
}
