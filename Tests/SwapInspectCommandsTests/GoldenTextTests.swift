import Foundation
import SwapInspectCore
import Testing

@testable import SwapInspectCommands

/// The text renderer against committed golden files, from fixed facts (no I/O but the golden files).
/// `SWAPINSPECT_RECORD=1 swift test --filter GoldenTextTests` rewrites them.
@Suite("golden text output")
struct GoldenTextTests {
    static let page = 4096
    static let mebibyte: UInt64 = 1 << 20

    /// A `SWAPSPACE2` v1 little-endian header page as mkswap writes it, followed by zeros up to 64 KiB.
    static func header(lastPage: UInt32, badPages: [UInt32] = [], label: String? = nil) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: SwapHeaderLayout.probeLength)
        func put(_ value: UInt32, at offset: Int) {
            for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
        }
        put(1, at: SwapHeaderLayout.versionOffset)
        put(lastPage, at: SwapHeaderLayout.lastPageOffset)
        put(UInt32(badPages.count), at: SwapHeaderLayout.nrBadPagesOffset)
        let uuid: [UInt8] = [0xB4, 0xF7, 0xCE, 0x89, 0x32, 0xF9, 0x4F, 0x0C, 0x94, 0xB2, 0x59, 0x63, 0xF9, 0x68, 0x31, 0xA4]
        bytes.replaceSubrange(SwapHeaderLayout.uuidOffset..<SwapHeaderLayout.uuidOffset + 16, with: uuid)
        if let label {
            let text = Array(label.utf8.prefix(SwapHeaderLayout.labelLength - 1))
            bytes.replaceSubrange(SwapHeaderLayout.labelOffset..<SwapHeaderLayout.labelOffset + text.count, with: text)
        }
        for (index, bad) in badPages.enumerated() { put(bad, at: SwapHeaderLayout.badPagesOffset + 4 * index) }
        let magic = Array("SWAPSPACE2".utf8)
        bytes.replaceSubrange(page - magic.count..<page, with: magic)
        return bytes
    }

    static let ext4 = FilesystemFacts(
        kind: FilesystemCatalog.classify(magic: FilesystemMagic.ext, mountType: "ext4", ext4Driver: true),
        blockSize: 4096, device: "/dev/vda")

    /// 64 MiB in one extent, 0600 root: the plain good case.
    static func okOneExtent() -> Report {
        let size = 64 * mebibyte
        let facts = AreaFacts(
            path: "/swapfile", kind: .file, size: size, mode: 0o600, uid: 0, gid: 0, filesystem: ext4,
            headerBytes: header(lastPage: UInt32(size / UInt64(page)) - 1, label: "golden"),
            extents: [FileExtent(logical: 0, physical: 4_065_090 * UInt64(page), length: size, flags: [.last])],
            source: .fiemap, nonRotational: true, priority: -2, allocatedBytes: size)
        return Inspector.inspect(facts, options: InspectOptions(pageSize: page))
    }

    /// 24 MiB in 24 separate 1 MiB extents, one of them unwritten: the extent table is abbreviated.
    static func fragmented() -> Report {
        let size = 24 * mebibyte
        let extents = (0..<24).map { index -> FileExtent in
            var flags: ExtentFlags = index == 23 ? [.last] : []
            if index == 7 { flags.insert(.unwritten) }
            return FileExtent(
                logical: UInt64(index) * mebibyte, physical: (1_000_000 + UInt64(index) * 300) * UInt64(page),
                length: mebibyte, flags: flags)
        }
        let facts = AreaFacts(
            path: "/var/swap/fragmented", kind: .file, size: size, mode: 0o600, uid: 0, gid: 0, filesystem: ext4,
            headerBytes: header(lastPage: UInt32(size / UInt64(page)) - 1), extents: extents, source: .fiemap,
            priority: -3, allocatedBytes: size)
        return Inspector.inspect(facts, options: InspectOptions(pageSize: page))
    }

    /// World-readable, owned by a user, and with a hole in the middle: refused, with fixes.
    static func refused() -> Report {
        let size = 32 * mebibyte
        let facts = AreaFacts(
            path: "/home/alice/swapfile", kind: .file, size: size, mode: 0o644, uid: 1000, gid: 1000,
            filesystem: ext4, headerBytes: header(lastPage: UInt32(size / UInt64(page)) - 1),
            extents: [
                FileExtent(logical: 0, physical: 2_000_000 * UInt64(page), length: 8 * mebibyte),
                FileExtent(logical: 12 * mebibyte, physical: 2_004_096 * UInt64(page), length: 20 * mebibyte, flags: [.last]),
            ],
            source: .fiemap, priority: -2, allocatedBytes: 28 * mebibyte)
        return Inspector.inspect(facts, options: InspectOptions(pageSize: page))
    }

    static func render(_ report: Report, allExtents: Bool = false) -> String {
        var buffer = OutputBuffer(fd: nil)
        TextRenderer(colour: false, allExtents: allExtents).render(report, into: &buffer)
        return buffer.text
    }

    enum Case: String, CaseIterable, Sendable {
        case okOneExtent = "ok-one-extent"
        case fragmentedAbbreviated = "fragmented-abbreviated"
        case refusedWithFixes = "refused-with-fixes"

        var report: Report {
            switch self {
            case .okOneExtent: GoldenTextTests.okOneExtent()
            case .fragmentedAbbreviated: GoldenTextTests.fragmented()
            case .refusedWithFixes: GoldenTextTests.refused()
            }
        }
    }

    @Test(arguments: Case.allCases)
    func textMatchesGolden(_ golden: Case) throws {
        try Golden.compare(Self.render(golden.report), name: golden.rawValue)
    }

    /// --extents shows every row; without it the table keeps the first and last rows and says how many it hid.
    @Test func abbreviatedTableKeepsBothEnds() {
        let report = Self.fragmented()
        let count = report.activation?.extents.count ?? 0
        #expect(count > 2 * TextRenderer.abbreviatedRows)
        let short = Self.render(report)
        let long = Self.render(report, allExtents: true)
        #expect(short.contains("… \(count - 2 * TextRenderer.abbreviatedRows) more (--extents shows all)"))
        #expect(!long.contains("more (--extents shows all)"))
        let rows = { (text: String) in text.split(separator: "\n").filter { $0.hasPrefix("        ") }.count }
        #expect(rows(short) == 2 * TextRenderer.abbreviatedRows)
        #expect(rows(long) == count)
    }

    /// No colour unless asked; the renderer paints only when told (a terminal without NO_COLOR).
    @Test func noEscapeSequencesWithoutColour() {
        for report in [Self.okOneExtent(), Self.fragmented(), Self.refused()] {
            #expect(!Self.render(report).contains("\u{1B}"))
            var buffer = OutputBuffer(fd: nil)
            TextRenderer(colour: true, allExtents: false).render(report, into: &buffer)
            #expect(buffer.text.contains("\u{1B}["))
        }
    }
}

