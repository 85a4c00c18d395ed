import ArgumentParser
import SwapInspectCore
import SwapInspectImage
import SwapInspectLinux

/// `swapinspect probe`: signature and header only, through libblkid and our own parser side by side.
struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look at the signature and header of files, devices or images (libblkid and swapinspect side by side).",
        discussion: """
            Reports TYPE, VERSION, UUID, LABEL, byte order, page size and last_page as libblkid and as \
            swapinspect's own parser see them, validates the header for the simulated page size, and reports \
            where the two disagree (for example a 32K-page header that blkid sees and swapon on a 4K-page \
            kernel does not).
            """
    )

    @Flag(name: .long, help: "Print one JSON document on stdout (schema version 1).")
    var json = false

    @Flag(name: .long, help: "Warnings also make the exit status 1.")
    var strict = false

    @OptionGroup var page: PageSizeOption

    @Argument(help: ArgumentHelp("Files, block devices or images.", valueName: "path"), completion: .file())
    var paths: [String]

    func run() throws {
        let simulatedPageSize = page.effective
        var results: [ProbeReport] = []
        var errors: [(path: String, message: String)] = []
        for path in paths {
            do {
                results.append(try ReadOnlyArea.with(path) { area in Self.probe(area, pageSize: simulatedPageSize) })
            } catch {
                errors.append((path, error.description))
                printError(error.description)
            }
        }
        var out = OutputBuffer(fd: 1)
        if json {
            Self.renderJSON(results, errors: errors, into: &out)
        } else {
            for (index, result) in results.enumerated() {
                if index > 0 { out.newline() }
                Self.renderText(result, into: &out)
            }
        }
        out.flush()
        var status = errors.isEmpty ? ExitStatus.ok : ExitStatus.cannotInspect
        for result in results {
            status = max(status, ExitPolicy.status(findings: result.findings, undetermined: false, strict: strict))
        }
        if status != ExitStatus.ok { throw ExitCode(status) }
    }

    static func probe(_ area: ReadOnlyArea, pageSize: Int) -> ProbeReport {
        let blkid = area.kind == .other ? BlkidAnswer.nothing : BlkidProbe.probe(fd: area.descriptor)
        return SignatureProbe.probe(
            path: area.canonicalPath, kind: area.kind, size: area.size, headerBytes: area.headerBytes, blkid: blkid,
            pageSize: pageSize)
    }

    static func renderText(_ result: ProbeReport, into out: inout OutputBuffer) {
        out.write("\(result.path): \(result.kind == .blockDevice ? "block device" : result.kind == .file ? "file" : "special file"), \(humanSize(result.size))")
        out.newline()
        var rows: [[String]] = []
        let ours = result.header
        var blkidValues = BlkidValues(pairs: [])
        if case .found(let values) = result.blkid { blkidValues = values }
        func oursType(_ header: SwapHeader?) -> String {
            guard let header else { return "" }
            switch header.kind {
            case .swapV1, .swapV0: return "swap"
            case .hibernation: return "swsuspend"
            }
        }
        rows.append(["TYPE", oursType(ours), blkidValues["TYPE"] ?? ""])
        rows.append(["VERSION", ours?.version.map { "\($0)" } ?? (ours?.kind == .swapV0 ? "0" : ""), blkidValues["VERSION"] ?? ""])
        rows.append(["UUID", ours?.uuid ?? "", blkidValues["UUID"] ?? ""])
        rows.append(["LABEL", ours?.label ?? "", blkidValues["LABEL"] ?? ""])
        rows.append(["ENDIANNESS", ours?.byteOrder.map { $0 == .little ? "LITTLE" : "BIG" } ?? "", blkidValues["ENDIANNESS"] ?? ""])
        rows.append(["PAGESIZE", ours.map { "\($0.pageSize)" } ?? "", blkidValues.swapPageSize.map { "\($0)" } ?? ""])
        rows.append(["LAST_PAGE", ours?.lastPage.map { "\($0)" } ?? "", ""])
        rows.append(["SIGNATURE", ours?.signature ?? "", blkidValues["SBMAGIC"] ?? ""])
        for pair in blkidValues.pairs where !["TYPE", "VERSION", "UUID", "LABEL", "ENDIANNESS", "SBMAGIC", "SBMAGIC_OFFSET"].contains(pair.name) {
            rows.append([pair.name, "", pair.value])
        }
        if case .ambivalent = result.blkid { rows.append(["(blkid)", "", "ambivalent result"]) }
        if case .failed(let why) = result.blkid { rows.append(["(blkid)", "", why]) }
        writeTable(header: ["FIELD", "SWAPINSPECT", "LIBBLKID"], rows: rows, into: &out)
        for finding in result.findings {
            out.write("  \(finding.severity.rawValue) \(finding.code.rawValue): \(finding.message)")
            out.newline()
            if let fix = finding.fix {
                out.write("    fix: \(fix)")
                out.newline()
            }
        }
    }

    static func renderJSON(_ results: [ProbeReport], errors: [(path: String, message: String)], into out: inout OutputBuffer) {
        var json = JSONWriter(out: out)
        JSONRenderer.beginDocument(&json)
        json.key("probes")
        json.beginArray()
        for result in results {
            json.beginObject()
            json.key("path"); json.string(result.path)
            json.key("kind"); json.string(result.kind.rawValue)
            json.key("size"); json.number(result.size)
            json.key("pageSize"); json.number(result.pageSize)
            json.key("header")
            JSONRenderer.renderHeader(result.header, &json)
            json.key("signatures")
            json.beginArray()
            for signature in result.signatures { JSONRenderer.renderHeader(signature, &json) }
            json.endArray()
            json.key("blkid")
            switch result.blkid {
            case .found(let values):
                json.beginObject()
                for pair in values.pairs {
                    json.key(pair.name); json.string(pair.value)
                }
                json.endObject()
            default:
                json.null()
            }
            json.key("findings")
            JSONRenderer.renderFindings(result.findings, &json)
            json.endObject()
        }
        json.endArray()
        json.key("errors")
        JSONRenderer.renderErrors(errors, &json)
        json.endObject()
        json.out.newline()
        out = json.out
    }
}
