import Foundation
import SwapInspectCore
import SwapInspectTestSupport
import Testing

/// The header `create` writes equals mkswap's, byte for byte over the whole first page, for the same
/// page size, size, UUID and label. util-linux 2.38's mkswap has no `--endianness`: where it has, the
/// big-endian header is compared too; else the big-endian writer is checked by the core tests alone.
@Suite("header writer against mkswap")
struct HeaderWriterAgainstMkswap {
    static let uuid = "3c0d5a7e-91b2-4f6e-8a1d-2b4c6e8f0a13"
    static let mkswap = Runner.tool("mkswap")

    static var orders: [ByteOrder] {
        guard let mkswap, let help = try? Runner.run(mkswap, ["--help"]), help.stdoutText.contains("--endianness") else { return [.native] }
        return [.little, .big]
    }

    @Test(.enabled(if: mkswap != nil, "mkswap is not installed"), arguments: [4096, 16384, 65536], ["swap", "0123456789abcde", nil])
    func firstPageEqualsMkswaps(pageSize: Int, label: String?) throws {
        let dir = try Scratch.directory()
        defer { _ = TemporaryDirectory.removeTree(dir) }
        let pages: UInt64 = 300
        for order in Self.orders {
            let path = dir + "/area-\(order.rawValue)"
            try Scratch.writeZeros(path, bytes: Int(pages) * pageSize)
            var arguments = ["-q", "-p", "\(pageSize)", "-U", Self.uuid]
            if let label { arguments += ["-L", label] }
            if Self.orders.count > 1 { arguments += ["--endianness", order == .little ? "little" : "big"] }
            let made = try Runner.run(try #require(Self.mkswap), arguments + [path])
            try #require(made.status == 0, "\(made)")
            let theirs = Array(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(pageSize))
            let ours = SwapHeaderWriter.page(
                pageSize: pageSize, pages: pages, uuid: try #require(SwapUUID.parse(Self.uuid)), label: label, byteOrder: order)
            let difference = zip(ours, theirs).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            #expect(ours.count == pageSize && theirs.count == pageSize && difference == nil, "\(order): first difference at byte \(difference ?? -1)")
        }
    }
}
