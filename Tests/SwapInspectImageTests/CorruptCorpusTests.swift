import Foundation
import Glibc
import SwapInspectTestSupport
import Testing

/// Damaged ext images made here, seeded and reproducible: each kind of damage with debugfs (set_super_value,
/// set_bg, set_inode_field), a clobbered journal, and seeded byte flips of the superblock, the group
/// descriptors and the inode table. For each, `image --json`'s exit status and first finding (or first
/// error) are compared with Golden/corrupt-corpus.txt (re-record with
/// `SWAPINSPECT_RECORD=1 swift test --filter CorruptCorpusTests`). As root, the real kernel is the
/// judge: no image it will not mount read-write gets "would activate".
@Suite struct CorruptCorpusTests {
    /// One damaged image: what to do to a copy of the clean one.
    struct Mutant {
        var name: String
        var damage: (String, Layout) throws -> Void
    }

    /// Where things are in the clean image (from debugfs), to aim the damage.
    struct Layout {
        var journalBlock: UInt64
        var inodeTableBlock: UInt64
        var rootDirectoryBlock: UInt64
    }

    static let blockSize: UInt64 = 4096
    static let uuid = "c0ffee00-1234-4abc-8def-00000000c0de"

    /// A 32 MiB ext4 with an fstab-named 4 MiB swap file; UUID, hash seed and time fixed.
    static func cleanImage(_ scratch: Scratch, type: String = "ext4") throws -> String {
        let root = try scratch.directory("root-\(type)")
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try "/swapfile none swap sw,pri=5 0 0\n".write(toFile: root + "/etc/fstab", atomically: false, encoding: .utf8)
        try Fixtures.swapFile(root + "/swapfile", bytes: 4 << 20, uuid: Fixtures.swapUUID)
        let image = scratch.file("clean-\(type).img")
        setenv("E2FSPROGS_FAKE_TIME", "1700000000", 1)
        defer { unsetenv("E2FSPROGS_FAKE_TIME") }
        try Tool.run(
            "mke2fs",
            ["-q", "-F", "-t", type, "-b", "4096", "-U", uuid, "-E", "root_owner=0:0,hash_seed=\(uuid)", "-d", root, image, "32M"])
        try Fixtures.chownRoot(image, ["/swapfile", "/etc/fstab"])
        return image
    }

