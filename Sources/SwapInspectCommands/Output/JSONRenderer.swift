import SwapInspectCore

/// The JSON document, schema version 1 (docs/swapinspect.schema.json). Keys are only ever added.
enum JSONRenderer {
    static let schemaVersion = 1

    static func render(
        _ reports: [Report], errors: [(path: String, message: String)], into out: inout OutputBuffer,
        extra: ((inout JSONWriter) -> Void)? = nil
    ) {
        var json = JSONWriter(out: out)
        beginReports(&json)
        for report in reports { render(report, &json) }
        endReports(errors: errors, &json, extra: extra)
        out = json.out
    }

    /// The document up to the open `reports` array, for reports rendered one at a time.
    static func beginReports(_ json: inout JSONWriter) {
        beginDocument(&json)
        json.key("reports")
        json.beginArray()
    }

    /// Closes the `reports` array and the document.
    static func endReports(
        errors: [(path: String, message: String)], _ json: inout JSONWriter, extra: ((inout JSONWriter) -> Void)? = nil
    ) {
        json.endArray()
        json.key("errors")
        renderErrors(errors, &json)
        extra?(&json)
        json.endObject()
        json.out.newline()
    }

    static func render(_ report: Report, _ json: inout JSONWriter) {
        let facts = report.facts
        json.beginObject()
        json.key("path"); json.string(facts.path)
        json.key("kind"); json.string(facts.kind.rawValue)
        json.key("source"); json.string(facts.kind == .other ? nil : facts.source.rawValue)
        json.key("filesystem")
        if let filesystem = facts.filesystem {
            json.beginObject()
            json.key("type"); json.string(filesystem.kind.name)
            json.key("blockSize"); json.number(filesystem.blockSize)
            json.key("device"); json.string(filesystem.device)
            json.endObject()
        } else {
            json.null()
        }
        json.key("pageSize"); json.number(report.pageSize)
        json.key("file")
        json.beginObject()
        json.key("size"); json.number(facts.size)
        json.key("allocatedBytes"); json.number(facts.allocatedBytes)
        json.key("mode"); json.string(octalMode(facts.mode))
        json.key("uid"); json.number(facts.uid)
        json.key("gid"); json.number(facts.gid)
        json.endObject()
        json.key("header")
        renderHeader(report.header, &json)
        json.key("activation")
        if let activation = report.activation {
            let ok = activation.ok
            json.beginObject()
            json.key("model"); json.string(activation.model.rawValue)
            json.key("ok"); json.bool(ok)
            json.key("pages"); json.number(ok ? activation.pages : nil)
            json.key("extents"); json.number(ok ? activation.extentCount : nil)
            json.key("spanPages"); json.number(ok ? activation.spanPages : nil)
            json.key("lowestPhysicalPage"); json.number(ok ? activation.lowestPhysicalPage : nil)
            json.key("highestPhysicalPage"); json.number(ok ? activation.highestPhysicalPage : nil)
            json.key("unusablePages"); json.number(report.unusablePages)
            json.key("kernelLog"); json.string(report.kernelLog)
            json.key("errno"); json.string(activation.refusal?.errno.name)
            json.key("addressSpace"); json.string(activation.addressSpace.rawValue)
            json.endObject()
        } else {
            json.null()
        }
        json.key("resumeOffset"); json.number(report.resumeOffset)
        json.key("userspaceResumeOffset"); json.number(report.userspaceResumeOffset)
        json.key("extents")
        json.swapExtentArray(report.activation.flatMap { $0.ok ? $0.extents : nil } ?? [])
        json.key("findings")
        renderFindings(report.findings, &json)
        json.key("undetermined"); json.string(report.undetermined)
        if let hibernation = report.hibernation {
            json.key("hibernation")
            renderHibernation(hibernation, &json)
        }
        json.key("active")
        if let active = facts.active {
            json.beginObject()
            json.key("name"); json.string(active.name)
            json.key("type"); json.string(active.type)
            json.key("sizeKiB"); json.number(active.sizeKiB)
            json.key("usedKiB"); json.number(active.usedKiB)
            json.key("priority"); json.number(active.priority)
            json.key("deleted"); json.bool(active.deleted)
            json.endObject()
        } else {
            json.null()
        }
        json.key("notes")
        json.beginArray()
        for note in facts.notes { json.string(note) }
        json.endArray()
        if let spec = report.spec { json.key("spec"); json.string(spec) }
        if let image = report.image { renderImage(image, &json) }
        if let btrfs = facts.btrfs { renderBtrfs(btrfs, &json) }
        json.endObject()
    }

