import SwapInspectCore
import Testing

/// swapon(2) opens the area O_RDWR|O_EXCL before it reads anything (docs/kernel-rules.md §1.2 step 6):
/// what that open meets decides first, in the VFS's order.
@Suite("open-time refusals")
struct OpenRefusalTests {
    static let options = InspectOptions(pageSize: 4096)

    static func goodFile(_ open: OpenFacts) -> AreaFacts {
        var facts = swapFileFacts(
            path: "/mnt/t/swapfile", size: 4 * mebibyte, lastPage: 1023, extents: blocks([(0, 1000, 1024)], blockSize: 4096),
            filesystem: ext4Filesystem(4096))
        facts.open = open
        return facts
    }

    static func device(_ open: OpenFacts) -> AreaFacts {
        var facts = loopDeviceFacts(HeaderForge(lastPage: 2047), path: "/dev/loop7")
        facts.open = open
        return facts
    }

    @Test func theGoodFileActivatesWithoutOpenFacts() {
        #expect(Inspector.inspect(Self.goodFile(OpenFacts()), options: Self.options).activation?.ok == true)
        #expect(Inspector.inspect(Self.device(OpenFacts()), options: Self.options).activation?.ok == true)
    }

    @Test(arguments: [
        (OpenFacts(immutable: true), FindingCode.immutable, ErrnoName.operationNotPermitted, "chattr -i /mnt/t/swapfile"),
        (OpenFacts(appendOnly: true), .immutable, .operationNotPermitted, "chattr -a /mnt/t/swapfile"),
        (OpenFacts(readOnlySuperblock: "/mnt/t"), .readOnlyMount, .readOnlyFileSystem, "mount -o remount,rw /mnt/t"),
        (OpenFacts(readOnlyMount: "/mnt/bind"), .readOnlyMount, .readOnlyFileSystem, "mount -o remount,bind,rw /mnt/bind"),
    ])
    func fileOpenIsRefusedWithTheKernelsErrno(open: OpenFacts, code: FindingCode, errno: ErrnoName, fix: String) {
        let report = Inspector.inspect(Self.goodFile(open), options: Self.options)
        #expect(report.activation?.ok == false)
        #expect(report.activation?.refusal?.errno == errno)
        #expect(report.activation?.model == .iomap)
        #expect(report.codes == [code])
        #expect(report.findings.first?.fix == fix)
        #expect(report.kernelLog == nil, "the open fails silently")
        #expect(report.undetermined == nil)
    }

    /// `inode_permission` checks the super block before the inode's flags; the mount's own flag comes last.
    @Test func theVFSOrderDecidesBetweenSeveralReasons() {
        let all = OpenFacts(immutable: true, appendOnly: true, readOnlySuperblock: "/mnt/t", readOnlyMount: "/mnt/t")
        #expect(Inspector.inspect(Self.goodFile(all), options: Self.options).activation?.refusal?.errno == .readOnlyFileSystem)
        let flagsAndMount = OpenFacts(immutable: true, readOnlyMount: "/mnt/bind")
        let report = Inspector.inspect(Self.goodFile(flagsAndMount), options: Self.options)
        #expect(report.activation?.refusal?.errno == .operationNotPermitted)
        #expect(report.codes == [.immutable])
    }

    @Test(arguments: [
        (OpenFacts(mountedAt: "/srv"), "mounted on /srv"),
        (OpenFacts(holders: ["dm-0"]), "held by dm-0"),
        (OpenFacts(claimedElsewhere: true), "open exclusively"),
    ])
    func aBusyDeviceIsRefusedWithEBUSYAndNoFix(open: OpenFacts, says: String) {
        let report = Inspector.inspect(Self.device(open), options: Self.options)
        #expect(report.activation?.ok == false)
        #expect(report.activation?.refusal?.errno == .resourceBusy)
        #expect(report.codes == [.deviceBusy])
        #expect(report.findings.first?.message.contains(says) == true)
        #expect(report.findings.first?.fix == nil, "what holds a device is never overwritten")
    }

    /// squashfs cannot be remounted read-write: its refusal names the file system, not a remount.
    @Test func aReadOnlyByNatureFileSystemIsNotARemountFix() {
        var facts = Self.goodFile(OpenFacts(readOnlySuperblock: "/media/cd", readOnlyMount: "/media/cd"))
        facts.filesystem = FilesystemFacts(
            kind: FilesystemCatalog.classify(magic: FilesystemMagic.squashfs, mountType: "squashfs", ext4Driver: false),
            blockSize: 4096, device: "/dev/loop3")
        let report = Inspector.inspect(facts, options: Self.options)
        #expect(report.codes == [.unsupportedFilesystem])
        #expect(report.activation?.refusal?.errno == .readOnlyFileSystem)
        #expect(report.findings.first?.fix == nil, "no command makes squashfs writable")
    }

    /// Mount flags describe the file system a file lives on: a device node on a read-only /dev is still opened.
    @Test func readOnlyMountFactsDoNotRefuseABlockDevice() {
        let report = Inspector.inspect(Self.device(OpenFacts(readOnlySuperblock: "/dev", readOnlyMount: "/dev")), options: Self.options)
        #expect(report.activation?.ok == true)
    }
}
