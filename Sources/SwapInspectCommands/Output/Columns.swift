import SwapInspectCore

/// A column of a table, util-linux style (`struct colinfo` of swapon.c): its name, what it holds and
/// whether it is right-aligned. One registry per table drives `--output`, the help text and completions.
protocol TableColumn: RawRepresentable<String>, CaseIterable, Sendable {
    var help: String { get }
    var rightAligned: Bool { get }
    static var defaults: [Self] { get }
}

/// The columns of `list`: swapon --show's NAME TYPE SIZE USED PRIO UUID LABEL, then what the
/// inspection adds.
enum ListColumn: String, TableColumn {
    case name = "NAME", type = "TYPE", size = "SIZE", used = "USED", prio = "PRIO", uuid = "UUID", label = "LABEL"
    case extents = "EXTENTS", span = "SPAN", resume = "RESUME", verdict = "VERDICT"

    static let defaults: [ListColumn] = [.name, .type, .size, .used, .prio, .uuid, .label, .extents, .span, .resume]

    var help: String {
        switch self {
        case .name: "device file or partition path (as /proc/swaps names it)"
        case .type: "type of the device (file or partition)"
        case .size: "size of the swap area"
        case .used: "bytes in use"
        case .prio: "swap priority"
        case .uuid: "swap uuid"
        case .label: "swap label"
        case .extents: "the kernel's swap extents, predicted"
        case .span: "the span of the physical pages, as the kernel's 'across:'"
        case .resume: "resume_offset for hibernation"
        case .verdict: "activates, refused:ERRNO or unknown: what swapon(2) would do with the area now"
        }
    }

    var rightAligned: Bool {
        switch self {
        case .size, .used, .prio, .extents, .span, .resume: true
        default: false
        }
    }

    /// The cell of an area; `bytes` prints sizes as byte counts instead of swapon's `128M`.
    func value(_ area: ListedArea, bytes: Bool) -> String {
        let entry = area.entry
        let report = area.report
        let accepted = report?.activation.flatMap { $0.ok ? $0 : nil }
        func size(_ value: UInt64) -> String { bytes ? "\(value)" : swaponSize(value) }
        switch self {
        // libmount keeps the kernel's " (deleted)", and swapon prints it as part of the name.
        case .name: return entry.name + (entry.deleted ? " (deleted)" : "")
        case .type: return entry.type
        case .size: return size(entry.sizeKiB &* 1024)
        case .used: return size(entry.usedKiB &* 1024)
        case .prio: return "\(entry.priority)"
        case .uuid: return report?.header?.uuid ?? ""
        case .label: return report?.header?.label ?? ""
        case .extents:
            guard let report else { return "" }
            return accepted.map { "\($0.extentCount)" } ?? (report.activation == nil ? "" : "-")
        case .span:
            guard let report else { return "" }
            return accepted.map { size($0.spanPages &* UInt64(report.pageSize)) } ?? "-"
        case .resume:
            guard let report else { return "" }
            return report.resumeOffset.map { "\($0)" } ?? "-"
        case .verdict:
            guard let report else { return "" }
            return Self.verdict(report)
        }
    }

    static func verdict(_ report: Report) -> String {
        if report.undetermined != nil { return "unknown" }
        if let refusal = report.activation?.refusal { return "refused:\(refusal.errno.name)" }
        return report.activation?.ok == true ? "activates" : "unknown"
    }
}

/// The rows of `probe`: one per header field, as libblkid and swapinspect read it.
enum ProbeColumn: String, TableColumn {
    case field = "FIELD", swapinspect = "SWAPINSPECT", libblkid = "LIBBLKID"

    static let defaults: [ProbeColumn] = [.field, .swapinspect, .libblkid]

    var help: String {
        switch self {
        case .field: "the header field (TYPE, VERSION, UUID, LABEL, ENDIANNESS, PAGESIZE, …)"
        case .swapinspect: "the value swapinspect's own parser reads"
        case .libblkid: "the value libblkid reports"
        }
    }

    var rightAligned: Bool { false }
}

/// `--output=COL,…` (`+COL,…` appends to the defaults), names in any case as swapon takes them.
struct ColumnList<Column: TableColumn>: Sendable {
    var columns: [Column]
    var appends: Bool

    init?(_ text: String) {
        appends = text.hasPrefix("+")
        var list: [Column] = []
        for name in (appends ? text.dropFirst() : text[...]).split(separator: ",", omittingEmptySubsequences: false) {
            guard let column = Column.allCases.first(where: { $0.rawValue == name.uppercased() }) else { return nil }
            list.append(column)
        }
        guard !list.isEmpty else { return nil }
        columns = list
    }

    /// The columns to print.
    var effective: [Column] { appends ? Column.defaults + columns : columns }

    /// Completions of a comma-separated list: the prefix up to the last comma, then each column not yet in it.
    static func completions(_ prefix: String) -> [String] {
        let head = prefix.lastIndex(of: ",").map { String(prefix[...$0]) } ?? (prefix.hasPrefix("+") ? "+" : "")
        let given = head.uppercased().split(whereSeparator: { $0 == "," || $0 == "+" }).map(String.init)
        return Column.allCases.map(\.rawValue).filter { !given.contains($0) }.map { head + $0 }
    }

    /// `NAME  device file or partition path`: the lines the help texts list the columns with.
    static var helpLines: String {
        let width = Column.allCases.map(\.rawValue.count).max() ?? 0
        return Column.allCases.map { column in
            column.rawValue + String(repeating: " ", count: width - column.rawValue.count + 2) + column.help
        }.joined(separator: "\n")
    }
}

/// How a table is printed: `--noheadings`, `--raw`, and which columns.
struct TableLayout<Column: TableColumn>: Sendable {
    var columns: [Column] = Column.defaults
    var headings = true
    var raw = false
}
