import SwapInspectCore

/// A table as libsmartcols prints it: aligned, numeric columns right-aligned, cells with control
/// characters escaped (names and labels come from disks); or `--raw`, one space between cells escaped
/// as `fputs_nonblank` does.
func writeTable<Column: TableColumn>(_ layout: TableLayout<Column>, rows: [[String]], into out: inout OutputBuffer) {
    let header = layout.columns.map(\.rawValue)
    let lines = layout.headings ? [header] + rows : rows
    if layout.raw {
        for line in lines {
            out.write(line.map(rawCell).joined(separator: " "))
            out.newline()
        }
        return
    }
    let escaped = lines.map { $0.map { Escapes.visible($0) } }
    var widths = header.map { layout.headings ? $0.count : 0 }
    for row in escaped {
        for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
    }
    for line in escaped {
        var text = ""
        for (index, cell) in line.enumerated() {
            let pad = String(repeating: " ", count: widths[index] - cell.count)
            text += layout.columns[index].rightAligned ? pad + cell : cell + (index == line.count - 1 ? "" : pad)
            if index < line.count - 1 { text += " " }
        }
        while text.hasSuffix(" ") { text.removeLast() }
        out.write(text)
        out.newline()
    }
}

/// A cell of raw output: every blank, backslash and byte that is not printable ASCII as `\xNN`
/// (libsmartcols `fputs_nonblank`; swapon runs it byte by byte, so UTF-8 bytes are escaped too).
func rawCell(_ cell: String) -> String {
    var out = ""
    for byte in cell.utf8 {
        if byte == 0x20 || byte == 0x09 || byte == 0x5C || byte < 0x20 || byte >= 0x7F {
            let digits = String(byte, radix: 16)
            out += "\\x" + (digits.count == 1 ? "0" + digits : digits)
        } else {
            out.unicodeScalars.append(Unicode.Scalar(byte))
        }
    }
    return out
}
