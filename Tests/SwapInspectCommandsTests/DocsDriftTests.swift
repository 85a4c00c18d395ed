import Foundation
import SwapInspectCore
import SwapInspectTestSupport
import Testing

/// The committed man page and completions against the CLI and the contract: these fail when they drift.
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

    /// FindingCode, the contract and the man page list the same codes with the same severities.
    @Test func everyFindingCodeIsInTheContractAndTheManPage() throws {
        let contract = try Contract.findingCodes()
        let code = Dictionary(uniqueKeysWithValues: FindingCode.allCases.map { ($0.rawValue, $0.severity.rawValue) })
        #expect(Set(contract.keys) == Set(code.keys), "FindingCode.allCases and cli-contract.md list different codes")
        let contractText = try Contract.text()
        for (name, severity) in code {
            #expect(contractText.contains("`\(name)`"), "\(name) is not in cli-contract.md")
            if let listed = contract[name] { #expect(listed == severity, "\(name): \(severity) in FindingCode, \(listed) in the contract") }
        }

        // FINDINGS has a subsection per severity; each code sits in its own severity's subsection.
        let findings = try Self.section("FINDINGS")
        var severityOfSubsection: [String: String] = [:]
        var current: String?
        for line in findings.components(separatedBy: "\n") {
            if line.hasPrefix(".Ss ") {
                let title = line.lowercased()
                current = title.contains("error") ? "error" : title.contains("warning") ? "warning" : title.contains("info") ? "info" : nil
            } else if line.hasPrefix(".It "), let current {
                for word in line.split(separator: " ") where code[String(word)] != nil {
                    severityOfSubsection[String(word)] = current
                }
            }
        }
        for (name, severity) in code {
            #expect(severityOfSubsection[name] == severity, "man FINDINGS: \(name) should be listed under its severity, \(severity)")
        }
    }

    /// Every key of the contract's JSON example is explained in JSON OUTPUT.
    @Test func everyContractJSONKeyIsDocumented() throws {
        let contract = try Contract.text()
        let start = try #require(contract.range(of: "```json\n"))
        let end = try #require(contract.range(of: "```", range: start.upperBound..<contract.endIndex))
        let example = try JSONSerialization.jsonObject(with: Data(contract[start.upperBound..<end.lowerBound].utf8))
        var keys = Set<String>()
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                for (key, inner) in object { keys.insert(key); collect(inner) }
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(example)
        #expect(keys.count > 30)
        let body = try Self.section("JSON OUTPUT")
        for key in keys.sorted() {
            #expect(body.range(of: "\\b\(key)\\b", options: .regularExpression) != nil, "JSON key \(key) is not in JSON OUTPUT")
        }
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
