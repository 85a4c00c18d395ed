import Foundation
import SwapInspectTestSupport
import Glibc
import Testing

/// Checks `swapinspect --json` documents against docs/swapinspect.schema.json with validate-json.py
/// (Debian's python3-jsonschema, Draft202012Validator), run by /usr/bin/python3 — not the python3 on PATH,
/// which may be one without the Debian package. A missing interpreter, module or script fails the test
/// that asked, with what to install; it never passes or skips silently.
enum SchemaValidator {
    static let python = "/usr/bin/python3"
    static let package = "python3-jsonschema"

    /// One document to validate: `name` labels its complaints (and names its file in the scratch directory).
    struct Document {
        var name: String
        var json: Data
    }

    /// The validator's complaints about `documents` as `NAME: JSON-PATH: message` lines; empty when every
    /// document is valid. Throws when the validator cannot run or cannot read the schema.
    static func violations(_ documents: [Document]) throws -> [String] {
        guard !documents.isEmpty else { return [] }
        guard access(python, X_OK) == 0 else {
            throw TestSupportError(
                "\(python) is missing: the JSON Schema tests need Debian's python3 with \(package) (apt-get install \(package), or make deps)")
        }
        guard access(Paths.validator.path, R_OK) == 0 else {
            throw TestSupportError("the schema validator \(Paths.validator.path) is missing")
        }
        guard access(Paths.schema.path, R_OK) == 0 else {
            throw TestSupportError("the JSON Schema \(Paths.schema.path) is missing")
        }
        let scratch = try TemporaryDirectory(prefix: "swapinspect-schema")
        defer { scratch.remove() }
        var files: [String] = []
        for (index, document) in documents.enumerated() {
            let safe = document.name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
            let file = scratch.file(String(format: "%02d-", index) + String(safe.prefix(80)) + ".json")
            guard FileManager.default.createFile(atPath: file, contents: document.json) else {
                throw TestSupportError("cannot write \(file)")
            }
            files.append(file)
        }
        let result = try Runner.run(python, [Paths.validator.path, Paths.schema.path] + files, timeout: 120)
        switch result.status {
        case 0:
            return []
        case 1:
            let prefix = scratch.path + "/"
            return result.stdoutText.split(separator: "\n").map {
                $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : String($0)
            }
        default:
            throw TestSupportError(
                "\(python) \(Paths.validator.path) could not validate (install \(package) if the module is missing): \(result)")
        }
    }

    static func violations(_ name: String, _ json: Data) throws -> [String] {
        try violations([Document(name: name, json: json)])
    }
}

/// What the schema cannot say about a document, checked in Swift: the exit status the document implies,
/// and counts that must agree across fields.
enum DocumentRules {
    /// Complaints about relations the schema cannot express; empty when there are none.
    static func issues(_ document: [String: Any]) -> [String] {
        var issues: [String] = []
        for (index, report) in (document["reports"] as? [[String: Any]] ?? []).enumerated() {
            let path = "$.reports[\(index)]"
            guard let activation = report["activation"] as? [String: Any], activation["ok"] as? Bool == true else { continue }
            let listed = (report["extents"] as? [Any])?.count
            if let count = activation["extents"] as? Int, count != listed {
                issues.append("\(path).extents: \(listed.map(String.init) ?? "no") extents listed, activation.extents says \(count)")
            }
        }
        return issues
    }

    /// The exit status the man page (EXIT STATUS) gives a report document: 2 if a path could not be
    /// inspected or judged, else 1 for an error finding (or a warning under --strict), else 0.
    static func expectedStatus(_ document: [String: Any], strict: Bool) -> Int32 {
        var status: Int32 = ((document["errors"] as? [Any])?.isEmpty == false) ? 2 : 0
        for report in document["reports"] as? [[String: Any]] ?? [] {
            if report["undetermined"] is String { status = max(status, 2); continue }
            let severities = (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["severity"] as? String }
            if severities.contains("error") || (strict && severities.contains("warning")) { status = max(status, 1) }
        }
        return status
    }

    static func codes(_ report: [String: Any]) -> [String] {
        (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
    }
}

/// One `--json` run checked whole: stdout is exactly one JSON object, valid against the schema, and
/// consistent where the schema cannot look. Returns the document and its reports.
@discardableResult
func checkDocument(
    _ result: RunResult, _ name: String, sourceLocation: SourceLocation = #_sourceLocation
) throws -> (document: [String: Any], reports: [[String: Any]]) {
    let parsed = try? JSONSerialization.jsonObject(with: result.stdout)
    let document = try #require(parsed as? [String: Any], "\(name): stdout is not exactly one JSON object: \(result)", sourceLocation: sourceLocation)
    let violations = try SchemaValidator.violations(name, result.stdout)
    #expect(violations.isEmpty, "\(name): not valid against docs/swapinspect.schema.json:\n\(violations.joined(separator: "\n"))", sourceLocation: sourceLocation)
    let issues = DocumentRules.issues(document)
    #expect(issues.isEmpty, "\(name):\n\(issues.joined(separator: "\n"))", sourceLocation: sourceLocation)
    return (document, document["reports"] as? [[String: Any]] ?? [])
}