    /// The clean image's layout with a fragmented swap file: every other one of 400 one-block files
    /// removed, then the swap file written by debugfs into the gaps, so that its extents need an extent
    /// block (ETB0). Returns the image and that block.
    static func fragmentedImage(_ scratch: Scratch) throws -> (String, UInt64) {
        let root = try scratch.directory("root-fragmented")
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/d", withIntermediateDirectories: true)
        try "/swapfile none swap sw 0 0\n".write(toFile: root + "/etc/fstab", atomically: false, encoding: .utf8)
        for index in 0..<400 { try Tool.run("dd", ["if=/dev/urandom", "of=\(root)/d/f\(index)", "bs=4096", "count=1", "status=none"]) }
        let swap = scratch.file("fragmented-swap")
        try Fixtures.swapFile(swap, bytes: 4 << 20)
        let image = scratch.file("clean-fragmented.img")
        setenv("E2FSPROGS_FAKE_TIME", "1700000000", 1)
        defer { unsetenv("E2FSPROGS_FAKE_TIME") }
        try Tool.run(
            "mke2fs", ["-q", "-F", "-t", "ext4", "-b", "4096", "-U", uuid, "-E", "root_owner=0:0,hash_seed=\(uuid)", "-d", root, image, "32M"])
        let removals = stride(from: 0, to: 400, by: 2).map { "rm /d/f\($0)" }
        try Fixtures.debugfs(image, write: removals + ["write \(swap) swapfile", "sif /swapfile mode 0100600"])
        try Fixtures.chownRoot(image, ["/swapfile"])
        let stat = try Tool.run("debugfs", ["-R", "stat /swapfile", image]).stdoutText
        let block = stat.components(separatedBy: "(ETB0):").dropFirst().first?.prefix { $0.isNumber }
        return (image, try #require(block.flatMap { UInt64($0) }, "no extent block: \(stat)"))
    }

    static func layout(_ image: String) throws -> Layout {
        func number(_ command: String, _ pick: (String) -> String?) throws -> UInt64 {
            let text = try Tool.run("debugfs", ["-R", command, image]).stdoutText
            guard let value = pick(text).flatMap({ UInt64($0) }) else { throw TestSupportError("debugfs \(command): \(text)") }
            return value
        }
        let first = { (text: String) in text.split(whereSeparator: \.isWhitespace).first.map(String.init) }
        let imap = try Tool.run("debugfs", ["-R", "imap <12>", image]).stdoutText
        let table = imap.components(separatedBy: "located at block ").last?.split(separator: ",").first.map(String.init)
        return Layout(
            journalBlock: try number("bmap <8> 0", first), inodeTableBlock: UInt64(table ?? "") ?? 0,
            rootDirectoryBlock: try number("bmap <2> 0", first))
    }

    /// Writes `bytes` at `offset` of `image`.
    static func poke(_ image: String, at offset: UInt64, _ bytes: [UInt8]) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: image))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        handle.write(Data(bytes))
    }

    static func peek32(_ image: String, at offset: UInt64) throws -> UInt32 {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: image))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        let bytes = [UInt8](handle.readData(ofLength: 4))
        return bytes.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// `count` seeded byte flips (xor 0xFF) in `length` bytes at `start`: the same offsets on every run.
    static func flips(_ image: String, seed: UInt64, start: UInt64, length: UInt64, count: Int) throws {
        var state = seed
        for _ in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let offset = start + (state >> 33) % length
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: image))
            try handle.seek(toOffset: offset)
            let byte = [UInt8](handle.readData(ofLength: 1)).first ?? 0
            try handle.seek(toOffset: offset)
            handle.write(Data([byte ^ 0xFF]))
            try handle.close()
        }
    }

    static let superblock: UInt64 = 1024

    static var mutants: [Mutant] {
        var list: [Mutant] = [
            Mutant(name: "clean") { _, _ in },
            Mutant(name: "unknown incompat feature") { image, _ in
                let value = try peek32(image, at: superblock + 0x60) | 0x0008_0000
                try Fixtures.debugfs(image, write: ["ssv feature_incompat \(value)"])
            },
            Mutant(name: "unknown ro_compat feature") { image, _ in
                let value = try peek32(image, at: superblock + 0x64) | 0x0008_0000
                try Fixtures.debugfs(image, write: ["ssv feature_ro_compat \(value)"])
            },
            Mutant(name: "state has errors") { image, _ in try Fixtures.debugfs(image, write: ["ssv state 2"]) },
            Mutant(name: "superblock checksum") { image, _ in try poke(image, at: superblock + 0x78, [0x41]) },
            Mutant(name: "group descriptor checksum") { image, _ in try Fixtures.debugfs(image, write: ["set_bg 0 checksum 0x1111"]) },
            Mutant(name: "inode table outside the file system") { image, _ in
                try Fixtures.debugfs(image, write: ["set_bg 0 inode_table 99999999", "set_bg 0 checksum calc"])
            },
            Mutant(name: "journal superblock clobbered") { image, layout in
                try poke(image, at: layout.journalBlock * blockSize, [UInt8](repeating: 0x5A, count: 1024))
            },
            Mutant(name: "journal log block clobbered") { image, layout in
                try poke(image, at: (layout.journalBlock + 5) * blockSize, [UInt8](repeating: 0x5A, count: 4096))
            },
            Mutant(name: "root inode checksum") { image, _ in try Fixtures.debugfs(image, write: ["sif <2> checksum 0x1234"]) },
            Mutant(name: "root directory block") { image, layout in try poke(image, at: layout.rootDirectoryBlock * blockSize + 40, [0x58]) },
            Mutant(name: "swap file inode checksum") { image, _ in try Fixtures.debugfs(image, write: ["sif /swapfile checksum 0x1"]) },
            Mutant(name: "fstab inode checksum") { image, _ in try Fixtures.debugfs(image, write: ["sif /etc/fstab checksum 0x1"]) },
            Mutant(name: "swap file extent in the inode table") { image, layout in
                try Fixtures.debugfs(image, write: ["sif /swapfile block[5] \(layout.inodeTableBlock)"])
            },
            Mutant(name: "swap file deleted but named") { image, _ in try Fixtures.debugfs(image, write: ["sif /swapfile links_count 0"]) },
        ]
        for seed in 1...4 {
            list.append(Mutant(name: "superblock flips seed \(seed)") { image, _ in
                try flips(image, seed: UInt64(seed), start: superblock, length: 1024, count: 3)
            })
            list.append(Mutant(name: "group descriptor flips seed \(seed)") { image, _ in
                try flips(image, seed: UInt64(seed) + 100, start: blockSize, length: 64, count: 2)
            })
            list.append(Mutant(name: "inode table flips seed \(seed)") { image, layout in
                try flips(image, seed: UInt64(seed) + 200, start: layout.inodeTableBlock * blockSize, length: 16 * 256, count: 4)
            })
        }
        return list
    }

    /// `NAME: exit N, CODE (ERRNO)` for the first finding of the first report, else `error: OPERATION`.
    static func summary(_ name: String, _ output: RunResult, _ document: [String: Any]) -> String {
        let reports = document["reports"] as? [[String: Any]] ?? []
        var what = "nothing"
        if let report = reports.first {
            let finding = (report["findings"] as? [[String: Any]] ?? []).first
            let activation = report["activation"] as? [String: Any] ?? [:]
            let verdict = activation["ok"] as? Bool == true ? "would activate" : "refused \(activation["errno"] as? String ?? "-")"
            what = "\(verdict), \(finding?["code"] as? String ?? "no finding")"
        } else if let error = (document["errors"] as? [[String: Any]] ?? []).first, let message = error["message"] as? String {
            // Without the temporary path: what failed, in words.
            what = "error: " + (message.components(separatedBy: ": ").dropFirst().first ?? message)
        }
        return "\(name): exit \(output.status), \(what)"
    }

    @Test func testDamagedImagesAgainstTheGoldenFileAndTheKernel() throws {
        let scratch = try Scratch()
        let clean = try Self.cleanImage(scratch)
        let layout = try Self.layout(clean)
        var lines: [String] = []
        for mutant in Self.mutants {
            let image = scratch.file("mutant.img")
            try Tool.run("cp", ["--sparse=always", clean, image])
            try mutant.damage(image, layout)
            let (output, document) = try BuiltBinary.json(["image", image])
            lines.append(Self.summary(mutant.name, output, document))
            let activates = (document["reports"] as? [[String: Any]] ?? []).contains {
                ($0["activation"] as? [String: Any])?["ok"] as? Bool == true
            }
            if activates, let refusal = try KernelMount.readWriteRefusal(image, in: scratch) {
                Issue.record("\(mutant.name): 'would activate', but the kernel does not mount it read-write: \(refusal)")
            }
            unlink(image)
        }
        let (fragmented, extentBlock) = try Self.fragmentedImage(scratch)
        for seed in 0...4 {
            let image = scratch.file("mutant.img")
            try Tool.run("cp", ["--sparse=always", fragmented, image])
            // Seed 0: the fragmented image as it is; then flips in its extent block's header and entries.
            if seed > 0 { try Self.flips(image, seed: UInt64(seed) + 300, start: extentBlock * Self.blockSize, length: 12 * 8, count: 2) }
            let (output, document) = try BuiltBinary.json(["image", image])
            lines.append(Self.summary(seed == 0 ? "fragmented clean" : "extent block flips seed \(seed)", output, document))
            let activates = (document["reports"] as? [[String: Any]] ?? []).contains {
                ($0["activation"] as? [String: Any])?["ok"] as? Bool == true
            }
            if activates, let refusal = try KernelMount.readWriteRefusal(image, in: scratch) {
                Issue.record("extent block flips seed \(seed): 'would activate', but the kernel does not mount it read-write: \(refusal)")
            }
            unlink(image)
        }
        try CorpusGolden.compare(lines.joined(separator: "\n") + "\n", name: "corrupt-corpus")
    }
}

