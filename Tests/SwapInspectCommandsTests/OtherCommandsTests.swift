import Foundation
import Glibc
import SwapInspectTestSupport
import Testing

/// `probe`, `list`, and the parts of `activate`/`deactivate` that never change the system
/// (`--dry-run`, areas that are not active). Activation itself is left to the kernel tests.
@Suite("probe, list, activate --dry-run, deactivate")
struct OtherCommandsTests {
    static func swaps() throws -> String { try String(contentsOfFile: "/proc/swaps", encoding: .utf8) }

    /// Whatever a broken `activate` might have done to our file, undo it (only for paths we created).
    static func swapoffIfActive(_ paths: [String]) {
        ActiveSwaps.deactivateIfActive(paths)
    }

    @Test func probeExitCodesAndOneJSONDocument() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (good, random, p64, fifo) = try Scenario.probeInputs(dir)
        let missing = dir.file("missing")
        let cases: [([String], Int32, String?)] = [
            ([good], 0, nil), ([random], 1, "no-signature"), (["--page-size", "4096", p64], 1, "pagesize-mismatch"),
            (["--page-size", "65536", p64], 0, nil), ([fifo], 1, "not-regular-file"), ([missing], 2, nil),
            ([good, missing, random], 2, "no-signature"),
        ]
        let inputs = [good, random, p64]
        let before = inputs.map(Snapshot.init)
        for (arguments, status, code) in cases {
            let text = try Runner.swapinspect(["probe"] + arguments, timeout: 20)
            #expect(!text.timedOut && text.status == status, "probe \(arguments): \(text)")
            let json = try Runner.swapinspect(["probe", "--json"] + arguments, timeout: 20)
            #expect(!json.timedOut && json.status == status, "probe --json \(arguments): \(json)")
            let (document, _) = try checkDocument(json, "probe \(arguments)")
            let probes = try #require(document["probes"] as? [[String: Any]], "\(json)")
            let codes = probes.flatMap(DocumentRules.codes)
            if let code { #expect(codes.contains(code), "probe \(arguments): \(json)") }
            let failing = arguments.filter { $0 == missing }
            #expect(json.stderrLines.count == failing.count, "\(json)")
            for line in json.stderrLines { #expect(line.hasPrefix("swapinspect: \(missing): "), "\(line)") }
        }
        #expect(inputs.map(Snapshot.init) == before)
    }

    /// `list --json` (whatever is active on this machine) follows the same schema as `inspect --json`.
    @Test(.swapStateExclusive) func listFollowsTheSchema() throws {
        let before = try Self.swaps()
        let result = try Runner.swapinspect(["list", "--json"])
        let (top, reports) = try checkDocument(result, "list")
        #expect(DocumentRules.expectedStatus(top, strict: false) == result.status, "\(result)")
        // Other tests may activate or deactivate areas meanwhile: judge only those active before and after.
        let after = try Self.swaps()
        for report in reports {
            guard let path = report["path"] as? String, before.contains(path + " "), after.contains(path + " ") else { continue }
            #expect(DocumentRules.codes(report).contains("in-use"), "an active area carries in-use: \(path)")
        }
        let text = try Runner.swapinspect(["list"])
        #expect(text.status == result.status)
    }

    @Test func activateDryRunNeverActivates() throws {
        let dir = try TemporaryDirectory()
        let (good, random) = try Scenario.goodAndRandom(dir)
        defer {
            Self.swapoffIfActive([good, random])
            dir.remove()
        }
        let before = [good, random].map(Snapshot.init)

        let ok = try Runner.swapinspect(["activate", "--dry-run", good])
        #expect(ok.status == 0, "\(ok)")
        #expect(ok.stdoutText.contains("dry run"), "\(ok)")
        let okJSON = try Runner.swapinspect(["activate", "--dry-run", "--json", "--priority", "5", "--discard=once", good])
        #expect(okJSON.status == 0, "\(okJSON)")
        let (document, _) = try checkDocument(okJSON, "activate --dry-run")
        let action = try #require(document["action"] as? [String: Any], "\(okJSON)")
        #expect(action["performed"] as? Bool == false)
        #expect(action["dryRun"] as? Bool == true)
        // SWAP_FLAG_PREFER | 5 | SWAP_FLAG_DISCARD | SWAP_FLAG_DISCARD_ONCE
        #expect(action["flags"] as? Int == 0x8000 | 5 | 0x10000 | 0x20000)

        let refused = try Runner.swapinspect(["activate", "--dry-run", random])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stdoutText.contains("no-signature"), "\(refused)")

        // Other tests may activate their own areas meanwhile: look only for ours.
        let swaps = try Self.swaps()
        #expect(!swaps.contains(good) && !swaps.contains(random), "a dry run activated swap")
        #expect([good, random].map(Snapshot.init) == before)
    }

    @Test func deactivateOfAnInactiveArea() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let good = try Scenario.good(dir)
        let strict = try Runner.swapinspect(["deactivate", good])
        #expect(strict.status == 1, "\(strict)")
        #expect(strict.stderrLines.count == 1 && strict.stderr.hasPrefix("swapinspect: \(good): "), "\(strict)")
        let relaxed = try Runner.swapinspect(["deactivate", "--if-needed", "--json", good])
        #expect(relaxed.status == 0, "\(relaxed)")
        let (document, _) = try checkDocument(relaxed, "deactivate --if-needed")
        let action = try #require(document["action"] as? [String: Any])
        #expect(action["alreadyInState"] as? Bool == true)
        #expect(action["performed"] as? Bool == false)
        #expect(!(try Self.swaps()).contains(good))
    }

    /// `image` on an ext4 image built with `mke2fs -d` (no root, no mount): the schema's document with
    /// the `image` key, the image unchanged, a missing image exit 2, conflicting options exit 64.
    @Test(.enabled(if: Runner.tool("mke2fs") != nil, "mke2fs (e2fsprogs) is not installed"))
    func imageFollowsTheSchema() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (_, image) = try Fixture.ext4ImageWithSwapFile(dir)
        let before = Snapshot(image)

        let result = try Runner.swapinspect(["image", "--json", image])
        let (document, reports) = try checkDocument(result, "image")
        #expect(DocumentRules.expectedStatus(document, strict: false) == result.status, "\(result)")
        let report = try #require(reports.first { $0["path"] as? String == "/swapfile" }, "\(result)")
        #expect(report["source"] as? String == "ext2fs")
        #expect(report["image"] is [String: Any], "image reports carry the image key: \(result)")
        #expect((report["activation"] as? [String: Any])?["ok"] as? Bool == true, "\(result)")
        #expect(result.status == 0, "\(result)")
        let text = try Runner.swapinspect(["image", image])
        #expect(text.status == result.status, "\(text)")
        #expect(Snapshot(image) == before, "the image changed")

        let missing = try Runner.swapinspect(["image", "--json", dir.file("missing.img")])
        #expect(missing.status == 2, "\(missing)")
        #expect(missing.stderrLines.count == 1 && missing.stderr.hasPrefix("swapinspect: \(dir.file("missing.img")): "), "\(missing)")
        let (missingDocument, _) = try checkDocument(missing, "image of a missing file")
        #expect((missingDocument["errors"] as? [[String: Any]])?.map { $0["path"] as? String } == [dir.file("missing.img")], "\(missing)")
        let conflicting = try Runner.swapinspect(["image", "--partition", "1", "--offset", "0", image])
        #expect(conflicting.status == 64 && conflicting.stdout.isEmpty, "\(conflicting)")
    }
}
