import SwapInspectCore

/// A left-aligned table with numeric columns right-aligned, util-linux style.
/// Cells are shown with control characters escaped: names and labels come from disks.
func writeTable(header: [String], rows unescaped: [[String]], into out: inout OutputBuffer) {
    let rows = unescaped.map { $0.map { Escapes.visible($0) } }
    let numeric: Set<String> = ["SIZE", "USED", "PRIO", "EXTENTS", "SPAN", "RESUME"]
    var widths = header.map(\.count)
    for row in rows {
        for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
    }
    for line in [header] + rows {
        var text = ""
        for (index, cell) in line.enumerated() {
            let pad = String(repeating: " ", count: widths[index] - cell.count)
            text += numeric.contains(header[index]) ? pad + cell : cell + (index == line.count - 1 ? "" : pad)
            if index < line.count - 1 { text += " " }
        }
        while text.hasSuffix(" ") { text.removeLast() }
        out.write(text)
        out.newline()
    }
}
