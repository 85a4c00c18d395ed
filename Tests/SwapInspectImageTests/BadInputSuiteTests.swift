import Foundation
import Glibc
import SwapInspectTestSupport
import Testing

/// Bad images not covered by BadInputTests: random bytes of several sizes, corrupt extent trees
/// (debugfs set_inode_field on the swap file's i_block), symlink chains at the kernel's limit,
/// forged header fields inside an image, character devices and loop devices (root only) as images.
/// Each pins the exit status, the one stderr line, and that the image's bytes are unchanged.
@Suite struct BadInputSuiteTests {
    /// A good ext4 image: /swapfile (4 MiB, one extent), a 40-link chain and a 41-link chain to it.
    static func goodImage(_ scratch: Scratch, swapfile: ((String) throws -> Void)? = nil) throws -> String {
        let root = try scratch.directory("root")
        try Fixtures.swapFile(root + "/swapfile", bytes: 4 << 20)
        try swapfile?(root + "/swapfile")
        var target = "/swapfile"
        for index in 1...41 {
            try FileManager.default.createSymbolicLink(atPath: root + "/chain\(index)", withDestinationPath: target)
            target = "/chain\(index)"
        }
        let image = scratch.file("fs.img")
        try Fixtures.filesystem(image, sizeMiB: 64, root: root)
        try Fixtures.chownRoot(image, ["/swapfile"])
        return image
    }

    /// The inode number of `path` in `image` (debugfs `stat`: `Inode: 53   Type: regular …`).
    static func inode(_ image: String, _ path: String) throws -> Int {
        let output = try Tool.run("debugfs", ["-R", "stat \(path)", image]).stdoutText
        let field = output.split(separator: "\n").first?.split(separator: " ").dropFirst().first
        return try #require(field.flatMap { Int($0) }, "debugfs stat \(path): \(output)")
    }

    /// Runs `image IMAGE ARGS` in text and JSON mode; returns the text run.
    static func audit(_ image: String, _ arguments: [String]) throws -> (RunResult, [String: Any]) {
        let text = try BuiltBinary.run(["image", image] + arguments)
        let (json, document) = try BuiltBinary.json(["image", image] + arguments)
        #expect(json.status == text.status, "JSON: \(json)")
        return (text, document)
    }

