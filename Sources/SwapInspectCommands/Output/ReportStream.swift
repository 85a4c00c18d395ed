import SwapInspectCore

/// Reports rendered to stdout one at a time, as text or as the JSON document (whose `reports` array
/// stays open until `finish`): a million-extent report is freed before the next path is inspected.
struct ReportStream {
    private var json: JSONWriter?
    private var text: OutputBuffer?
    private let renderer: TextRenderer?
    /// `--format=prometheus`: the numbers of each report, written together at the end.
    private var metrics: [AreaMetrics]?
    private var outputFile: String?
    private var count = 0

    init(output: OutputOptions) {
        self.init(OutputFormat(output))
        outputFile = output.outputFile
    }

    init(_ format: OutputFormat) {
        switch format {
        case .prometheus:
            renderer = nil
            metrics = []
        case .json:
            renderer = nil
            var writer = JSONWriter(out: OutputBuffer(fd: 1))
            JSONRenderer.beginReports(&writer)
            json = writer
        case .text(let textRenderer):
            renderer = textRenderer
            text = OutputBuffer(fd: 1)
        }
    }

    mutating func add(_ report: Report) {
        // Moved out and back (`take`), so the buffer is never shared and copied on write.
        if metrics != nil {
            metrics?.append(AreaMetrics(report))
        } else if var writer = json.take() {
            JSONRenderer.render(report, &writer)
            json = writer
        } else if var out = text.take(), let renderer {
            if count > 0 { out.newline() }
            renderer.render(report, into: &out)
            text = out
        }
        count += 1
    }

    mutating func finish(errors: [ErrorLine]) throws {
        if let metrics {
            var out = OutputBuffer(fd: outputFile == nil ? 1 : nil)
            PrometheusExposition.write(AreaMetrics.families(metrics, errors: errors.count), into: &out)
            if let outputFile { try writeAtomically(out.bytes, to: outputFile) } else { out.flush() }
        } else if var writer = json.take() {
            JSONRenderer.endReports(errors: errors, &writer)
            writer.out.flush()
        } else if var out = text.take() {
            out.flush()
        }
    }
}
