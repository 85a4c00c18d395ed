import Glibc
import SwapInspectCore

/// Loop devices and the files behind them (/sys/block/loopN/loop/backing_file).
public enum LoopBacking {
    /// The loop devices whose backing file is `canonicalPath`.
    public static func devices(backedBy canonicalPath: String) -> [String] {
        OpenFactsReader.directoryEntries("/sys/block").filter { $0.hasPrefix("loop") }.compactMap { name in
            guard let backing = readTextFile("/sys/block/\(name)/loop/backing_file") else { return nil }
            return backing.trimmingTrailingNewline == canonicalPath ? "/dev/\(name)" : nil
        }
    }
}

extension String {
    var trimmingTrailingNewline: String { hasSuffix("\n") ? String(dropLast()) : self }
}
