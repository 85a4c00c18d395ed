import SwapInspectCore
import Testing

/// swapon(2) fsyncs before it maps (vfs_fsync in iomap_swapfile_activate): data still in delayed
/// allocation is not a refusal, its placement is only unknown. The report says so and does not guess.
@Suite struct DelayedAllocationTests {
    @Test func delayedExtentsMakeTheVerdictUndeterminedNotRefused() {
        let written = FileExtent(logical: 0, physical: 1 << 20, length: 4096)
        let delayed = FileExtent(logical: 4096, physical: 0, length: 15 * 4096, flags: [.delalloc, .unknown, .last])
        let facts = swapFileFacts(
            path: "/mnt/swapfile", size: 16 * 4096, lastPage: 15, extents: [written, delayed], filesystem: ext4Filesystem(4096))
        let report = Inspector.inspect(facts, options: InspectOptions(pageSize: 4096))
        #expect(report.undetermined?.contains("--sync") == true)
        #expect(report.finding(.notCommitted)?.fix == "sync /mnt/swapfile")
        #expect(report.finding(.notCommitted)?.alternatives == ["swapinspect --sync /mnt/swapfile"])
        // No verdict, so no activation (JSON `activation: null`, as for every undetermined report).
        #expect(report.activation == nil)
        #expect(report.kernelLog == nil)
    }

    @Test func sameLayoutOnceWrittenBackActivates() {
        let extents = [FileExtent(logical: 0, physical: 1 << 20, length: 16 * 4096, flags: [.last])]
        let facts = swapFileFacts(
            path: "/mnt/swapfile", size: 16 * 4096, lastPage: 15, extents: extents, filesystem: ext4Filesystem(4096))
        let report = Inspector.inspect(facts, options: InspectOptions(pageSize: 4096))
        #expect(report.undetermined == nil)
        #expect(report.kernelLog == "Adding 60k swap on /mnt/swapfile.  Priority:-2 extents:1 across:60k")
    }
}
