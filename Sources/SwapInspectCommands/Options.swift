import ArgumentParser
import SwapInspectCore
import SwapInspectLinux

/// `--model auto|generic|iomap|btrfs`: auto, or a model forced by its name.
extension ModelSelection: ExpressibleByArgument, CaseIterable {
    public static var allCases: [ModelSelection] { [.auto] + forcible.map { .forced($0) } }

    public init?(argument: String) {
        guard let found = Self.allCases.first(where: { $0.name == argument }) else { return nil }
        self = found
    }

    var name: String {
        switch self {
        case .auto: "auto"
        case .forced(let model): model.rawValue
        }
    }

    public var defaultValueDescription: String { name }
    // A closure, not a key path: ArgumentParser asks for these on every start (its argument sets), and
    // a key path is instantiated at run time from its mangled pattern.
    public static var allValueStrings: [String] { allCases.map { $0.name } }
}
// The strings ArgumentParser's defaults give (`allCases.map(\.rawValue.defaultValueDescription)`, and a
// String's description is itself), without instantiating that key path on every start.
extension MapperChoice: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map { $0.rawValue } }
}
extension DiscardPolicy: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map { $0.rawValue } }
}

/// `--format text|json|prometheus`.
enum FormatChoice: String, CaseIterable, ExpressibleByArgument, Sendable {
    case text, json, prometheus
    public static var allValueStrings: [String] { allCases.map { $0.rawValue } }
}

/// `--color auto|always|never`, as util-linux spells it.
enum ColorChoice: String, CaseIterable, ExpressibleByArgument, Sendable {
    case auto, always, never
    public static var allValueStrings: [String] { allCases.map { $0.rawValue } }

    /// auto: stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`.
    var enabled: Bool {
        switch self {
        case .always: true
        case .never: false
        case .auto: isTerminal()
        }
    }
}

/// `-J`/`--json`, `--format` and `--output-file`: which document a command writes, and where.
struct DocumentOptions: ParsableArguments {
    @Flag(name: [.customShort("J"), .long], help: "Print one JSON document on stdout (schema version 1).")
    var json = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "text, json (as --json) or prometheus (the text exposition format, for node_exporter's textfile collector).",
            valueName: "format"))
    var format: FormatChoice?

    @Option(
        name: .customLong("output-file"),
        help: ArgumentHelp(
            "With --format=prometheus: write FILE atomically (a temporary file in its directory, fsync, rename) instead of stdout.",
            valueName: "file"),
        completion: .file(extensions: ["prom"]))
    var outputFile: String?

    func validate() throws {
        if json, let format, format != .json {
            throw ValidationError("--json and --format=\(format.rawValue) cannot be combined")
        }
        if outputFile != nil && format != .prometheus {
            throw ValidationError("--output-file needs --format=prometheus")
        }
        if let outputFile, outputFile.isEmpty || outputFile.hasSuffix("/") {
            throw ValidationError("--output-file must name a file (got '\(outputFile)')")
        }
    }

    var wantsJSON: Bool { json || format == .json }
    var wantsPrometheus: Bool { format == .prometheus }
}

struct OutputOptions: ParsableArguments {
    @OptionGroup var document: DocumentOptions

    @Flag(name: .long, help: "List every swap extent (default: the first and last few).")
    var extents = false

    @Flag(name: .long, help: "Warnings also make the exit status 1.")
    var strict = false

    @Option(name: .long, help: ArgumentHelp("Colour the verdicts: auto (a terminal, NO_COLOR unset, TERM not dumb), always or never.", valueName: "when"))
    var color: ColorChoice = .auto

    var json: Bool { document.json }
    var outputFile: String? { document.outputFile }
    var wantsJSON: Bool { document.wantsJSON }
    var wantsPrometheus: Bool { document.wantsPrometheus }
    /// Text for people on stdout: what a line such as `hibernate ready` may be added to.
    var textOnStdout: Bool { !wantsJSON && !wantsPrometheus }
}

