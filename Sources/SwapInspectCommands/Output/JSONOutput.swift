import SwapInspectCore
import SwapInspectLinux

/// The JSON document of every command, for scripts (docs/swapinspect.schema.json).
extension JSONRenderer {
    static func render(_ output: CommandOutput, into out: inout OutputBuffer) {
        switch output {
        case .reports(let reports, let errors):
            render(reports, errors: errors, into: &out)
        case .firstRun:
            render([], errors: [], into: &out)
        case .areas(let areas, let errors, _, _):
            render(areas.compactMap(\.report), errors: errors, into: &out)
        case .probes(let probes, let errors, _):
            renderProbes(probes, errors: errors, into: &out)
        case .action(let record, let reports, let errors, _, _):
            render(reports, errors: errors, into: &out) { renderAction(record, &$0) }
        case .actions(let outcomes, let errors):
            render(outcomes.flatMap(\.reports), errors: outcomes.flatMap(\.errors) + errors, into: &out) { json in
                json.key("actions")
                json.beginArray()
                for outcome in outcomes { renderActionObject(outcome.record, &json) }
                json.endArray()
            }
        case .hibernation(let verdict, let errors):
            renderHibernationDocument(verdict, errors: errors, into: &out)
        }
    }

    static func renderProbes(_ results: [ProbeReport], errors: [ErrorLine], into out: inout OutputBuffer) {
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
            if let spec = result.spec { json.key("spec"); json.string(spec) }
            json.endObject()
        }
        json.endArray()
        json.key("errors")
        JSONRenderer.renderErrors(errors, &json)
        json.endObject()
        json.out.newline()
        out = json.out
    }

    static func renderAction(_ record: ActionRecord, _ json: inout JSONWriter) {
        json.key("action")
        renderActionObject(record, &json)
    }

    static func renderActionObject(_ record: ActionRecord, _ json: inout JSONWriter) {
        json.beginObject()
        json.key("command"); json.string(record.command)
        json.key("path"); json.string(record.path)
        json.key("performed"); json.bool(record.performed)
        json.key("changed"); json.bool(record.changed)
        json.key("dryRun"); json.bool(record.dryRun)
        json.key("alreadyInState"); json.bool(record.alreadyInState)
        json.key("flags"); json.number(record.flags)
        json.key("errno"); json.string(record.errno.map { ErrnoName($0).name })
        json.key("kernelMessages")
        if let kernelMessages = record.kernelMessages {
            json.beginArray()
            for message in kernelMessages { json.string(message) }
            json.endArray()
        } else {
            json.null()
        }
        json.key("predictedKernelLog"); json.string(record.predictedKernelLog)
        json.key("kernelLog"); json.string(record.kernelLog)
        json.key("predictedSizeKiB"); json.number(record.predictedSizeKiB)
        json.key("kernelSizeKiB"); json.number(record.kernelSizeKiB)
        json.key("match")
        if let matches = record.matches { json.bool(matches) } else { json.null() }
        json.key("message"); json.string(record.message)
        renderActionAdditions(record, &json)
        renderCreate(record, &json)
        json.endObject()
    }

    /// The keys only some actions carry: `drift` (--if-needed on an active area), `notes`, and for
    /// `activate --all` the fstab entry (`fstabLine`, `spec`).
    static func renderActionAdditions(_ record: ActionRecord, _ json: inout JSONWriter) {
        if let drift = record.drift {
            json.key("drift")
            json.beginArray()
            for item in drift {
                json.beginObject()
                json.key("setting"); json.string(item.setting)
                json.key("active"); json.string(item.active)
                json.key("requested"); json.string(item.requested)
                json.endObject()
            }
            json.endArray()
        }
        if !record.notes.isEmpty {
            json.key("notes")
            json.beginArray()
            for note in record.notes { json.string(note) }
            json.endArray()
        }
        if let fstabLine = record.fstabLine { json.key("fstabLine"); json.number(fstabLine) }
        if let spec = record.spec { json.key("spec"); json.string(spec) }
    }
}
