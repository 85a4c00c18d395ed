import Foundation
import SwapInspectCore
import SwapInspectLinux
import SwapInspectTestSupport
import Testing

@testable import SwapInspectCommands

/// `list`'s columns as util-linux prints them (sizes, raw escaping, --output), the Prometheus exposition,
/// and `--color`. The real `swapon --show` and `promtool` comparisons are in SwapInspectKernelTests.
@Suite("list columns, Prometheus, colour")
struct ListColumnsTests {
    /// Values `size_to_human_string(SIZE_SUFFIX_1LETTER, …)` of util-linux 2.38 prints (checked against it
    /// compiled from lib/strutils.c on 5,000 values): boundaries, rounding up to the next unit, 2^64-1.
    static let sizes: [(UInt64, String)] = [
        (0, "0B"), (1, "1B"), (1023, "1023B"), (1024, "1K"), (1025, "1K"), (1536, "1.5K"), (1_048_575, "1024K"),
        (1_048_576, "1M"), (134_213_632, "128M"), (1_610_612_736, "1.5G"), (1 << 63, "8E"), (UInt64.max, "16E"),
        (24572 * 1024, "24M"), (1300 * 1024, "1.3M"), (20988 * 1024, "20.5M"), (1_996_000_000, "1.9G"),
    ]

    @Test(arguments: sizes)
    func sizesAreSwaponsHumanForm(_ bytes: UInt64, _ expected: String) {
        #expect(swaponSize(bytes) == expected)
    }

    @Test func rawCellsEscapeAsLibsmartcols() {
        #expect(rawCell("/swap file") == "/swap\\x20file")
        #expect(rawCell("a\tb\\c\"d'") == "a\\x09b\\x5cc\"d'")
        #expect(rawCell("é\u{7F}\n") == "\\xc3\\xa9\\x7f\\x0a")
        #expect(rawCell("") == "")
    }

    @Test func outputListsParseAsSwaponTakesThem() throws {
        let plain = try #require(ColumnList<ListColumn>("name,SIZE,Prio"))
        #expect(plain.effective == [.name, .size, .prio])
        let appended = try #require(ColumnList<ListColumn>("+VERDICT"))
        #expect(appended.effective == ListColumn.defaults + [.verdict])
        for bad in ["", "+", "NAME,", "NAME,BOGUS", ",NAME"] { #expect(ColumnList<ListColumn>(bad) == nil, "\(bad)") }
        #expect(ColumnList<ListColumn>.completions("NAME,S") == ListColumn.allCases.filter { $0 != .name }.map { "NAME," + $0.rawValue })
        #expect(ColumnList<ListColumn>.completions("").count == ListColumn.allCases.count)
        #expect(ColumnList<ListColumn>.completions("+").allSatisfy { $0.hasPrefix("+") })
    }

    static func areas() -> [ListedArea] {
        let ok = GoldenTextTests.okOneExtent()
        let refused = GoldenTextTests.refused()
        return [
            ListedArea(entry: ProcSwapsEntry(name: "/swapfile", type: "file", sizeKiB: 65532, usedKiB: 1536, priority: -2), report: ok),
            ListedArea(entry: ProcSwapsEntry(name: "/home/alice/my swap", type: "file", sizeKiB: 32764, usedKiB: 0, priority: 5), report: refused),
            ListedArea(entry: ProcSwapsEntry(name: "/gone", type: "file", sizeKiB: 1_048_572, usedKiB: 0, priority: -3, deleted: true), report: nil),
        ]
    }

    static func render(_ table: ListTable) -> String {
        var buffer = OutputBuffer(fd: nil)
        TextRenderer(colour: false, allExtents: false).renderAreas(areas(), table: table, showReports: false, into: &buffer)
        return buffer.text
    }

    @Test func listTablesMatchGolden() throws {
        try Golden.compare(Self.render(ListTable()), name: "list-default")
        let every = TableLayout(columns: Array(ListColumn.allCases), headings: true, raw: true)
        try Golden.compare(Self.render(ListTable(layout: every, bytes: false)), name: "list-raw-all")
        let bytes = TableLayout(columns: [ListColumn.name, .size, .used, .span], headings: false, raw: false)
        try Golden.compare(Self.render(ListTable(layout: bytes, bytes: true)), name: "list-bytes-noheadings")
    }

    /// probe's field table takes the same --output, --noheadings and --raw.
    @Test func probeTableTakesTheTableOptions() throws {
        let directory = try TemporaryDirectory(prefix: "swapinspect-probe-table")
        defer { directory.remove() }
        let path = directory.path + "/a swap"
        try Fixture.swapFile(path, mkswapArguments: ["-L", "my label"])
        let run = try Runner.swapinspect(["probe", "--output=FIELD,LIBBLKID", "--noheadings", "--raw", path])
        #expect(run.status == 0, "\(run)")
        let lines = run.stdoutText.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasSuffix("a swap: file, 16.0 MiB") == true, "\(run.stdoutText)")
        #expect(lines.contains("TYPE swap") && lines.contains("LABEL my\\x20label"), "\(run.stdoutText)")
        #expect(!lines.contains { $0.hasPrefix("FIELD") })
        let headed = try Runner.swapinspect(["probe", "--output", "+FIELD", path])
        #expect(headed.stdoutText.contains("FIELD      SWAPINSPECT"), "\(headed)")
        #expect(try Runner.swapinspect(["probe", "--output=SIZE", path]).status == 64, "a list column is no probe column")
    }

