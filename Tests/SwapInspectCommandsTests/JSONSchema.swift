import Foundation

/// The JSON types the contract's schema uses. Integers are told apart from booleans by the dynamic type
/// JSONSerialization itself gives `true`, not by `is Bool` (an NSNumber 0 or 1 also passes that).
enum JSONKind: String, CustomStringConvertible {
    case string, integer, number, bool, object, array, null

    var description: String { rawValue }

    private static let booleanType: ObjectIdentifier = {
        let parsed = try! JSONSerialization.jsonObject(with: Data("[true]".utf8)) as! [Any]
        return ObjectIdentifier(type(of: parsed[0]))
    }()

    init(of value: Any) {
        switch value {
        case is NSNull: self = .null
        case is String: self = .string
        case is [String: Any]: self = .object
        case is [Any]: self = .array
        default:
            if ObjectIdentifier(type(of: value)) == JSONKind.booleanType {
                self = .bool
            } else if let number = value as? NSNumber {
                let double = number.doubleValue
                self = double.rounded() == double && !"\(number)".contains(".") ? .integer : .number
            } else {
                self = .null
            }
        }
    }
}

/// Checks a `swapinspect --json` document against cli-contract.md, "JSON schema, version 1".
/// Collects every deviation with its JSON path instead of stopping at the first.
struct ContractChecker {
    /// code → severity from the contract.
    let codes: [String: String]
    private(set) var issues: [String] = []
    /// Places where the CLI emits something the contract does not describe; reported, see `knownGaps`.
    private(set) var gaps: Set<String> = []

    init(codes: [String: String]) { self.codes = codes }

    private mutating func issue(_ path: String, _ text: String) { issues.append("\(path): \(text)") }

    /// The value of `key`, which must be present and of one of `kinds`.
    @discardableResult
    private mutating func field(_ object: [String: Any], _ key: String, _ kinds: Set<JSONKind>, at path: String) -> Any? {
        guard let value = object[key] else {
            issue("\(path).\(key)", "missing (the contract requires it)")
            return nil
        }
        let kind = JSONKind(of: value)
        guard kinds.contains(kind) else {
            issue("\(path).\(key)", "is \(kind), expected \(kinds.map(\.rawValue).sorted().joined(separator: " or "))")
            return nil
        }
        return kind == .null ? nil : value
    }

    private mutating func object(_ object: [String: Any], _ key: String, nullable: Bool, at path: String) -> [String: Any]? {
        field(object, key, nullable ? [.object, .null] : [.object], at: path) as? [String: Any]
    }

    private mutating func oneOf(_ value: Any?, _ allowed: Set<String>, at path: String) {
        guard let text = value as? String else { return }
        if !allowed.contains(text) { issue(path, "\"\(text)\" is not one of \(allowed.sorted())") }
    }

