import Glibc
import SwapInspectImage

/// A one-line progress meter on stderr, only when stderr is a terminal.
final class ScanProgress {
    let enabled: Bool
    private var shown = false

    init(enabled: Bool) { self.enabled = enabled }

    var report: ImageProgress? {
        guard enabled else { return nil }
        return { [self] what, done, total in
            let percent = total == 0 ? 100 : min(100, done * 100 / total)
            var line = "\r\(what): \(percent)% of \(total) inodes"
            line.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
            shown = true
        }
    }

    func finish() {
        guard shown else { return }
        var clear = "\r\u{1B}[K"
        clear.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
