import SwapInspectCore

/// What `create` made (or found), for text and JSON (`action.create`).
struct CreatedFile {
    var strategy: CreateStrategy?
    var sizeBytes: UInt64
    var pages: UInt64
    var usableKiB: UInt64
    var pageSize: Int
    var uuid: String
    var label: String?
    /// The file replaced an existing one (`--force`).
    var replaced = false
    /// Temporary files of an earlier, killed `create` that were removed.
    var removedStale: [String] = []
}

/// What `create --fstab` did to the file system table (`action.fstab`).
struct FstabChange {
    var file: String
    var entry: String
    var line: Int?
    var changed: Bool
}

extension JSONRenderer {
    /// `create`'s own keys of the action object.
    static func renderCreate(_ record: ActionRecord, _ json: inout JSONWriter) {
        if let created = record.created {
            json.key("create")
            json.beginObject()
            json.key("strategy"); json.string(created.strategy?.rawValue)
            json.key("sizeBytes"); json.number(created.sizeBytes)
            json.key("pages"); json.number(created.pages)
            json.key("usableKiB"); json.number(created.usableKiB)
            json.key("pageSize"); json.number(created.pageSize)
            json.key("uuid"); json.string(created.uuid)
            json.key("label"); json.string(created.label)
            json.key("replaced"); json.bool(created.replaced)
            json.key("removedStale")
            json.beginArray()
            for name in created.removedStale { json.string(name) }
            json.endArray()
            json.endObject()
        }
        if let fstab = record.fstab {
            json.key("fstab")
            json.beginObject()
            json.key("file"); json.string(fstab.file)
            json.key("entry"); json.string(fstab.entry)
            json.key("line"); json.number(fstab.line)
            json.key("changed"); json.bool(fstab.changed)
            json.endObject()
        }
    }
}
