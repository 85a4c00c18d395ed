import Testing

@testable import SwapInspectCommands

/// The `--scan` progress bar (stderr on a terminal): a bar, the count, the percentage and an ETA from
/// the rate so far, as e2fsck -C shows them; a name from the image is escaped.
@Suite struct ScanProgressTests {
    @Test func barCountAndETA() {
        let half = ScanProgress.line(what: "scanning disk.img:2", done: 500, total: 1000, elapsed: 75)
        #expect(half == "scanning disk.img:2 [===============>              ] 500/1000 inodes, 50% ETA 1:15")
        let done = ScanProgress.line(what: "scanning x", done: 8192, total: 8192, elapsed: 3)
        #expect(done == "scanning x [==============================] 8192/8192 inodes, 100%")
        let hostile = ScanProgress.line(what: "scanning a\u{1B}]0;t\u{07}", done: 0, total: 0, elapsed: 0)
        #expect(!hostile.utf8.contains { $0 < 0x20 }, "\(hostile)")
    }
}