/// The real kernel's verdict on mounting an image read-write (root and loop devices only; nil without).
enum KernelMount {
    static var available: Bool { getuid() == 0 && access("/dev/loop-control", R_OK | W_OK) == 0 }

    /// nil when the kernel mounts a copy of `image` read-write (or cannot be asked), else what it did.
    static func readWriteRefusal(_ image: String, in scratch: Scratch) throws -> String? {
        guard available else { return nil }
        let copy = scratch.file("kernel-copy.img")
        try Tool.run("cp", ["--sparse=always", image, copy])
        defer { unlink(copy) }
        let loop = try LoopDevice(file: copy)
        defer { loop.detach() }
        let mountPoint = try scratch.directory("mnt")
        guard let mount = try? Mount(loop.path, at: mountPoint, type: "ext4") else { return "mount(8) failed" }
        defer { mount.release() }
        let table = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        let options = table.split(separator: "\n").first { $0.split(separator: " ").dropFirst().first.map(String.init) == mountPoint }
        let readWrite = options?.split(separator: " ").dropFirst(3).first?.split(separator: ",").first == "rw"
        return readWrite ? nil : "mounted read-only"
    }
}

enum CorpusGolden {
    static func compare(_ actual: String, name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = PackageRoot.appending("Tests/SwapInspectImageTests/Golden/\(name).txt")
        if ProcessInfo.processInfo.environment["SWAPINSPECT_RECORD"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            print("recorded \(url.path)")
            return
        }
        let expected = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        #expect(
            expected == actual,
            "verdicts differ from \(url.path); if intended, re-record with SWAPINSPECT_RECORD=1 swift test --filter CorruptCorpusTests\n--- golden\n\(expected)--- actual\n\(actual)",
            sourceLocation: sourceLocation)
    }
}