    /// Pseudo-random bytes (SplitMix64 from `seed`): random images that fail the same way on every run.
    static func seededBytes(_ count: Int, seed: UInt64) -> Data {
        var state = seed
        var data = Data(capacity: count + 8)
        while data.count < count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            withUnsafeBytes(of: z.littleEndian) { data.append(contentsOf: $0) }
        }
        return data.prefix(count)
    }

    @Test(arguments: [512, 4096, 65536, (1 << 20) + 3, 8 << 20])
    func testRandomImageIsOneLineExitTwo(_ size: Int) throws {
        let scratch = try Scratch()
        let image = scratch.file("random.img")
        try Self.seededBytes(size, seed: UInt64(size)).write(to: URL(fileURLWithPath: image))
        let before = try Fixtures.sha256(image)
        let (output, document) = try Self.audit(image, [])
        #expect(output.status == 2, "\(output)")
        #expect(output.stderrLines == ["swapinspect: \(image): no file system or swap signature found (libblkid): not an image, or a zeroed or corrupt superblock"], "\(output)")
        #expect((document["errors"] as? [Any])?.count == 1)
        #expect(try Fixtures.sha256(image) == before)
    }

    /// Random bytes behind the ext superblock magic (no feature flags): libext2fs names the damage.
    @Test func testRandomImageWithExtMagicIsOneLineExitTwo() throws {
        let scratch = try Scratch()
        let image = scratch.file("random.img")
        var bytes = Self.seededBytes(4 << 20, seed: 0xE7F5)
        bytes[1080] = 0x53
        bytes[1081] = 0xEF
        // s_feature_compat, s_feature_incompat, s_feature_ro_compat: none (not a journal device, …).
        bytes.replaceSubrange((1024 + 0x5C)..<(1024 + 0x68), with: Data(count: 12))
        try bytes.write(to: URL(fileURLWithPath: image))
        let before = try Fixtures.sha256(image)
        let (output, _) = try Self.audit(image, [])
        #expect(output.status == 2, "\(output)")
        #expect(output.stderrLines == ["swapinspect: \(image): not a readable ext2/3/4 file system: Filesystem revision too high"], "\(output)")
        #expect(try Fixtures.sha256(image) == before)
    }

    struct Corruption: CustomStringConvertible, Sendable {
        var name: String
        /// debugfs `sif /swapfile FIELD VALUE` commands.
        var commands: [String]
        var message: String
        /// libext2fs names the damage as the kernel would (EFSCORRUPTED, EFSBADCRC): a refusal; else
        /// (a bare EINVAL) the audit cannot tell and says so: exit 2, one line.
        var refused = true
        var description: String { name }
    }

    /// The swap file's extent tree lives in i_block: header (block[0] magic | entries << 16,
    /// block[1] max | depth << 16), then 12-byte entries (block[3] logical, block[4] length | start_hi << 16,
    /// block[5] start_lo). Its one extent is logical 0..1023.
    static let corruptions: [Corruption] = [
        Corruption(name: "extent header magic", commands: ["sif /swapfile block[0] 0x00010000"],
                   message: "cannot read inode N: Corrupt extent header"),
        Corruption(name: "more entries than the header holds", commands: ["sif /swapfile block[0] 0x0005F30A"],
                   message: "cannot read inode N: Corrupt extent header"),
        Corruption(name: "depth 5 on a leaf", commands: ["sif /swapfile block[1] 0x00050004"],
                   message: "cannot read inode N", refused: false),
        Corruption(
            name: "second extent beyond the file system",
            commands: [
                "sif /swapfile block[0] 0x0002F30A", "sif /swapfile block[4] 0x00000200",
                "sif /swapfile block[6] 512", "sif /swapfile block[7] 0x00000200", "sif /swapfile block[8] 0x10000000",
            ],
            message: "corrupt extent tree in inode N: logical block 512 maps to blocks 268435456..268435967, outside the file system (16384 blocks)"),
        Corruption(
            name: "overlapping extents",
            commands: [
                "sif /swapfile block[0] 0x0002F30A", "sif /swapfile block[4] 0x00000200",
                "sif /swapfile block[6] 100", "sif /swapfile block[7] 0x00000200", "sif /swapfile block[8] 3000",
            ],
            message: "corrupt extent tree in inode N: extents overlap or are out of order at logical block 100"),
    ]

    /// The kernel checks the same tree (ext4_ext_check_inode, ext4_valid_extent: EFSCORRUPTED): swapon
    /// cannot map the file, so it is refused with filesystem-errors and libext2fs's own words.
    @Test(arguments: corruptions)
    func testCorruptExtentTreeIsRefused(_ corruption: Corruption) throws {
        let scratch = try Scratch()
        let image = try Self.goodImage(scratch)
        try Fixtures.debugfs(image, write: corruption.commands)
        let before = try Fixtures.sha256(image)
        let (output, document) = try Self.audit(image, ["--path", "/swapfile"])
        let inode = try Self.inode(image, "/swapfile")
        let message = corruption.message.replacingOccurrences(of: "inode N", with: "inode \(inode)")
        guard corruption.refused else {
            #expect(output.status == 2, "\(output)")
            #expect(output.stderrLines.count == 1, "\(output)")
            #expect(output.stderrLines.first?.hasPrefix("swapinspect: \(image):/swapfile: \(message)") == true, "\(output)")
            let errors = document["errors"] as? [[String: Any]] ?? []
            #expect(errors.first?["path"] as? String == "\(image):/swapfile", "\(errors)")
            #expect(try Fixtures.sha256(image) == before)
            return
        }
        #expect(output.status == 1, "\(output)")
        #expect(output.stderrLines.isEmpty, "\(output)")
        let reports = document["reports"] as? [[String: Any]] ?? []
        #expect(reports.count == 1)
        let activation = reports.first?["activation"] as? [String: Any] ?? [:]
        #expect(activation["ok"] as? Bool == false)
        #expect(activation["errno"] as? String == "EUCLEAN", "\(activation)")
        let findings = reports.first?["findings"] as? [[String: Any]] ?? []
        #expect(findings.map { $0["code"] as? String } == ["filesystem-errors"], "\(findings)")
        #expect(((findings.first?["message"] as? String) ?? "").hasPrefix(message), "\(findings)")
        #expect((document["errors"] as? [Any] ?? []).isEmpty)
        #expect(try Fixtures.sha256(image) == before)
    }

    /// 40 links are followed (the kernel's MAXSYMLINKS), the 41st is one too many.
    @Test func testSymlinkChainAtTheKernelLimit() throws {
        let scratch = try Scratch()
        let image = try Self.goodImage(scratch)
        let before = try Fixtures.sha256(image)
        let (ok, _) = try Self.audit(image, ["--path", "/chain40"])
        #expect(ok.status == 0, "\(ok)")
        #expect(ok.stdoutText.hasPrefix("/swapfile: would activate"), "\(ok)")
        let (loop, _) = try Self.audit(image, ["--path", "/chain41"])
        #expect(loop.status == 2, "\(loop)")
        #expect(loop.stderrLines == ["swapinspect: \(image):/chain41: cannot look up: too many levels of symbolic links inside the image"], "\(loop)")
        #expect(try Fixtures.sha256(image) == before)
    }

    /// Header fields at their largest values inside an image: refused (exit 1), no crash.
    @Test(arguments: [(1028, "too-small"), (1032, "too-many-bad-pages")])
    func testForgedHeaderInsideAnImage(_ offset: Int, _ code: String) throws {
        let scratch = try Scratch()
        let image = try Self.goodImage(scratch) { path in
            try Tool.sh("printf '\\377\\377\\377\\377' | dd of='\(path)' bs=1 seek=\(offset) conv=notrunc status=none")
        }
        let before = try Fixtures.sha256(image)
        let (output, document) = try Self.audit(image, ["--path", "/swapfile"])
        #expect(output.status == 1, "\(output)")
        #expect(output.stderr.isEmpty, "\(output)")
        let report = (document["reports"] as? [[String: Any]])?.first
        let codes = (report?["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        #expect(codes.contains(code), "\(codes)")
        #expect(try Fixtures.sha256(image) == before)
    }

    /// Character devices as images: never read forever, never block.
    @Test(arguments: ["/dev/null", "/dev/zero"])
    func testCharacterDeviceAsImage(_ device: String) throws {
        let output = try BuiltBinary.run(["image", device])
        #expect(output.status == 2, "\(output)")
        #expect(output.stderrLines.count == 1, "\(output)")
        #expect(output.stderr.hasPrefix("swapinspect: \(device): "), "\(output)")
    }

    /// A loop device over the image (root only): the same verdict as the image file, image unchanged.
    @Test func testLoopDeviceAsImage() throws {
        if getuid() != 0 {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("CI=true but not root: attaching a loop device needs root")
                return
            }
            print("skipped: attaching a loop device needs root")
            try Test.cancel("attaching a loop device needs root")
        }
        let scratch = try Scratch()
        let image = try Self.goodImage(scratch)
        let before = try Fixtures.sha256(image)
        let loop = try LoopDevice(file: image, readOnly: true)
        defer { loop.detach() }
        let (file, _) = try Self.audit(image, ["--path", "/swapfile"])
        let (device, _) = try Self.audit(loop.path, ["--path", "/swapfile"])
        #expect(file.status == 0, "\(file)")
        #expect(device.status == 0, "\(device)")
        #expect(device.stderr.isEmpty, "\(device)")
        // Same kernel line: only the image name differs.
        let kernel = { (output: RunResult) in output.stdoutText.split(separator: "\n").first { $0.contains("kernel ") }.map(String.init) }
        #expect(kernel(file) != nil && kernel(file) == kernel(device), "\(file)\n\(device)")
        loop.detach()
        #expect(try Fixtures.sha256(image) == before)
    }
}