    /// The whole document: top level, `tool`, every report. Returns the parsed reports.
    mutating func check(document: Any) -> [[String: Any]] {
        guard let top = document as? [String: Any] else {
            issue("$", "the document is \(JSONKind(of: document)), expected an object")
            return []
        }
        if let version = field(top, "schemaVersion", [.integer], at: "$") as? NSNumber, version.intValue != 1 {
            issue("$.schemaVersion", "is \(version), expected 1")
        }
        if let tool = object(top, "tool", nullable: false, at: "$") {
            if let name = field(tool, "name", [.string], at: "$.tool") as? String, name != "swapinspect" {
                issue("$.tool.name", "is \"\(name)\", expected \"swapinspect\"")
            }
            if let version = field(tool, "version", [.string], at: "$.tool") as? String,
                version.range(of: #"^\d+\.\d+\.\d+"#, options: .regularExpression) == nil
            {
                issue("$.tool.version", "\"\(version)\" is not a version number")
            }
        }
        // Additive key: paths that could not be inspected.
        if top["errors"] != nil, let errors = field(top, "errors", [.array], at: "$") as? [Any] {
            for (index, error) in errors.enumerated() {
                let path = "$.errors[\(index)]"
                guard let error = error as? [String: Any] else { issue(path, "is not an object"); continue }
                field(error, "path", [.string], at: path)
                field(error, "message", [.string], at: path)
            }
        }
        let reports = field(top, "reports", [.array], at: "$") as? [Any] ?? []
        var parsed: [[String: Any]] = []
        for (index, report) in reports.enumerated() {
            guard let report = report as? [String: Any] else {
                issue("$.reports[\(index)]", "is not an object")
                continue
            }
            check(report: report, at: "$.reports[\(index)]")
            parsed.append(report)
        }
        return parsed
    }

    mutating func check(report: [String: Any], at path: String) {
        let findings = field(report, "findings", [.array], at: path) as? [Any] ?? []
        var findingCodes: [String] = []
        var severities: [String] = []
        for (index, finding) in findings.enumerated() {
            let here = "\(path).findings[\(index)]"
            guard let finding = finding as? [String: Any] else { issue(here, "is not an object"); continue }
            let severity = field(finding, "severity", [.string], at: here) as? String
            oneOf(severity, ["error", "warning", "info"], at: "\(here).severity")
            let code = field(finding, "code", [.string], at: here) as? String
            field(finding, "message", [.string], at: here)
            if finding["fix"] != nil { field(finding, "fix", [.string, .null], at: here) }  // additive
            if let code {
                findingCodes.append(code)
                if let expected = codes[code] {
                    if let severity, severity != expected {
                        issue("\(here)", "code \(code) has severity \(severity), the contract says \(expected)")
                    }
                } else {
                    issue("\(here).code", "\"\(code)\" is not a finding code of the contract")
                }
            }
            if let severity { severities.append(severity) }
        }
        let undetermined = report["undetermined"] != nil ? field(report, "undetermined", [.string, .null], at: path) as? String : nil

        field(report, "path", [.string], at: path)
        let kind = field(report, "kind", [.string], at: path) as? String
        let isOther = kind == "other"
        if isOther {
            // Gap: the contract knows only `file` and `blockDevice`, but a FIFO, socket, directory or
            // character device still gets a report (its `not-regular-file` finding). Accept `other` only there.
            gaps.insert("kind \"other\" (and source null) for a path that is neither a file nor a block device")
            if !findingCodes.contains("not-regular-file") {
                issue("\(path).kind", "\"other\" without a not-regular-file finding")
            }
        } else {
            oneOf(kind, ["file", "blockDevice"], at: "\(path).kind")
        }
        let source = field(report, "source", isOther ? [.string, .null] : [.string], at: path)
        oneOf(source, ["fiemap", "fibmap", "ext2fs", "blockDevice"], at: "\(path).source")

        if let filesystem = object(report, "filesystem", nullable: kind != "file", at: path) {
            field(filesystem, "type", [.string], at: "\(path).filesystem")
            field(filesystem, "blockSize", [.integer], at: "\(path).filesystem")
            field(filesystem, "device", [.string, .null], at: "\(path).filesystem")
        }
        let pageSize = field(report, "pageSize", [.integer], at: path) as? NSNumber
        if let pageSize, ![4096, 8192, 16384, 32768, 65536].contains(pageSize.intValue) {
            issue("\(path).pageSize", "\(pageSize) is not a Linux page size")
        }
        if let file = object(report, "file", nullable: false, at: path) {
            let here = "\(path).file"
            field(file, "size", [.integer], at: here)
            // Not meaningful for a block device or a special file.
            field(file, "allocatedBytes", kind == "file" ? [.integer] : [.integer, .null], at: here)
            if let mode = field(file, "mode", [.string], at: here) as? String,
                mode.range(of: "^[0-7]{4}$", options: .regularExpression) == nil
            {
                issue("\(here).mode", "\"\(mode)\" is not four octal digits like \"0600\"")
            }
            field(file, "uid", [.integer], at: here)
            field(file, "gid", [.integer], at: here)
        }
        if let header = object(report, "header", nullable: true, at: path) {
            let here = "\(path).header"
            let signature = field(header, "signature", [.string], at: here) as? String
            field(header, "pageSize", [.integer], at: here)
            // A hibernation signature has no v1 fields.
            let v1: Set<JSONKind> = signature == "SWAPSPACE2" ? [.integer] : [.integer, .null]
            field(header, "version", v1, at: here)
            let order = field(header, "byteOrder", signature == "SWAPSPACE2" ? [.string] : [.string, .null], at: here)
            oneOf(order, ["little", "big"], at: "\(here).byteOrder")
            field(header, "lastPage", v1, at: here)
            if let bad = field(header, "badPages", [.array], at: here) as? [Any] {
                for (index, page) in bad.enumerated() where JSONKind(of: page) != .integer {
                    issue("\(here).badPages[\(index)]", "is \(JSONKind(of: page)), expected integer")
                }
            }
            field(header, "uuid", [.string, .null], at: here)
            field(header, "label", [.string, .null], at: here)
        }

        // An area that could not be judged (exit 2) has no activation to show.
        let activation: [String: Any]?
        if undetermined != nil {
            gaps.insert("activation null when the report is undetermined")
            activation = object(report, "activation", nullable: true, at: path)
        } else {
            activation = object(report, "activation", nullable: false, at: path)
        }
        var ok: Bool?
        var extentCount: Int?
        if let activation {
            let here = "\(path).activation"
            oneOf(field(activation, "model", [.string], at: here), ["generic", "iomap", "btrfs", "blockDevice"], at: "\(here).model")
            ok = (field(activation, "ok", [.bool], at: here) as? NSNumber)?.boolValue
            // "When ok is false, pages, extents and spanPages are null."
            let counted: Set<JSONKind> = ok == true ? [.integer] : [.null]
            field(activation, "pages", counted, at: here)
            extentCount = (field(activation, "extents", counted, at: here) as? NSNumber)?.intValue
            field(activation, "spanPages", counted, at: here)
            field(activation, "lowestPhysicalPage", ok == true ? [.integer, .null] : [.null], at: here)
            field(activation, "highestPhysicalPage", ok == true ? [.integer, .null] : [.null], at: here)
            field(activation, "unusablePages", ok == true ? [.integer] : [.integer, .null], at: here)
            let log = field(activation, "kernelLog", ok == true ? [.string] : [.string, .null], at: here) as? String
            if ok == true, let log, !log.hasPrefix("Adding ") {
                issue("\(here).kernelLog", "\"\(log)\" is not the kernel's \"Adding …k swap\" line")
            }
            if activation["errno"] != nil {  // additive
                let errno = field(activation, "errno", ok == true ? [.null] : [.string], at: here) as? String
                if let errno, errno.range(of: "^E[A-Z0-9]+$", options: .regularExpression) == nil {
                    issue("\(here).errno", "\"\(errno)\" is not an errno name")
                }
            }
            if ok == false && !severities.contains("error") {
                issue(here, "ok is false but no finding has severity error (exit 1 needs one)")
            }
        }
        field(report, "resumeOffset", ok == true ? [.integer, .null] : [.null], at: path)
        if report["userspaceResumeOffset"] != nil { field(report, "userspaceResumeOffset", [.integer, .null], at: path) }
        if let extents = field(report, "extents", [.array], at: path) as? [Any] {
            for (index, extent) in extents.enumerated() {
                let here = "\(path).extents[\(index)]"
                guard let extent = extent as? [String: Any] else { issue(here, "is not an object"); continue }
                field(extent, "swapPage", [.integer], at: here)
                field(extent, "physicalPage", [.integer], at: here)
                field(extent, "pages", [.integer], at: here)
            }
            if ok != true && !extents.isEmpty { issue("\(path).extents", "swap extents listed for an area the kernel refuses") }
            if ok == true, let extentCount, extentCount != extents.count {
                issue("\(path).extents", "\(extents.count) extents listed, activation.extents says \(extentCount)")
            }
        }
        // `image` reports only (cli-contract.md): where in the image the area lives.
        if report["image"] != nil, let image = object(report, "image", nullable: false, at: path) {
            let here = "\(path).image"
            field(image, "path", [.string], at: here)
            field(image, "partition", [.integer, .null], at: here)
            field(image, "offset", [.integer, .null], at: here)
            if let filesystem = object(image, "filesystem", nullable: true, at: here) {
                field(filesystem, "type", [.string, .null], at: "\(here).filesystem")
                field(filesystem, "uuid", [.string, .null], at: "\(here).filesystem")
                field(filesystem, "label", [.string, .null], at: "\(here).filesystem")
            }
        }
        if report["notes"] != nil, let notes = field(report, "notes", [.array], at: path) as? [Any] {
            for (index, note) in notes.enumerated() where !(note is String) {
                issue("\(path).notes[\(index)]", "is not a string")
            }
        }
    }
}

extension ContractChecker {
    /// The exit status the contract gives a document: 2 if a path could not be inspected or judged,
    /// else 1 for an error finding (or a warning under --strict), else 0.
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
