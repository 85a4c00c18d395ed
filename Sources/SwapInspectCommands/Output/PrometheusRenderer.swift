import SwapInspectCore

/// One metric family of the Prometheus text exposition format: `# HELP`, `# TYPE`, then its samples.
struct MetricFamily {
    enum Kind: String { case gauge, counter }
    typealias Sample = (labels: [(name: String, value: String)], value: UInt64)

    var name: String
    var help: String
    var kind: Kind = .gauge
    var samples: [Sample] = []
}

/// The Prometheus text exposition format (version 0.0.4), as node_exporter's textfile collector reads
/// it: each family once, with its samples together; label values with `\`, `"` and newline escaped,
/// HELP text with `\` and newline escaped. Commands build their families (`AreaMetrics` for the
/// reports of inspect, list and image) and write them here.
enum PrometheusExposition {
    static func write(_ families: [MetricFamily], into out: inout OutputBuffer) {
        for family in families {
            out.write("# HELP \(family.name) \(escapeHelp(family.help))")
            out.newline()
            out.write("# TYPE \(family.name) \(family.kind.rawValue)")
            out.newline()
            for sample in family.samples {
                out.write(family.name)
                if !sample.labels.isEmpty {
                    out.write("{" + sample.labels.map { "\($0.name)=\"\(escapeLabel($0.value))\"" }.joined(separator: ",") + "}")
                }
                out.write(" ")
                out.writeUnsigned(sample.value)
                out.newline()
            }
        }
    }

    static func escapeLabel(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacingBackslashAndNewline()
    }
}

private extension String {
    func replacingBackslashAndNewline() -> String {
        var out = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// The numbers of one report that the metrics carry: small, so that a million-extent report is freed
/// as soon as its numbers are taken (inspect streams).
struct AreaMetrics {
    var path: String
    var type: String
    var wouldActivate: Bool
    var pages: UInt64?
    var extents: UInt64?
    var spanPages: UInt64?
    /// (code, severity) → how many findings of it.
    var findings: [(code: String, severity: String, count: UInt64)]
    var resumeOffsetMismatch: Bool

    init(_ report: Report) {
        path = report.facts.path
        type = report.facts.kind.rawValue
        let accepted = report.activation.flatMap { $0.ok ? $0 : nil }
        wouldActivate = accepted != nil && report.undetermined == nil
        pages = accepted?.pages
        extents = accepted.map { UInt64($0.extentCount) }
        spanPages = accepted?.spanPages
        findings = Self.counted(report.findings)
        if let resume = report.resumeOffset, let userspace = report.userspaceResumeOffset {
            resumeOffsetMismatch = resume != userspace
        } else {
            resumeOffsetMismatch = false
        }
    }

    /// How many findings of each code, in the order the codes first appear.
    static func counted(_ findings: [Finding]) -> [(code: String, severity: String, count: UInt64)] {
        var counted: [(code: String, severity: String, count: UInt64)] = []
        for finding in findings {
            if let index = counted.firstIndex(where: { $0.code == finding.code.rawValue }) {
                counted[index].count += 1
            } else {
                counted.append((finding.code.rawValue, finding.severity.rawValue, 1))
            }
        }
        return counted
    }

    /// The families of the areas, and `swapinspect_errors` for the paths that could not be inspected.
    static func families(_ areas: [AreaMetrics], errors: Int) -> [MetricFamily] {
        func labels(_ area: AreaMetrics) -> [(name: String, value: String)] { [("path", area.path), ("type", area.type)] }
        func family(_ name: String, _ help: String, _ value: (AreaMetrics) -> UInt64?) -> MetricFamily {
            MetricFamily(
                name: "swapinspect_area_" + name, help: help,
                samples: areas.compactMap { area in value(area).map { (labels(area), $0) } })
        }
        var findings = MetricFamily(name: "swapinspect_area_findings", help: "Findings of the area by code and severity (man 8 swapinspect, FINDINGS).")
        for area in areas {
            for finding in area.findings {
                findings.samples.append((labels(area) + [("code", finding.code), ("severity", finding.severity)], finding.count))
            }
        }
        return [
            family("would_activate", "1 if swapon(2) would accept the area as it is now, else 0.") { $0.wouldActivate ? 1 : 0 },
            family("pages", "Usable swap pages the kernel would add (the Adding line's size in pages).") { $0.pages },
            family("extents", "Swap extents the kernel would build (the Adding line's extents:N).") { $0.extents },
            family("span_pages", "Pages the physical extents span (the Adding line's across:, in pages).") { $0.spanPages },
            findings,
            family("resume_offset_mismatch", "1 if a FIEMAP-floor recipe (systemd, filefrag, btrfs map-swapfile -r) would give another resume_offset than the kernel matches.") {
                $0.resumeOffsetMismatch ? 1 : 0
            },
            MetricFamily(name: "swapinspect_errors", help: "Paths that could not be inspected (their reasons are on stderr).", samples: [([], UInt64(errors))]),
        ]
    }
}

/// `hibernate --format=prometheus`: whether this system is ready to hibernate, and why not, by code.
enum HibernationMetrics {
    static func families(_ verdict: HibernationVerdict, errors: Int) -> [MetricFamily] {
        let area: [(name: String, value: String)] = [("path", verdict.area?.path ?? "")]
        var findings = MetricFamily(
            name: "swapinspect_hibernate_findings", help: "Findings of the hibernation check by code and severity (man 8 swapinspect, FINDINGS).")
        for entry in AreaMetrics.counted(verdict.findings) { findings.samples.append((area + [("code", entry.code), ("severity", entry.severity)], entry.count)) }
        var families = [
            MetricFamily(
                name: "swapinspect_hibernate_ready", help: "1 if the system is ready to hibernate into the area and resume from it, else 0.",
                samples: verdict.undetermined == nil ? [(area, verdict.ready ? 1 : 0)] : []),
            findings,
        ]
        families.append(
            MetricFamily(
                name: "swapinspect_errors", help: "Paths that could not be inspected (their reasons are on stderr).",
                samples: [([], UInt64(errors + (verdict.undetermined == nil ? 0 : 1)))]))
        return families
    }
}
