/// One line of /proc/swaps.
public struct ProcSwapsEntry: Sendable, Equatable {
    /// The path with the kernel's octal escapes undone and any ` (deleted)` suffix removed.
    public var name: String
    public var type: String
    public var sizeKiB: UInt64
    public var usedKiB: UInt64
    public var priority: Int
    /// The file was unlinked while active (`d_path` appended ` (deleted)`).
    public var deleted: Bool

    public init(name: String, type: String, sizeKiB: UInt64, usedKiB: UInt64, priority: Int, deleted: Bool = false) {
        self.name = name
        self.type = type
        self.sizeKiB = sizeKiB
        self.usedKiB = usedKiB
        self.priority = priority
        self.deleted = deleted
    }
}

/// /proc/swaps as `swap_show` prints it: the path escaped by `seq_file_path(…, " \t\n\\")`, padded,
/// then type, size, used and priority separated by tabs.
public enum ProcSwaps {
    public static func parse(_ text: String) -> [ProcSwapsEntry] {
        var entries: [ProcSwapsEntry] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).dropFirst() {
            // `swap_show` (mm/swapfile.c) pads with extra tabs: `"file\t"` after the name, and one more
            // after size and used when they are below 10000000 (`"%*s%s\t%lu\t%s%lu\t%s%d\n"`). A tab never
            // occurs inside the name (escaped as \011), so runs of tabs are single separators.
            let fields = line.split(separator: "\t", omittingEmptySubsequences: true)
            guard fields.count >= 4 else { continue }
            // "NAME<spaces>TYPE": the escaped name holds no raw space, so the first space ends it.
            let head = fields[0]
            guard let space = head.firstIndex(of: " ") else { continue }
            let escaped = head[..<space]
            let type = head[space...].trimmingSpaces()
            guard let size = UInt64(fields[1].trimmingSpaces()), let used = UInt64(fields[2].trimmingSpaces()),
                let priority = Int(fields[3].trimmingSpaces())
            else { continue }
            var name = unescape(escaped)
            let suffix = " (deleted)"
            var deleted = false
            if name.hasSuffix(suffix) {
                deleted = true
                name.removeLast(suffix.count)
            }
            entries.append(ProcSwapsEntry(name: name, type: String(type), sizeKiB: size, usedKiB: used, priority: priority, deleted: deleted))
        }
        return entries
    }

    /// `\040` → space, `\011` → tab, `\012` → newline, `\134` → backslash.
    public static func unescape(_ text: Substring) -> String { Escapes.octal(text.utf8) }

    /// The priority the next auto-priority swapon gets (≤6.18 `--least_priority`; −2 on an idle system).
    public static func nextAutoPriority(_ entries: [ProcSwapsEntry]) -> Int {
        let lowest = entries.map(\.priority).filter { $0 < 0 }.min() ?? -1
        return lowest - 1
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var slice = self
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return slice
    }
}
