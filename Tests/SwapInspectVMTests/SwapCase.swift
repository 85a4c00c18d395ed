import Foundation
import Glibc
import Testing

/// One `vm_swap_case` of the guest (Tests/VM/lib.sh): `swapinspect inspect --json FILE`, then the guest
/// kernel's swapon(2) of FILE, its kernel log and its /proc/swaps line.
struct SwapCase {
    var name: String
    /// reports[0] of the inspect document.
    var report: [String: Any]
    var inspectStatus: Int
    /// busybox swapon's exit status and its error line ("swapon: FILE: Invalid argument").
    var swaponStatus: Int
    var swaponError: String
    var kernelLog: [String]
    var procSwaps: String?

    /// The case's records, or nil with the reason when the guest did not print them all.
    init(_ name: String, in log: SerialLog) throws {
        self.name = name
        guard let swapon = log.record("\(name).swapon"), let status = log.record("\(name).inspect-rc"),
            let json = log.record("\(name).inspect")
        else {
            throw CaseError("\(name): the guest printed no complete record (a step failed?)\n\(log.tail)")
        }
        let document = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        guard let report = (document?["reports"] as? [[String: Any]])?.first else {
            throw CaseError("\(name): no report in the inspect JSON: \(json)")
        }
        self.report = report
        inspectStatus = Int(status) ?? -1
        swaponStatus = Int(swapon.prefix { $0 != " " }) ?? -1
        swaponError = String(swapon.drop { $0 != " " }.dropFirst())
        kernelLog = log.lines("\(name).dmesg")
        procSwaps = log.record("\(name).procswaps")
    }

    var activation: [String: Any] { report["activation"] as? [String: Any] ?? [:] }
    var predictedOK: Bool? { activation["ok"] as? Bool }
    var predictedLog: String? { activation["kernelLog"] as? String }
    var predictedErrno: String? { activation["errno"] as? String }
    var blockSize: Int? { (report["filesystem"] as? [String: Any])?["blockSize"] as? Int }
    var resumeOffset: Int? { report["resumeOffset"] as? Int }

    /// The kernel's "Adding …" line (its trailing blank, where no flag follows, removed).
    var addingLine: String? {
        kernelLog.first { $0.hasPrefix("Adding ") }.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The swap extents the kernel reported in its "Adding" line.
    var kernelExtents: Int? {
        addingLine.flatMap { line in line.split(separator: " ").first { $0.hasPrefix("extents:") } }
            .flatMap { Int($0.dropFirst("extents:".count)) }
    }

    /// Every way the prediction and the kernel's verdict differ (empty when they agree).
    func mismatches() -> [String] {
        var problems: [String] = []
        let kernelOK = swaponStatus == 0
        guard let predictedOK else { return ["\(name): inspect could not judge (exit \(inspectStatus)): \(report["undetermined"] ?? "")"] }
        if inspectStatus == 2 { problems.append("\(name): inspect exit status 2") }
        if predictedOK != kernelOK {
            problems.append("\(name): predicted ok=\(predictedOK), the kernel's swapon: \(kernelOK ? "activated" : swaponError); kernel log: \(kernelLog)")
        }
        if kernelOK {
            if addingLine == nil { problems.append("\(name): swapon succeeded but the kernel logged no Adding line: \(kernelLog)") }
            if predictedLog != addingLine {
                problems.append("\(name): predicted '\(predictedLog ?? "nil")', the kernel logged '\(addingLine ?? "nothing")'")
            }
            if let pages = activation["pages"] as? Int, let line = procSwaps {
                let size = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst(2).first.flatMap { Int($0) }
                if size != pages * 4 { problems.append("\(name): predicted \(pages) pages, /proc/swaps says \(line)") }
            }
        } else {
            if let predictedLog, !kernelLog.contains(predictedLog) {
                problems.append("\(name): predicted the refusal '\(predictedLog)', the kernel logged \(kernelLog)")
            }
            if let name = predictedErrno, let text = Self.strerror(name), !swaponError.hasSuffix(": \(text)") {
                problems.append("\(self.name): predicted \(name) (\(text)), swapon said '\(swaponError)'")
            }
        }
        return problems
    }

    /// strerror(3) of the errno names swapon(2) returns.
    static func strerror(_ name: String) -> String? {
        let numbers: [String: Int32] = [
            "EINVAL": EINVAL, "EPERM": EPERM, "EBUSY": EBUSY, "ENOENT": ENOENT, "ENOMEM": ENOMEM, "ETXTBSY": ETXTBSY,
            "EEXIST": EEXIST, "EROFS": EROFS, "EACCES": EACCES, "EFBIG": EFBIG, "ENOSPC": ENOSPC, "EIO": EIO,
        ]
        return numbers[name].map { String(cString: Glibc.strerror($0)) }
    }
}

struct CaseError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
