import Foundation
import Glibc
import SwapInspectCore
import SwapInspectTestSupport
import Testing

extension SwapInspectKernelTests {
    /// `list` against util-linux's `swapon --show` on real active areas, and its Prometheus output
    /// against `promtool check metrics`, with names that need escaping in both.
    @Suite("list as swapon --show, and --format=prometheus", .serialized)
    struct ListOutput {
        /// Names with a space, quotes, a tab, a backslash and UTF-8; sizes that round (1.3M, 20.5M, 24M).
        static let areas: [(name: String, kibibytes: Int)] = [
            ("swap file", 24 << 10), ("quote\"d'.swap", 1300), ("tab\there", 20992), ("back\\slash é", 4096),
        ]

        /// Runs `body` with the areas active, the prefix of their paths, and their canonical paths.
        static func withActiveAreas(_ body: (_ prefix: String, _ paths: [String]) throws -> Void) throws {
            try LoopFilesystem.with(.ext4(blockSize: 4096, sizeMiB: 128)) { filesystem in
                var paths: [String] = []
                defer { for path in paths { ensureInactive(path) } }
                for area in areas {
                    let path = filesystem.path(area.name)
                    try Tool.run("dd", ["if=/dev/zero", "of=\(path)", "bs=1024", "count=\(area.kibibytes)", "status=none"])
                    try SwapFile.chmod600(path)
                    try SwapFile.mkswap(path)
                    paths.append(path)
                    try Tool.run("swapon", [path])
                }
                try body(try Kernel.canonicalPath(filesystem.path("")), try paths.map { try Kernel.canonicalPath($0) })
            }
        }

        @Test func rawColumnsAreSwaponsBytes() throws {
            let swapon = try #require(Runner.tool("swapon"))
            try Self.withActiveAreas { _, paths in
                let columns = "NAME,TYPE,SIZE,USED,PRIO"
                // Other areas of the machine may come and go meanwhile: compare when /proc/swaps stayed the
                // same around both runs (a few tries), and always the lines of our own areas.
                var ours = try BuiltBinary.run(["list", "--output=\(columns)", "--noheadings", "--raw"])
                var theirs = try Runner.run(swapon, ["--show=\(columns)", "--noheadings", "--raw"])
                for _ in 0..<3 where ours.stdout != theirs.stdout {
                    let before = try activeSwaps()
                    theirs = try Runner.run(swapon, ["--show=\(columns)", "--noheadings", "--raw"])
                    ours = try BuiltBinary.run(["list", "--output=\(columns)", "--noheadings", "--raw"])
                    if try activeSwaps() != before { continue }
                    break
                }
                #expect(ours.status == 0, "\(ours)")
                #expect(theirs.status == 0, "\(theirs)")
                #expect(ours.stdout == theirs.stdout, "list:\n\(ours.stdoutText)swapon --show:\n\(theirs.stdoutText)")
                let mine = { (text: String) in text.split(separator: "\n").filter { line in paths.contains { line.hasPrefix(rawEscaped($0) + " ") } } }
                #expect(mine(ours.stdoutText).count == paths.count, "\(ours.stdoutText)")
                #expect(mine(ours.stdoutText) == mine(theirs.stdoutText))
                #expect(ours.stdoutText.contains("\\x20file\\x20") == false)
                #expect(ours.stdoutText.contains("swap\\x20file file 24M 0B "), "\(ours.stdoutText)")
                #expect(ours.stdoutText.contains("tab\\x09here file 20.5M 0B "), "\(ours.stdoutText)")
                #expect(ours.stdoutText.contains("back\\x5cslash\\x20\\xc3\\xa9 file 4M 0B "), "\(ours.stdoutText)")
                #expect(ours.stdoutText.contains("quote\"d'.swap file 1.3M 0B "), "\(ours.stdoutText)")

                // With headings, and --bytes as swapon's.
                let headed = try BuiltBinary.run(["list", "--output=\(columns)", "--raw", "--bytes"])
                let swaponHeaded = try Runner.run(swapon, ["--show=\(columns)", "--raw", "--bytes"])
                #expect(headed.stdoutText.hasPrefix("NAME TYPE SIZE USED PRIO\n"))
                #expect(mine(headed.stdoutText) == mine(swaponHeaded.stdoutText), "\(headed.stdoutText)\n\(swaponHeaded.stdoutText)")
            }
        }

