import SwapInspectCore

/// `hibernate --json`: `{"schemaVersion", "tool", "hibernation": {…}, "errors"}`; `image` reports carry the
/// same object (offline: without the running kernel's parts) as `hibernation`.
extension JSONRenderer {
    static func renderHibernationDocument(_ verdict: HibernationVerdict, errors: [ErrorLine], into out: inout OutputBuffer) {
        var json = JSONWriter(out: out)
        beginDocument(&json)
        json.key("hibernation")
        renderHibernation(verdict, &json)
        json.key("errors")
        renderErrors(errors, &json)
        json.endObject()
        json.out.newline()
        out = json.out
    }

    static func renderHibernation(_ verdict: HibernationVerdict, _ json: inout JSONWriter) {
        json.beginObject()
        json.key("ready"); json.bool(verdict.ready)
        json.key("summary"); json.string(verdict.summary)
        json.key("area")
        if let area = verdict.area {
            json.beginObject()
            json.key("path"); json.string(area.path)
            json.key("device"); json.string(area.devicePath ?? area.device?.description)
            json.key("deviceNumber"); json.string(area.device?.description)
            json.key("kind"); json.string(area.isFile ? "file" : area.isZram ? "zram" : "partition")
            json.key("active"); json.bool(area.entry != nil)
            json.endObject()
        } else {
            json.null()
        }
        json.key("resume")
        json.beginObject()
        json.key("device"); json.string(verdict.resumeDevice)
        json.key("offsetKernel"); json.number(verdict.area?.offsetKernel)
        json.key("offsetSystemd"); json.number(verdict.area?.offsetSystemd)
        json.key("offsetFilefrag"); json.number(verdict.area?.offsetFilefrag)
        json.key("configured")
        json.beginObject()
        json.key("cmdline"); renderSetting(verdict.cmdline, &json)
        json.key("sysfs"); renderSetting(verdict.sysfs, &json)
        json.key("efi"); renderSetting(verdict.efi, &json)
        json.key("nextBoot")
        json.beginArray()
        for setting in verdict.nextBoot { renderSetting(setting, &json) }
        json.endArray()
        json.endObject()
        json.endObject()
        json.key("systemd")
        json.beginObject()
        json.key("decision"); json.string(verdict.systemd.rawValue)
        json.key("message"); json.string(verdict.systemd.message)
        json.endObject()
        json.key("findings"); renderFindings(verdict.findings, &json)
        json.key("undetermined"); json.string(verdict.undetermined)
        json.key("notes")
        json.beginArray()
        for note in verdict.notes { json.string(note) }
        json.endArray()
        json.endObject()
    }

    static func renderSetting(_ setting: ResumeSetting?, _ json: inout JSONWriter) {
        guard let setting else { return json.null() }
        json.beginObject()
        json.key("source"); json.string(setting.source)
        json.key("device"); json.string(setting.device)
        json.key("deviceNumber"); json.string(setting.resolved?.description)
        json.key("offset"); json.number(setting.offset)
        json.endObject()
    }
}
