import Foundation
import SwapInspectTestSupport
import Testing

/// A name can hold any byte but `/` and NUL: escape sequences, a terminal title, a newline that forges a
/// line. Text output and error lines show such bytes as `\xNN`; JSON keeps its own escaping.
@Suite("control characters never reach the terminal")
struct TerminalEscapeTests {
    static let hostile = "sw\u{1B}[31mred\u{1B}]0;title\u{07}\nfake: would activate"

    /// No byte below 0x20 but the newlines between lines, and no DEL or C1 control.
    static func expectClean(_ text: String, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let controls = text.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
        #expect(controls.isEmpty, "\(context): \(controls.map { String($0.value, radix: 16) }) in \(text.debugDescription)", sourceLocation: sourceLocation)
        #expect(!text.split(separator: "\n").contains { $0.hasPrefix("fake:") }, "\(context): a forged line", sourceLocation: sourceLocation)
    }

    @Test func inspectProbeAndErrorsEscapeAHostileFileName() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file(Self.hostile)
        try Fixture.swapFile(path)
        for command in [[path], ["probe", path], ["--extents", path]] {
            let result = try BuiltBinary.run(command)
            #expect(result.status == 0, "\(command): \(result)")
            Self.expectClean(result.stdoutText, "stdout of \(command.dropLast())")
            #expect(result.stdoutText.contains("\\x1b]0;title\\x07\\x0afake"), "\(result.stdoutText.debugDescription)")
        }
        let missing = try BuiltBinary.run([dir.file(Self.hostile + "-missing")])
        #expect(missing.status == 2)
        Self.expectClean(missing.stderr, "stderr")
        #expect(missing.stderrLines.count == 1, "\(missing.stderr.debugDescription)")
        // JSON carries the name as it is, in JSON's escaping.
        let json = try BuiltBinary.run(["--json", path])
        let document = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        let reported = (document["reports"] as? [[String: Any]])?.first?["path"] as? String
        #expect(reported?.hasSuffix(Self.hostile) == true, "\(json.stdoutText)")
    }
}