        // With CI=true it runs without promtool too, and fails there (the Makefile installs prometheus).
        @Test(.enabled(if: Runner.tool("promtool") != nil || KernelPrerequisites.requiredByCI, "promtool (Debian package prometheus) is not installed"))
        func prometheusTextfilePassesPromtool() throws {
            let promtool = try #require(Runner.tool("promtool"), "promtool (Debian package prometheus) is not installed")
            try Self.withActiveAreas { prefix, paths in
                let directory = try TemporaryDirectory(prefix: "swapinspect-textfile")
                defer { directory.remove() }
                let file = directory.path + "/swapinspect.prom"
                for arguments in [["list"], ["inspect"] + paths] {
                    let run = try BuiltBinary.run(arguments + ["--format=prometheus", "--output-file", file])
                    #expect(run.status == 0, "\(arguments): \(run)")
                    #expect(run.stdout.isEmpty, "--output-file writes nothing on stdout")
                    let text = try String(contentsOfFile: file, encoding: .utf8)
                    let check = try Runner.run("/bin/sh", ["-c", "\"$0\" check metrics < \"$1\"", promtool, file])
                    #expect(check.status == 0, "promtool check metrics: \(check)\n\(text)")
                    for path in paths {
                        let label = "path=\"\(path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\",type=\"file\""
                        #expect(text.contains("swapinspect_area_would_activate{\(label)} 1"), "\(path): \(text)")
                        #expect(text.contains("swapinspect_area_extents{\(label)} "), "\(path)")
                        #expect(text.contains("swapinspect_area_findings{\(label),code=\"in-use\",severity=\"info\"} 1"), "\(path)")
                    }
                    #expect(text.contains("swapinspect_area_pages{path=\"\(prefix)/swap file\",type=\"file\"} 6143"), "\(text)")
                    #expect(text.contains("swapinspect_errors 0\n"))
                    // Only the target is left in the directory: the temporary file was renamed over it.
                    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["swapinspect.prom"])
                    var info = stat()
                    #expect(stat(file, &info) == 0 && info.st_mode & 0o777 == 0o644, "readable by node_exporter")
                }
            }
        }

        /// `deactivate <TAB>` offers the areas of /proc/swaps (and no other file), in each shell.
        @Test(arguments: CompletionDriver.Shell.allCases)
        func deactivateCompletesTheActiveAreas(_ shell: CompletionDriver.Shell) throws {
            guard CompletionDriver.available(shell) || KernelPrerequisites.requiredByCI else {
                print("skipping deactivate completion in \(shell): \(shell) is not installed")
                return
            }
            let driver = try CompletionDriver()
            defer { driver.remove() }
            try Self.withActiveAreas { prefix, paths in
                let offered = try driver.candidates(shell, "swapinspect deactivate ", in: prefix)
                // A tab in a name is beyond what the shells' completion lists carry (they split on it).
                for path in paths where !path.contains("\t") {
                    #expect(offered.contains(path), "\(shell): \(path) not in \(offered.sorted())")
                }
                #expect(offered.allSatisfy { !$0.hasSuffix("/") }, "\(shell): directories offered: \(offered.sorted())")
            }
        }
    }
}

/// A name as libsmartcols' raw output writes it (`fputs_nonblank`), written out here independently.
private func rawEscaped(_ name: String) -> String {
    name.utf8.map { byte in
        (0x21...0x7E).contains(byte) && byte != 0x5C ? String(UnicodeScalar(byte)) : String(format: "\\x%02x", byte)
    }.joined()
}