    /// `image` reports only: where in the image the area lives (docs/swapinspect.schema.json).
    static func renderImage(_ image: ImageLocation, _ json: inout JSONWriter) {
        json.key("image")
        json.beginObject()
        json.key("path"); json.string(image.path)
        json.key("partition"); json.number(image.partition)
        json.key("offset"); json.number(image.offset)
        json.key("filesystem")
        json.beginObject()
        json.key("type"); json.string(image.filesystem.type)
        json.key("uuid"); json.string(image.filesystem.uuid)
        json.key("label"); json.string(image.filesystem.label)
        json.endObject()
        json.key("format"); json.string(image.format)
        json.key("access"); json.string(image.access)
        json.key("kernelMount")
        if let mount = image.kernelMount {
            json.beginObject()
            json.key("options"); json.string(mount.options)
            json.key("subvolume"); json.string(mount.subvolume)
            json.endObject()
        } else {
            json.null()
        }
        json.endObject()
    }

    /// `{"schemaVersion": 1, "tool": {…}`: the opening every document shares.
    static func beginDocument(_ json: inout JSONWriter) {
        json.beginObject()
        json.key("schemaVersion"); json.number(schemaVersion)
        json.key("tool")
        json.beginObject()
        json.key("name"); json.string("swapinspect")
        json.key("version"); json.string(SwapInspectCommand.version)
        json.endObject()
    }

    /// Files on btrfs only: what `btrfs_swap_activate` looks at. `treeSearch` false = not root, so the
    /// extent items and chunk tree were not read (and `activation.addressSpace` is `btrfsLogical`).
    static func renderBtrfs(_ btrfs: BtrfsFacts, _ json: inout JSONWriter) {
        json.key("btrfs")
        json.beginObject()
        json.key("noCow"); json.bool(btrfs.noCow)
        json.key("compress"); json.bool(btrfs.compress)
        json.key("noDataSum"); if let value = btrfs.noDataSum { json.bool(value) } else { json.null() }
        json.key("inode"); json.number(btrfs.inode)
        json.key("subvolume"); json.number(btrfs.subvolume)
        json.key("sectorSize"); json.number(btrfs.sectorSize)
        json.key("deviceCount"); json.number(btrfs.deviceCount)
        json.key("devices")
        json.beginArray()
        for device in btrfs.devices {
            json.beginObject()
            json.key("devid"); json.number(device.devid)
            json.key("path"); json.string(device.path)
            json.endObject()
        }
        json.endArray()
        json.key("treeSearch"); json.bool(btrfs.items != nil)
        json.key("extentItems"); json.number(btrfs.items?.count)
        json.key("lastSnapshot"); json.number(btrfs.lastSnapshot)
        json.endObject()
    }

    static func renderHeader(_ header: SwapHeader?, _ json: inout JSONWriter) {
        guard let header else {
            json.null()
            return
        }
        json.beginObject()
        json.key("signature"); json.string(header.signature)
        json.key("pageSize"); json.number(header.pageSize)
        json.key("version"); json.number(header.version)
        json.key("byteOrder"); json.string(header.byteOrder?.rawValue)
        json.key("lastPage"); json.number(header.lastPage)
        json.key("badPages")
        json.beginArray()
        for page in header.badPages { json.number(page) }
        json.endArray()
        json.key("uuid"); json.string(header.uuid)
        json.key("label"); json.string(header.label)
        json.endObject()
    }

    static func renderFindings(_ findings: [Finding], _ json: inout JSONWriter) {
        json.beginArray()
        for finding in findings {
            json.beginObject()
            json.key("severity"); json.string(finding.severity.rawValue)
            json.key("code"); json.string(finding.code.rawValue)
            json.key("message"); json.string(finding.message)
            json.key("fix"); json.string(finding.fix)
            if !finding.alternatives.isEmpty {
                json.key("alternatives")
                json.beginArray()
                for alternative in finding.alternatives { json.string(alternative) }
                json.endArray()
            }
            json.endObject()
        }
        json.endArray()
    }

    static func renderErrors(_ errors: [(path: String, message: String)], _ json: inout JSONWriter) {
        json.beginArray()
        for error in errors {
            json.beginObject()
            json.key("path"); json.string(error.path)
            json.key("message"); json.string(error.message)
            json.endObject()
        }
        json.endArray()
    }
}
