import Foundation
import Glibc
import SwapInspectTestSupport
import Testing

/// Names and labels inside an image are the image author's: ESC sequences, OSC titles, newlines and
/// invalid UTF-8 must not reach the terminal. The text of `image --scan` over such an image has no
/// control character but the newlines between lines, and as many lines as the same image with tame names.
@Suite struct HostileImageTests {
    /// A colour, a window title, a forged verdict line, a carriage return and a byte that is no UTF-8.
    static let hostileName = "sw\u{1B}[31mred\u{1B}]0;title\u{07}\nfake: would activate\r\u{FF}"

    /// An image with /swapfile (fstab-less, found by its usual name) and a second swap file under
    /// `name` in /data (found by --scan), the file system labelled `fsLabel`, the swap areas `swapLabel`.
    static func image(_ scratch: Scratch, tag: String, name: String, fsLabel: String, swapLabel: String) throws -> String {
        let root = try scratch.directory("root-\(tag)")
        try FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
        try Fixtures.swapFile(root + "/swapfile", bytes: 1 << 20, label: swapLabel)
        let hidden = scratch.file("hidden-\(tag)")
        try Fixtures.swapFile(hidden, bytes: 1 << 20, uuid: "0ddba11c-0000-4000-8000-000000000002", label: swapLabel)
        // The name as bytes (\xFF is no UTF-8): through the shell's printf, not a Swift String.
        let octal = name.unicodeScalars.map { $0.value == 0xFF ? "\\377" : String($0) }.joined()
            .replacingOccurrences(of: "\u{1B}", with: "\\033").replacingOccurrences(of: "\u{07}", with: "\\007")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
        try Tool.sh("mv '\(hidden)' \"\(root)/data/$(printf '\(octal)')\"")
        let image = scratch.file("\(tag).img")
        try Fixtures.filesystem(image, sizeMiB: 16, root: root, label: fsLabel)
        return image
    }

    @Test func testHostileNamesAndLabelsAreEscapedAndLinesStayLines() throws {
        let scratch = try Scratch()
        let tame = try Self.image(scratch, tag: "tame", name: "plain-name-of-the-same-length", fsLabel: "plainlabel", swapLabel: "swaplabel")
        let hostile = try Self.image(
            scratch, tag: "hostile", name: Self.hostileName, fsLabel: "\u{1B}[31m\u{1B}]0;x\u{07}", swapLabel: "\u{1B}]0;t\u{07}\nX")
        let tameRun = try BuiltBinary.run(["image", "--scan", "--no-fsck", tame])
        let hostileRun = try BuiltBinary.run(["image", "--scan", "--no-fsck", hostile])
        for run in [tameRun, hostileRun] {
            // Both swap files would activate (a warning at most, for the owner when not run as root).
            #expect(run.status == 0, "\(run)")
            #expect(run.stderr.isEmpty, "\(run)")
        }
        let controls = hostileRun.stdout.filter { $0 < 0x20 && $0 != 0x0A || $0 == 0x7F }
        #expect(controls.isEmpty, "control bytes \(controls) in\n\(hostileRun.stdoutText)")
        #expect(hostileRun.stdoutText.contains("\\x1b[31mred\\x1b]0;title\\x07\\x0afake: would activate"), "\(hostileRun.stdoutText)")
        // No forged verdict line: every line that ends a verdict belongs to a path the image has.
        let verdicts = hostileRun.stdoutText.split(separator: "\n").filter { $0.contains(": would ") && !$0.hasPrefix(" ") }
        #expect(verdicts.count == 2, "\(verdicts)")
        #expect(!hostileRun.stdoutText.split(separator: "\n").contains { $0.hasPrefix("fake:") })
        #expect(
            hostileRun.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).count
                == tameRun.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).count,
            "\(tameRun.stdoutText)\n---\n\(hostileRun.stdoutText)")
        // JSON keeps the name exactly (its own escaping), and is one document.
        let (json, document) = try BuiltBinary.json(["image", "--scan", "--no-fsck", hostile])
        #expect(json.status == 0)
        let paths = (document["reports"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(paths.contains { $0.hasPrefix("/data/sw\u{1B}[31mred") && $0.contains("\nfake: would activate\r") }, "\(paths)")
    }

    /// A missing hostile --path: the error is one escaped line on stderr.
    @Test func testHostileErrorIsOneLine() throws {
        let scratch = try Scratch()
        let image = try Self.image(scratch, tag: "err", name: "x", fsLabel: "l", swapLabel: "s")
        let run = try BuiltBinary.run(["image", "--no-fsck", "--path", "/nope\u{1B}]0;t\u{07}\nfake: would activate", image])
        #expect(run.status == 2, "\(run)")
        #expect(run.stderrLines.count == 1, "\(run)")
        #expect(!run.stderr.utf8.contains { $0 < 0x20 && $0 != 0x0A }, "\(run)")
    }

    @Test func testWritingToAFullDeviceIsExitTwo() throws {
        let scratch = try Scratch()
        let image = try Self.image(scratch, tag: "full", name: "x", fsLabel: "l", swapLabel: "s")
        for arguments in [["image", "--json", image], ["image", image]] {
            let run = try Runner.run("/bin/sh", ["-c", "exec \"$0\" \"$@\" >/dev/full", BuiltBinary.path] + arguments)
            #expect(run.status == 2, "\(run)")
            #expect(run.stderrLines == ["swapinspect: stdout: write error: No space left on device"], "\(run)")
        }
    }
}
