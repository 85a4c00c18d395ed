import Foundation
import Glibc
import SwapInspectTestSupport

/// One boot of the guest: qemu-system-x86_64 run directly (no shell around it), so that the timeout's
/// SIGKILL ends qemu itself and no qemu outlives a test.
struct Guest {
    /// Disk images, in order: the guest sees them as vda, vdb, …
    var disks: [String]
    /// The serial log of each boot is kept here (named after the boot) for reading after a failure.
    var logDirectory: String

    /// What one boot printed and how qemu ended.
    struct Boot {
        var log: SerialLog
        var status: Int32
        var timedOut: Bool
        var seconds: Double
        var logPath: String
    }

    /// Generous for TCG on a shared machine: a boot with nothing to do takes about 9 s here.
    static let defaultTimeout: TimeInterval = 300

    /// Boots with `vm.plan=PLAN` and `extra` kernel parameters and waits until qemu exits (the guest powers
    /// off, or panics: panic=-1 with -no-reboot) or `timeout` passes (qemu is killed).
    func boot(name: String, plan: String, extra: [String] = [], timeout: TimeInterval = Guest.defaultTimeout) throws -> Boot {
        guard let qemu = Runner.tool("qemu-system-x86_64") else { throw TestSupportError("qemu-system-x86_64 not found") }
        let logPath = "\(logDirectory)/\(name).log"
        unlink(logPath)
        // loglevel=4 keeps the kernel's info messages off the console the markers travel on; the steps
        // read the kernel log with dmesg instead.
        let cmdline = ["console=ttyS0", "loglevel=4", "panic=-1", "vm.plan=\(plan)", "vm.disks=\(disks.count)"] + extra
        var arguments = [
            "-accel", "tcg", "-m", "512", "-smp", "1", "-display", "none", "-monitor", "none", "-no-reboot",
            "-serial", "file:\(logPath)", "-kernel", try GuestKernel.vmlinuz(), "-initrd", try GuestKernel.initramfs(),
            "-append", cmdline.joined(separator: " "),
        ]
        for disk in disks { arguments += ["-drive", "file=\(disk),if=virtio,format=raw"] }
        let started = Date()
        let result = try Runner.run(qemu, arguments, timeout: timeout)
        let seconds = Date().timeIntervalSince(started)
        let text = String(decoding: FileManager.default.contents(atPath: logPath) ?? Data(), as: UTF8.self)
        print("VM boot \(name) (plan \(plan)): \(String(format: "%.1f", seconds)) s, qemu exit \(result.status)\(result.timedOut ? " (timed out, killed)" : "")")
        return Boot(log: SerialLog(text), status: result.status, timedOut: result.timedOut, seconds: seconds, logPath: logPath)
    }
}

/// The "@@VM" lines of a serial log (Tests/VM/lib.sh): markers (`@@VM begin STEP`) and records
/// (`@@VM:KEY TEXT`, a record may span lines). Everything else (kernel messages) is ignored.
struct SerialLog {
    var markers: [String] = []
    var records: [String: [String]] = [:]
    var text: String

    init(_ text: String) {
        // The serial line turns "\n" into "\r\n" (one Character to Swift, so it goes before splitting).
        self.text = text.replacingOccurrences(of: "\r", with: "")
        for raw in self.text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("@@VM:") {
                let body = line.dropFirst(5)
                let key = String(body.prefix { $0 != " " })
                let value = body.dropFirst(key.count + 1)
                records[key, default: []].append(String(value))
            } else if line.hasPrefix("@@VM ") {
                markers.append(String(line.dropFirst(5)))
            }
        }
    }

    /// The record KEY's lines joined with newlines, or nil when the guest never printed it.
    func record(_ key: String) -> String? { records[key].map { $0.joined(separator: "\n") } }

    /// The lines of record KEY (empty when absent).
    func lines(_ key: String) -> [String] { records[key] ?? [] }

    /// The first marker starting with `prefix`, without it.
    func marker(_ prefix: String) -> String? { markers.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) } }

    /// `KEY=VALUE` words of a line, as a dictionary.
    static func fields(_ line: String) -> [String: String] {
        var fields: [String: String] = [:]
        for word in line.split(separator: " ") {
            guard let equals = word.firstIndex(of: "=") else { continue }
            fields[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        return fields
    }

    /// The boot id the guest's init printed first (this boot's, not a resumed system's).
    var initBootID: String? { marker("boot ").flatMap { Self.fields($0)["bootid"] } }

    /// The steps that ended with a non-zero status, as "STEP rc=N".
    var failedSteps: [String] {
        markers.filter { $0.hasPrefix("end ") && !$0.contains(" rc=0 ") && !$0.hasSuffix(" rc=0") }
    }

    /// The last lines of the whole log, for failure messages.
    var tail: String { text.split(separator: "\n").suffix(40).joined(separator: "\n") }
}
