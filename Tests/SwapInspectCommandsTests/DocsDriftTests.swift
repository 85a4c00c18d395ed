import Foundation
import SwapInspectCore
import SwapInspectTestSupport
import Testing

/// The committed man page, JSON Schema and completions against the CLI and each other: these fail when they drift.
@Suite("docs and completions drift")
struct DocsDriftTests {
    static let completionFiles: [(shell: String, file: String)] = [
        ("bash", "swapinspect.bash"), ("zsh", "_swapinspect"), ("fish", "swapinspect.fish"),
    ]

    @Test(arguments: completionFiles.map(\.shell))
    func completionScriptIsCurrent(_ shell: String) throws {
        let file = try #require(Self.completionFiles.first { $0.shell == shell }?.file)
        let result = try Runner.swapinspect(["--generate-completion-script", shell])
        #expect(result.status == 0, "\(result)")
        #expect(!result.stdout.isEmpty)
        let committed = FileManager.default.contents(atPath: Paths.completions.appendingPathComponent(file).path)
        #expect(committed != nil, "completions/\(file) is missing: run `make completions`")
        #expect(
            committed == result.stdout,
            "completions/\(file) differs from `swapinspect --generate-completion-script \(shell)`: run `make completions`")
    }

    // MARK: - man page

    static func manPage() throws -> String {
        try String(contentsOf: Paths.manPage, encoding: .utf8)
    }

    /// The man source with `\-` unescaped, so `.Fl \-page\-size` reads `Fl -page-size`.
    static func normalized(_ text: String) -> String {
        text.replacingOccurrences(of: "\\-", with: "-").replacingOccurrences(of: "\\&", with: "")
    }

    /// `.Sh NAME` → its lines up to the next `.Sh`.
    static func sections(_ text: String) -> [(name: String, body: String)] {
        var result: [(String, String)] = []
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix(".Sh ") {
                result.append((String(line.dropFirst(4)).trimmingCharacters(in: .init(charactersIn: " \"")), ""))
            } else if !result.isEmpty {
                result[result.count - 1].1 += line + "\n"
            }
        }
        return result
    }

    static func section(_ name: String) throws -> String {
        let found = sections(normalized(try manPage())).first { $0.name == name }
        return try #require(found?.body, "man/swapinspect.8 has no \(name) section")
    }

    /// util-linux order, section 8 (style.md).
    @Test func manPageSectionsInUtilLinuxOrder() throws {
        let names = Self.sections(try Self.manPage()).map(\.name)
        #expect(
            names == [
                "NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "EXIT STATUS", "JSON OUTPUT", "FINDINGS",
                "EXAMPLES", "FILES", "SEE ALSO",
            ])
        let text = try Self.manPage()
        #expect(text.contains("\n.Dt SWAPINSPECT 8"), "section 8")
    }

    /// `--help` text of the root command or a subcommand.
    static func help(_ command: [String]) throws -> String {
        let result = try Runner.swapinspect(command + ["--help"])
        try #require(result.status == 0, "\(command) --help: \(result)")
        return result.stdoutText
    }

    static func subcommands() throws -> [String] {
        let help = try help([])
        guard let start = help.range(of: "SUBCOMMANDS:\n") else { return [] }
        // "  inspect (default)       Inspect …": a name at two spaces of indentation, up to the blank line.
        let block = help[start.upperBound...].components(separatedBy: "\n\n").first ?? ""
        return block.components(separatedBy: "\n").compactMap { line in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first else { return nil }
            return name.allSatisfy({ $0.isLetter || $0 == "-" }) ? String(name) : nil
        }
    }

    /// Every `--long-option` that the help of any command prints.
    static func longOptions(_ help: String) -> Set<String> {
        var options = Set<String>()
        let pattern = try! NSRegularExpression(pattern: "(?<![A-Za-z0-9-])--[a-z][a-z0-9-]*[a-z0-9]")
        let range = NSRange(help.startIndex..., in: help)
        for match in pattern.matches(in: help, range: range) {
            options.insert(String(help[Range(match.range, in: help)!]))
        }
        return options
    }

    @Test func everyCommandIsDocumented() throws {
        let commands = try Self.section("COMMANDS")
        let subcommands = try Self.subcommands()
        #expect(subcommands.contains("inspect"), "swapinspect --help lists the subcommands")
        #expect(!subcommands.contains("See"))
        for name in subcommands {
            #expect(commands.contains("Cm \(name)"), "man COMMANDS does not document `\(name)`")
        }
    }

    @Test func everyOptionIsDocumented() throws {
        let man = Self.normalized(try Self.manPage())
        var checked = Set<String>()
        for command in [[]] + (try Self.subcommands()).map({ [$0] }) {
            let help = try Self.help(command)
            let options = Self.longOptions(help)
            #expect(command != ["inspect"] || options.isSuperset(of: ["--json", "--extents", "--strict", "--page-size", "--model", "--mapper", "--sync"]))
            for option in options where !checked.contains(option) {
                checked.insert(option)
                let name = option.dropFirst(2)
                #expect(man.contains("Fl -\(name)") || man.contains(option), "\(option) (from swapinspect \(command.joined()) --help) is not in man/swapinspect.8")
            }
            // Every value of every choice option: "(values: auto, generic, iomap, btrfs; default: auto)".
            let flat = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            var rest = flat[...]
            while let values = rest.range(of: "(values: ") {
                let tail = rest[values.upperBound...]
                let end = tail.firstIndex { $0 == ";" || $0 == ")" } ?? tail.endIndex
                for value in tail[..<end].split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                    #expect(man.contains("Cm \(value)") || man.contains("Ar \(value)"), "choice value \(value) is not in man/swapinspect.8")
                }
                rest = tail[end...]
            }
        }
        #expect(checked.contains("--generate-completion-script") || man.contains("Fl -generate-completion-script"))
    }

    @Test func everyExitStatusIsDocumented() throws {
        let body = try Self.section("EXIT STATUS")
        for code in [0, 1, 2, 64] {
            #expect(
                body.range(of: "(?m)^\\.It( [A-Z][a-z])? \(code)$", options: .regularExpression) != nil,
                "exit status \(code) is not in EXIT STATUS")
        }
    }

    /// FindingCode, the schema and the man page list the same codes with the same severities.
    @Test func everyFindingCodeIsInTheSchemaAndTheManPage() throws {
        let code = Dictionary(uniqueKeysWithValues: FindingCode.allCases.map { ($0.rawValue, $0.severity.rawValue) })
        let listed = try Contract.enumeration("findingCode")
        #expect(Set(listed).count == listed.count, "docs/swapinspect.schema.json lists a finding code twice: \(listed)")
        #expect(
            Set(listed) == Set(code.keys),
            "FindingCode.allCases and the schema's $defs/findingCode differ: only in FindingCode \(Set(code.keys).subtracting(listed).sorted()), only in the schema \(Set(listed).subtracting(code.keys).sorted())")
        let bySeverity = try Contract.findingCodes()
        #expect(Set(bySeverity.keys) == Set(listed), "$defs/errorCode, warningCode and infoCode together list other codes than $defs/findingCode")
        for (name, severity) in code {
            #expect(bySeverity[name] == severity, "\(name): \(severity) in FindingCode, \(bySeverity[name] ?? "no severity") in the schema")
        }

        // FINDINGS has a subsection per severity; each code sits in its own severity's subsection, and
        // every item there is a code.
        let findings = try Self.section("FINDINGS")
        var severityOfSubsection: [String: String] = [:]
        var current: String?
        for line in findings.components(separatedBy: "\n") {
            if line.hasPrefix(".Ss ") {
                let title = line.lowercased()
                current = title.contains("error") ? "error" : title.contains("warning") ? "warning" : title.contains("info") ? "info" : nil
            } else if line.hasPrefix(".It "), let current {
                let words = line.split(separator: " ").map(String.init)
                for word in words where code[word] != nil { severityOfSubsection[word] = current }
                if words.count >= 3, words[1] == "Sy" {
                    #expect(code[words[2]] != nil, "man FINDINGS lists \(words[2]), which is not a FindingCode")
                }
            }
        }
        for (name, severity) in code {
            #expect(severityOfSubsection[name] == severity, "man FINDINGS: \(name) should be listed under its severity, \(severity)")
        }
    }

    /// Every key of the schema is explained in JSON OUTPUT (as `Sy key`), and every key JSON OUTPUT
    /// explains is in the schema.
    @Test func everySchemaKeyIsDocumented() throws {
        let keys = try Contract.propertyNames()
        #expect(keys.count > 60, "the schema has only \(keys.count) property names")
        let body = try Self.section("JSON OUTPUT")
        var documented = Set<String>()
        let pattern = try NSRegularExpression(pattern: "(?<![A-Za-z])Sy ([A-Za-z.-]+)")
        for match in pattern.matches(in: body, range: NSRange(body.startIndex..., in: body)) {
            let token = String(body[Range(match.range(at: 1), in: body)!])
            // Finding codes (not-regular-file) are explained in FINDINGS; dotted names are paths.
            guard !token.contains("-") else {
                #expect(FindingCode(rawValue: token) != nil, "JSON OUTPUT names \(token), which is not a finding code")
                continue
            }
            documented.formUnion(token.split(separator: ".").map(String.init))
        }
        for key in keys.sorted() {
            #expect(documented.contains(key), "JSON key \(key) of docs/swapinspect.schema.json is not in man JSON OUTPUT (as Sy \(key))")
        }
        for key in documented.subtracting(keys).sorted() {
            #expect(Bool(false), "man JSON OUTPUT explains \(key), which is not a key of docs/swapinspect.schema.json")
        }
        // The values of the schema's enums that JSON OUTPUT explains by name.
        for name in ["kind", "model", "byteOrder", "severity", "addressSpace", "source"] {
            for value in try Self.schemaEnumeration(name) {
                #expect(body.contains("Ql \(value)"), "JSON OUTPUT does not name the \(name) value \(value) (as Ql \(value))")
            }
        }
        #expect(body.contains("docs/swapinspect.schema.json") && body.contains("/usr/local/share/swapinspect/swapinspect.schema.json"), "JSON OUTPUT points to the schema")
    }

    /// The string values of an enum of the schema, found by a `$defs` name or a property name.
    static func schemaEnumeration(_ name: String) throws -> [String] {
        let definitions = try Contract.definitions()
        func values(_ schema: Any?) -> [String]? { ((schema as? [String: Any])?["enum"] as? [Any])?.compactMap { $0 as? String } }
        if let found = values(definitions[name]) { return found }
        for definition in definitions.values {
            if let properties = (definition as? [String: Any])?["properties"] as? [String: Any], let found = values(properties[name]) {
                return found
            }
        }
        throw TestSupportError("docs/swapinspect.schema.json has no enum for \(name)")
    }

    @Test(.enabled(if: Runner.tool("mandoc") != nil, "mandoc is not installed"))
    func manPageLintsClean() throws {
        let mandoc = try #require(Runner.tool("mandoc"))
        let result = try Runner.run(mandoc, ["-T", "lint", "-W", "warning", Paths.manPage.path])
        // style.md puts FILES after EXAMPLES (util-linux order); mandoc's convention puts it earlier.
        let complaints = (result.stdoutText + result.stderr).split(separator: "\n")
            .filter { !$0.hasSuffix("WARNING: sections out of conventional order: Sh FILES") }
        #expect(complaints.isEmpty, "mandoc -T lint -W warning:\n\(complaints.joined(separator: "\n"))")
    }
}