/// `--noheadings`, `--raw`, `--output`, `--output-all`: how a table is printed, as util-linux's tools take it.
struct TableOptions<Column: TableColumn>: ParsableArguments {
    @Flag(name: .long, help: "Print no header line.")
    var noheadings = false

    @Flag(name: .long, help: "Raw table: one space between cells, blanks, backslashes and non-printable bytes as \\xNN (as util-linux).")
    var raw = false

    @Option(
        name: .long,
        help: ArgumentHelp("The columns to print, comma-separated; +COL,… appends to the default ones.", valueName: "list"),
        completion: .custom { _, _, prefix in ColumnList<Column>.completions(prefix) })
    var output: ColumnList<Column>?

    @Flag(name: .long, help: "Print every column.")
    var outputAll = false

    func validate() throws {
        if outputAll && output != nil { throw ValidationError("--output and --output-all cannot be combined") }
    }

    var layout: TableLayout<Column> {
        TableLayout(columns: outputAll ? Array(Column.allCases) : output?.effective ?? Column.defaults, headings: !noheadings, raw: raw)
    }
}

extension ColumnList: ExpressibleByArgument {
    init?(argument: String) { self.init(argument) }
    static var allValueStrings: [String] { Column.allCases.map(\.rawValue) }
    var defaultValueDescription: String { columns.map(\.rawValue).joined(separator: ",") }
}

/// `--page-size`, shared by every command that validates headers.
struct PageSizeOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The kernel page size to simulate, in bytes (default: this machine's).", valueName: "bytes"),
        completion: .list(SwapHeaderLayout.candidatePageSizes.map { "\($0)" }))
    var pageSize: Int?

    func validate() throws {
        if let pageSize, !SwapHeaderLayout.candidatePageSizes.contains(pageSize) {
            throw ValidationError("--page-size must be one of 4096, 8192, 16384, 32768, 65536 (got \(pageSize))")
        }
    }

    var effective: Int { pageSize ?? systemPageSize() }
}

/// `--priority` and `--discard`: the swap flags `activate` passes to swapon(2) and `create` writes into the
/// fstab entry (`pri=`, `discard`) and its predicted kernel line. `--discard once` and a bare `--discard`
/// reach ArgumentParser as `--discard=once` and `--discard=all` (`StartupDispatch.normalized`).
struct SwapFlagOptions: ParsableArguments {
    // Unconditional: `--priority -1` is a value, not an option (swapon(8) takes it so).
    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp(
            "Swap priority, for swapon(2) or the fstab entry's pri=, 0 to 32767; -1 (as swapon's) is the kernel's automatic one, the default.",
            valueName: "n"))
    var priority: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Discard policy, for swapon(2) or the fstab entry: --discard (all), --discard=once (the whole area at swapon) or --discard=pages (freed pages).",
            valueName: "policy"))
    var discard: DiscardPolicy?

    func validate() throws {
        if let priority, !(-1...SwapFlags.maxPriority).contains(priority) {
            throw ValidationError("--priority must be between -1 and \(SwapFlags.maxPriority) (got \(priority))")
        }
    }

    /// Neither option given.
    var isEmpty: Bool { priority == nil && discard == nil }

    /// swapon(2) takes a priority only as SWAP_FLAG_PREFER with 0…32767; -1 is none (the kernel picks one).
    var flags: SwapFlags { SwapFlags(priority: priority.flatMap { $0 < 0 ? nil : $0 }, discard: discard) }
}

struct SimulationOptions: ParsableArguments {
    @OptionGroup var page: PageSizeOption

    @Option(name: .long, help: "The kernel activation path to simulate (auto: the one the file system uses).")
    var model: ModelSelection = .auto

    @Option(name: .long, help: "How physical blocks are found (auto: FIEMAP, falling back to FIBMAP).")
    var mapper: MapperChoice = .auto

    @Flag(name: .long, help: "Flush the file's dirty data before mapping (FIEMAP_FLAG_SYNC).")
    var sync = false

    var effectivePageSize: Int { page.effective }
}
