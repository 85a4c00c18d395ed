import Foundation
import Glibc
import SwapInspectCore
import SwapInspectImage
import SwapInspectTestSupport
import Testing

@Suite struct ScanTests {
    @Test func testScanFindsForgottenSwapAndHibernationFiles() throws {
        let scratch = try Scratch()
        let root = try scratch.directory("root")
        for directory in ["etc", "var/tmp", "home/user/deep/er", "data"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(directory)", withIntermediateDirectories: true)
        }
        try "/swapfile none swap sw 0 0\n".write(toFile: root + "/etc/fstab", atomically: false, encoding: .utf8)
        try Fixtures.swapFile(root + "/swapfile", bytes: 4 << 20)
        try Fixtures.swapFile(root + "/var/tmp/old.swap", bytes: 4 << 20, uuid: "0ddba11c-0000-4000-8000-000000000001")
        // A 16K-page swap file (from an arm64 machine) and a hibernation image.
        try Fixtures.swapFile(root + "/home/user/deep/er/arm64.swap", bytes: 4 << 20, pageSize: 16384)
        try Tool.run("dd", ["if=/dev/urandom", "of=\(root)/data/hib.img", "bs=64K", "count=4", "status=none"])
        try Tool.sh("printf 'S1SUSPEND' | dd of='\(root)/data/hib.img' bs=1 seek=4086 conv=notrunc status=none")
        // Noise: ordinary files, big and small.
        try Tool.run("dd", ["if=/dev/urandom", "of=\(root)/data/random.bin", "bs=64K", "count=16", "status=none"])
        for index in 0..<50 { try "file \(index)\n".write(toFile: "\(root)/data/small\(index)", atomically: false, encoding: .utf8) }
        let image = scratch.file("fs.img")
        try Fixtures.filesystem(image, sizeMiB: 64, root: root)

        let plain = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096))
        #expect(plain.reports.map(\.facts.path) == ["/swapfile"])

        let scanned = ImageAuditor.audit(image: image, options: ImageAuditOptions(pageSize: 4096, scan: true))
        #expect(scanned.errors.isEmpty, "\(scanned.errors)")
        let paths = scanned.reports.map(\.facts.path)
        #expect(paths.first == "/swapfile")
        #expect(Set(paths) == ["/swapfile", "/var/tmp/old.swap", "/home/user/deep/er/arm64.swap", "/data/hib.img"])
        let found = scanned.reports.filter { $0.facts.path != "/swapfile" }
        #expect(found.allSatisfy { $0.facts.notes.contains { $0.hasPrefix("found by --scan") } })
        let old = try #require(scanned.reports.first { $0.facts.path == "/var/tmp/old.swap" })
        #expect(old.activation?.ok == true)
        #expect(old.header?.uuid == "0ddba11c-0000-4000-8000-000000000001")
        let arm = try #require(scanned.reports.first { $0.facts.path == "/home/user/deep/er/arm64.swap" })
        #expect(arm.findings.contains { $0.code == .pagesizeMismatch })
        let hibernation = try #require(scanned.reports.first { $0.facts.path == "/data/hib.img" })
        #expect(hibernation.findings.contains { $0.code == .hibernationSignature })

        // On the command line: no progress meter when stderr is not a terminal.
        let output = try BuiltBinary.run(["image", image, "--scan"])
        #expect(output.stderr.isEmpty, "\(output)")
        #expect(output.status == 1, "\(output)")
    }
}