enum Golden {
    static var recording: Bool { ProcessInfo.processInfo.environment["SWAPINSPECT_RECORD"] == "1" }

    static func compare(_ actual: String, name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = Paths.golden.appendingPathComponent("\(name).txt")
        if recording {
            try FileManager.default.createDirectory(at: Paths.golden, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            print("recorded \(url.path)")
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record(
                "golden file \(url.path) is missing; record it with SWAPINSPECT_RECORD=1 swift test --filter GoldenTextTests",
                sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            Issue.record(
                """
                text output differs from \(url.path) (- golden, + actual); if the change is intended, re-record \
                with SWAPINSPECT_RECORD=1 swift test --filter GoldenTextTests
                \(diff(expected, actual))
                """, sourceLocation: sourceLocation)
        }
    }

    /// A line diff (longest common subsequence), unified-style without hunks: ` ` same, `-` golden, `+` actual.
    static func diff(_ old: String, _ new: String) -> String {
        let a = old.components(separatedBy: "\n")
        let b = new.components(separatedBy: "\n")
        var lcs = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var lines: [String] = []
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                lines.append("  " + a[i]); i += 1; j += 1
            } else if i < a.count, j == b.count || lcs[i + 1][j] >= lcs[i][j + 1] {
                lines.append("- " + a[i]); i += 1
            } else {
                lines.append("+ " + b[j]); j += 1
            }
        }
        return lines.joined(separator: "\n")
    }
}
