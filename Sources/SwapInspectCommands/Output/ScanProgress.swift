import Glibc
import SwapInspectCore
import SwapInspectImage

/// A one-line progress bar on stderr, only when stderr is a terminal, in the spirit of `e2fsck -C 0`:
/// `scanning disk.img:2 [=====>    ] 1234567/4000000 inodes, 31% ETA 0:12`.
final class ScanProgress {
    let enabled: Bool
    private var shown = false
    private var started: Double?
    /// Cells of the bar.
    static let width = 30

    init(enabled: Bool) { self.enabled = enabled }

    var report: ImageProgress? {
        guard enabled else { return nil }
        return { [self] what, done, total in
            let now = Self.seconds()
            let start = started ?? now
            started = start
            var line = "\r" + Self.line(what: what, done: done, total: total, elapsed: now - start) + "\u{1B}[K"
            line.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
            shown = true
        }
    }

    /// The bar's text (without the carriage return), for `elapsed` seconds into the walk.
    static func line(what: String, done: UInt64, total: UInt64, elapsed: Double) -> String {
        let fraction = total == 0 ? 1 : min(1, Double(done) / Double(total))
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" + String(repeating: " ", count: width - filled - 1) : "")
        var text = "\(Escapes.visible(what)) [\(bar)] \(done)/\(total) inodes, \(Int(fraction * 100))%"
        if fraction > 0, fraction < 1, elapsed > 0 {
            let left = Int(elapsed / fraction - elapsed)
            text += " ETA \(left / 60):\(String(left % 60 + 100).dropFirst())"
        }
        return text
    }

    static func seconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    func finish() {
        guard shown else { return }
        var clear = "\r\u{1B}[K"
        clear.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
