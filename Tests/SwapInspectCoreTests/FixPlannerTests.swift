import SwapInspectCore
import Testing

/// One place gives every finding its fix (`FixPlanner`): a command a person can run as printed.
@Suite("fix planner")
struct FixPlannerTests {
    static let options = InspectOptions(pageSize: 4096)

    /// A 4 MiB swap file with a hole in its second MiB, on `filesystem`, named `path`.
    static func holey(_ path: String, _ filesystem: FilesystemFacts, label: String? = nil) -> AreaFacts {
        swapFileFacts(
            path: path, size: 4 * mebibyte, lastPage: 1023,
            extents: blocks([(0, 1000, 256), (512, 2000, 512)], blockSize: 4096), filesystem: filesystem,
            header: HeaderForge(lastPage: 1023, label: label ?? ""))
    }

    @Test func iomapRecreatesWithFallocateKeepingSizeUUIDAndLabel() throws {
        let report = Inspector.inspect(Self.holey("/mnt/t/my swap", ext4Filesystem(4096), label: "it's"), options: Self.options)
        let uuid = try #require(report.header?.uuid)
        #expect(
            report.finding(.holes)?.fix
                == "swapinspect create --force '/mnt/t/my swap' --size 4194304 --page-size 4096 --uuid \(uuid) --label 'it'\\''s'")
    }

    /// The generic path too: `create` writes the zeroes bmap needs.
    @Test func genericRecreatesWithCreate() throws {
        let fuseblk = FilesystemFacts(
            kind: FilesystemCatalog.classify(magic: FilesystemMagic.fuse, mountType: "fuseblk", ext4Driver: false), blockSize: 4096,
            device: "/dev/loop1")
        let report = Inspector.inspect(Self.holey("/mnt/n/sw", fuseblk), options: Self.options)
        let fix = try #require(report.finding(.holes)?.fix)
        #expect(fix.hasPrefix("swapinspect create --force /mnt/n/sw --size 4194304 --page-size 4096 --uuid "), "\(fix)")
    }

    @Test func anActiveAreaIsNeverRewritten() {
        var facts = Self.holey("/mnt/t/sw", ext4Filesystem(4096))
        facts.active = ProcSwapsEntry(name: "/mnt/t/sw", type: "file", sizeKiB: 4092, usedKiB: 0, priority: -2)
        let report = Inspector.inspect(facts, options: Self.options)
        #expect(report.finding(.holes)?.fix == nil)
    }

    @Test func aPageSizeMismatchNamesTheOtherMachinesAuditAsAnAlternative() throws {
        let facts = AreaFacts(
            path: "/swapfile", kind: .file, size: 16 * 65536, filesystem: ext4Filesystem(4096),
            headerBytes: HeaderForge(pageSize: 65536, lastPage: 15).bytes(), extents: blocks([(0, 100, 256)], blockSize: 4096))
        let report = Inspector.inspect(facts, options: Self.options)
        let finding = try #require(report.finding(.pagesizeMismatch))
        let uuid = try #require(report.header?.uuid)
        #expect(finding.fix == "mkswap -p 4096 -U \(uuid) /swapfile")
        #expect(finding.alternatives == ["swapinspect --page-size 65536 /swapfile"])
    }

    @Test func offlineFixesMoveIntoTheMessage() {
        var findings = [Finding(.insecurePermissions, "insecure permissions 0644", fix: "chmod 0600 /swapfile")]
        findings.moveFixesIntoMessages()
        #expect(findings[0].fix == nil)
        #expect(findings[0].message == "insecure permissions 0644 (on the system that boots the image: chmod 0600 /swapfile)")
    }

    @Test(arguments: ["/swapfile", "/mnt/a b", "/x'y", "/tab\tname", "", "-rf"])
    func quotingSurvivesTheShell(_ word: String) {
        let quoted = ShellQuote.quote(word)
        #expect(!quoted.isEmpty)
        if word.allSatisfy({ $0.isLetter || $0.isNumber || "/._-".contains($0) }) && !word.isEmpty {
            #expect(quoted == word)
        } else {
            #expect(quoted.hasPrefix("'") && quoted.hasSuffix("'"))
        }
    }
}