    /// Label values escape `\`, `"` and newline; every family once; promtool runs on real areas in the kernel tests.
    @Test func prometheusMatchesGolden() throws {
        var hostile = GoldenTextTests.okOneExtent()
        hostile.facts.path = "/srv/a \"quoted\" back\\slash\nnewline"
        let output = CommandOutput.reports([GoldenTextTests.okOneExtent(), hostile, GoldenTextTests.refused()], errors: [("/x", "m")])
        var buffer = OutputBuffer(fd: nil)
        output.render(.prometheus, into: &buffer)
        let text = buffer.text
        #expect(text.contains("path=\"/srv/a \\\"quoted\\\" back\\\\slash\\nnewline\""))
        let families = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
        #expect(Set(families).count == families.count && families.count == 7)
        #expect(text.hasSuffix("swapinspect_errors 1\n"))
        try Golden.compare(text, name: "prometheus")
        let promtool = Runner.tool("promtool")
        if promtool == nil && ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("promtool (Debian package prometheus) is not installed")
        }
        if let promtool {
            let directory = try TemporaryDirectory(prefix: "swapinspect-prom")
            defer { directory.remove() }
            let file = directory.path + "/golden.prom"
            try AtomicFile.replace(file, with: buffer.bytes)
            let check = try Runner.run("/bin/sh", ["-c", "\"$0\" check metrics < \"$1\"", promtool, file])
            #expect(check.status == 0, "\(check)")
        }
    }

    @Test func atomicFileFailsWithOneLineAndLeavesNothing() throws {
        let directory = try TemporaryDirectory(prefix: "swapinspect-atomic")
        defer { directory.remove() }
        #expect(throws: AreaError.self) { try AtomicFile.replace(directory.path + "/missing/x.prom", with: [1]) }
        let file = directory.path + "/x.prom"
        try "old".write(toFile: file, atomically: false, encoding: .utf8)
        try AtomicFile.replace(file, with: Array("new\n".utf8))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "new\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["x.prom"])
        let run = try Runner.swapinspect(["--format=prometheus", "--output-file", directory.path + "/missing/x.prom", "/nonexistent"])
        #expect(run.status == 2 && run.stderrLines.count == 2, "one line for the path, one for the file: \(run)")
    }

    /// `--color=auto` colours on a terminal (a pty from script(1)) unless NO_COLOR is set or TERM is dumb;
    /// always and never override it.
    @Test(.enabled(if: Runner.tool("script") != nil, "script (bsdutils) is not installed"))
    func colourFollowsTheTerminalTermAndNoColor() throws {
        let directory = try TemporaryDirectory(prefix: "swapinspect-colour")
        defer { directory.remove() }
        let path = directory.path + "/swapfile"
        try Fixture.swapFile(path)
        let script = try #require(Runner.tool("script"))
        func coloured(_ environment: [String], _ arguments: String, terminal: Bool = true) throws -> Bool {
            let command = "'\(Paths.binary)' \(arguments) '\(path)'"
            let run = terminal
                ? try Runner.run("/usr/bin/env", ["-u", "NO_COLOR"] + environment + [script, "-qec", command, "/dev/null"])
                : try Runner.run("/usr/bin/env", ["-u", "NO_COLOR"] + environment + ["/bin/sh", "-c", command])
            #expect(run.stdoutText.contains("would activate"), "\(run)")
            return run.stdoutText.contains("\u{1B}[")
        }
        #expect(try coloured(["TERM=xterm"], ""))
        #expect(try !coloured(["TERM=dumb"], ""))
        #expect(try !coloured(["TERM=xterm", "NO_COLOR=1"], ""))
        #expect(try !coloured(["TERM=xterm"], "--color=never"))
        #expect(try coloured(["TERM=dumb", "NO_COLOR=1"], "--color=always"))
        #expect(try !coloured(["TERM=xterm"], "", terminal: false))
        #expect(try coloured(["TERM=xterm"], "--color always", terminal: false))
    }
}

extension ColumnList: Equatable where Column: Equatable {
    public static func == (a: Self, b: Self) -> Bool { a.columns == b.columns && a.appends == b.appends }
}
