import SwapInspectCore

/// `hibernate` for people: the area, its offsets, where resume is set, systemd's answer, the
/// findings with their fixes, and the verdict line last.
extension TextRenderer {
    func renderHibernation(_ verdict: HibernationVerdict, into out: inout OutputBuffer) {
        var rows: [(String, String)] = []
        if let area = verdict.area {
            let device = [area.devicePath, area.device.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
            rows.append(("area", "\(area.path) (\(area.isFile ? "file" : "partition")\(device.isEmpty ? "" : " on \(device)")\(area.entry == nil ? ", inactive" : ""))"))
            var offsets = area.offsetKernel.map { "resume_offset=\($0) (the kernel's match)" } ?? "resume_offset unknown"
            if let systemd = area.offsetSystemd, systemd != area.offsetKernel { offsets += "; systemd computes \(systemd)" }
            if let filefrag = area.offsetFilefrag, filefrag != area.offsetKernel { offsets += "; filefrag recipe \(filefrag)" }
            if area.isFile { rows.append(("offset", offsets)) }
            if let device = verdict.resumeDevice { rows.append(("resume", "resume=\(device)\(area.isFile ? area.offsetKernel.map { " resume_offset=\($0)" } ?? "" : "")")) }
        }
        for setting in [verdict.sysfs, verdict.cmdline, verdict.efi].compactMap({ $0 }) { rows.append(("now", describe(setting))) }
        for setting in verdict.nextBoot { rows.append(("next boot", describe(setting))) }
        if let message = verdict.systemd.message {
            rows.append(("systemd", "systemctl hibernate fails: \(message)"))
        } else if verdict.area != nil {
            rows.append(("systemd", "systemctl hibernate proceeds"))
        }
        let width = rows.map(\.0.count).max() ?? 0
        for (name, value) in rows {
            out.write("\(name):\(String(repeating: " ", count: width - name.count + 1))\(Escapes.visible(value))")
            out.newline()
        }
        for note in verdict.notes {
            out.write("note: \(Escapes.visible(note))")
            out.newline()
        }
        renderFindings(verdict.findings, into: &out)
        out.write(paint(Escapes.visible(verdict.summary), verdict.ready ? .plain : .error))
        out.newline()
    }

    func describe(_ setting: ResumeSetting) -> String {
        let device = setting.device.map { "resume=\($0)\(setting.resolved.map { " (\($0))" } ?? "")" } ?? "no resume device"
        let offset = setting.offset.map { " resume_offset=\($0)" } ?? ""
        return "\(setting.source): \(device)\(offset)"
    }
}
