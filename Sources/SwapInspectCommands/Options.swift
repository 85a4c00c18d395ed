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

struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON document on stdout (schema version 1).")
    var json = false

    @Flag(name: .long, help: "List every swap extent (default: the first and last few).")
    var extents = false

    @Flag(name: .long, help: "Warnings also make the exit status 1.")
    var strict = false
}

/// `--page-size`, shared by every command that validates headers.
struct PageSizeOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The kernel page size to simulate, in bytes (default: this machine's).", valueName: "bytes"))
    var pageSize: Int?

    func validate() throws {
        if let pageSize, !SwapHeaderLayout.candidatePageSizes.contains(pageSize) {
            throw ValidationError("--page-size must be one of 4096, 8192, 16384, 32768, 65536 (got \(pageSize))")
        }
    }

    var effective: Int { pageSize ?? systemPageSize() }
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
